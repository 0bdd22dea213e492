/**
 * A small import scanner for our own TypeScript: every `import … from`,
 * `export … from`, `import('…')` and side-effect `import '…'` with a relative
 * specifier, resolved to a file the way the bundler does (x.ts, x.tsx,
 * x/index.ts). Type-only imports count for layering and cycles: they tie the
 * files' descriptions together as much as value imports do; they are marked,
 * because the bundler drops them. Package imports (node:, react, zod, …) are
 * kept as external edges, so a test can see what reaches Node built-ins.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import: `from` a repo-relative path with forward slashes; `to` likewise, or the package name when external. */
export interface ImportEdge {
  from: string;
  to: string;
  /** Line number of the import in `from`, 1-based. */
  line: number;
  /** `import type …`, `export type … from`, or a list of `type` names only: erased when compiled. */
  typeOnly: boolean;
  /** A package or Node built-in (react, zod, node:fs, …), not a file of ours. */
  external: boolean;
}

const SOURCE = /\.(ts|tsx)$/;
// `import x from '…'`, `import type {…} from '…'`, `export * from '…'`, multi-line lists included.
// Groups: 1 `type`, 2 the clause before `from`, 3 the specifier.
const STATIC = /(?:^|[;\n])\s*(?:import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?['"]([^'"\n]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** True for `{ type A, type B as C }`: every name imported is a type. */
function onlyTypeNames(clause: string | undefined): boolean {
  const m = clause ? /^\{([\s\S]*)\}$/.exec(clause.trim()) : null;
  if (!m) return false;
  const names = m[1].split(',').map((n) => n.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveSpecifier(fromFile: string, spec: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  const candidates = SOURCE.test(base) ? [base] : [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** Blank out comments so an example import in a comment is not an edge; keeps line numbers. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

/** Every relative import of the .ts/.tsx files under `roots` (folders relative to `repo`). */
export function scanImports(repo: string, roots: string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const rel = (p: string) => relative(repo, p).split(sep).join('/');
  for (const root of roots) {
    const dir = join(repo, root);
    if (!existsSync(dir)) continue;
    for (const file of listSources(dir)) {
      const text = stripComments(readFileSync(file, 'utf8'));
      const found: { spec: string; at: number; typeOnly: boolean }[] = [];
      STATIC.lastIndex = 0;
      for (let m = STATIC.exec(text); m; m = STATIC.exec(text))
        found.push({ spec: m[3], at: m.index + m[0].lastIndexOf(m[3]), typeOnly: !!m[1] || onlyTypeNames(m[2]) });
      DYNAMIC.lastIndex = 0;
      for (let m = DYNAMIC.exec(text); m; m = DYNAMIC.exec(text)) found.push({ spec: m[1], at: m.index, typeOnly: false });
      for (const { spec, at, typeOnly } of found) {
        const line = text.slice(0, at).split('\n').length;
        if (!spec.startsWith('.')) {
          edges.push({ from: rel(file), to: spec, line, typeOnly, external: true });
          continue;
        }
        if (/\.(css|json|svg|png|html)$/.test(spec)) continue; // assets, not modules of ours
        const target = resolveSpecifier(file, spec);
        if (!target) throw new Error(`${rel(file)}:${line}: cannot resolve import '${spec}'`);
        edges.push({ from: rel(file), to: rel(target), line, typeOnly, external: false });
      }
    }
  }
  return edges;
}

/**
 * Import cycles among files: each strongly connected component of more than one
 * file (Tarjan), given as one closed path through it so the message names edges.
 */
export function findCycles(allEdges: ImportEdge[]): string[][] {
  const edges = allEdges.filter((e) => !e.external);
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
    if (!next.has(e.to)) next.set(e.to, []);
  }
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || next.get(v)!.includes(v)) components.push(comp);
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  // One cycle through each component: breadth-first from its first file back to itself.
  return components.map((comp) => {
    const inComp = new Set(comp);
    const start = [...comp].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    let end: string | null = null;
    while (queue.length && end === null) {
      const v = queue.shift()!;
      for (const w of next.get(v)!) {
        if (!inComp.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = end!; v !== start; v = prev.get(v)!) path.splice(1, 0, v);
    return [...path, start];
  });
}

/**
 * The layout DESIGN.md asks for, checked on the import graph of electron/,
 * native-tools/ and renderer/: no import cycles, and a folder imports only
 * folders below it. VASCO_LAYERS_REPO=DIR runs the same checks on another
 * checkout (e.g. a `git archive` export of an older commit).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, scanImports, type ImportEdge } from './import-graph';

const REPO = resolve(process.env.VASCO_LAYERS_REPO ?? resolve(__dirname, '../..'));
const ROOTS = ['electron', 'native-tools', 'renderer'];

/**
 * Lowest first; a folder may import its own files and any folder listed
 * before it. core/ (UserError, the stage conventions, CSV) is the floor of
 * shared conventions that even astro/ and fits/ use; fits/ reads and writes
 * FITS and owns the header shape; astro/ (projection, plate solutions, plate
 * identity) is pure and shared with the renderer.
 */
const MAIN_LAYERS: string[][] = [
  ['electron/core'],
  ['electron/fits'],
  ['electron/astro'],
  ['electron/match'],
  ['electron/catalogs'],
  ['native-tools'],
  ['electron/synth'],
  ['electron/acquire'],
  ['electron/cutouts'],
  ['electron/pipeline'],
  ['electron/store'],
  ['electron/export'],
  ['electron/samp'],
  ['electron/api'],
  ['electron/survey'],
  ['electron/host'],
  ['electron/cli'],
  ['electron/main.ts', 'electron/preload.ts'],
];
/** The renderer on its own: lib below the API client, stores, components, the app. */
const RENDERER_LAYERS: string[][] = [
  ['renderer/lib'],
  ['renderer/api'],
  ['renderer/stores'],
  ['renderer/components'],
  ['renderer/App.tsx'],
  ['renderer/main.tsx'],
];
/** Packages the renderer's bundle must never reach: they exist only in the main process. */
const MAIN_ONLY_PACKAGES = /^(node:|electron$|better-sqlite3$|execa$)|^(fs|path|os|child_process|crypto|http|https|net|zlib|url|worker_threads|stream|events|util)(\/|$)/;

/** The layer folder (or top-level file) a file belongs to. */
function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'native-tools') return 'native-tools';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

function rankIn(layers: string[][]): Map<string, number> {
  const rank = new Map<string, number>();
  layers.forEach((units, i) => units.forEach((u) => rank.set(u, i)));
  return rank;
}

const show = (e: ImportEdge) => `${e.from}:${e.line} imports ${e.to}${e.typeOnly ? ' (type only)' : ''}`;

/** Edges that go up the given layers, or leave/enter a unit the layers do not list. */
function upwardEdges(edges: ImportEdge[], layers: string[][]): string[] {
  const rank = rankIn(layers);
  const bad: string[] = [];
  for (const e of edges) {
    if (e.external) continue;
    const a = unitOf(e.from), b = unitOf(e.to);
    if (a === b) continue;
    const ra = rank.get(a), rb = rank.get(b);
    if (ra === undefined || rb === undefined) bad.push(`${show(e)}: ${ra === undefined ? a : b} has no place in the layer list (add it to layers.test.ts)`);
    else if (rb >= ra) bad.push(`${show(e)}: ${a} (layer ${ra}) may not import ${b} (layer ${rb}${rb === ra ? ', same layer' : ', above it'})`);
  }
  return bad;
}

const edges = scanImports(REPO, ROOTS);

describe('the import graph', () => {
  it('sees the code (sanity: the scanner found the known imports)', () => {
    expect(edges.some((e) => e.from === 'electron/pipeline/run.ts' && !e.external)).toBe(true);
    expect(edges.some((e) => e.from.startsWith('renderer/') && e.to.startsWith('electron/'))).toBe(true);
  });

  it('has no import cycles', () => {
    const cycles = findCycles(edges).map((c) => c.join(' -> '));
    expect(cycles, `import cycles:\n  ${cycles.join('\n  ')}`).toEqual([]);
  });

  it('electron/ and native-tools/ import only folders below them', () => {
    const mainSide = edges.filter((e) => !e.from.startsWith('renderer/') && !e.to.startsWith('renderer/'));
    const bad = upwardEdges(mainSide, MAIN_LAYERS);
    expect(bad, `imports against the layers:\n  ${bad.join('\n  ')}`).toEqual([]);
  });

  it('astro/ and fits/ import nothing of ours but core/ (and astro/ the FITS header shape)', () => {
    const bad = edges
      .filter((e) => !e.external && /^electron\/(astro|fits)\//.test(e.from))
      .filter((e) => {
        const to = unitOf(e.to);
        if (to === unitOf(e.from) || to === 'electron/core') return false;
        return !(e.from.startsWith('electron/astro/') && e.to === 'electron/fits/header.ts' && e.typeOnly);
      })
      .map(show);
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('nothing in the main process imports the renderer; the renderer imports within its own layers', () => {
    const intoRenderer = edges.filter((e) => !e.external && e.to.startsWith('renderer/') && !e.from.startsWith('renderer/')).map(show);
    expect(intoRenderer, intoRenderer.join('\n')).toEqual([]);
    const bad = upwardEdges(edges.filter((e) => e.from.startsWith('renderer/') && e.to.startsWith('renderer/')), RENDERER_LAYERS);
    expect(bad, `imports against the renderer's layers:\n  ${bad.join('\n  ')}`).toEqual([]);
  });

  it('what the renderer bundles of electron/ reaches no Node built-in or main-process package', () => {
    // Follow value imports (the bundler drops type-only ones) from every renderer file.
    const out = new Map<string, ImportEdge[]>();
    for (const e of edges) if (!e.typeOnly) (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e);
    const bad: string[] = [];
    const via = new Map<string, string>();
    const queue = [...new Set(edges.filter((e) => e.from.startsWith('renderer/')).map((e) => e.from))];
    queue.forEach((f) => via.set(f, f));
    while (queue.length) {
      const f = queue.shift()!;
      for (const e of out.get(f) ?? []) {
        if (e.external) {
          if (MAIN_ONLY_PACKAGES.test(e.to)) bad.push(`${via.get(f)} -> ${e.from}:${e.line} imports '${e.to}'`);
        } else if (!via.has(e.to)) {
          via.set(e.to, `${via.get(f)} -> ${e.to}`);
          queue.push(e.to);
        }
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it("only electron/main.ts and electron/preload.ts import 'electron'", () => {
    const bad = edges.filter((e) => e.external && e.to === 'electron' && e.from !== 'electron/main.ts' && e.from !== 'electron/preload.ts').map(show);
    expect(bad, bad.join('\n')).toEqual([]);
  });
});

#!/usr/bin/env node
/**
 * The Node-side bundles, built with esbuild:
 *   node scripts/build-node.mjs cli    dist/cli/vasco.mjs: the `vasco` command (bin/vasco.mjs runs it)
 *   node scripts/build-node.mjs main   dist/electron/main.js + preload.cjs + run.mjs: the Electron shell and its run process
 *   node scripts/build-node.mjs        both
 *
 * The CLI bundle is a compiled copy of this checkout, not a relocatable program:
 * every module's `import.meta.url` is rewritten to its source file's address, so
 * code that finds files next to itself (native-tools/config, package.json,
 * dist/renderer, ../shared/data) finds the same files as under tsx, and
 * better-sqlite3 comes from this checkout's node_modules.
 * dist/cli/bundle.json records when the bundle was built and from which files;
 * bin/vasco.mjs falls back to tsx as soon as one of them is newer.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cliOutDir = join(root, 'dist', 'cli');

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', external: ['electron'] };
// Bundled CommonJS dependencies call require() for Node built-ins; ESM output has none.
const requireShim = "import { createRequire as __vascoRequire } from 'node:module'; const require = __vascoRequire(import.meta.url);";

/** Main (ESM; better-sqlite3 stays a real package for its native addon) and the sandboxed preload (CommonJS). */
export async function buildMain() {
  const out = join(root, 'dist', 'electron');
  rmSync(out, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [join(root, 'electron', 'main.ts')],
    format: 'esm',
    external: ['electron', 'better-sqlite3'],
    outfile: join(out, 'main.js'),
    banner: { js: requireShim },
  });
  await build({ ...common, entryPoints: [join(root, 'electron', 'preload.ts')], format: 'cjs', outfile: join(out, 'preload.cjs') });
  // What Electron's utility process runs for a pipeline run (electron/api/run-launcher.ts): `vasco run` alone.
  await build({
    ...common,
    entryPoints: [join(root, 'electron', 'cli', 'run-entry.ts')],
    format: 'esm',
    external: ['electron', 'better-sqlite3'],
    outfile: join(out, 'run.mjs'),
    banner: { js: requireShim },
    define: { __VASCO_COMMAND_SUMMARIES__: JSON.stringify({ run: 'run the pipeline on a plate pair' }) },
  });
  // native-tools/config.ts finds its templates next to its own module, which is main.js (or run.mjs) once bundled.
  cpSync(join(root, 'native-tools', 'config'), join(out, 'config'), { recursive: true });
  console.log(`built ${relative(root, out)}/main.js, preload.cjs, run.mjs, config/`);
}

/**
 * esbuild plugin tying the bundle in `outDir` to this checkout: in our own
 * sources `import.meta.url` becomes the source file's URL, and better-sqlite3
 * (external for its native addon) is imported from this checkout's
 * node_modules; both by paths relative to the output file.
 */
function inThisCheckout(outDir) {
  const loaders = { '.ts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js' };
  const fromOut = (path) => {
    const rel = relative(outDir, path).split('\\').join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const require = createRequire(import.meta.url);
  return {
    name: 'vasco-in-this-checkout',
    setup(b) {
      b.onResolve({ filter: /^better-sqlite3$/ }, (args) => ({ path: fromOut(require.resolve(args.path)), external: true }));
      b.onLoad({ filter: /\.(ts|tsx|js|mjs)$/ }, async (args) => {
        if (args.path.includes('/node_modules/') || !args.path.startsWith(root)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOut(args.path))}, import.meta.url).href`),
          loader: loaders[extname(args.path)],
        };
      });
    },
  };
}

/** Every command's one-line summary, from the sources (electron/cli/vasco.ts), so the bundled `vasco --help` loads no command module. */
function commandSummaries() {
  const vasco = pathToFileURL(join(root, 'electron', 'cli', 'vasco.ts')).href;
  const script = `const { commandSummaries } = await import(${JSON.stringify(vasco)}); process.stdout.write(JSON.stringify(await commandSummaries()));`;
  try {
    return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  } catch {
    throw new Error('build-node: the command modules do not load under tsx (error above); fix that first');
  }
}

/**
 * The CLI: electron/cli/start.ts into `outDir`/vasco.mjs, each command a chunk
 * loaded only when it runs (esbuild code splitting). All output files sit in
 * one folder so the relative addresses of inThisCheckout hold in every chunk.
 */
export async function buildCli(outDir = cliOutDir) {
  const builtAt = Date.now();
  const summaries = commandSummaries();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    ...common,
    entryPoints: { vasco: join(root, 'electron', 'cli', 'start.ts') },
    outdir: outDir,
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    banner: { js: requireShim },
    define: { __VASCO_COMMAND_SUMMARIES__: JSON.stringify(summaries) },
    plugins: [inThisCheckout(outDir)],
    metafile: true,
  });
  // What bin/vasco.mjs compares against builtAt: every source file and its folder
  // (a new command file changes its folder), this script, and the installed packages.
  const files = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('<') && !p.includes('node_modules/')) // not <define:...> nor installed packages
    .map((p) => resolve(root, p));
  const inputs = new Set([fileURLToPath(import.meta.url), join(root, 'node_modules', '.package-lock.json')]);
  for (const f of files) inputs.add(f).add(dirname(f));
  writeFileSync(
    join(outDir, 'bundle.json'),
    JSON.stringify({ builtAt, inputs: [...inputs].map((p) => relative(root, p)).sort() }, null, 1) + '\n',
  );
  console.log(`built ${outDir}/vasco.mjs (${Object.keys(summaries).length} commands, ${files.length} source files)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const what = process.argv[2] ?? 'all';
  if (!['cli', 'main', 'all'].includes(what)) {
    console.error('usage: node scripts/build-node.mjs [cli|main|all]');
    process.exit(2);
  }
  if (what !== 'main') await buildCli(process.argv[3] ? resolve(process.argv[3]) : cliOutDir);
  if (what !== 'cli') await buildMain();
}

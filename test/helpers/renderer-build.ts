/**
 * The built renderer (dist/renderer) the browser-host tests serve, rebuilt
 * when it is missing or older than its sources. Test files run in parallel,
 * so the check and the build run under one lock (flock): a second file waits
 * and then finds the build fresh instead of emptying the folder under the
 * first one's feet. Run directly (`node --import tsx renderer-build.ts`) it
 * is that locked step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './shared-data';

export const RENDERER_DIST = join(projectRoot, 'dist', 'renderer');
const LOCK = join(projectRoot, 'dist', '.renderer-build.lock');

function newestMtime(path: string): number {
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newestMtime(join(path, e)));
  return t;
}

function buildIsFresh(): boolean {
  const index = join(RENDERER_DIST, 'index.html');
  // The bundle also takes the API client, contract and store types from electron/.
  const sources = Math.max(...['renderer', 'electron', 'vite.config.ts'].map((p) => newestMtime(join(projectRoot, p))));
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

function buildUnlessFresh(): void {
  if (buildIsFresh()) return;
  execFileSync(process.execPath, [join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: projectRoot, stdio: 'inherit' });
}

/** Build dist/renderer when it is missing or older than the sources. */
export function ensureRendererBuilt(): void {
  if (buildIsFresh()) return;
  mkdirSync(join(projectRoot, 'dist'), { recursive: true });
  execFileSync('flock', [LOCK, process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url)], { cwd: projectRoot, stdio: 'inherit' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildUnlessFresh();

#!/usr/bin/env node
// The `vasco` command. Runs the esbuild bundle dist/cli/vasco.mjs (npm run
// build:cli, done by scripts/setup.sh) when no file it was built from has changed
// since; otherwise - a source edited since the build, no bundle yet, or
// VASCO_DEV=1 - the TypeScript sources through tsx, so a developer never runs a
// stale build. The check stats the ~120 files and folders listed in
// dist/cli/bundle.json (about a millisecond).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// VASCO_CLI_BUNDLE: another bundle folder (the tests build one of their own).
const bundleDir = process.env.VASCO_CLI_BUNDLE ? resolve(process.env.VASCO_CLI_BUNDLE) : join(root, 'dist', 'cli');

function freshBundle() {
  if (process.env.VASCO_DEV === '1') return null;
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(bundleDir, 'bundle.json'), 'utf8'));
    for (const input of inputs) if (statSync(join(root, input)).mtimeMs > builtAt) return null;
    return join(bundleDir, 'vasco.mjs');
  } catch {
    return null; // no bundle, or a file it was built from is gone
  }
}

const bundle = freshBundle();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../electron/cli/start.ts');
}

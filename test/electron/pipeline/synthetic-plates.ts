/**
 * Small synthetic plate pairs (electron/synth) and `vasco run` as a real
 * process, for the tests of what a run takes in: small images cut into four
 * tiles so the tiled path runs in seconds.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { haveAstropy } from './astropy-reference';

const synthModule = join(projectRoot, 'electron', 'synth', 'generate-pair.ts');
const vasco = join(projectRoot, 'bin', 'vasco.mjs');

/** SExtractor, PSFEx, astropy and the generator are all here (prints why not otherwise). */
export function haveSyntheticRunTools(): boolean {
  if (!existsSync(synthModule)) console.warn('SKIP: electron/synth/generate-pair.ts (the synthetic plate generator) is not in this checkout');
  return (
    existsSync(synthModule) &&
    haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
    haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
    haveAstropy()
  );
}

/** A 600x600 pair: 4 tiles with TILED_OPTIONS. */
export async function syntheticPair(dir: string, seed: number, size = 600): Promise<{ red: string; blue: string; truth: string }> {
  const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
  return generatePlatePair({ outDir: dir, size, seed, transients: 15, defects: 5 });
}

/** 600 px cut into 2x2 tiles (cores of one 256 px mesh, one mesh of overlap), offline, two workers. */
export const TILED_OPTIONS = ['--tile-size', '256', '--tile-overlap', '256', '--workers', '2', '--offline'];

/** `vasco run ARGS` to the end. */
export function vascoRun(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [vasco, 'run', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
}

/** `vasco run ARGS`, killed with SIGKILL as soon as `file` exists (polled); resolves when it is dead. */
export function vascoRunKilledWhen(args: string[], file: string): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [vasco, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    let killed = false;
    const poll = setInterval(() => {
      if (existsSync(file)) {
        killed = child.kill('SIGKILL');
        clearInterval(poll);
      }
    }, 50);
    child.on('exit', () => {
      clearInterval(poll);
      done({ killed, stderr });
    });
  });
}

/** A stack trace line in a CLI's output: what a person must never see for bad input. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

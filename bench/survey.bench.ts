/**
 * `npm run bench -- survey [-- --full]`: a survey of N synthetic plate pairs on
 * the local engine, the way a person runs one (`vasco survey plan` and `vasco
 * survey run` processes, each plate its own `vasco run` with SExtractor and
 * PSFEx), once with one plate at a time and once with two: plates per hour,
 * CPU seconds per plate (the task's run and tools, from its attempt record),
 * peak memory per task (the run and its tools together, sampled every second),
 * and the disk a plate's output takes. Offline (--offline): the catalogue stages
 * are not part of the figure. Default 3 pairs of 1000x1000 (a few minutes here);
 * --full: 4 pairs of 2000x2000.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePlatePair } from '../electron/synth/generate-pair';
import { readPlan } from '../electron/survey/plan';
import { readPlateRecord } from '../electron/survey/state';
import type { BenchOptions } from './run';
import { table } from './measure';

export const name = 'survey';
export const description = 'a survey of synthetic plate pairs on the local engine: plates/hour, CPU-s per plate, 1 vs 2 plates at once, peak memory per task';

const vasco = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vasco.mjs');

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((s, n) => s + duBytes(join(path, n)), 0);
}

interface Pass {
  parallel: number;
  wall: number;
  cpuPerPlate: number;
  wallPerPlate: number;
  peakMiB: number;
  outputMiB: number;
}

function survey(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [vasco, 'survey', ...args], { cwd, encoding: 'utf8', timeout: 3_600_000 });
  if (r.status !== 0) throw new Error(`vasco survey ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
}

function pass(work: string, csv: string, parallel: number): Pass {
  const dir = join(work, `survey-p${parallel}`);
  rmSync(dir, { recursive: true, force: true });
  survey(work, ['plan', '--out', dir, '--pairs', csv, '--offline']);
  const t0 = performance.now();
  survey(work, ['run', dir, '--engine', 'local', '--parallel', String(parallel), '--retries', '0', '--quiet']);
  const wall = (performance.now() - t0) / 1000;
  const plan = readPlan(dir);
  const attempts = plan.plates.map((p) => readPlateRecord(dir, p).attempts.at(-1)!);
  if (attempts.some((a) => !a.ok)) throw new Error(`a plate failed: ${attempts.map((a) => a.reason).join('; ')}`);
  const n = attempts.length;
  return {
    parallel,
    wall,
    cpuPerPlate: attempts.reduce((s, a) => s + (a.cpuSeconds ?? 0), 0) / n,
    wallPerPlate: attempts.reduce((s, a) => s + (a.wallSeconds ?? 0), 0) / n,
    peakMiB: Math.max(...attempts.map((a) => a.peakRssMiB ?? 0)),
    outputMiB: plan.plates.reduce((s, p) => s + duBytes(join(dir, 'plates', p.id)), 0) / n / 2 ** 20,
  };
}

export async function run(opts: BenchOptions): Promise<void> {
  const count = opts.full ? 4 : 3;
  const size = opts.full ? 2000 : 1000;
  const work = join(opts.workDir, 'survey');
  mkdirSync(work, { recursive: true });
  const lines = ['red,blue'];
  let inputBytes = 0;
  for (let i = 0; i < count; i++) {
    const d = join(work, 'pairs', `pair${i + 1}`);
    const p = await generatePlatePair({ outDir: d, size, seed: 900 + i, transients: 15, defects: 5 });
    lines.push(`${p.red},${p.blue}`);
    inputBytes += statSync(p.red).size + statSync(p.blue).size;
  }
  const csv = join(work, 'pairs.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  console.log(`${count} synthetic pairs of ${size}x${size} (${(inputBytes / count / 2 ** 20).toFixed(1)} MiB of plates each), ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}`);

  const passes = [pass(work, csv, 1), pass(work, csv, 2)];
  console.log(
    table([
      ['plates at once', 'wall', 'plates/hour', 'CPU-s/plate', 'wall-s/plate', 'peak MiB/task', 'output MiB/plate'],
      ...passes.map((p) => [String(p.parallel), `${p.wall.toFixed(1)} s`, (count / p.wall) * 3600, p.cpuPerPlate, p.wallPerPlate, p.peakMiB, p.outputMiB]),
    ]),
  );
  const mpx = (size * size) / 1e6;
  console.log(`CPU per megapixel of red plate (1 at once): ${(passes[0].cpuPerPlate / mpx).toFixed(2)} s; load after: ${loadavg()[0].toFixed(1)}`);
}

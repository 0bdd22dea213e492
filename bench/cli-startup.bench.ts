/**
 * The `vasco` process as a person starts it: `--help` and a small command from
 * the esbuild bundle (scripts/build-node.mjs) against the sources through tsx.
 * (`vasco match` as a whole process against astropy: bench/sky-match.bench.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childCpuSeconds, table } from './measure';
import type { BenchOptions } from './run';

export const name = 'cli-startup';
export const description = 'vasco --help and wcs, bundle vs tsx (target <= 0.3 s)';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vascoBin = join(root, 'bin', 'vasco.mjs');
const RUNS = 7;

/** One child process: its wall seconds, CPU seconds and output. */
function timed(args: string[], env: Record<string, string> = {}, input?: string) {
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, input, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`bench cli-startup: node ${args.join(' ')} failed:\n${r.stderr}`);
  return { wall, cpu: childCpuSeconds() - cpu0, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(opts: BenchOptions): Promise<void> {
  const dir = join(opts.workDir, 'cli-startup');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundleDir = join(dir, 'bundle');
  const bundle = join(bundleDir, 'vasco.mjs');
  const t0 = performance.now();
  execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs'), 'cli', bundleDir], { cwd: root, stdio: 'ignore' });
  console.log(`bundle built in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(1)} (${RUNS} runs of each, interleaved)`);
  timed([bundle, 'synth', '--out', dir, '--size', '400', '--stars', '200', '--name', 'p']);
  const plate = join(dir, 'p-red.fits');
  const xy = '1 1\n200.5 200.5\n400 17.25\n';

  // [label, node arguments, environment, stdin, index of the row it is compared with]
  const variants: [string, string[], Record<string, string>, string | undefined, number][] = [
    ['node -e 0 (Node alone)', ['-e', '0'], {}, undefined, 1],
    ['vasco --help, bundle', [bundle, '--help'], {}, undefined, 1],
    ['vasco --help, bin/vasco.mjs (check + bundle)', [vascoBin, '--help'], { VASCO_CLI_BUNDLE: bundleDir }, undefined, 1],
    ['vasco --help, tsx (VASCO_DEV=1)', [vascoBin, '--help'], { VASCO_DEV: '1' }, undefined, 1],
    ['vasco wcs pix2sky, bundle', [bundle, 'wcs', 'pix2sky', plate], {}, xy, 4],
    ['vasco wcs pix2sky, tsx', [vascoBin, 'wcs', 'pix2sky', plate], { VASCO_DEV: '1' }, xy, 4],
  ];
  // Interleaved, so a busy machine slows every variant alike.
  const walls = variants.map(() => [] as number[]);
  for (let k = 0; k < RUNS; k++) variants.forEach(([, args, env, input], i) => walls[i].push(timed(args, env, input).wall));
  const med = walls.map(median);
  console.log(
    table([
      ['command (whole process)', 'median s', 'min s', 'ratio'],
      ...variants.map(([label, , , , ref], i) => [label, med[i], Math.min(...walls[i]), `${(med[i] / med[ref]).toFixed(2)}x`]),
    ]),
  );
  console.log(`target vasco --help <= 0.3 s: bundle ${med[1].toFixed(3)} s (${med[1] <= 0.3 ? 'met' : 'NOT met'}), tsx ${(med[3] / med[1]).toFixed(1)}x slower`);
}

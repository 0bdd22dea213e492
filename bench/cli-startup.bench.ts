/**
 * The `vasco` process as a person starts it: `--help` and a small command from
 * the esbuild bundle (scripts/build-node.mjs) against the sources through tsx;
 * and `vasco match` of 50k x 2M rows, CSV in and CSV out, as a whole process,
 * against astropy's search_around_sky on the same positions alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../test/helpers/python';
import { childCpuSeconds, table } from './measure';
import type { BenchOptions } from './run';
import { scatter } from './sky-match.bench';

export const name = 'cli-startup';
export const description = 'vasco --help and wcs, bundle vs tsx (target <= 0.3 s); vasco match 50k x 2M CSV vs astropy search_around_sky';

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

  matchAgainstAstropy(dir, bundle);
}

/** astropy: SkyCoord of both sides, then search_around_sky; timed in-process, reading the positions from raw float64 files. */
const ASTROPY_MATCH = `
import sys, time, json, warnings
warnings.simplefilter('ignore')
import numpy as np
import astropy.units as u
from astropy.coordinates import SkyCoord, search_around_sky
def load(f, n):
    a = np.fromfile(f)
    return a[:n], a[n:]
lra, ldec = load(sys.argv[1], int(sys.argv[2]))
rra, rdec = load(sys.argv[3], int(sys.argv[4]))
t0, c0 = time.perf_counter(), time.process_time()
L = SkyCoord(lra * u.deg, ldec * u.deg)
R = SkyCoord(rra * u.deg, rdec * u.deg)
t1, c1 = time.perf_counter(), time.process_time()
i, j, sep, _ = search_around_sky(L, R, float(sys.argv[5]) * u.arcsec)
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"pairs": int(len(i)), "skycoord": t1 - t0, "skycoordCpu": c1 - c0, "search": t2 - t1, "searchCpu": c2 - c1}))
`;

function matchAgainstAstropy(dir: string, bundle: string): void {
  const sides = { left: scatter(50_000, 7), right: scatter(2_000_000, 11) };
  for (const [side, p] of Object.entries(sides)) {
    const lines = ['id,ra,dec'];
    for (let i = 0; i < p.ra.length; i++) lines.push(`${side[0]}${i},${p.ra[i]},${p.dec[i]}`);
    writeFileSync(join(dir, `${side}.csv`), lines.join('\n') + '\n');
    writeFileSync(join(dir, `${side}.f64`), Buffer.concat([Buffer.from(p.ra.buffer), Buffer.from(p.dec.buffer)]));
  }
  const radius = 5;
  const ours: { wall: number; cpu: number }[] = [];
  const astropy: { search: number; searchCpu: number; skycoord: number; skycoordCpu: number; wall: number; cpu: number; pairs: number }[] = [];
  for (let k = 0; k < 2; k++) {
    ours.push(timed([bundle, 'match', join(dir, 'left.csv'), join(dir, 'right.csv'), '--radius-arcsec', String(radius), '--out', join(dir, 'pairs.csv')]));
    const cpu0 = childCpuSeconds();
    const t0 = performance.now();
    const out = execFileSync(PYTHON, ['-c', ASTROPY_MATCH, join(dir, 'left.f64'), '50000', join(dir, 'right.f64'), '2000000', String(radius)], { encoding: 'utf8' });
    astropy.push({ ...JSON.parse(out), wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - cpu0 });
  }
  const pairs = readFileSync(join(dir, 'pairs.csv'), 'utf8').trimEnd().split('\r\n').length - 1;
  const best = <T,>(xs: T[], key: keyof T) => Math.min(...xs.map((x) => x[key] as number));
  console.log(
    table([
      ['50k x 2M within 5" (best of 2)', 'wall s', 'CPU s', 'pairs'],
      ['vasco match, whole process: read 2 CSV (93 MB), match, write CSV', best(ours, 'wall'), best(ours, 'cpu'), String(pairs)],
      ['astropy search_around_sky alone (SkyCoord built beforehand)', best(astropy, 'search'), best(astropy, 'searchCpu'), String(astropy[0].pairs)],
      ['astropy SkyCoord of both sides', best(astropy, 'skycoord'), best(astropy, 'skycoordCpu'), ''],
      ['python process, whole (numpy arrays from binary files)', best(astropy, 'wall'), best(astropy, 'cpu'), ''],
    ]),
  );
  const [wallRatio, cpuRatio] = [best(ours, 'wall') / best(astropy, 'search'), best(ours, 'cpu') / best(astropy, 'searchCpu')];
  console.log(`vasco match (whole process) / search_around_sky alone: wall ${wallRatio.toFixed(2)}x, CPU ${cpuRatio.toFixed(2)}x (target <= 1: ${wallRatio <= 1 && cpuRatio <= 1 ? 'met' : 'NOT met'})`);
}

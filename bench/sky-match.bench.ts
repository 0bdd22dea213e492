/**
 * The sky-match engine at catalogue-veto scale (50k candidates against 2M
 * catalogue rows), in this process; then `vasco match` of the same 50k x 2M
 * rows as a whole process (CSV in, CSV out, from the esbuild bundle) against
 * astropy's search_around_sky on the same positions alone (SkyCoord built
 * beforehand, numpy arrays from binary files), interleaved so a busy machine
 * slows both alike. Target: ours <= astropy in wall and in CPU time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchAll, matchNearest } from '../electron/match/sky-match';
import { PYTHON } from '../test/helpers/python';
import { childCpuSeconds, measure, table } from './measure';
import type { BenchOptions } from './run';

export const name = 'sky-match';
export const description = '50k x 2M sources within 5": the engine in-process; vasco match CSV to CSV as a whole process vs astropy search_around_sky alone (target <= 1x)';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Rounds of (ours, astropy), interleaved. */
const ROUNDS = 3;

/** `n` deterministic positions on a 6.5 deg field straddling RA 0/360. */
export function scatter(n: number, seed: number) {
  let s = seed;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const ra = new Float64Array(n);
  const dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ra[i] = (356.75 + 6.5 * r()) % 360; // straddles RA 0/360
    dec[i] = 20 + 6.5 * r();
  }
  return { ra, dec };
}

export async function run(opts: BenchOptions): Promise<void> {
  const left = scatter(50_000, 7);
  const right = scatter(2_000_000, 11);
  const nearest = await measure(() => matchNearest(left, right, 5));
  const all = await measure(() => matchAll(left, right, 5));
  console.log(
    table([
      ['engine, in this process', 'wall s', 'cpu s', 'peak MiB', 'matches'],
      ['matchNearest', nearest.m.wallSeconds, nearest.m.cpuSeconds, nearest.m.peakRssMiB, String(nearest.result.right.filter((i) => i >= 0).length)],
      ['matchAll', all.m.wallSeconds, all.m.cpuSeconds, all.m.peakRssMiB, String(all.result.left.length)],
    ]),
  );
  const dir = join(opts.workDir, 'sky-match');
  mkdirSync(dir, { recursive: true });
  const bundleDir = join(dir, 'bundle');
  execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs'), 'cli', bundleDir], { cwd: root, stdio: 'ignore' });
  matchAgainstAstropy(dir, join(bundleDir, 'vasco.mjs'), { left, right });
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

type Points = ReturnType<typeof scatter>;

function matchAgainstAstropy(dir: string, bundle: string, sides: { left: Points; right: Points }): void {
  for (const [side, p] of Object.entries(sides)) {
    const lines = ['id,ra,dec'];
    for (let i = 0; i < p.ra.length; i++) lines.push(`${side[0]}${i},${p.ra[i]},${p.dec[i]}`);
    writeFileSync(join(dir, `${side}.csv`), lines.join('\n') + '\n');
    writeFileSync(join(dir, `${side}.f64`), Buffer.concat([Buffer.from(p.ra.buffer), Buffer.from(p.dec.buffer)]));
  }
  const radius = 5;
  const ours: { wall: number; cpu: number }[] = [];
  const astropy: { search: number; searchCpu: number; skycoord: number; skycoordCpu: number; wall: number; cpu: number; pairs: number }[] = [];
  const load0 = loadavg()[0];
  for (let k = 0; k < ROUNDS; k++) {
    let cpu0 = childCpuSeconds();
    let t0 = performance.now();
    const r = spawnSync(process.execPath, [bundle, 'match', join(dir, 'left.csv'), join(dir, 'right.csv'), '--radius-arcsec', String(radius), '--out', join(dir, 'pairs.csv')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench sky-match: vasco match failed:\n${r.stderr}`);
    ours.push({ wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - cpu0 });
    cpu0 = childCpuSeconds();
    t0 = performance.now();
    const out = execFileSync(PYTHON, ['-c', ASTROPY_MATCH, join(dir, 'left.f64'), '50000', join(dir, 'right.f64'), '2000000', String(radius)], { encoding: 'utf8' });
    astropy.push({ ...JSON.parse(out), wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - cpu0 });
  }
  const pairs = readFileSync(join(dir, 'pairs.csv'), 'utf8').trimEnd().split('\r\n').length - 1;
  const median = <T,>(xs: T[], key: keyof T) => [...xs.map((x) => x[key] as number)].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`load average ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (${ROUNDS} rounds, interleaved; medians)`);
  console.log(
    table([
      ['50k x 2M within 5"', 'wall s', 'CPU s', 'pairs'],
      ['vasco match, whole process: read 2 CSV (93 MB), match, write CSV', median(ours, 'wall'), median(ours, 'cpu'), String(pairs)],
      ['astropy search_around_sky alone (SkyCoord built beforehand)', median(astropy, 'search'), median(astropy, 'searchCpu'), String(astropy[0].pairs)],
      ['astropy SkyCoord of both sides', median(astropy, 'skycoord'), median(astropy, 'skycoordCpu'), ''],
      ['python process, whole (numpy arrays from binary files)', median(astropy, 'wall'), median(astropy, 'cpu'), ''],
    ]),
  );
  // Per round, so a burst of load on the machine during one of them shows.
  const ratios = ours.map((o, k) => [o.wall / astropy[k].search, o.cpu / astropy[k].searchCpu]);
  console.log(`per round, ours / search_around_sky: ${ratios.map(([w, c]) => `wall ${w.toFixed(2)}x CPU ${c.toFixed(2)}x`).join('; ')}`);
  const [wallRatio, cpuRatio] = [median(ours, 'wall') / median(astropy, 'search'), median(ours, 'cpu') / median(astropy, 'searchCpu')];
  console.log(`vasco match (whole process) / search_around_sky alone, medians: wall ${wallRatio.toFixed(2)}x, CPU ${cpuRatio.toFixed(2)}x (target <= 1: ${wallRatio <= 1 && cpuRatio <= 1 ? 'met' : 'NOT met'}; before this work 1.2-1.3x CPU)`);
}

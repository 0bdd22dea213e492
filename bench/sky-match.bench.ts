/** The sky-match engine at catalogue-veto scale: 50k candidates against 2M catalogue rows. */
import { matchAll, matchNearest } from '../electron/match/sky-match';
import { measure, table } from './measure';

export const name = 'sky-match';
export const description = '50k x 2M sources on a 6.5 deg plate, 5" radius (target: well under a few seconds)';

/** `n` deterministic positions on a 6.5 deg field straddling RA 0/360 (also bench/cli-startup.bench.ts). */
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

export async function run(): Promise<void> {
  const left = scatter(50_000, 7);
  const right = scatter(2_000_000, 11);
  const nearest = await measure(() => matchNearest(left, right, 5));
  const all = await measure(() => matchAll(left, right, 5));
  console.log(
    table([
      ['operation', 'wall s', 'cpu s', 'peak MiB', 'matches'],
      ['matchNearest', nearest.m.wallSeconds, nearest.m.cpuSeconds, nearest.m.peakRssMiB, String(nearest.result.right.filter((i) => i >= 0).length)],
      ['matchAll', all.m.wallSeconds, all.m.cpuSeconds, all.m.peakRssMiB, String(all.result.left.length)],
    ]),
  );
}

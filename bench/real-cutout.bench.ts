/**
 * `npm run bench -- real-cutout`: the Gaia refit and the bright-star mask on
 * the real XE687 cutout (../shared/data), the README's real-cutout figures.
 * Reference stars: scripts/reference-stars.py on the cutout's own GSC-II TAN
 * solution (astropy), as no Gaia rows exist offline. For seeds 1-3, 40
 * red-only sources injected (electron/synth/real-plate.ts); red-only runs,
 * the reference list vetoing the cutout's real stars:
 *  - refit off/on on a copy whose header (GSC1 polynomial) is moved off by up
 *    to ~6" (distortHeader, 2" amplitude): residuals, recall, false candidates;
 *  - the mask flag/drop on the true header: recall, false candidates, sources
 *    the mask takes, the masking stars' halo and spike sizes.
 * (test/electron/pipeline/real-cutout-audit.test.ts checks seed 1.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../electron/core/csv';
import { REAL_CUTOUT_INJECTION, scoreInjected, writeDistortedCopy, writeInjectedCopy } from '../electron/synth/real-plate';
import { table } from './measure';
import type { BenchOptions } from './run';

export const name = 'real-cutout';
export const description = 'Gaia refit and bright-star mask on the real XE687 cutout with injected sources (recall, false candidates)';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.VASCO_SHARED_DATA ?? resolve(root, '..', 'shared', 'data');
const XE687 = join(shared, 'cutouts', 'poss1-red-XE687-20arcmin.fits');
const SEEDS = [1, 2, 3];

function vasco(args: string[]): void {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'vasco.mjs'), 'run', ...args, '--offline', '--workers', '1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench real-cutout: vasco run ${args.join(' ')} failed:\n${r.stderr}`);
}

function rows(file: string): Record<string, string>[] {
  const t = parseCsv(readFileSync(file, 'utf8'));
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])));
}

const xy = (rs: Record<string, string>[]) => rs.map((r) => ({ x: Number(r.x), y: Number(r.y) }));

export async function run(opts: BenchOptions): Promise<void> {
  if (!existsSync(XE687)) {
    console.log(`skipped: ${XE687} is missing (real data from ../shared/data)`);
    return;
  }
  const dir = join(opts.workDir, 'real-cutout');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ref = join(dir, 'tan.csv');
  const made = execFileSync('/usr/bin/python3', [join(root, 'scripts', 'reference-stars.py'), XE687, ref], { encoding: 'utf8' });
  console.log(`reference: ${made.trim()}; load average ${loadavg()[0].toFixed(1)}`);
  const refit: (string | number)[][] = [['seed', 'refit', 'before median/P90 "', 'after median/P90 "', 'stars', 'recovered', 'false']];
  const mask: (string | number)[][] = [['seed', 'mask', 'recovered', 'false', 'sources masked', 'injected masked']];
  let maskStars: MaskingStar[] = [];
  for (const seed of SEEDS) {
    const injectedFile = join(dir, `injected-${seed}.fits`);
    const injected = await writeInjectedCopy(XE687, injectedFile, { ...REAL_CUTOUT_INJECTION, seed });
    const distorted = join(dir, `injected-distorted-${seed}.fits`);
    await writeDistortedCopy(injectedFile, distorted, 2);
    for (const mode of ['off', 'on']) {
      const out = join(dir, `refit-${mode}-${seed}`);
      vasco(['--red', distorted, '--catalog', `gaia=${ref}`, '--gaia-refit', mode, '--out', out]);
      const s = scoreInjected(injected, xy(rows(join(out, 'candidates.csv'))));
      const red = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).astrometry?.red;
      const fig = (r?: { medianArcsec: number; p90Arcsec: number } | null) => (r ? `${r.medianArcsec} / ${r.p90Arcsec}` : '-');
      refit.push([String(seed), mode, fig(red?.before), fig(red?.after), red?.tiles?.[0]?.matched ?? '-', `${s.recovered}/${injected.length}`, String(s.falseCandidates)]);
    }
    for (const mode of ['flag', 'drop']) {
      const out = join(dir, `mask-${mode}-${seed}`);
      vasco(['--red', injectedFile, '--catalog', `gaia=${ref}`, '--bright-star-mask', mode, '--out', out]);
      const s = scoreInjected(injected, xy(rows(join(out, 'candidates.csv'))));
      const masked = rows(join(out, 'sources.csv')).filter((r) => r.ledger.includes('mask/bright-star'));
      const injectedMasked = scoreInjected(injected, xy(masked)).recovered;
      mask.push([String(seed), mode, `${s.recovered}/${injected.length}`, String(s.falseCandidates), String(masked.length), String(injectedMasked)]);
      if (mode === 'drop' && seed === SEEDS[0]) maskStars = maskingStars(masked);
    }
  }
  console.log('\nrefit, header moved off by up to ~6" (GSC1 polynomial, distortHeader 2"), red-only, reference = the cutout\'s GSC-II TAN');
  console.log(table(refit));
  console.log('\nbright-star mask (true header); flag keeps the same candidates as off');
  console.log(table(mask));
  console.log(`\nmasking stars (seed 1): the mask's sizes against the star's own light on the plate (astropy/numpy; sky ${'σ'} from the MAD)`);
  const light = lightExtents(XE687, maskStars);
  console.log(
    table([
      ['star', 'x', 'y', 'halo "', 'spike "', 'peak σ', 'axes to 2σ px', 'ring to 1σ px'],
      ...maskStars.map((m, k) => [m.label, m.x.toFixed(1), m.y.toFixed(1), m.halo ?? '-', m.spike ?? '-', light[k].peakSigma.toFixed(0), light[k].axesPx.join(' '), String(light[k].ringPx)]),
    ]),
  );
}

interface MaskingStar {
  label: string;
  x: number;
  y: number;
  halo?: string;
  spike?: string;
}

/** The masking stars named in the ledgers, with the halo radius and spike length the mask gave them. */
function maskingStars(masked: Record<string, string>[]): MaskingStar[] {
  const stars = new Map<string, MaskingStar>();
  for (const r of masked) {
    const m = /(saturated source \d+) at \(([\d.]+), ([\d.]+)\), [\d.]+" away \((?:halo radius ([\d.]+)"|spike ([\d.]+)" long)\)/.exec(r.ledger);
    if (!m) continue;
    const s = stars.get(m[1]) ?? { label: m[1], x: Number(m[2]), y: Number(m[3]) };
    if (m[4]) s.halo = m[4];
    if (m[5]) s.spike = m[5];
    stars.set(m[1], s);
  }
  return [...stars.values()];
}

/**
 * How far each star's light reaches on the plate: along each plate axis, the
 * last step at which a 3x3 box is still 2 sigma above the sky (median), and
 * the last 1 px ring whose median is 1 sigma above it.
 */
function lightExtents(file: string, stars: MaskingStar[]): { peakSigma: number; axesPx: number[]; ringPx: number }[] {
  const script = `
import json, sys, numpy as np
from astropy.io import fits
d = fits.getdata(sys.argv[1]).astype(float)
bg = np.median(d); sig = 1.4826 * np.median(np.abs(d - bg))
ny, nx = d.shape
yy, xx = np.mgrid[0:ny, 0:nx]
out = []
for x, y in json.load(sys.stdin):
    i, j = int(round(y)) - 1, int(round(x)) - 1
    axes = []
    for di, dj in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
        n = 0
        for k in range(1, 600):
            ii, jj = i + di * k, j + dj * k
            if not (1 <= ii < ny - 1 and 1 <= jj < nx - 1) or np.median(d[ii-1:ii+2, jj-1:jj+2]) - bg < 2 * sig:
                break
            n = k
        axes.append(n)
    r = np.hypot(yy - i, xx - j)
    ring = 0
    for k in range(1, 300):
        if np.median(d[(r >= k) & (r < k + 1)]) - bg < sig:
            break
        ring = k
    out.append({'peakSigma': float((d[max(i-2,0):i+3, max(j-2,0):j+3].max() - bg) / sig), 'axesPx': axes, 'ringPx': ring})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { input: JSON.stringify(stars.map((s) => [s.x, s.y])), encoding: 'utf8' }));
}

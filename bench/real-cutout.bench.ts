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
import { maskingStars, starLight, type MaskingStar } from '../test/helpers/star-light';
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
      if (mode === 'drop' && seed === SEEDS[0]) maskStars = maskingStars(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).notes);
    }
  }
  console.log('\nrefit, header moved off by up to ~6" (GSC1 polynomial, distortHeader 2"), red-only, reference = the cutout\'s GSC-II TAN');
  console.log(table(refit));
  console.log('\nbright-star mask (true header); flag keeps the same candidates as off');
  console.log(table(mask));
  console.log(`\nmasking stars (seed 1): the mask's sizes and what it measured against the star's light by numpy (scripts/star-light.py)`);
  const light = starLight(join(dir, `injected-${SEEDS[0]}.fits`), maskStars);
  console.log(
    table([
      ['star', 'x', 'y', 'halo "', 'spikes "', 'halo px ours/numpy', 'spike px ours/numpy (arms)', 'peak σ', 'plain: axes to 2σ px', 'ring to 1σ px'],
      ...maskStars.map((m, k) => {
        const l = light[k];
        return [m.label, m.x.toFixed(1), m.y.toFixed(1), m.halo, m.spikes, `${m.haloPx} / ${l.haloPx}`, `${m.spikePx} / ${l.spikePx} (${l.armsPx.join(' ')})`, l.plain.peakSigma.toFixed(0), l.plain.axesPx.join(' '), String(l.plain.ringPx)];
      }),
    ]),
  );
}

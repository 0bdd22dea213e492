/**
 * The fast extraction order against the straightforward one, with the real
 * SExtractor and PSFEx on a synthetic 2000x2000 plate pair cut into 4 tiles.
 *
 * What must be identical, on the same tiles with the same PSF model (both
 * runs take the lean PSF sample, so PSFEx gets the same stamps): the
 * candidates (candidates.csv byte for byte: positions, every measurement,
 * ledgers), every red source's status, and its PSF-free drop reasons. What
 * may differ, by construction: a source dropped by a PSF-free cut is never
 * measured with SPREAD_MODEL in the fast order, so instead of a possible
 * spread_model drop its ledger notes "spread_model: not measured (dropped
 * earlier by ...)".
 *
 * Also measured and printed: how many candidates tiling moves (4 tiles vs
 * the untiled plate), and that checkpoints ignore --workers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type RunOptions, type RunResult } from '../../../electron/pipeline/run';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { haveAstropy, pythonCsv } from './astropy-reference';

const synthModule = join(projectRoot, 'electron', 'synth', 'generate-pair.ts');
const ready =
  existsSync(synthModule) &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
  haveAstropy();
if (!existsSync(synthModule)) console.warn('SKIP: electron/synth/generate-pair.ts (the synthetic plate generator) is not in this checkout');

/** Great-circle distance, haversine form, written out here to stay independent of the code under test. */
function sepArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const h = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h)) * 180 * 3600) / Math.PI;
}

describe.skipIf(!ready)('fast extraction order vs the straightforward order (2000x2000 pair, 4 tiles)', () => {
  let dir: string;
  let base: RunOptions;
  let straight: RunResult;
  let fast: RunResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-fast-'));
    const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), size: 2000, seed: 5, transients: 120, defects: 40 });
    base = { red: pair.red, blue: pair.blue, out: '', offline: true, workers: 2 };
    const tiles = { psfSample: 'lean' as const, tileSizePx: 1024, tileOverlapPx: 768 };
    straight = await runPipeline({ ...base, out: join(dir, 'straight'), extraction: { mode: 'straightforward', ...tiles } });
    fast = await runPipeline({ ...base, out: join(dir, 'fast'), extraction: { mode: 'fast', ...tiles } });
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('gives byte-identical candidates.csv', () => {
    expect(fast.candidates.length).toBeGreaterThan(50);
    expect(readFileSync(fast.files.candidates, 'utf8')).toBe(readFileSync(straight.files.candidates, 'utf8'));
  });

  it('gives every red source the same status and the same PSF-free drop reasons; SPREAD_MODEL only where needed', () => {
    const a = pythonCsv(straight.files.sources);
    const b = pythonCsv(fast.files.sources);
    const col = (n: string) => a.header.indexOf(n);
    expect(b.header).toEqual(a.header);
    expect(b.rows.length).toBe(a.rows.length);
    const psfFree = (by: string) => by.split(' ').filter((r) => r && r !== 'filters/spread_model').sort().join(' ');
    let notMeasured = 0;
    a.rows.forEach((ra, i) => {
      const rb = b.rows[i];
      expect(rb[col('id')]).toBe(ra[col('id')]);
      expect(rb[col('status')]).toBe(ra[col('status')]);
      expect(psfFree(rb[col('dropped_by')])).toBe(psfFree(ra[col('dropped_by')]));
      for (const c of ['x', 'y', 'flux', 'snr', 'fwhm', 'elongation', 'flags', 'xmin', 'ymax', 'nearest_blue_arcsec']) expect(rb[col(c)], c).toBe(ra[col(c)]);
      // Every ledger entry but the spread_model ones is the same, red-vs-blue counterparts and distances included.
      const rest = (ledger: string) => ledger.split('; ').filter((e) => !e.includes('filters/spread_model')).join('; ');
      expect(rest(rb[col('ledger')])).toBe(rest(ra[col('ledger')]));
      if (rb[col('spread_model')] === '') {
        notMeasured++;
        // Never measured: a PSF-free cut dropped it, and the ledger says so.
        expect(rb[col('ledger')]).toMatch(/flag filters\/spread_model: not measured \(dropped earlier by [a-z_, ]+\)/);
        expect(psfFree(rb[col('dropped_by')])).not.toBe('');
      } else {
        expect(rb[col('spread_model')]).toBe(ra[col('spread_model')]);
        expect(rb[col('spread_model_err')]).toBe(ra[col('spread_model_err')]);
        expect(rb[col('class_star')]).toBe(ra[col('class_star')]);
      }
    });
    expect(notMeasured).toBeGreaterThan(a.rows.length / 5);
    console.log(`fast order: SPREAD_MODEL of ${a.rows.length - notMeasured} of ${a.rows.length} red sources; ${fast.summary.notes.filter((n) => /extraction/.test(n)).join(' | ')}`);
  });

  it('uses the same PSF models (the same lean stamps), tile by tile', () => {
    for (const band of ['red', 'blue']) {
      const ps = straight.summary.plates[band as 'red'].psfFwhmPx;
      expect(ps).toBeGreaterThan(1.5);
      expect(fast.summary.plates[band as 'red'].psfFwhmPx).toBe(ps);
    }
  });

  it('tiling moves few candidates: >= 99.5 % in common within 0.1" with the untiled run (printed)', async () => {
    const whole = await runPipeline({ ...base, out: join(dir, 'whole'), extraction: { mode: 'fast', psfSample: 'lean', tileSizePx: 0 } });
    const near = (xs: RunResult['candidates'], ys: RunResult['candidates']) =>
      xs.filter((s) => ys.some((t) => sepArcsec(s.ra, s.dec, t.ra, t.dec) < 0.1)).length;
    const common = near(fast.candidates, whole.candidates);
    const share = common / Math.max(fast.candidates.length, whole.candidates.length);
    console.log(
      `tiling (4 tiles of 1024 px + 768 px overlap vs untiled): ${common} candidates in common within 0.1" of ${fast.candidates.length} tiled / ${whole.candidates.length} untiled = ${(100 * share).toFixed(2)} %`,
    );
    expect(share).toBeGreaterThanOrEqual(0.995);
  });

  it('checkpoints: --workers changes nothing, a changed cut re-runs pass 2 and the filters but keeps pass 1 and the PSF', async () => {
    const again = await runPipeline({ ...base, workers: 1, out: join(dir, 'fast'), extraction: { mode: 'fast', psfSample: 'lean', tileSizePx: 1024, tileOverlapPx: 768 } });
    expect(again.resumedAfter).toBe('score');
    const cut = await runPipeline({ ...base, out: join(dir, 'fast'), filters: { snrMin: 40 }, extraction: { mode: 'fast', psfSample: 'lean', tileSizePx: 1024, tileOverlapPx: 768 } });
    expect(cut.resumedAfter).toBe('positions');
    const by = Object.fromEntries(cut.summary.stages.map((s) => [s.name, s]));
    expect(by['extract-red'].fromCheckpoint).toBe(true);
    expect(by['filters-blue'].fromCheckpoint).toBeUndefined();
    expect(cut.candidates.length).toBeLessThanOrEqual(fast.candidates.length);
    expect(cut.candidates.every((s) => s.snr >= 40 && s.spreadModel !== null)).toBe(true);
  });
});

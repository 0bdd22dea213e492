/**
 * The fast extraction order against the straightforward one, with the real
 * SExtractor and PSFEx on a synthetic 2000x2000 plate pair cut into 4 tiles,
 * in both --blue-match modes.
 *
 * What must be identical, on the same tiles with the same PSF model (both
 * runs take the lean PSF sample, so PSFEx gets the same stamps): the
 * candidates (candidates.csv byte for byte with --blue-match filtered:
 * positions, every measurement, ledgers; with detected the same, except that
 * the blue detection nearest a candidate may be left unmeasured, which
 * blue_detection_failed_cuts says as spread_model_unmeasured), every red
 * source's status, and its PSF-free drop reasons. What may differ, by
 * construction: a red source is measured with SPREAD_MODEL only when nothing
 * dropped it first - a PSF-free cut, or a blue counterpart that settles it as
 * persistent from pass 1 - and its ledger then notes "spread_model: not
 * measured (dropped earlier by ...)".
 *
 * Also measured and printed: how many candidates tiling moves (4 tiles vs
 * the untiled plate), and that checkpoints ignore --workers.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlueMatch } from '../../../electron/pipeline/red-vs-blue';
import { runPipeline, type RunOptions, type RunResult } from '../../../electron/pipeline/run';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
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

const MODES: BlueMatch[] = ['filtered', 'detected'];
const TILES = { psfSample: 'lean' as const, tileSizePx: 1024, tileOverlapPx: 768 };

/** A blue detection's failed cuts as the fast order may say them: its SPREAD_MODEL left unmeasured. */
const unmeasuredForm = (cuts: string) => [...cuts.split(' ').filter((c) => c && c !== 'spread_model'), 'spread_model_unmeasured'].sort().join(' ');

describe.skipIf(!ready)('fast extraction order vs the straightforward order (2000x2000 pair, 4 tiles)', () => {
  let dir: string;
  let base: RunOptions;
  const straight = {} as Record<BlueMatch, RunResult>;
  const fast = {} as Record<BlueMatch, RunResult>;

  // Each order extracts once (checkpoints): the second mode resumes after the extraction, as a changed setting would.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-fast-'));
    const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), size: 2000, seed: 5, transients: 120, defects: 40 });
    base = { red: pair.red, blue: pair.blue, out: '', offline: true, workers: 2 };
    for (const mode of MODES) {
      const opts = { ...base, redBlue: { blueMatch: mode } };
      straight[mode] = kept(await runPipeline({ ...opts, out: join(dir, 'straight'), extraction: { mode: 'straightforward', ...TILES } }), `straight-${mode}`);
      fast[mode] = kept(await runPipeline({ ...opts, out: join(dir, 'fast'), extraction: { mode: 'fast', ...TILES } }), `fast-${mode}`);
    }
    expect(fast.detected.resumedAfter).toBe(PIPELINE_STAGES[PIPELINE_STAGES.findIndex((s) => s.name === 'filters-blue') - 1].name);
  }, 3_600_000);

  /** The run with copies of its CSV files (the next mode's run rewrites them in the same folder). */
  function kept(r: RunResult, name: string): RunResult {
    const files = { ...r.files, candidates: join(dir, `${name}-candidates.csv`), sources: join(dir, `${name}-sources.csv`) };
    copyFileSync(r.files.candidates, files.candidates);
    copyFileSync(r.files.sources, files.sources);
    return { ...r, files } as RunResult;
  }
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('filtered: gives byte-identical candidates.csv', () => {
    expect(fast.filtered.candidates.length).toBeGreaterThan(50);
    expect(readFileSync(fast.filtered.files.candidates, 'utf8')).toBe(readFileSync(straight.filtered.files.candidates, 'utf8'));
  });

  it('detected: gives the same candidates, every value the same but a blue detection\'s SPREAD_MODEL the fast order never needed', () => {
    const a = pythonCsv(straight.detected.files.candidates);
    const b = pythonCsv(fast.detected.files.candidates);
    expect(b.header).toEqual(a.header);
    expect(b.rows.length).toBe(a.rows.length);
    expect(b.rows.length).toBeGreaterThan(50);
    const cuts = a.header.indexOf('blue_detection_failed_cuts');
    let unmeasured = 0;
    a.rows.forEach((ra, i) => {
      const rb = b.rows[i];
      ra.forEach((cell, c) => {
        if (c === cuts && rb[c] !== cell) {
          unmeasured++;
          expect(rb[c]).toBe(unmeasuredForm(cell));
        } else expect(rb[c], a.header[c]).toBe(cell);
      });
    });
    console.log(`detected: ${unmeasured} of ${b.rows.length} candidates' nearest blue detection left without SPREAD_MODEL`);
  });

  for (const mode of MODES) {
    it(`${mode}: every red source the same status; SPREAD_MODEL only for red sources nothing dropped before, and the ledger says what did`, () => {
      const a = pythonCsv(straight[mode].files.sources);
      const b = pythonCsv(fast[mode].files.sources);
      const col = (n: string) => a.header.indexOf(n);
      expect(b.header).toEqual(a.header);
      expect(b.rows.length).toBe(a.rows.length);
      const psfFree = (by: string) => by.split(' ').filter((r) => r && r !== 'filters/spread_model').sort().join(' ');
      const notSpread = (ledger: string) => ledger.split('; ').filter((e) => !e.includes('filters/spread_model')).join('; ');
      let byCut = 0;
      let byBlue = 0;
      a.rows.forEach((ra, i) => {
        const rb = b.rows[i];
        expect(rb[col('id')]).toBe(ra[col('id')]);
        expect(rb[col('status')]).toBe(ra[col('status')]);
        for (const c of ['x', 'y', 'flux', 'snr', 'fwhm', 'elongation', 'flags', 'xmin', 'ymax', 'blue_detection_arcsec', 'blue_detection_id']) expect(rb[col(c)], c).toBe(ra[col(c)]);
        if (rb[col('spread_model')] !== '') {
          // Measured: everything as in the straightforward order (the blue detection's cuts as in the candidates test).
          for (const c of ['spread_model', 'spread_model_err', 'class_star', 'dropped_by', 'ledger', 'nearest_blue_arcsec']) expect(rb[col(c)], c).toBe(ra[col(c)]);
          return;
        }
        const note = /flag filters\/spread_model: not measured \(dropped earlier by ([a-z_, -]+)\)/.exec(rb[col('ledger')]);
        expect(note, rb[col('ledger')]).not.toBeNull();
        if (note![1] === 'red-vs-blue') {
          // Settled from pass 1: a blue counterpart within the radius, which the red-vs-blue stage then records.
          byBlue++;
          expect(rb[col('dropped_by')]).toBe('red-vs-blue/blue_match');
          expect(Number(rb[col('nearest_blue_arcsec')])).toBeLessThanOrEqual(5);
          // The straightforward order measured it and dropped it by SPREAD_MODEL or by the same blue counterpart.
          expect(['', 'red-vs-blue/blue_match']).toContain(psfFree(ra[col('dropped_by')]));
          if (ra[col('dropped_by')] === 'red-vs-blue/blue_match') expect(notSpread(rb[col('ledger')])).toBe(notSpread(ra[col('ledger')]));
        } else {
          // Dropped by a PSF-free cut: the same cuts in both orders.
          byCut++;
          expect(psfFree(rb[col('dropped_by')])).toBe(psfFree(ra[col('dropped_by')]));
          expect(psfFree(rb[col('dropped_by')])).not.toBe('');
          expect(notSpread(rb[col('ledger')])).toBe(notSpread(ra[col('ledger')]));
        }
      });
      expect(byCut).toBeGreaterThan(a.rows.length / 5);
      expect(byBlue).toBeGreaterThan(50);
      const measured = a.rows.length - byCut - byBlue;
      console.log(`${mode}: SPREAD_MODEL of ${measured} of ${a.rows.length} red sources (${byCut} dropped by a PSF-free cut, ${byBlue} settled by blue first); ${fast[mode].summary.notes.filter((n) => /extraction/.test(n)).join(' | ')}`);
    });
  }

  it('uses the same PSF models (the same lean stamps), tile by tile; detected needs no blue PSF at all', () => {
    for (const mode of MODES) {
      const red = straight[mode].summary.plates.red.psfFwhmPx;
      expect(red).toBeGreaterThan(1.5);
      expect(fast[mode].summary.plates.red.psfFwhmPx).toBe(red);
    }
    expect(fast.filtered.summary.plates.blue!.psfFwhmPx).toBe(straight.filtered.summary.plates.blue!.psfFwhmPx);
    expect(fast.detected.summary.plates.blue!.psfFwhmPx ?? null).toBeNull();
    expect(fast.detected.summary.notes.find((n) => n.startsWith('blue extraction:'))).toMatch(/SPREAD_MODEL measured for 0 of \d+ sources.*no PSF model made/);
    for (const mode of MODES) expect(fast[mode].summary.notes).toContain(straight[mode].summary.notes.find((n) => n.startsWith('red vs blue:')));
    expect(fast.detected.summary.parameters).toMatchObject({ redBlue: { blueMatch: 'detected' } });
  });

  it('tiling moves few candidates: >= 99.5 % in common within 0.1" with the untiled run (printed)', async () => {
    const tiled = fast.filtered;
    const whole = await runPipeline({ ...base, redBlue: { blueMatch: 'filtered' }, out: join(dir, 'whole'), extraction: { mode: 'fast', psfSample: 'lean', tileSizePx: 0 } });
    const near = (xs: RunResult['candidates'], ys: RunResult['candidates']) =>
      xs.filter((s) => ys.some((t) => sepArcsec(s.ra, s.dec, t.ra, t.dec) < 0.1)).length;
    const common = near(tiled.candidates, whole.candidates);
    const share = common / Math.max(tiled.candidates.length, whole.candidates.length);
    console.log(
      `tiling (4 tiles of 1024 px + 768 px overlap vs untiled): ${common} candidates in common within 0.1" of ${tiled.candidates.length} tiled / ${whole.candidates.length} untiled = ${(100 * share).toFixed(2)} %`,
    );
    expect(share).toBeGreaterThanOrEqual(0.995);
  }, 1_200_000);

  it('checkpoints: --workers changes nothing, a changed cut re-runs pass 2 and the filters but keeps pass 1 and the PSF', async () => {
    // The fast folder holds the detected run (the last one made there).
    const opts = { ...base, redBlue: { blueMatch: 'detected' as const }, out: join(dir, 'fast'), extraction: { mode: 'fast' as const, ...TILES } };
    const again = await runPipeline({ ...opts, workers: 1 });
    expect(again.resumedAfter).toBe(PIPELINE_STAGES[PIPELINE_STAGES.length - 1].name);
    // Resumed after the last stage before the filters (positions, or a stage since put after it).
    const beforeFilters = PIPELINE_STAGES[PIPELINE_STAGES.findIndex((s) => s.name === 'filters-blue') - 1].name;
    const cut = await runPipeline({ ...opts, filters: { snrMin: 40 } });
    expect(cut.resumedAfter).toBe(beforeFilters);
    const by = Object.fromEntries(cut.summary.stages.map((s) => [s.name, s]));
    expect(by['extract-red'].fromCheckpoint).toBe(true);
    expect(by['filters-blue'].fromCheckpoint).toBeUndefined();
    expect(cut.candidates.length).toBeLessThanOrEqual(fast.detected.candidates.length);
    expect(cut.candidates.every((s) => s.snr >= 40 && s.spreadModel !== null)).toBe(true);
  }, 1_200_000);
});

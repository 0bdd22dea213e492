/**
 * The blue plate must belong to the red one (issue 9), with the real
 * SExtractor and PSFEx:
 * - a synthetic pair whose blue image is cut to part of the red field: red
 *   sources off the blue plate are dropped as no_blue_coverage (never
 *   candidates), summary.json says how many, and astropy (through the plate
 *   headers alone) agrees which red sources lie off the blue image and how
 *   much of the red plate is covered;
 * - every red source carries its nearest blue detection of any kind and its
 *   distance to the image edge, in candidates.csv and sources.csv;
 * - another field is refused before any extraction unless allowed; the real
 *   XE687 and XO542 cutouts (disjoint) are refused by `vasco run` even with
 *   --allow-other-field.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { FitsFile, writeFitsImage, type Bitpix } from '../../../electron/fits';
import { resolveParameters } from '../../../electron/pipeline/parameters';
import { runPipeline, type RunResult } from '../../../electron/pipeline/run';
import { initialState } from '../../../electron/pipeline/stages';
import type { HeaderValues, RunSummary } from '../../../electron/pipeline/types';
import { astropy, haveAstropy } from '../../helpers/python';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';
import { pythonCsv } from './astropy-reference';

const ready =
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
  haveAstropy();

/** Great-circle distance, haversine form, written out here to stay independent of the code under test. */
function sepArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const h = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h)) * 180 * 3600) / Math.PI;
}

/** The first `keepWidth` columns of a FITS image (the plate solution is unchanged: same origin). */
async function cropColumns(src: string, dest: string, keepWidth: number, over: HeaderValues = {}): Promise<HeaderValues> {
  const f = await FitsFile.open(src);
  try {
    const hdu = f.imageHdu();
    const height = Number(hdu.header.NAXIS2);
    const data = await f.readImageRect(1, 1, keepWidth, height, hdu.index);
    const header = { ...hdu.header, ...over, NAXIS1: keepWidth };
    await writeFitsImage(dest, keepWidth, height, data, header, hdu.bitpix as Bitpix);
    return header;
  } finally {
    await f.close();
  }
}

async function headerOf(file: string): Promise<HeaderValues> {
  const f = await FitsFile.open(file);
  try {
    return f.imageHdu().header;
  } finally {
    await f.close();
  }
}

/** astropy, from the headers alone: which sky positions fall on the blue image, and the share of red's area it covers. */
const ASTROPY_COVERAGE = `
from astropy.io import fits
from astropy.wcs import WCS
def wcs(h):
    # The explicit TAN only: the synthetic headers carry an equivalent DSS solution too, which astropy would prefer.
    keep = ('NAXIS', 'CTYPE', 'CRPIX', 'CRVAL', 'CD1_', 'CD2_')
    return WCS(fits.Header(cards=[(k, v) for k, v in INPUT[h].items() if k.startswith(keep)]))
red, blue = wcs('red'), wcs('blue')
W, H = INPUT['blue']['NAXIS1'], INPUT['blue']['NAXIS2']
def on_blue(ra, dec):
    x, y = blue.all_world2pix(np.asarray(ra), np.asarray(dec), 1)
    return (x >= 0.5) & (x <= W + 0.5) & (y >= 0.5) & (y <= H + 0.5)
n, RW, RH = 400, INPUT['red']['NAXIS1'], INPUT['red']['NAXIS2']
X, Y = np.meshgrid(0.5 + (np.arange(n) + 0.5) * RW / n, 0.5 + (np.arange(n) + 0.5) * RH / n)
gra, gdec = red.all_pix2world(X.ravel(), Y.ravel(), 1)
print(json.dumps(dict(onBlue=on_blue(INPUT['ra'], INPUT['dec']).tolist(), fraction=float(np.mean(on_blue(gra, gdec))))))
`;

describe.skipIf(!ready)('a blue plate covering part of the red one (synthetic pair, real tools)', () => {
  let dir: string;
  let red: string;
  let blueCut: string;
  let redHeader: HeaderValues;
  let blueHeader: HeaderValues;
  let result: RunResult;
  let summary: RunSummary;
  let sources: { header: string[]; rows: string[][] };
  let candidates: { header: string[]; rows: string[][] };
  let truth: { header: string[]; rows: string[][] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-coverage-'));
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    // 600x600 red at 1.7"/px; its blue twin covers it all, so keep only the blue image's first 55 % of columns.
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 11, transients: 30, transientSnr: [30, 200] });
    red = pair.red;
    redHeader = await headerOf(red);
    const full = await headerOf(pair.blue);
    blueCut = join(dir, 'blue-part.fits');
    blueHeader = await cropColumns(pair.blue, blueCut, Math.round(Number(full.NAXIS1) * 0.55));
    truth = pythonCsv(pair.truth);
    result = await runPipeline({ red, blue: blueCut, out: join(dir, 'run'), offline: true, workers: 2 });
    summary = JSON.parse(readFileSync(result.files.summary, 'utf8'));
    sources = pythonCsv(result.files.sources);
    candidates = pythonCsv(result.files.candidates);
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const col = (t: { header: string[] }, name: string) => {
    const i = t.header.indexOf(name);
    expect(i, name).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('drops exactly the red sources astropy puts off the blue image, and says how many in summary.json', () => {
    const ra = sources.rows.map((r) => Number(r[col(sources, 'ra')]));
    const dec = sources.rows.map((r) => Number(r[col(sources, 'dec')]));
    const ref = astropy<{ onBlue: boolean[]; fraction: number }>(ASTROPY_COVERAGE, { red: redHeader, blue: blueHeader, ra, dec });
    const cov = summary.blueCoverage!;
    console.log(`red plate covered ${(100 * cov.redFraction).toFixed(1)} % (astropy ${(100 * ref.fraction).toFixed(1)} %); ` +
      `${cov.redSourcesOutside} of ${sources.rows.length} red sources off the blue plate, ${cov.droppedNoBlueCoverage} of them still candidates then`);
    expect(Math.abs(cov.redFraction - ref.fraction)).toBeLessThan(0.016);
    expect(cov.redFraction).toBeGreaterThan(0.3);
    expect(cov.redFraction).toBeLessThan(0.8);
    expect(cov).toMatchObject({ redField: 0, blueField: 0 });

    const off = ref.onBlue.map((on) => !on);
    expect(cov.redSourcesOutside).toBe(off.filter(Boolean).length);
    const dropped = sources.rows.map((r) => r[col(sources, 'dropped_by')].split(' ').includes('red-vs-blue/no_blue_coverage'));
    // Every source so dropped is off the blue plate; every one off it is dropped (here or earlier).
    dropped.forEach((d, i) => d && expect(off[i], `source ${sources.rows[i][0]}`).toBe(true));
    off.forEach((o, i) => o && expect(sources.rows[i][col(sources, 'status')], `source ${sources.rows[i][0]}`).toBe('dropped'));
    const stage = summary.stages.find((s) => s.name === 'red-vs-blue')!;
    expect(stage.dropped.no_blue_coverage).toBe(dropped.filter(Boolean).length);
    expect(cov.droppedNoBlueCoverage).toBe(stage.dropped.no_blue_coverage);
    expect(stage.dropped.no_blue_coverage).toBeGreaterThan(10);
  });

  it('reports no candidate off the blue plate, and still finds the transients on it', () => {
    const ra = candidates.rows.map((r) => Number(r[col(candidates, 'ra')]));
    const dec = candidates.rows.map((r) => Number(r[col(candidates, 'dec')]));
    const ref = astropy<{ onBlue: boolean[] }>(ASTROPY_COVERAGE, { red: redHeader, blue: blueHeader, ra, dec });
    expect(candidates.rows.length).toBeGreaterThan(5);
    expect(ref.onBlue.every(Boolean)).toBe(true);

    const t = (name: string) => truth.header.indexOf(name);
    const transients = truth.rows.filter((r) => r[t('kind')] === 'transient' && Number(r[t('red_snr_expected')]) >= 40);
    const tRef = astropy<{ onBlue: boolean[] }>(ASTROPY_COVERAGE, {
      red: redHeader, blue: blueHeader, ra: transients.map((r) => Number(r[t('ra')])), dec: transients.map((r) => Number(r[t('dec')])),
    });
    const found = (r: string[]) => result.candidates.some((c) => sepArcsec(c.ra, c.dec, Number(r[t('ra')]), Number(r[t('dec')])) < 2);
    const onBlue = transients.filter((_, i) => tRef.onBlue[i]);
    const offBlue = transients.filter((_, i) => !tRef.onBlue[i]);
    expect(onBlue.length).toBeGreaterThanOrEqual(5);
    expect(offBlue.length).toBeGreaterThanOrEqual(5);
    expect(onBlue.filter(found).length / onBlue.length).toBeGreaterThanOrEqual(0.9);
    expect(offBlue.filter(found)).toEqual([]);
  });

  it('gives every compared red source its nearest blue detection of any kind, with the cuts it failed', () => {
    const c = (name: string) => col(candidates, name);
    let persistentByCut = 0;
    for (const r of candidates.rows) {
      const dist = r[c('blue_detection_arcsec')];
      if (dist === '') continue;
      // The distance is the one between the two positions written out.
      const d = sepArcsec(Number(r[c('ra')]), Number(r[c('dec')]), Number(r[c('blue_detection_ra')]), Number(r[c('blue_detection_dec')]));
      expect(Math.abs(d - Number(dist))).toBeLessThan(1e-6);
      expect(Number(dist)).toBeLessThanOrEqual(Number(r[c('nearest_blue_arcsec')] || Infinity) + 1e-9);
      // A candidate with a blue detection inside the match radius is there only because that detection failed a cut.
      if (Number(dist) <= 5) {
        expect(r[c('blue_detection_failed_cuts')], `candidate ${r[0]}`).not.toBe('');
        persistentByCut++;
      }
    }
    console.log(`${persistentByCut} of ${candidates.rows.length} candidates have a blue detection within 5" that failed a cut`);
    // sources.csv carries them too, also for sources dropped before the comparison.
    const s = (name: string) => col(sources, name);
    const withDetection = sources.rows.filter((r) => r[s('blue_detection_id')] !== '');
    expect(withDetection.length).toBeGreaterThan(sources.rows.length / 3);
    expect(withDetection.some((r) => r[s('dropped_by')].startsWith('filters/'))).toBe(true);
  });

  it('records every source\'s distance to the image edge and flags those within the 256 px background mesh', () => {
    const w = Number(redHeader.NAXIS1), h = Number(redHeader.NAXIS2);
    const s = (name: string) => col(sources, name);
    let flagged = 0;
    for (const r of sources.rows) {
      const x = Number(r[s('x')]), y = Number(r[s('y')]);
      const d = Number(r[s('edge_distance_px')]);
      expect(Math.abs(d - Math.min(x - 0.5, y - 0.5, w + 0.5 - x, h + 0.5 - y))).toBeLessThan(1e-9);
      const note = r[s('ledger')].includes('flag filters/near_edge');
      if (note) flagged++;
      if (note) expect(d).toBeLessThan(256);
      if (r[s('status')] === 'candidate') expect(note, `candidate ${r[0]} at ${d} px`).toBe(d < 256);
    }
    expect(flagged).toBeGreaterThan(0);
    expect(col(candidates, 'edge_distance_px')).toBeGreaterThan(0);
    expect(summary.stages.find((st) => st.name === 'filters')!.flagged?.near_edge).toBeGreaterThan(0);
  });

  it('refuses an overlapping blue plate of another field before any extraction, unless allowed', async () => {
    const other = join(dir, 'blue-other-field.fits');
    await cropColumns(blueCut, other, Number(blueHeader.NAXIS1), { REGION: 'XO001', PLTLABEL: 'O001' });
    const out = join(dir, 'other-field');
    let err: UserError | undefined;
    await runPipeline({ red, blue: other, out, offline: true }).catch((e) => (err = e));
    expect(err).toBeInstanceOf(UserError);
    expect(err!.code).toBe('other-field');
    expect(err!.message).toContain(`red plate ${red} (XE000)`);
    expect(err!.message).toContain(`blue plate ${other} (XO001)`);
    expect(err!.message).toMatch(/different POSS-I fields \(0 and 1\)/);
    expect(err!.hint).toMatch(/--allow-other-field/);
    // Nothing was extracted.
    expect(existsSync(join(out, 'work', 'checkpoints')) ? readdirSync(join(out, 'work', 'checkpoints')) : []).toEqual([]);

    const allowed = await initialState(resolveParameters({ red, blue: other, out, redBlue: { allowOtherField: true } }));
    expect(allowed.mode).toBe('red+blue');
    expect(allowed.blueCoverage).toMatchObject({ redField: 0, blueField: 1 });
    expect(allowed.blueCoverage!.redFraction).toBe(summary.blueCoverage!.redFraction);
  });
});

const RED_687 = 'cutouts/poss1-red-XE687-20arcmin.fits';
const BLUE_542 = 'cutouts/poss1-blue-XO542-20arcmin.fits';

describe.skipIf(!haveSharedData(RED_687, BLUE_542))('vasco run with the real XE687 red and XO542 blue cutouts', () => {
  const vasco = join(projectRoot, 'bin', 'vasco.mjs');
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'vasco-other-field-'));
  });
  afterAll(() => out && rmSync(out, { recursive: true, force: true }));

  it.each([[[]], [['--allow-other-field']]])('refuses the disjoint pair before extracting, naming both plates (%j)', (extra: string[]) => {
    const dir = join(out, extra.length ? 'allowed' : 'plain');
    const r = spawnSync(process.execPath, [vasco, 'run', '--red', sharedData(RED_687), '--blue', sharedData(BLUE_542), '--out', dir, '--offline', ...extra], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`red plate ${sharedData(RED_687)} (XE687)`);
    expect(r.stderr).toContain(`blue plate ${sharedData(BLUE_542)} (XO542)`);
    expect(r.stderr).toMatch(/do not overlap on the sky/);
    expect(r.stderr).toMatch(/XO687/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'candidates.csv'))).toBe(false);
    expect(existsSync(join(dir, 'work', 'checkpoints')) ? readdirSync(join(dir, 'work', 'checkpoints')) : []).toEqual([]);
  });
});

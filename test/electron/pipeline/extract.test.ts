/**
 * Extraction with the real SExtractor and PSFEx on the real XE687 cutout
 * (706x706 px, 1.7"/px), then sky positions checked against astropy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSolution } from '../../../electron/astro/plate-solution';
import { extractSources, type ExtractResult } from '../../../electron/pipeline/extract';
import { DEFAULT_EXTRACT } from '../../../electron/pipeline/parameters';
import { loadPlate } from '../../../electron/pipeline/stages';
import type { PlateState } from '../../../electron/pipeline/state';
import { findNativeTools } from '../../../native-tools/find';
import { haveCommand, haveSharedData, sharedData } from '../../helpers/shared-data';
import { astropyLdacColumns, astropyPixToSky, haveAstropy } from './astropy-reference';

const RED = 'cutouts/poss1-red-XE687-20arcmin.fits';
const ready = haveSharedData(RED) && haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') && haveAstropy();

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
};

describe.skipIf(!ready)('extraction of XE687 (SExtractor -> PSFEx -> SExtractor)', () => {
  let workDir: string;
  let plate: PlateState;
  let result: ExtractResult;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'vasco-extract-'));
    plate = await loadPlate(sharedData(RED), 'red');
    result = await extractSources(await findNativeTools(), {
      image: plate.file,
      hdu: plate.hdu,
      workDir,
      pixelScaleArcsec: plate.info.pixelScaleArcsec,
      saturLevel: plate.saturLevel,
      imageHeight: plate.info.naxis2,
      detection: DEFAULT_EXTRACT.detection,
      psfDegrees: 2,
      psfFwhmRangePx: [1.5, 10],
    });
  });
  afterAll(() => workDir && rmSync(workDir, { recursive: true, force: true }));

  it('sets SATUR_LEVEL to the 16-bit ceiling of the scan', () => {
    expect(plate.hdu).toBe(0);
    expect(plate.saturLevel).toBe(32767);
  });

  it('yields hundreds of sources, all inside the image, in FITS 1-based pixels', () => {
    const s = result.sources;
    expect(s.length).toBeGreaterThan(300);
    for (const p of s) {
      expect(p.x).toBeGreaterThanOrEqual(0.5);
      expect(p.x).toBeLessThanOrEqual(706.5);
      expect(p.y).toBeGreaterThanOrEqual(0.5);
      expect(p.y).toBeLessThanOrEqual(706.5);
      expect(p.xmin).toBeLessThanOrEqual(p.xmax);
      expect(Number.isInteger(p.xmin)).toBe(true);
    }
  });

  it('reads the catalogue exactly as astropy does', () => {
    const pairs = [['XWIN_IMAGE', 'x'], ['FWHM_IMAGE', 'fwhm'], ['SPREAD_MODEL', 'spreadModel'], ['FLAGS', 'flags'], ['YMAX_IMAGE', 'ymax']] as const;
    const cols = astropyLdacColumns(join(workDir, 'pass2.cat'), pairs.map((p) => p[0]));
    for (const [col, key] of pairs) {
      const ref = cols[col];
      expect(ref.length).toBe(result.sources.length);
      ref.forEach((v, i) => expect(result.sources[i][key], `${col}[${i}]`).toBe(v));
    }
  });

  it('measures stellar FWHM like the PSF model and SPREAD_MODEL near zero for clean stars', () => {
    expect(result.psf).not.toBeNull();
    const clean = result.sources.filter((s) => s.flags === 0 && s.snr >= 30 && s.elongation < 1.3);
    expect(clean.length).toBeGreaterThan(50);
    const fwhm = median(clean.map((s) => s.fwhm));
    // POSS-I at 1.7"/px: stars of 3-5" are 2-3 px.
    expect(fwhm).toBeGreaterThan(1.5);
    expect(fwhm).toBeLessThan(4.5);
    expect(Math.abs(fwhm - result.psf!.fwhmPx)).toBeLessThan(1);
    expect(Math.abs(median(clean.map((s) => s.spreadModel ?? NaN)))).toBeLessThan(0.005);
    for (const s of result.sources) expect(s.snr).toBeCloseTo(s.flux / s.fluxErr, 10);
  });

  it('sky positions from our plate solution agree with astropy to < 1 mas', () => {
    const chosen = chooseSolution(plate.header);
    const sample = result.sources.filter((_, i) => i % 7 === 0);
    const ref = astropyPixToSky(plate.file, chosen.kind, sample.map((s) => [s.x, s.y]));
    sample.forEach((s, i) => {
      const [ra, dec] = chosen.solution.pixToSky(s.x, s.y);
      const dra = (ra - ref[i][0]) * Math.cos((dec * Math.PI) / 180) * 3600;
      const ddec = (dec - ref[i][1]) * 3600;
      expect(Math.hypot(dra, ddec)).toBeLessThan(0.001);
    });
    // And the positions cover the documented 20' field around 259.9534, -6.1475.
    const [ra0, dec0] = chosen.solution.pixToSky(353.5, 353.5);
    expect(ra0).toBeCloseTo(259.9534, 2);
    expect(dec0).toBeCloseTo(-6.1475, 2);
  });
});

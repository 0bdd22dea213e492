import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import type { SynthOptions } from '../../../electron/synth/options';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { at, haveAstropy, isolated, measure, median, readTruth, sha256, type Band, type Truth } from './measure';

const work = mkdtempSync(join(tmpdir(), 'vasco-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small TAN pair with a bit of everything; the PSF goes from 2.5 px (centre) to 4.5 px (corners). */
const base: Omit<SynthOptions, 'outDir'> = {
  plate: 'tan',
  size: 800,
  seed: 11,
  stars: 900,
  galaxies: 3,
  transients: 16,
  defects: 16,
  psf: { fwhmCentrePx: 2.5, fwhmEdgePx: 4.5 },
};

let pair: SynthPair;
let truth: Truth[];
beforeAll(async () => {
  pair = await generatePlatePair({ ...base, outDir: join(work, 'a') });
  truth = readTruth(pair.truth);
});

function sizeOf(path: string): { width: number; height: number } {
  const r = measure<{ shape: [number, number] }>({ task: 'wcs', fits: path, points: [] });
  return { width: r.shape[1], height: r.shape[0] };
}

describe('generatePlatePair: determinism', () => {
  it('gives the same bytes for the same seed, whatever the strip height', async () => {
    const again = await generatePlatePair({ ...base, outDir: join(work, 'again'), stripRows: 37 });
    for (const k of ['red', 'blue', 'truth', 'params'] as const) expect(sha256(again[k]), k).toBe(sha256(pair[k]));
  });

  it('gives other pixels for another seed', async () => {
    const other = await generatePlatePair({ ...base, seed: 12, outDir: join(work, 'other') });
    expect(sha256(other.red)).not.toBe(sha256(pair.red));
    expect(sha256(other.truth)).not.toBe(sha256(pair.truth));
  });
});

describe('generatePlatePair: contents', () => {
  it('holds stars on both plates, red-only transients and one-plate defects', () => {
    const kinds = (k: string) => truth.filter((r) => r.kind === k);
    expect(kinds('transient')).toHaveLength(16);
    expect(kinds('defect')).toHaveLength(16);
    expect(kinds('galaxy')).toHaveLength(3);
    for (const t of kinds('transient')) {
      expect(t.red_x).not.toBeNull();
      expect(t.blue_x).toBeNull();
    }
    for (const d of kinds('defect')) expect((d.red_x === null) !== (d.blue_x === null)).toBe(true);
    const stars = kinds('star');
    expect(stars.filter((s) => s.red_x !== null).length).toBeGreaterThan(850);
    // The blue image covers all of red: every star on red has a blue place.
    expect(stars.filter((s) => s.red_x !== null && s.blue_x === null)).toHaveLength(0);
    const snrs = kinds('transient').map((t) => t.red_snr_expected ?? 0);
    expect(Math.min(...snrs)).toBeCloseTo(15, 1);
    expect(Math.max(...snrs)).toBeCloseTo(200, 1);
  });
});

describe.skipIf(!haveAstropy())('generatePlatePair: checked by astropy', () => {
  function checkWcs(path: string, band: Band, rows: Truth[], dssOnly = false): { maxArcsec: number; header: Record<string, string | number> } {
    const placed = rows.map((r) => ({ r, p: at(r, band) })).filter((e) => e.p !== null);
    const got = measure<{ radec: [number, number][]; header: Record<string, string | number> }>({
      task: 'wcs',
      fits: path,
      points: placed.map((e) => [e.p!.x, e.p!.y]),
      dssOnly,
    });
    const seps = placed.map((e, i) => separationArcsec(e.r.ra, e.r.dec, got.radec[i][0], got.radec[i][1]));
    expect(seps.length).toBeGreaterThan(0);
    return { maxArcsec: Math.max(...seps), header: got.header };
  }

  it('reads the TAN headers, whose WCS puts every truth position at its ra/dec within 0.01"', () => {
    const red = checkWcs(pair.red, 'red', truth);
    const blue = checkWcs(pair.blue, 'blue', truth);
    expect(red.maxArcsec).toBeLessThan(0.01);
    expect(blue.maxArcsec).toBeLessThan(0.01);
    expect(red.header).toMatchObject({ SURVEY: 'POSSI-E', REGION: 'XE000', BITPIX: 16, NAXIS1: 800, NAXIS2: 800, XPIXELSZ: 25.2845 });
    expect(blue.header).toMatchObject({ SURVEY: 'POSSI-O', REGION: 'XO000', BITPIX: 16 });
    // The GSSS keywords beside the TAN ones describe the same projection.
    expect(checkWcs(pair.red, 'red', truth, true).maxArcsec).toBeLessThan(0.01);
    expect(checkWcs(pair.blue, 'blue', truth, true).maxArcsec).toBeLessThan(0.01);
    const days = (Date.parse(`${blue.header['DATE-OBS']}Z`) - Date.parse(`${red.header['DATE-OBS']}Z`)) / 86400e3;
    expect(days).toBeCloseTo(1, 6);
  });

  it.skipIf(!haveSharedData('dss/dss1red-plate-headers.jsonl'))(
    'cuts a real DSS plate solution (XE582) like an STScI cutout, with a 15 um blue twin; astropy agrees within 0.01"',
    async () => {
      const dss = await generatePlatePair({
        outDir: join(work, 'dss'),
        plate: 'XE582',
        dssHeadersFile: sharedData('dss/dss1red-plate-headers.jsonl'),
        size: 500,
        seed: 3,
        stars: 200,
        transients: 4,
        defects: 4,
        blueScaleArcsec: 1.0,
      });
      const rows = readTruth(dss.truth);
      const red = checkWcs(dss.red, 'red', rows);
      const blue = checkWcs(dss.blue, 'blue', rows);
      expect(red.maxArcsec).toBeLessThan(0.01);
      expect(blue.maxArcsec).toBeLessThan(0.01);
      expect(red.header).toMatchObject({ SURVEY: 'POSSI-E', REGION: 'XE582', NAXIS1: 500, NAXIS2: 500, CNPIX1: 6750, CNPIX2: 6749 });
      expect(blue.header).toMatchObject({ SURVEY: 'POSSI-O', REGION: 'XO582', XPIXELSZ: 15.0295 });
      // 1.0"/px: the blue image spans the red one's sky in ~1.7x the pixels.
      expect(Number(blue.header.NAXIS1)).toBeGreaterThan(1.68 * 500);
    },
  );

  it('draws transients and stars where the truth says (windowed centroids, no common offset)', () => {
    for (const band of ['red', 'blue'] as const) {
      const { width, height } = sizeOf(pair[band]);
      const chosen = truth.filter((r) => {
        const p = at(r, band);
        // Saturated tops are flat: their windowed centroid converges too slowly to test with.
        if (!p || p.snr === null || p.fwhm === null || r.kind === 'galaxy' || r.note === 'saturated') return false;
        return p.snr >= 25 && isolated(r, truth, band, width, height);
      });
      expect(chosen.length, `${band}: isolated sources with SNR >= 25`).toBeGreaterThanOrEqual(6);
      if (band === 'red') expect(chosen.filter((r) => r.kind === 'transient').length).toBeGreaterThanOrEqual(4);
      const got = measure<{ xy: [number, number][] }>({
        task: 'centroids',
        fits: pair[band],
        sources: chosen.map((r) => {
          const p = at(r, band)!;
          return [p.x + 0.4, p.y - 0.3, p.fwhm]; // start off-centre: the centroid must find its own way
        }),
      });
      const dx = chosen.map((r, i) => got.xy[i][0] - at(r, band)!.x);
      const dy = chosen.map((r, i) => got.xy[i][1] - at(r, band)!.y);
      const errors = dx.map((d, i) => Math.hypot(d, dy[i]));
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      console.log(
        `${band}: ${chosen.length} centroids, median error ${median(errors).toFixed(3)} px, max ${Math.max(...errors).toFixed(3)} px, ` +
          `mean offset (${mean(dx).toFixed(3)}, ${mean(dy).toFixed(3)})`,
      );
      // Noise alone scatters these by ~0.06 px per axis.
      expect(Math.max(...errors)).toBeLessThan(0.3);
      expect(median(errors)).toBeLessThan(0.12);
      // No convention slip (half a pixel, a swapped axis): no common offset.
      expect(Math.abs(mean(dx))).toBeLessThan(0.05);
      expect(Math.abs(mean(dy))).toBeLessThan(0.05);
    }
  });

  it('varies the PSF FWHM from 2.5 px at the centre to 4.5 px in the corners (Moffat fits)', async () => {
    // Transients are isolated point sources with the local PSF: many faint-enough
    // ones (below the response's knee) sample the PSF across the whole field.
    const field = await generatePlatePair({
      outDir: join(work, 'psf'),
      plate: 'tan',
      size: 700,
      seed: 5,
      stars: 200,
      transients: 50,
      transientSnr: [20, 25],
      defects: 0,
      psf: { fwhmCentrePx: 2.5, fwhmEdgePx: 4.5 },
    });
    const rows = readTruth(field.truth).filter((r) => r.kind === 'transient');
    const got = measure<{ fwhm: number[] }>({ task: 'fwhm', fits: field.red, sources: rows.map((r) => [r.red_x, r.red_y, r.red_fwhm_px]) });
    const ratios = rows.map((r, i) => got.fwhm[i] / r.red_fwhm_px!);
    const radius = (r: Truth) => Math.hypot(r.red_x! - 350.5, r.red_y! - 350.5) / Math.hypot(350, 350);
    const inner = rows.map((r, i) => ({ r, f: got.fwhm[i] })).filter((e) => radius(e.r) < 0.35);
    const outer = rows.map((r, i) => ({ r, f: got.fwhm[i] })).filter((e) => radius(e.r) > 0.7);
    console.log(
      `FWHM: ${rows.length} point sources, measured/truth median ${median(ratios).toFixed(3)}, range ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}; ` +
        `inner ${inner.map((e) => e.f.toFixed(2)).join(' ')}; outer ${outer.map((e) => e.f.toFixed(2)).join(' ')}`,
    );
    expect(rows.length).toBe(50);
    expect(Math.abs(median(ratios) - 1)).toBeLessThan(0.05);
    for (const q of ratios) expect(Math.abs(q - 1)).toBeLessThan(0.25);
    expect(inner.length).toBeGreaterThanOrEqual(3);
    expect(outer.length).toBeGreaterThanOrEqual(3);
    expect(median(inner.map((e) => e.f))).toBeLessThan(2.9);
    expect(median(outer.map((e) => e.f))).toBeGreaterThan(3.6);
  });

  it('puts each defect on one plate only (pixels that change when the defects are left out)', async () => {
    const clean = await generatePlatePair({ ...base, defects: 0, outDir: join(work, 'clean') });
    const defects = truth.filter((r) => r.kind === 'defect');
    for (const band of ['red', 'blue'] as const) {
      const other: Band = band === 'red' ? 'blue' : 'red';
      const changed = measure<{ pixels: [number, number, number][] }>({ task: 'diff', a: pair[band], b: clean[band] }).pixels;
      const mine = defects.filter((d) => at(d, band) !== null);
      const theirs = defects.filter((d) => at(d, other) !== null);
      // Where the other plate's defects fall on this plate, per astropy.
      const theirsHere = measure<{ xy: [number, number][] }>({ task: 'world2pix', fits: pair[band], radec: theirs.map((d) => [d.ra, d.dec]) }).xy;
      expect(mine.length).toBeGreaterThan(2);
      expect(theirs.length).toBeGreaterThan(2);
      for (const d of mine) {
        const p = at(d, band)!;
        expect(changed.some(([x, y]) => Math.hypot(x - p.x, y - p.y) <= 2), `${band} defect ${d.id} (${d.note}) is drawn`).toBe(true);
      }
      for (const [x, y] of changed) {
        const near = mine.some((d) => Math.hypot(x - at(d, band)!.x, y - at(d, band)!.y) <= 26);
        expect(near, `${band} pixel (${x}, ${y}) changed away from any ${band} defect`).toBe(true);
      }
      for (const [x, y] of theirsHere) expect(changed.filter(([cx, cy]) => Math.hypot(cx - x, cy - y) <= 10)).toHaveLength(0);
    }
  });
});

/**
 * Marching squares against the analytic iso-line of a Gaussian (a circle),
 * and the resampling of one image onto another's grid through two TAN WCS
 * against the function itself evaluated at each pixel's sky position.
 */
import { describe, expect, it } from 'vitest';
import { tanPixToSky, tanSkyToPix, type TanWcs } from '../../../electron/astro/projection';
import { contourLevels, marchingSquares, resampleOnto } from '../../../renderer/lib/contours';

const gaussian = (w: number, h: number, cx: number, cy: number, amp: number, sigma: number) => {
  const out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out[j * w + i] = amp * Math.exp(-((i + 1 - cx) ** 2 + (j + 1 - cy) ** 2) / (2 * sigma ** 2));
  return out;
};

describe('marching squares', () => {
  it('the iso-line of a Gaussian lies on the circle r = sigma*sqrt(2 ln(A/L)) and closes around it', () => {
    const w = 64, cx = 31.3, cy = 33.7, amp = 1000, sigma = 6;
    const grid = { data: gaussian(w, w, cx, cy, amp, sigma), width: w, height: w };
    const level = 300;
    const r = sigma * Math.sqrt(2 * Math.log(amp / level));
    const seg = marchingSquares(grid, level);
    expect(seg.length / 4).toBeGreaterThan(40);
    let length = 0;
    for (let k = 0; k < seg.length; k += 4) {
      for (const [x, y] of [[seg[k], seg[k + 1]], [seg[k + 2], seg[k + 3]]]) expect(Math.abs(Math.hypot(x - cx, y - cy) - r)).toBeLessThan(0.15);
      length += Math.hypot(seg[k + 2] - seg[k], seg[k + 3] - seg[k + 1]);
    }
    // Closed: the chords add up to the circumference (within chord shortening).
    expect(length / (2 * Math.PI * r)).toBeGreaterThan(0.97);
    expect(length / (2 * Math.PI * r)).toBeLessThan(1.01);
  });

  it('skips cells next to blank pixels and draws nothing for a level above the peak', () => {
    const data = new Float32Array([0, 10, NaN, 10, 10, 10, 0, 0, 0]);
    const seg = marchingSquares({ data, width: 3, height: 3 }, 5);
    // The blank is FITS pixel (3, 1): nothing inside the cell x 2..3, y 1..2 that touches it.
    expect(seg.length).toBeGreaterThan(0);
    for (let k = 0; k < seg.length; k += 2) expect(seg[k] > 2 && seg[k + 1] < 2).toBe(false);
    expect(marchingSquares({ data: gaussian(10, 10, 5, 5, 10, 2), width: 10, height: 10 }, 11).length).toBe(0);
  });

  it('levels start at the white point and double (from the black point) while below the peak', () => {
    expect(contourLevels({ vmin: 100, vmax: 110 }, 200)).toEqual([110, 120, 140, 180]);
    expect(contourLevels({ vmin: 0, vmax: 0 }, 10)).toEqual([]);
  });
});

describe('resampling onto another grid through both WCS', () => {
  it('a sky function sampled on image B, resampled onto image A, equals the function at A’s pixels', () => {
    const arcsec = 1 / 3600;
    const a: TanWcs = { crpix: [32, 32], crval: [150.0, 30.0], cd: [[-1.7 * arcsec, 0], [0, 1.7 * arcsec]] };
    // B: shifted by a few pixels, rotated 3 degrees, slightly different scale.
    const t = (3 * Math.PI) / 180, s = 1.75 * arcsec;
    const b: TanWcs = { crpix: [30, 35], crval: [150.001, 30.002], cd: [[-s * Math.cos(t), s * Math.sin(t)], [s * Math.sin(t), s * Math.cos(t)]] };
    // A smooth function of the sky (a broad Gaussian around a point), sampled on B's 64x64 grid.
    const f = (ra: number, dec: number) => 1000 * Math.exp(-(((ra - 150.0005) * Math.cos((30 * Math.PI) / 180)) ** 2 + (dec - 30.001) ** 2) / (2 * (12 * arcsec) ** 2));
    const w = 64;
    const bData = new Float32Array(w * w);
    for (let j = 0; j < w; j++) for (let i = 0; i < w; i++) bData[j * w + i] = f(...tanPixToSky(b, i + 1, j + 1));
    const wcsOf = (x: TanWcs) => ({ pixToSky: (px: number, py: number) => tanPixToSky(x, px, py), skyToPix: (ra: number, dec: number) => tanSkyToPix(x, ra, dec) });
    const out = resampleOnto({ width: w, height: w, wcs: wcsOf(a) }, { data: bData, width: w, height: w, wcs: wcsOf(b) });
    let checked = 0;
    for (let j = 8; j < w - 8; j += 3) {
      for (let i = 8; i < w - 8; i += 3) {
        const truth = f(...tanPixToSky(a, i + 1, j + 1));
        // Bilinear interpolation of a 12" Gaussian on 1.75" pixels: within 2% of the peak.
        expect(Math.abs(out[j * w + i] - truth)).toBeLessThan(20);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});

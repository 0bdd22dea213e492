/**
 * Geometry of the bright-star mask: a halo disc and four spikes along the
 * plate axes (never the diagonals), sized by magnitude for Gaia stars; and
 * the measurement of a saturated star's own light: a star drawn the way the
 * synthetic plates draw it (electron/synth/scene.ts: spikes of a known
 * length fading as (1 - t/L)^2, a halo ring at a quarter of it, a Moffat
 * halo), on white noise, with a few field stars on the spikes.
 */
import { describe, expect, it } from 'vitest';
import { gaiaHaloArcsec, gaiaOnlyStars, largestMask, maskHit, measuredMaskStar, measureStarLight, type MaskStar } from '../../../electron/pipeline/masks';
import { moffatPeak, moffatRadius, moffatShape, type MoffatShape } from '../../../electron/synth/psf';
import { FastGaussian } from '../../../electron/synth/prng';
import { drawItem, type RenderItem } from '../../../electron/synth/render';

const star: MaskStar = { x: 500, y: 500, haloRadiusPx: 20, spikeLengthPx: 100, spikeHalfWidthPx: 4, label: 'test star', how: 'by hand' };

describe('bright-star mask geometry', () => {
  it('masks the halo disc and the spikes along x and y, not the diagonals or beyond the spike ends', () => {
    expect(maskHit(star, 510, 512)).toBe('halo');
    expect(maskHit(star, 590, 503)).toBe('spike');
    expect(maskHit(star, 410, 497)).toBe('spike');
    expect(maskHit(star, 502, 599)).toBe('spike');
    expect(maskHit(star, 497, 401)).toBe('spike');
    // Off the spike's width, on a diagonal, past its end.
    expect(maskHit(star, 560, 506)).toBeNull();
    expect(maskHit(star, 560, 560)).toBeNull();
    expect(maskHit(star, 601, 500)).toBeNull();
  });

  it('gives brighter Gaia stars larger halos: x10 per 5 magnitudes', () => {
    expect(gaiaHaloArcsec(12)).toBeCloseTo(25, 6);
    expect(gaiaHaloArcsec(7) / gaiaHaloArcsec(12)).toBeCloseTo(10, 6);
    expect(gaiaHaloArcsec(10)).toBeGreaterThan(gaiaHaloArcsec(11));
  });
});

/**
 * A plate of `size` px with one saturated star at (x, y) drawn as scene.ts
 * draws one (FWHM 3 px, its peak overexposed so its spikes come out `length`
 * px long, 6 % of its light in a Moffat halo 6 FWHM wide, a ring at a quarter
 * of the spike), and field stars on the spikes. Also how far the drawn
 * halo reaches down to one sigma: the ring (1.5 sigma high, 1.5 px wide), or
 * the Moffat halo if farther.
 */
function drawnStar(size: number, x: number, y: number, length: number, seed: string) {
  const sky = 2000, sigma = 25, ceiling = 30000, fwhm = 3;
  const buf = new Float32Array(size * size);
  new FastGaussian(seed, 'noise').fill(buf);
  for (let i = 0; i < buf.length; i++) buf[i] *= sigma;
  const moffat = (cx: number, cy: number, peak: number, shape: MoffatShape, radius: number): RenderItem =>
    ({ shape: 'moffat', x: cx, y: cy, peak, radius, alphaMajor: shape.alphaMajor, alphaMinor: shape.alphaMinor, cos: shape.cos, sin: shape.sin, beta: shape.beta });
  const core = moffatShape(fwhm, 2.5, 0, 0), wide = moffatShape(6 * fwhm, 1.8, 0, 0);
  const overexposure = (length / (12 * fwhm)) ** 2;
  const flux = (overexposure * (ceiling - sky)) / moffatPeak(1, core);
  const haloPeak = moffatPeak(0.06 * flux, wide);
  const items: RenderItem[] = [moffat(x, y, moffatPeak(0.94 * flux, core), core, 80), moffat(x, y, haloPeak, wide, 300)];
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) items.push({ shape: 'spike', x, y, dx, dy, length, amplitude: 4 * sigma, sigma: 0.9 });
  items.push({ shape: 'ring', x, y, radius: length / 4, width: 1.5, amplitude: 1.5 * sigma });
  // Field stars on one spike and past its end (a median over the four arms stands one arm running on).
  for (const t of [0.4, 0.9, 1.2]) items.push(moffat(x + t * length, y + 0.4, 3000, core, 20));
  items.push(moffat(x - 0.3, y - 0.5 * length, 3000, core, 20));
  for (const item of items) drawItem(buf, size, 1, size, item);
  for (let i = 0; i < buf.length; i++) buf[i] = Math.min(ceiling, buf[i] + sky);
  const at = (ix: number, iy: number) => (ix >= 1 && iy >= 1 && ix <= size && iy <= size ? buf[(iy - 1) * size + ix - 1] : NaN);
  return { at, sigma, haloReach: Math.max(length / 4 + 1.5 * Math.sqrt(2 * Math.log(1.5)), moffatRadius(haloPeak, wide, sigma)) };
}

describe('which stars are measured', () => {
  it('a star left unmeasured (its largest possible mask reaches no standing source) could not have masked one', () => {
    // Lights at and past the bounds the measurement can return (halo searched to 100 px, spikes to 600 px).
    for (const extent of [2, 12, 40, 180])
      for (const haloPx of [0, 8, 30, 101])
        for (const spikePx of [0, 20, 300, 600]) {
          const light = { sky: 0, skySigma: 1, haloPx, armsPx: [spikePx, spikePx, spikePx, spikePx], spikePx };
          const measured = measuredMaskStar(500, 500, extent, light, 'star');
          const largest = largestMask(500, 500, extent);
          for (let y = -700; y <= 700; y += 1.5)
            for (const x of [0, 0.5, 1, 3, 3.9, 4, 10, 45, 90, 125, 126, 200, 599, 600, 601].flatMap((v) => [v, -v]))
              if (maskHit(measured, 500 + x, 500 + y)) expect(maskHit(largest, 500 + x, 500 + y), `extent ${extent} halo ${haloPx} spike ${spikePx} at (${x}, ${y})`).not.toBeNull();
        }
  });
});

describe('a saturated star\'s own light', () => {
  for (const [length, x, y] of [[120, 400.3, 390.6], [240, 420.5, 405.2], [60, 130.2, 150.7]]) {
    it(`measures a drawn spike ${length} px long and the drawn halo's reach to within 20 %`, () => {
      const { at, sigma, haloReach } = drawnStar(800, x, y, length, `spike-${length}`);
      const light = measureStarLight(x, y, at);
      const spikeMask = 1.5 * light.spikePx + 4;
      console.log(
        `drawn spike ${length} px, halo reach ${haloReach.toFixed(1)} px: measured spike ${light.spikePx} px (arms ${light.armsPx.join('/')}), ` +
          `mask ${spikeMask} px; halo ${light.haloPx} px; sky sigma ${light.skySigma.toFixed(1)} (drawn ${sigma})`,
      );
      expect(Math.abs(light.skySigma - sigma) / sigma).toBeLessThan(0.1);
      // The mask's spike (measured to 0.5 sigma, x1.5 + 4 px) against the drawn length.
      expect(Math.abs(spikeMask - length) / length).toBeLessThan(0.2);
      expect(Math.abs(light.haloPx - haloReach) / haloReach).toBeLessThan(0.2);
    });
  }
});

describe('Gaia stars beside the measured ones', () => {
  const at = (x: number, y: number, halo: number, spike: number, mag?: number): MaskStar => ({ x, y, haloRadiusPx: halo, spikeLengthPx: spike, spikeHalfWidthPx: 4, label: 's', how: '', gaiaMag: mag });
  it('drops the Gaia stars at a measured star and scales the rest to the measured sizes once three are matched', () => {
    const measured = [at(100, 100, 10, 40), at(300, 300, 12, 50), at(500, 500, 8, 30)];
    const gaia = [at(101, 101, 40, 100, 9), at(300, 302, 40, 100, 9), at(502, 500, 40, 100, 9), at(800, 800, 40, 100, 9)];
    const { stars, note } = gaiaOnlyStars(measured, gaia);
    expect(stars).toHaveLength(1);
    expect(stars[0].haloRadiusPx).toBeCloseTo(40 * (10 / 40), 6);
    expect(stars[0].spikeLengthPx).toBeCloseTo(100 * (40 / 100), 6);
    expect(note).toMatch(/scaled x0\.25 \(halo\) and x0\.40 \(spike\) to the plate's 3 measured saturated stars/);
  });
  it('keeps the magnitude sizes with fewer than three matched', () => {
    const { stars, note } = gaiaOnlyStars([at(100, 100, 10, 40)], [at(101, 101, 40, 100, 9), at(800, 800, 40, 100, 9)]);
    expect(stars.map((s) => s.haloRadiusPx)).toEqual([40]);
    expect(note).toMatch(/by magnitude \(1 measured/);
  });
});

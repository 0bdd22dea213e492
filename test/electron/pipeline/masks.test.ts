/**
 * Geometry of the bright-star mask: a halo disc and four spikes along the
 * plate axes (never the diagonals), sized by magnitude for Gaia stars.
 */
import { describe, expect, it } from 'vitest';
import { gaiaHaloArcsec, maskHit, type MaskStar } from '../../../electron/pipeline/masks';

const star: MaskStar = { x: 500, y: 500, haloRadiusPx: 20, spikeLengthPx: 100, spikeHalfWidthPx: 4, label: 'test star' };

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

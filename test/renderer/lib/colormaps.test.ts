/** Colour maps and the user limits: a known value comes out in the colour the map says. */
import { describe, expect, it } from 'vitest';
import { colourAt, colormapTable } from '../../../renderer/lib/colormaps';
import { computeLimits, renderImage } from '../../../renderer/lib/stretch';

describe('colour maps', () => {
  it('grey runs black to white, inverted white to black, and invert flips any map', () => {
    expect(colourAt('grey', 0)).toEqual([0, 0, 0]);
    expect(colourAt('grey', 1)).toEqual([255, 255, 255]);
    expect(colourAt('inverted', 0)).toEqual([255, 255, 255]);
    expect(colourAt('grey', 0.25, true)).toEqual(colourAt('grey', 0.75));
    expect(colourAt('heat', 0.2, true)).toEqual(colourAt('heat', 0.8));
  });

  it('heat is red before green before blue (DS9 heat), cool the other way', () => {
    const [r, g, b] = colourAt('heat', 0.34);
    expect(r).toBe(255);
    expect(g).toBe(Math.round(0.34 * 255));
    expect(b).toBe(0);
    const [cr, , cb] = colourAt('cool', 0.4);
    expect(cb).toBeGreaterThan(150);
    expect(cr).toBeLessThan(20);
    expect(colourAt('heat', 1)).toEqual([255, 255, 255]);
  });

  it('renderImage colours a pixel through the table and flips rows (FITS row 1 at the bottom)', () => {
    // 2x2: bottom row (FITS y=1) 0, 10; top row 20, 30. Limits 0..30, linear.
    const data = [0, 10, 20, 30];
    const rgba = renderImage(data, 2, 2, { vmin: 0, vmax: 30 }, 'linear', colormapTable('heat'));
    // Canvas row 0 is FITS row 2: (20, 30); canvas (1, 0) is value 30 -> white.
    expect(Array.from(rgba.slice(4, 8))).toEqual([255, 255, 255, 255]);
    // Canvas (1, 1) is value 10 -> t = 1/3 on the heat map (table of 256 entries).
    expect(Array.from(rgba.slice(12, 15))).toEqual(colourAt('heat', Math.round((1 / 3) * 255) / 255));
    const inv = renderImage(data, 2, 2, { vmin: 0, vmax: 30 }, 'linear', colormapTable('grey', true));
    expect(Array.from(inv.slice(4, 7))).toEqual([0, 0, 0]);
  });
});

describe('user limits', () => {
  const values = Array.from({ length: 101 }, (_, i) => i * 2); // 0..200

  it('percentiles interpolate like numpy.percentile', () => {
    expect(computeLimits(values, 'percentile', { lo: 10, hi: 90 })).toEqual({ vmin: 20, vmax: 180 });
    expect(computeLimits(values, 'percentile', { lo: 2.5, hi: 97.5 })).toEqual({ vmin: 5, vmax: 195 });
  });

  it('manual limits are the values given; without them zscale is used', () => {
    expect(computeLimits(values, 'manual', { lo: -5, hi: 42 })).toEqual({ vmin: -5, vmax: 42 });
    expect(computeLimits(values, 'manual')).toEqual(computeLimits(values, 'zscale'));
  });
});

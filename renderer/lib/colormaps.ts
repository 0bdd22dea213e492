/**
 * Colour maps for plate pictures: a stretched value 0..1 becomes an RGB
 * colour. Piecewise-linear channels, with DS9's "heat" and "cool" ramps so a
 * picture looks as it does in DS9.
 */

export type ColormapName = 'grey' | 'inverted' | 'heat' | 'cool';
export const COLORMAPS: ColormapName[] = ['grey', 'inverted', 'heat', 'cool'];

/** (position, level) knots per channel, both 0..1. */
type Ramp = [number, number][];
const RAMPS: Record<ColormapName, [Ramp, Ramp, Ramp]> = {
  grey: [[[0, 0], [1, 1]], [[0, 0], [1, 1]], [[0, 0], [1, 1]]],
  inverted: [[[0, 1], [1, 0]], [[0, 1], [1, 0]], [[0, 1], [1, 0]]],
  // DS9 heat: red first, then green, white at the top.
  heat: [[[0, 0], [0.34, 1], [1, 1]], [[0, 0], [1, 1]], [[0, 0], [0.65, 0], [0.98, 1], [1, 1]]],
  // DS9 cool: blue first, then green, white at the top.
  cool: [[[0, 0], [0.29, 0], [0.76, 0.1], [1, 1]], [[0, 0], [0.22, 0], [0.96, 1], [1, 1]], [[0, 0], [0.53, 1], [1, 1]]],
};

function rampAt(ramp: Ramp, t: number): number {
  for (let i = 1; i < ramp.length; i++) {
    const [x1, y1] = ramp[i];
    if (t <= x1) {
      const [x0, y0] = ramp[i - 1];
      return x1 === x0 ? y1 : y0 + ((t - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return ramp[ramp.length - 1][1];
}

/** The colour (0..255 each) of stretched value t (0..1); `invert` reads the map from the top down. */
export function colourAt(name: ColormapName, t: number, invert = false): [number, number, number] {
  const x = Math.min(1, Math.max(0, invert ? 1 - t : t));
  return RAMPS[name].map((ramp) => Math.round(rampAt(ramp, x) * 255)) as [number, number, number];
}

/** `n` colours as RGB triplets (index k is t = k/(n-1)), for a fast lookup while drawing. */
export function colormapTable(name: ColormapName, invert = false, n = 256): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n * 3);
  for (let k = 0; k < n; k++) out.set(colourAt(name, k / (n - 1), invert), k * 3);
  return out;
}

/**
 * The blink's third frame: red minus blue scaled to red, on the common grid
 * blink.get returns (the difference a SkyPanel-style scanner shows beside new
 * and reference). Each frame loses its sky (median); blue is scaled by the
 * median red/blue ratio of the pixels bright on both (above 5 robust sigma:
 * the stars both plates share), so a star on both plates nearly cancels and
 * a source on red only stays bright.
 */

export interface DifferenceFrame {
  /** (red - sky) - ratio * (blue - sky); NaN where either frame is blank. */
  data: Float32Array;
  ratio: number;
  /** Pixels the ratio was measured on (0: fell back to the sky-noise ratio). */
  matched: number;
  skyRed: number;
  skyBlue: number;
  /** How blue was scaled, for the UI. */
  how: string;
}

const SIGMA_PER_MAD = 1.482602218505602; // 1/Phi^-1(3/4), as astropy.stats.mad_std
const BRIGHT_SIGMA = 5;
const MIN_MATCHED = 5;

function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function finite(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return out;
}

/** Median and robust sigma (MAD x 1.4826) of the finite values. */
export function skyAndNoise(values: ArrayLike<number>): { sky: number; sigma: number } {
  const v = finite(values);
  const sky = median(v);
  return { sky, sigma: SIGMA_PER_MAD * median(v.map((x) => Math.abs(x - sky))) };
}

/** Red minus scaled blue, pixel by pixel (both frames on the same grid, same size). */
export function differenceFrame(red: ArrayLike<number>, blue: ArrayLike<number>): DifferenceFrame {
  if (red.length !== blue.length) throw new Error(`red and blue frames differ in size (${red.length} vs ${blue.length} pixels)`);
  const r = skyAndNoise(red), b = skyAndNoise(blue);
  const ratios: number[] = [];
  for (let i = 0; i < red.length; i++) {
    const dr = red[i] - r.sky, db = blue[i] - b.sky;
    if (dr > BRIGHT_SIGMA * r.sigma && db > BRIGHT_SIGMA * b.sigma) ratios.push(dr / db);
  }
  const matched = ratios.length >= MIN_MATCHED ? ratios.length : 0;
  const ratio = matched ? median(ratios) : b.sigma > 0 ? r.sigma / b.sigma : 1;
  const data = new Float32Array(red.length);
  for (let i = 0; i < red.length; i++) data[i] = red[i] - r.sky - ratio * (blue[i] - b.sky);
  const how = matched
    ? `blue × ${ratio.toPrecision(3)}: median red/blue of ${matched} pixels above ${BRIGHT_SIGMA}σ on both, skies removed`
    : `blue × ${ratio.toPrecision(3)}: sky-noise ratio (fewer than ${MIN_MATCHED} pixels bright on both)`;
  return { data, ratio, matched, skyRed: r.sky, skyBlue: b.sky, how };
}

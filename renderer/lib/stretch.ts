/**
 * Display stretches for plate cutouts: limits (zscale, percentile, min/max) and
 * transfer functions (linear, asinh, log), following the conventions of
 * astropy.visualization so numbers can be checked against it.
 */
import { colormapTable } from './colormaps';

export type StretchName = 'linear' | 'asinh' | 'log';
/** zscale, the central 99.5 %, the full range, or the reviewer's own: percentiles ('percentile') or values ('manual'). */
export type LimitsName = 'zscale' | 'p99.5' | 'minmax' | 'percentile' | 'manual';

/** The reviewer's limits: percentiles (0..100) for 'percentile', pixel values for 'manual'. */
export interface UserLimits {
  lo: number;
  hi: number;
}

export interface Limits {
  vmin: number;
  vmax: number;
}

export interface ZScaleOptions {
  nSamples?: number;
  contrast?: number;
  maxReject?: number;
  minNPixels?: number;
  krej?: number;
  maxIterations?: number;
}

function finiteValues(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** Least-squares line through (x, y) for the points with good[i]; returns [slope, intercept]. */
function fitLine(y: Float64Array, bad: Uint8Array): [number, number] {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < y.length; i++) {
    if (bad[i]) continue;
    n++; sx += i; sy += y[i]; sxx += i * i; sxy += i * y[i];
  }
  const den = n * sxx - sx * sx;
  const slope = den === 0 ? 0 : (n * sxy - sx * sy) / den;
  return [slope, (sy - slope * sx) / n];
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  const h = Math.floor(n / 2);
  return n % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * IRAF's zscale as astropy's ZScaleInterval computes it: sample up to nSamples
 * values with a fixed stride, sort, fit a line with iterative k-sigma rejection
 * (rejected points dilated by 1% of the sample), then scale the slope by
 * 1/contrast around the median.
 */
export function zscale(values: ArrayLike<number>, opts: ZScaleOptions = {}): Limits {
  const nSamples = opts.nSamples ?? 1000;
  const contrast = opts.contrast ?? 0.25;
  const maxReject = opts.maxReject ?? 0.5;
  const minNPixels = opts.minNPixels ?? 5;
  const krej = opts.krej ?? 2.5;
  const maxIterations = opts.maxIterations ?? 5;

  const all = finiteValues(values);
  if (all.length === 0) return { vmin: 0, vmax: 1 };
  const stride = Math.max(1, Math.trunc(all.length / nSamples));
  const picked: number[] = [];
  for (let i = 0; i < all.length && picked.length < nSamples; i += stride) picked.push(all[i]);
  const samples = Float64Array.from(picked).sort();
  const npix = samples.length;
  let vmin = samples[0];
  let vmax = samples[npix - 1];

  const minpix = Math.max(minNPixels, Math.trunc(npix * maxReject));
  const ngrow = Math.max(1, Math.trunc(npix * 0.01));
  let bad = new Uint8Array(npix);
  let ngood = npix;
  let lastNgood = npix + 1;
  let fit: [number, number] | null = null;

  for (let iter = 0; iter < maxIterations; iter++) {
    if (ngood >= lastNgood || ngood < minpix) break;
    fit = fitLine(samples, bad);
    const flat = new Float64Array(npix);
    let sum = 0, n = 0;
    for (let i = 0; i < npix; i++) {
      flat[i] = samples[i] - (fit[0] * i + fit[1]);
      if (!bad[i]) { sum += flat[i]; n++; }
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < npix; i++) if (!bad[i]) ss += (flat[i] - mean) ** 2;
    const threshold = krej * Math.sqrt(ss / n);
    for (let i = 0; i < npix; i++) if (flat[i] < -threshold || flat[i] > threshold) bad[i] = 1;
    // Dilate like numpy.convolve(bad, ones(ngrow), mode='same').
    const grown = new Uint8Array(npix);
    const lo = Math.ceil((ngrow - 1) / 2);
    const hi = Math.floor((ngrow - 1) / 2);
    for (let i = 0; i < npix; i++) {
      if (!bad[i]) continue;
      for (let j = Math.max(0, i - hi); j <= Math.min(npix - 1, i + lo); j++) grown[j] = 1;
    }
    bad = grown;
    lastNgood = ngood;
    ngood = 0;
    for (let i = 0; i < npix; i++) if (!bad[i]) ngood++;
  }

  if (fit && ngood >= minpix) {
    let slope = fit[0];
    if (contrast > 0) slope /= contrast;
    const center = Math.floor((npix - 1) / 2);
    const med = median(samples);
    vmin = Math.max(vmin, med - (center - 1) * slope);
    vmax = Math.min(vmax, med + (npix - center) * slope);
  }
  return { vmin, vmax };
}

/** Linear-interpolated percentile (numpy's default), p in 0..100. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = ((sorted.length - 1) * p) / 100;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/** The display limits of `values` in `mode`; user limits without `user` given fall back to zscale. */
export function computeLimits(values: ArrayLike<number>, mode: LimitsName, user?: UserLimits): Limits {
  if (mode === 'manual' && user && user.hi !== user.lo) return { vmin: user.lo, vmax: user.hi };
  if (mode === 'zscale' || ((mode === 'manual' || mode === 'percentile') && !user)) return zscale(values);
  const sorted = finiteValues(values).slice().sort();
  if (sorted.length === 0) return { vmin: 0, vmax: 1 };
  if (mode === 'minmax') return { vmin: sorted[0], vmax: sorted[sorted.length - 1] };
  if (mode === 'percentile' && user) {
    const clamp = (p: number) => Math.min(100, Math.max(0, p));
    return { vmin: percentile(sorted, clamp(user.lo)), vmax: percentile(sorted, clamp(user.hi)) };
  }
  const cut = (100 - 99.5) / 2;
  return { vmin: percentile(sorted, cut), vmax: percentile(sorted, 100 - cut) };
}

/** Transfer functions on values already normalised to 0..1 (astropy's defaults: asinh a=0.1, log a=1000). */
export function applyStretch(name: StretchName, v: number): number {
  const x = v < 0 ? 0 : v > 1 ? 1 : v;
  switch (name) {
    case 'linear':
      return x;
    case 'asinh':
      return Math.asinh(x / 0.1) / Math.asinh(1 / 0.1);
    case 'log':
      return Math.log(1000 * x + 1) / Math.log(1001);
  }
}

/**
 * RGBA pixels for a canvas, through a colour table (colormapTable; grey when
 * none). FITS row 1 is the bottom of the image, canvas row 0 the top, so rows
 * are flipped: the picture appears as in DS9.
 */
export function renderImage(
  data: ArrayLike<number>,
  width: number,
  height: number,
  limits: Limits,
  stretch: StretchName,
  colours: Uint8ClampedArray = colormapTable('grey'),
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  const span = limits.vmax - limits.vmin || 1;
  // A lookup table keeps 100k-pixel redraws cheap while dragging a slider.
  const lut = new Uint16Array(4096);
  const top = colours.length / 3 - 1;
  for (let i = 0; i < lut.length; i++) lut[i] = Math.round(applyStretch(stretch, i / (lut.length - 1)) * top);
  for (let fy = 0; fy < height; fy++) {
    const row = height - 1 - fy;
    for (let x = 0; x < width; x++) {
      const v = data[fy * width + x];
      const o = (row * width + x) * 4;
      if (!Number.isFinite(v)) {
        out[o] = 28; out[o + 1] = 34; out[o + 2] = 48; out[o + 3] = 255; // blank (off the plate): dark slate, not sky
        continue;
      }
      const t = (v - limits.vmin) / span;
      const c = lut[Math.round((t < 0 ? 0 : t > 1 ? 1 : t) * (lut.length - 1))] * 3;
      out[o] = colours[c]; out[o + 1] = colours[c + 1]; out[o + 2] = colours[c + 2]; out[o + 3] = 255;
    }
  }
  return out;
}

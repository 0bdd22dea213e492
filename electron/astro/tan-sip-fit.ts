/**
 * Least-squares fit of a FITS TAN projection with SIP distortion (Shupe et
 * al. 2005) to any pixel -> sky mapping, over one image. Aladin Lite cannot
 * read DSS plate-solution headers; the sky-context image takes its TAN part
 * (CD) from this fit, and the SIP part says how far plain TAN would be off.
 *
 * Model (FITS 1-based pixels, degrees):
 *   u = x - CRPIX1, v = y - CRPIX2
 *   [xi, eta] = CD . [u + A(u, v), v + B(u, v)]           (forward, A/B: 2 <= p+q <= order)
 *   (xi, eta) -> (ra, dec): gnomonic about CRVAL
 *   inverse: U, V = CD^-1 . [xi, eta]; u = U + AP(U, V), v = V + BP(U, V)   (0 <= p+q <= order)
 * The forward fit is linear: xi and eta are fitted as full polynomials of
 * degree `order` in (u, v) without constant term (CRVAL is the sky at CRPIX),
 * the linear part becomes CD and CD^-1 times the rest becomes A and B.
 */
import type { HeaderValues } from '../fits/header';
import { gnomonicForward, gnomonicInverse, tanHeader, type TanWcs } from './projection';
import { separationArcsec } from './sphere';

export interface SkySample {
  /** FITS 1-based pixel. */
  x: number;
  y: number;
  ra: number;
  dec: number;
}

export interface TanSip extends TanWcs {
  order: number;
  /** Forward distortion coefficients keyed "p_q" (2 <= p+q <= order). */
  a: Record<string, number>;
  b: Record<string, number>;
  /** Inverse distortion coefficients keyed "p_q" (0 <= p+q <= order). */
  ap: Record<string, number>;
  bp: Record<string, number>;
}

export interface TanSipFit extends TanSip {
  /** Residuals of the forward fit over the samples. */
  rmsArcsec: number;
  maxArcsec: number;
}

// ------------------------------------------------------------ least squares

/** Exponent pairs (p, q) with lo <= p+q <= hi, in a fixed order. */
function terms(lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  for (let n = lo; n <= hi; n++) for (let q = 0; q <= n; q++) out.push([n - q, q]);
  return out;
}

/**
 * Solve min |M c - y|^2 for several right-hand sides by Householder QR.
 * M is rows x cols, row-major.
 */
function leastSquares(m: Float64Array, rows: number, cols: number, rhs: Float64Array[]): Float64Array[] {
  if (rows < cols) throw new Error(`TAN-SIP fit: ${rows} samples cannot fix ${cols} coefficients`);
  const a = Float64Array.from(m);
  const ys = rhs.map((y) => Float64Array.from(y));
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let i = k; i < rows; i++) norm += a[i * cols + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new Error('TAN-SIP fit: degenerate sample layout');
    const alpha = a[k * cols + k] > 0 ? -norm : norm;
    const v = new Float64Array(rows - k);
    for (let i = k; i < rows; i++) v[i - k] = a[i * cols + k];
    v[0] -= alpha;
    const vnorm2 = v.reduce((s, t) => s + t * t, 0);
    if (vnorm2 === 0) continue;
    const reflect = (get: (i: number) => number, set: (i: number, x: number) => void) => {
      let dot = 0;
      for (let i = k; i < rows; i++) dot += v[i - k] * get(i);
      const f = (2 * dot) / vnorm2;
      for (let i = k; i < rows; i++) set(i, get(i) - f * v[i - k]);
    };
    for (let j = k; j < cols; j++) reflect((i) => a[i * cols + j], (i, x) => (a[i * cols + j] = x));
    for (const y of ys) reflect((i) => y[i], (i, x) => (y[i] = x));
  }
  return ys.map((y) => {
    const c = new Float64Array(cols);
    for (let k = cols - 1; k >= 0; k--) {
      let s = y[k];
      for (let j = k + 1; j < cols; j++) s -= a[k * cols + j] * c[j];
      c[k] = s / a[k * cols + k];
    }
    return c;
  });
}

/** Fit poly(u, v) over `ts` to targets; u, v scaled by s for conditioning, coefficients returned unscaled. */
function fitPolys(us: number[], vs: number[], targets: number[][], ts: [number, number][], s: number): number[][] {
  const rows = us.length, cols = ts.length;
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const un = us[i] / s, vn = vs[i] / s;
    ts.forEach(([p, q], j) => (m[i * cols + j] = un ** p * vn ** q));
  }
  const sol = leastSquares(m, rows, cols, targets.map((t) => Float64Array.from(t)));
  return sol.map((c) => ts.map(([p, q], j) => c[j] / s ** (p + q)));
}

function evalPoly(coeffs: Record<string, number>, u: number, v: number): number {
  let sum = 0;
  for (const key in coeffs) {
    const [p, q] = key.split('_').map(Number);
    sum += coeffs[key] * u ** p * v ** q;
  }
  return sum;
}

// ------------------------------------------------------------ the fit

/**
 * Fit TAN-SIP of `order` (2..5) to samples of a pixel -> sky mapping. CRVAL is
 * the sky position at CRPIX (give it exactly: it is not fitted).
 */
export function fitTanSipSamples(
  samples: SkySample[],
  crpix: [number, number],
  crval: [number, number],
  order = 3,
): TanSipFit {
  if (!(Number.isInteger(order) && order >= 2 && order <= 5)) throw new Error(`TAN-SIP fit: order ${order} not in 2..5`);
  const us = samples.map((s) => s.x - crpix[0]);
  const vs = samples.map((s) => s.y - crpix[1]);
  const std = samples.map((s) => gnomonicForward(s.ra, s.dec, crval[0], crval[1]));
  const scale = Math.max(1, ...us.map(Math.abs), ...vs.map(Math.abs));

  const fwdTerms = terms(1, order);
  const [cx, cy] = fitPolys(us, vs, [std.map((t) => t[0]), std.map((t) => t[1])], fwdTerms, scale);
  const idx = (p: number, q: number) => fwdTerms.findIndex(([a, b]) => a === p && b === q);
  const cd: [[number, number], [number, number]] = [
    [cx[idx(1, 0)], cx[idx(0, 1)]],
    [cy[idx(1, 0)], cy[idx(0, 1)]],
  ];
  const det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0];
  const inv = [
    [cd[1][1] / det, -cd[0][1] / det],
    [-cd[1][0] / det, cd[0][0] / det],
  ];
  const a: Record<string, number> = {};
  const b: Record<string, number> = {};
  fwdTerms.forEach(([p, q], j) => {
    if (p + q < 2) return;
    a[`${p}_${q}`] = inv[0][0] * cx[j] + inv[0][1] * cy[j];
    b[`${p}_${q}`] = inv[1][0] * cx[j] + inv[1][1] * cy[j];
  });

  // Inverse polynomials: from intermediate pixel (U, V) back to (u, v).
  const bigU = std.map(([xi, eta]) => inv[0][0] * xi + inv[0][1] * eta);
  const bigV = std.map(([xi, eta]) => inv[1][0] * xi + inv[1][1] * eta);
  const invTerms = terms(0, order);
  const [px, py] = fitPolys(bigU, bigV, [us.map((u, i) => u - bigU[i]), vs.map((v, i) => v - bigV[i])], invTerms, scale);
  const ap: Record<string, number> = {};
  const bp: Record<string, number> = {};
  invTerms.forEach(([p, q], j) => {
    ap[`${p}_${q}`] = px[j];
    bp[`${p}_${q}`] = py[j];
  });

  const fit: TanSip = { crpix, crval, cd, order, a, b, ap, bp };
  let sum2 = 0, max = 0;
  for (const s of samples) {
    const [ra, dec] = tanSipPixToSky(fit, s.x, s.y);
    const d = separationArcsec(ra, dec, s.ra, s.dec);
    sum2 += d * d;
    max = Math.max(max, d);
  }
  return { ...fit, rmsArcsec: Math.sqrt(sum2 / samples.length), maxArcsec: max };
}

export interface FitOverImageOptions {
  width: number;
  height: number;
  pixToSky: (x: number, y: number) => [number, number];
  order?: number;
  /** Samples per axis (edges included). */
  grid?: number;
}

/** Sample `pixToSky` on a grid over a width x height image and fit TAN-SIP, CRPIX at the image centre. */
export function fitTanSip(opts: FitOverImageOptions): TanSipFit {
  const { width, height, pixToSky } = opts;
  const n = opts.grid ?? 16;
  const crpix: [number, number] = [(width + 1) / 2, (height + 1) / 2];
  const crval = pixToSky(crpix[0], crpix[1]);
  const samples: SkySample[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = 0.5 + (width * i) / (n - 1);
      const y = 0.5 + (height * j) / (n - 1);
      const [ra, dec] = pixToSky(x, y);
      samples.push({ x, y, ra, dec });
    }
  return fitTanSipSamples(samples, crpix, crval, opts.order ?? 3);
}

/** Evaluate a TAN-SIP solution: FITS 1-based pixel -> (ra, dec) degrees. */
export function tanSipPixToSky(f: TanSip, x: number, y: number): [number, number] {
  const u = x - f.crpix[0], v = y - f.crpix[1];
  const uu = u + evalPoly(f.a, u, v);
  const vv = v + evalPoly(f.b, u, v);
  const xi = f.cd[0][0] * uu + f.cd[0][1] * vv;
  const eta = f.cd[1][0] * uu + f.cd[1][1] * vv;
  return gnomonicInverse(xi, eta, f.crval[0], f.crval[1]);
}

/**
 * How far the SIP distortion of a fit moves pixels anywhere on a width x
 * height image (the largest |(A, B)(u, v)| on a grid, edges included), in
 * pixels: what a plain TAN header with the fit's CD would get wrong.
 */
export function sipDisplacementPx(f: TanSip, width: number, height: number, grid = 16): number {
  let max = 0;
  for (let i = 0; i < grid; i++)
    for (let j = 0; j < grid; j++) {
      const u = 0.5 + (width * i) / (grid - 1) - f.crpix[0];
      const v = 0.5 + (height * j) / (grid - 1) - f.crpix[1];
      max = Math.max(max, Math.hypot(evalPoly(f.a, u, v), evalPoly(f.b, u, v)));
    }
  return max;
}

/**
 * FITS header cards of a TAN-SIP solution (for a cutout of the fitted image's
 * size). Note: Aladin Lite 3.8 draws SIP images wrongly (stars smeared into
 * streaks), so images for Aladin get a plain TAN header instead (cutouts/).
 */
export function tanSipHeader(f: TanSip): HeaderValues {
  const h: HeaderValues = { ...tanHeader(f), CTYPE1: 'RA---TAN-SIP', CTYPE2: 'DEC--TAN-SIP', A_ORDER: f.order };
  for (const [k, v] of Object.entries(f.a)) h[`A_${k}`] = v;
  h.B_ORDER = f.order;
  for (const [k, v] of Object.entries(f.b)) h[`B_${k}`] = v;
  h.AP_ORDER = f.order;
  for (const [k, v] of Object.entries(f.ap)) h[`AP_${k}`] = v;
  h.BP_ORDER = f.order;
  for (const [k, v] of Object.entries(f.bp)) h[`BP_${k}`] = v;
  return h;
}

/**
 * A polynomial refit of a plate solution against reference stars (Gaia at the
 * plate epoch): the header solution puts each measured star at standard
 * coordinates (xi, eta) about the image centre; the refit models the
 * difference reference - header as a polynomial in the pixel position and
 * adds it back. Angles in degrees except where names say Arcsec; pixels FITS
 * 1-based.
 *
 * Matching is robust to a header that is off by several arcsec: a global
 * shift from the nearest pairs within a wide radius first, then a linear fit,
 * then the full order, each followed by a rematch within a tighter radius and
 * a 3-sigma (MAD) clip. The fit is refused, with the reason, when too few
 * stars match or when it does not make the positions better.
 */
import type { PlateSolution } from './plate-solution';
import { gnomonicForward, gnomonicInverse } from './projection';

export interface RefitOptions {
  /** Highest polynomial order tried (the order used is the highest the star count supports). */
  maxOrder: number;
  /** Fewest matched stars for any fit; a fit of order n needs 3x its term count too. */
  minStars: number;
  /** Refuse a fit whose median residual is above this, arcsec. */
  maxMedianArcsec: number;
  /** First, wide match radius (header error allowed), arcsec. */
  wideMatchArcsec: number;
  /** Final match radius around the fitted position, arcsec. */
  matchArcsec: number;
}

export const DEFAULT_REFIT: RefitOptions = { maxOrder: 3, minStars: 12, maxMedianArcsec: 1.5, wideMatchArcsec: 15, matchArcsec: 2 };

export interface ResidualStats {
  medianArcsec: number;
  p90Arcsec: number;
}

export interface RefitResult {
  /** True when the correction is good and should be used. */
  accepted: boolean;
  /** Why it was refused (absent when accepted). */
  reason?: string;
  /** Stars offered and stars matched to a reference within the final radius; used = after clipping. */
  stars: number;
  matched: number;
  used: number;
  order: number | null;
  /** Residuals of the matched pairs with the header solution and with the refit one. */
  before: ResidualStats | null;
  after: ResidualStats | null;
  /** The fitted correction (present when a fit was made, accepted or not). */
  correction?: PolynomialCorrection;
}

/** d(xi), d(eta) in arcsec as polynomials of u = (x - x0)/scale, v = (y - y0)/scale. */
export interface PolynomialCorrection {
  /** Tangent point of the standard coordinates. */
  ra0: number;
  dec0: number;
  x0: number;
  y0: number;
  scale: number;
  order: number;
  xi: number[];
  eta: number[];
}

/** Terms u^i v^j with i + j <= order, in a fixed order. */
function basis(u: number, v: number, order: number): number[] {
  const out: number[] = [];
  for (let n = 0; n <= order; n++) for (let j = 0; j <= n; j++) out.push(u ** (n - j) * v ** j);
  return out;
}

const termCount = (order: number) => ((order + 1) * (order + 2)) / 2;

function evalCorrection(c: PolynomialCorrection, x: number, y: number): [number, number] {
  const b = basis((x - c.x0) / c.scale, (y - c.y0) / c.scale, c.order);
  let dx = 0, dy = 0;
  for (let k = 0; k < b.length; k++) {
    dx += c.xi[k] * b[k];
    dy += c.eta[k] * b[k];
  }
  return [dx, dy];
}

/** Header standard coordinates of a pixel, arcsec. */
function standard(solution: PlateSolution, c: { ra0: number; dec0: number }, x: number, y: number): [number, number] {
  const [ra, dec] = solution.pixToSky(x, y);
  const [xi, eta] = gnomonicForward(ra, dec, c.ra0, c.dec0);
  return [xi * 3600, eta * 3600];
}

/** The sky position of a pixel through the header solution and the correction. */
export function correctedPixToSky(solution: PlateSolution, c: PolynomialCorrection, x: number, y: number): [number, number] {
  const [xi, eta] = standard(solution, c, x, y);
  const [dx, dy] = evalCorrection(c, x, y);
  return gnomonicInverse((xi + dx) / 3600, (eta + dy) / 3600, c.ra0, c.dec0);
}

/** Solves the symmetric system A x = b (Gaussian elimination with partial pivoting); null when singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    if (Math.abs(m[piv][col]) < 1e-12) return null;
    [m[col], m[piv]] = [m[piv], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      if (f) for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

function leastSquares(rows: number[][], values: number[]): number[] | null {
  const n = rows[0].length;
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  rows.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      b[i] += r[i] * values[k];
      for (let j = 0; j < n; j++) a[i][j] += r[i] * r[j];
    }
  });
  return solve(a, b);
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((p, r) => p - r);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

export function residualStats(seps: number[]): ResidualStats {
  const r = (v: number) => Number(v.toFixed(3));
  return { medianArcsec: r(quantile(seps, 0.5)), p90Arcsec: r(quantile(seps, 0.9)) };
}

/** Reference positions on a grid of standard coordinates (arcsec), for nearest-neighbour lookups. */
class RefGrid {
  private readonly cells = new Map<string, number[]>();
  constructor(readonly xi: Float64Array, readonly eta: Float64Array, private readonly cell: number) {
    for (let i = 0; i < xi.length; i++) {
      const k = this.key(Math.floor(xi[i] / cell), Math.floor(eta[i] / cell));
      const list = this.cells.get(k);
      if (list) list.push(i);
      else this.cells.set(k, [i]);
    }
  }
  private key(a: number, b: number): string {
    return `${a},${b}`;
  }
  /** Nearest reference within r arcsec and its distance, or null. */
  nearest(x: number, y: number, r: number): { index: number; d: number } | null {
    let best: { index: number; d: number } | null = null;
    const reach = Math.ceil(r / this.cell);
    const cx = Math.floor(x / this.cell), cy = Math.floor(y / this.cell);
    for (let a = cx - reach; a <= cx + reach; a++)
      for (let b = cy - reach; b <= cy + reach; b++)
        for (const i of this.cells.get(this.key(a, b)) ?? []) {
          const d = Math.hypot(this.xi[i] - x, this.eta[i] - y);
          if (d <= r && (!best || d < best.d)) best = { index: i, d };
        }
    return best;
  }
}

interface Pair {
  star: number;
  ref: number;
  /** Reference minus header, arcsec. */
  dxi: number;
  deta: number;
}

/**
 * Fits the correction of `solution` from measured stars (pixels) to reference
 * positions (degrees, already at the plate epoch). `centre` is the pixel the
 * standard coordinates and the polynomial are centred on; `scale` the pixel
 * half-size the polynomial is normalised by.
 */
export function refitPlateSolution(
  solution: PlateSolution,
  stars: { x: ArrayLike<number>; y: ArrayLike<number> },
  refs: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  frame: { x0: number; y0: number; scale: number },
  opts: RefitOptions = DEFAULT_REFIT,
): RefitResult {
  const [ra0, dec0] = solution.pixToSky(frame.x0, frame.y0);
  const tp = { ra0, dec0 };
  const n = stars.x.length;
  const hxi = new Float64Array(n), heta = new Float64Array(n);
  for (let i = 0; i < n; i++) [hxi[i], heta[i]] = standard(solution, tp, stars.x[i], stars.y[i]);
  const rxi = new Float64Array(refs.ra.length), reta = new Float64Array(refs.ra.length);
  for (let i = 0; i < refs.ra.length; i++) {
    const [a, b] = gnomonicForward(refs.ra[i], refs.dec[i], ra0, dec0);
    rxi[i] = a * 3600;
    reta[i] = b * 3600;
  }
  const grid = new RefGrid(rxi, reta, Math.max(opts.wideMatchArcsec, 1));
  const refuse = (reason: string, extra: Partial<RefitResult> = {}): RefitResult => ({
    accepted: false, reason, stars: n, matched: 0, used: 0, order: null, before: null, after: null, ...extra,
  });
  if (refs.ra.length === 0) return refuse('no reference stars in the field');

  // Match each star to its nearest reference where the current model puts it.
  const match = (model: PolynomialCorrection | null, shift: [number, number], radius: number): Pair[] => {
    const pairs: Pair[] = [];
    for (let i = 0; i < n; i++) {
      const [dx, dy] = model ? evalCorrection(model, stars.x[i], stars.y[i]) : shift;
      const hit = grid.nearest(hxi[i] + dx, heta[i] + dy, radius);
      if (hit) pairs.push({ star: i, ref: hit.index, dxi: rxi[hit.index] - hxi[i], deta: reta[hit.index] - heta[i] });
    }
    // A reference claimed by two stars matches neither (blends, doubles).
    const claims = new Map<number, number>();
    for (const p of pairs) claims.set(p.ref, (claims.get(p.ref) ?? 0) + 1);
    return pairs.filter((p) => claims.get(p.ref) === 1);
  };
  const fit = (pairs: Pair[], order: number): PolynomialCorrection | null => {
    const rows = pairs.map((p) => basis((stars.x[p.star] - frame.x0) / frame.scale, (stars.y[p.star] - frame.y0) / frame.scale, order));
    const xi = leastSquares(rows, pairs.map((p) => p.dxi));
    const eta = leastSquares(rows, pairs.map((p) => p.deta));
    return xi && eta ? { ...tp, x0: frame.x0, y0: frame.y0, scale: frame.scale, order, xi, eta } : null;
  };
  const residual = (c: PolynomialCorrection, p: Pair) => {
    const [dx, dy] = evalCorrection(c, stars.x[p.star], stars.y[p.star]);
    return Math.hypot(p.dxi - dx, p.deta - dy);
  };
  /** Fit, clip at 3 sigma (MAD), fit again. */
  const fitClipped = (pairs: Pair[], order: number): { c: PolynomialCorrection; used: Pair[] } | null => {
    let used = pairs;
    let c = fit(used, order);
    for (let it = 0; it < 3 && c; it++) {
      const r = used.map((p) => residual(c!, p));
      const limit = Math.max(3 * 1.4826 * quantile(r, 0.5), 0.05);
      const kept = used.filter((_, k) => r[k] <= limit);
      if (kept.length === used.length || kept.length < termCount(order) * 3) break;
      used = kept;
      c = fit(used, order);
    }
    return c ? { c, used } : null;
  };

  // 1. A global shift from the nearest pairs within the wide radius.
  const wide = match(null, [0, 0], opts.wideMatchArcsec);
  if (wide.length < opts.minStars) return refuse(`too few stars matched: ${wide.length} of ${n} within ${opts.wideMatchArcsec}" (need ${opts.minStars})`, { matched: wide.length });
  const shift: [number, number] = [quantile(wide.map((p) => p.dxi), 0.5), quantile(wide.map((p) => p.deta), 0.5)];
  // 2. Linear, from the pairs near that shift; 3. the full order from pairs near the linear model.
  let pairs = match(null, shift, Math.max(3 * opts.matchArcsec, 5));
  const linear = pairs.length >= Math.max(opts.minStars, 9) ? fitClipped(pairs, 1) : null;
  if (!linear) return refuse(`too few stars matched: ${pairs.length} of ${n} after the global shift (need ${Math.max(opts.minStars, 9)})`, { matched: pairs.length });
  pairs = match(linear.c, shift, opts.matchArcsec);
  let order = opts.maxOrder;
  while (order > 1 && pairs.length < 3 * termCount(order)) order--;
  if (pairs.length < Math.max(opts.minStars, 3 * termCount(order)))
    return refuse(`too few stars matched: ${pairs.length} of ${n} within ${opts.matchArcsec}" (need ${Math.max(opts.minStars, 3 * termCount(order))})`, { matched: pairs.length });
  let full = fitClipped(pairs, order)!;
  // Rematch around the full model once (corners a linear model misses).
  pairs = match(full.c, shift, opts.matchArcsec);
  if (pairs.length >= 3 * termCount(order)) full = fitClipped(pairs, order) ?? full;

  const before = residualStats(pairs.map((p) => Math.hypot(p.dxi, p.deta)));
  const after = residualStats(pairs.map((p) => residual(full.c, p)));
  const result: RefitResult = { accepted: true, stars: n, matched: pairs.length, used: full.used.length, order, before, after, correction: full.c };
  if (!(after.medianArcsec <= opts.maxMedianArcsec))
    return { ...result, accepted: false, reason: `bad fit: median residual ${after.medianArcsec}" after the refit is above ${opts.maxMedianArcsec}"` };
  if (after.p90Arcsec > before.p90Arcsec)
    return { ...result, accepted: false, reason: `bad fit: P90 residual ${after.p90Arcsec}" after the refit is worse than ${before.p90Arcsec}" before` };
  return result;
}

/**
 * Our own small seeded random numbers, so a synthetic plate pair is the same
 * bytes on every machine and Node version. sfc32 (Chris Doty-Humphrey's small
 * fast counter generator) for the scene, and a faster table-driven Gaussian
 * for per-pixel grain.
 */

/** 32-bit FNV-1a of a string: turns seeds and stream labels into state words. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: spreads one word into well-mixed state words. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  /** `seed` and `stream` together pick the sequence; streams of one seed are independent. */
  constructor(readonly seed: number | string, readonly stream = '') {
    const mix = splitmix32(fnv1a(`${String(seed)}\u0000${stream}`));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent generator for one part of the scene (stars, defects, ...). */
  fork(stream: string): SeededRandom {
    return new SeededRandom(this.seed, this.stream ? `${this.stream}/${stream}` : stream);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 53 bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Log-uniform in [lo, hi). */
  logBetween(lo: number, hi: number): number {
    return lo * Math.exp(Math.log(hi / lo) * this.uniform());
  }

  /** Whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/**
 * Inverse normal CDF (Acklam's rational approximation, |error| < 1.2e-9),
 * used only to fill the grain table.
 */
function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lowTail) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const GRAIN_TABLE_BITS = 16;
let grainTable: Float32Array | null = null;

/** 65536 equal-probability normal quantiles: a Gaussian draw is one table lookup. */
function normalTable(): Float32Array {
  if (!grainTable) {
    const n = 1 << GRAIN_TABLE_BITS;
    grainTable = new Float32Array(n);
    for (let i = 0; i < n; i++) grainTable[i] = inverseNormalCdf((i + 0.5) / n);
  }
  return grainTable;
}

/**
 * Per-pixel Gaussian noise at a few nanoseconds a draw: xorshift32 picks a
 * quantile from the table (tails cut at 4.2 sigma, variance 0.9996). Plenty
 * for photographic grain; the scene uses SeededRandom.
 */
export class FastGaussian {
  private s: number;
  private readonly table = normalTable();

  constructor(seed: number | string, stream: string) {
    this.s = new SeededRandom(seed, stream).nextUint32() | 1;
  }

  /** Fill `out[from..to)` with standard normal draws. */
  fill(out: Float32Array, from = 0, to = out.length): void {
    let s = this.s;
    const table = this.table;
    for (let i = from; i < to; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = table[Math.imul(s, 0x9e3779b1) >>> (32 - GRAIN_TABLE_BITS)];
    }
    this.s = s;
  }
}

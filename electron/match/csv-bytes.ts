/**
 * CSV for `vasco match` read straight from the file's bytes: records are
 * found with memchr (Buffer.indexOf) and the ra/dec columns parsed as numbers
 * from the bytes, with no string per row or per field; a row becomes strings
 * only when it is written out. Catalogue tables of millions of rows spend most
 * of a match here otherwise (50k x 2M: 1.3 s of 1.8 s CPU went to decoding and
 * Number() of text).
 *
 * Same answers as core/csv.ts's indexCsv (which it falls back to for files with
 * quotes or a CR inside a line): same header, rows and numbers, bit for bit.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { indexCsv, type CsvRecords } from '../core/csv';
import { UserError } from '../core/errors';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const HASH = 35;

/** 10^0 .. 10^22: every one an exact double (Clinger's fast path). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Veltkamp's splitter for doubles (2^27 + 1). */
const SPLITTER = 134217729;

/** The exact rounding error of a * b (Dekker's TwoProduct, no FMA in JS): a * b = fl(a * b) + result. */
function productError(a: number, b: number, ab: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((ab - ah * bh) - al * bh) - ah * bl);
}

/**
 * hi * 10^loDigits + lo (an integer of 16 or 17 digits, not always a double; lo < 10^loDigits) divided
 * by 10^k, correctly rounded; NaN when it lies too near a midpoint between two
 * doubles to tell here (then Number decides). The quotient of the rounded
 * numerator is corrected by the exact remainder (TwoProduct), as a
 * double-double division does.
 */
function divideLong(hi: number, loDigits: number, lo: number, k: number): number {
  const p10 = POW10[loDigits];
  const head = hi * p10;
  const sum = head + lo; // exact but for the last bits: |head| >= lo, or head = 0
  // numerator = sum + tail exactly (small integers: the errors of the product and the sum)
  const tail = (head < 2 ** 53 ? 0 : productError(hi, p10, head)) + (lo - (sum - head));
  const den = POW10[k];
  const q = sum / den;
  const qd = q * den;
  const r = (sum - qd) + (tail - productError(q, den, qd)); // numerator - q * den (sum - qd is exact: Sterbenz)
  const c = r / den;
  const y = q + c;
  const t = c - (y - q); // q + c = y + t exactly (Fast2Sum, |q| >= |c|)
  const half = (y - (y > 0 ? prevDouble(y) : 0)) / 2; // half an ulp below y; the one above is the same or twice it
  const d = Math.abs(t);
  if (Math.abs(d - half) <= half * 2 ** -20 || Math.abs(d - 2 * half) <= half * 2 ** -20) return NaN;
  return y;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: [low word, high word]
/** The largest double below a positive finite x. */
function prevDouble(x: number): number {
  f64[0] = x;
  if (u32[0] === 0) {
    u32[0] = 0xffffffff;
    u32[1]--;
  } else u32[0]--;
  return f64[0];
}

/**
 * The field that starts at bytes[a] and ends at the next comma or at `lineEnd`,
 * as Number() reads its text, bit for bit, into out[at]; returns where the field
 * ends (its comma or lineEnd). The number goes straight into the array: a double
 * returned from a call that is not inlined is boxed (one heap number a field). One pass: plain
 * decimals are read as they are scanned. Up to 15 digits they are an exact
 * integer and one correctly rounded multiply or divide by a power of ten
 * (Clinger's fast path); 16-17 digits take a corrected division (divideLong);
 * anything else (more digits, whitespace, Infinity, hex, a tie) goes through
 * Number itself. An empty field is NaN (as core/csv reads it), not Number('')'s 0.
 * With `exact` false, 16-17 digits are one plain division (within ~2 ulp).
 */
export function parseField(bytes: Uint8Array, a: number, lineEnd: number, text: (a: number, b: number) => string, out: Float64Array, at: number, exact = true): number {
  let i = a;
  // bytes[lineEnd] is the line's CR or LF (or past the end: undefined), which ends every loop below
  let c = bytes[i];
  const neg = c === 45; // '-'
  if (neg || c === 43) c = bytes[++i]; // '+'
  // Integer digits, then fraction digits: the first 9 into hi, up to 8 more into lo
  // (small integers: short dependency chains, no rounding).
  let hi = 0;
  let lo = 0;
  let digits = 0;
  while (c >= 48 && c <= 57) {
    if (digits < 9) hi = hi * 10 + (c - 48);
    else lo = lo * 10 + (c - 48);
    digits++;
    c = bytes[++i];
  }
  let frac = 0;
  if (c === 46) {
    // '.'
    c = bytes[++i];
    const fracStart = i;
    while (c >= 48 && c <= 57) {
      if (digits < 9) hi = hi * 10 + (c - 48);
      else lo = lo * 10 + (c - 48);
      digits++;
      c = bytes[++i];
    }
    frac = i - fracStart;
  }
  const loDigits = Math.max(0, digits - 9);
  let exp = 0;
  let ok = digits > 0 && digits <= 17;
  if (ok && (c === 101 || c === 69)) {
    // 'e' / 'E'
    c = bytes[++i];
    const negExp = c === 45;
    if (negExp || c === 43) c = bytes[++i];
    const first = i;
    while (c >= 48 && c <= 57 && i - first < 4) {
      exp = exp * 10 + (c - 48);
      c = bytes[++i];
    }
    ok = i > first;
    if (negExp) exp = -exp;
  }
  if (!(ok && (c === COMMA || i >= lineEnd))) {
    // not a plain decimal, or more of the field follows: Number decides
    let b = i;
    while (b < lineEnd && bytes[b] !== COMMA) b++;
    out[at] = a === b ? NaN : Number(text(a, b));
    return b;
  }
  const e10 = exp - frac;
  let v = NaN;
  if (digits > 15) {
    if (e10 < 0 && e10 >= -22) v = exact ? divideLong(hi, loDigits, lo, -e10) : (hi * POW10[loDigits] + lo) / POW10[-e10];
  } else {
    const m = hi * POW10[loDigits] + lo; // up to 15 digits: exact
    if (e10 === 0) v = m;
    else if (e10 > 0 && e10 <= 22) v = m * POW10[e10];
    else if (e10 < 0 && e10 >= -22) v = m / POW10[-e10];
  }
  out[at] = Number.isNaN(v) ? Number(text(a, i)) : neg ? -v : v;
  return i;
}

export interface NumbersOptions {
  /** Only these data rows (ascending or not), in this order. */
  rows?: ArrayLike<number>;
  /**
   * false: 16-17 digit numbers may be off by an ulp or two (a plain division,
   * not the corrected one): for a first pass whose few hits are read again exactly.
   */
  exact?: boolean;
}

/** CsvRecords that read several number columns in one pass. */
export interface CsvColumns extends CsvRecords {
  /** Columns `cols` as numbers (like numbers(col) for each). */
  numbersOf(cols: number[], opts?: NumbersOptions): Float64Array[];
}

/** Index CSV bytes by record; null when a quote or a lone CR needs the full reader. */
export function indexCsvBytes(bytes: Buffer): CsvColumns | null {
  if (bytes.indexOf(QUOTE) >= 0) return null;
  const ascii = isAscii(bytes);
  const text = ascii ? (a: number, b: number) => bytes.toString('latin1', a, b) : (a: number, b: number) => bytes.toString('utf8', a, b);
  let pos = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const comments: string[] = [];
  while (pos < bytes.length && bytes[pos] === HASH) {
    let end = bytes.indexOf(LF, pos);
    if (end < 0) end = bytes.length;
    const line = text(pos + 1, end > pos + 1 && bytes[end - 1] === CR ? end - 1 : end);
    comments.push(line.startsWith(' ') ? line.slice(1) : line);
    pos = end + 1;
  }
  const dataStart = pos;
  const hasCr = bytes.indexOf(CR, dataStart) >= 0;
  let crAtEnds = 0;
  let starts = new Int32Array(1024);
  let ends = new Int32Array(1024);
  let n = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf(LF, pos);
    if (end < 0) end = bytes.length;
    let lineEnd = end;
    if (hasCr && end > pos && bytes[end - 1] === CR) {
      lineEnd--;
      crAtEnds++;
    }
    if (lineEnd > pos) {
      if (n === starts.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[n] = pos;
      ends[n++] = lineEnd;
    }
    pos = end + 1;
  }
  if (hasCr) {
    let crs = 0;
    for (let k = bytes.indexOf(CR, dataStart); k >= 0; k = bytes.indexOf(CR, k + 1)) crs++;
    if (crs !== crAtEnds) return null; // a CR inside a line ends a record there (indexCsv's rule)
  }
  const row = (k: number) => text(starts[k], ends[k]).split(',');
  const header = n ? row(0).map((h) => h.trim()) : [];
  const length = Math.max(0, n - 1);
  return {
    comments,
    header,
    length,
    row: (i) => row(i + 1),
    numbers: (col) => columnNumbers(bytes, starts, ends, n, null, [col], text, true)[0],
    numbersOf: (cols, opts = {}) => columnNumbers(bytes, starts, ends, n, opts.rows ?? null, cols, text, opts.exact ?? true),
  };
}

/**
 * Columns `cols` (ascending) of data rows `rows` (all when null; data row i is
 * record i + 1 = bytes[starts[i + 1], ends[i + 1])) as numbers, in one pass over
 * each record; NaN where a row is too short. `exact` false: see parseField.
 */
function columnNumbers(
  bytes: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, rows: ArrayLike<number> | null, cols: number[], text: (a: number, b: number) => string, exact: boolean,
): Float64Array[] {
  const count = rows ? rows.length : Math.max(0, n - 1);
  const out = cols.map(() => new Float64Array(count));
  for (let i = 0; i < count; i++) {
    const k = (rows ? rows[i] : i) + 1;
    const end = ends[k];
    let a = starts[k];
    let col = 0; // the field that starts at a
    for (let j = 0; j < cols.length; j++) {
      for (; col < cols[j] && a <= end; col++) {
        while (a < end && bytes[a] !== COMMA) a++;
        a++;
      }
      if (a > end) {
        out[j][i] = NaN; // fewer fields than cols[j] + 1
        continue;
      }
      a = parseField(bytes, a, end, text, out[j], i, exact) + 1;
      col++;
    }
  }
  return out;
}

/** A CSV file indexed by record, from its bytes when it can be (see indexCsvBytes), else by core/csv. */
export function readCsvColumns(path: string): CsvColumns {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`, 'check the path');
  }
  if (bytes.length >= 2 ** 31) throw new UserError(`${path} is larger than 2 GiB`, 'split the table, or keep only the columns you need');
  const fast = indexCsvBytes(bytes);
  if (fast) return fast;
  const slow = indexCsv(isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'), path);
  return {
    ...slow,
    numbersOf: (cols, opts = {}) =>
      cols.map((c) => {
        const all = slow.numbers(c);
        return opts.rows ? Float64Array.from(opts.rows, (r) => all[r]) : all;
      }),
  };
}

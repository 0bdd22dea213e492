/**
 * A plate's sources as columns, and their ledger as append-only columns.
 *
 * Measures are Float64Array columns (NaN is a value like any other and is kept
 * as such); integer measures (id, FLAGS, bounding box) Int32Array. A column
 * whose field may be absent has a presence column beside it: ABSENT
 * (undefined: the field is not set), NULL (null: e.g. spreadModel not
 * measured) or VALUE, so null, undefined and NaN stay three different things,
 * exactly as the row objects had them. Strings (ledger details, reasons,
 * counterparts) are interned in the table's StringTable.
 *
 * The ledger is never rewritten: a stage appends rows, and a per-source
 * "dropped" byte is kept up to date on append, so isAlive is O(1). The
 * filters and red vs blue read and write the columns (filters.ts,
 * red-vs-blue.ts); the catalogue stages, which see only the few standing
 * survivors, work on row objects from withAliveRows and hand back what they
 * appended with appendNewEntries. What a stage changed since mark() (ledger
 * rows, columns it set, strings it added) is what its checkpoint holds.
 */
import type { BlueDetection, LedgerEntry, Source, TrackedSource } from './types';

/** Presence of an optional field. */
export const ABSENT = 0;
export const NULL = 1;
export const VALUE = 2;

type FloatField = 'x' | 'y' | 'ra' | 'dec' | 'flux' | 'fluxErr' | 'mag' | 'magErr' | 'snr' | 'fwhm' | 'elongation';
type IntField = 'id' | 'flags' | 'xmin' | 'xmax' | 'ymin' | 'ymax';
/** Optional numeric fields of a TrackedSource (null and/or undefined allowed). */
type OptionalField = 'spreadModel' | 'spreadModelErr' | 'classStar' | 'background' | 'nearestBlueArcsec' | 'edgeDistancePx' | 'centreDistanceDeg' | 'edgeDistanceDeg';

const FLOAT_FIELDS: FloatField[] = ['x', 'y', 'ra', 'dec', 'flux', 'fluxErr', 'mag', 'magErr', 'snr', 'fwhm', 'elongation'];
const INT_FIELDS: IntField[] = ['id', 'flags', 'xmin', 'xmax', 'ymin', 'ymax'];
const OPTIONAL_FIELDS: OptionalField[] = ['spreadModel', 'spreadModelErr', 'classStar', 'background', 'nearestBlueArcsec', 'edgeDistancePx', 'centreDistanceDeg', 'edgeDistanceDeg'];
/** The nearest blue detection of any kind (BlueDetection), flattened; presence on blueDet.id. */
const BLUE_DET_FLOATS = ['distanceArcsec', 'ra', 'dec', 'x', 'y', 'mag', 'snr', 'fwhm'] as const;

export type ColumnArray = Float64Array | Int32Array | Uint8Array;

/** Append-only interned strings. */
export class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  get(i: number): string {
    return this.list[i];
  }

  get length(): number {
    return this.list.length;
  }

  push(strings: string[]): void {
    for (const s of strings) this.id(s);
  }
}

// Bits of a ledger row's optional numbers.
const HAS_DISTANCE = 1, HAS_MAG = 2, HAS_RA = 4, HAS_DEC = 8;

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  next.set(a);
  return next;
}

/** The ledger's columns, in the order a row's entries were appended. */
export const LEDGER_COLUMNS = ['source', 'stage', 'reason', 'dropped', 'detail', 'numbers', 'counterpart', 'distanceArcsec', 'counterpartMag', 'counterpartRa', 'counterpartDec', 'next'] as const;
type LedgerColumn = (typeof LEDGER_COLUMNS)[number];

export class Ledger {
  length = 0;
  // Strings as StringTable ids; detail and counterpart -1 when absent.
  cols: Record<LedgerColumn, ColumnArray> = {
    source: new Int32Array(0), stage: new Int32Array(0), reason: new Int32Array(0), dropped: new Uint8Array(0), detail: new Int32Array(0),
    numbers: new Uint8Array(0), counterpart: new Int32Array(0), distanceArcsec: new Float64Array(0), counterpartMag: new Float64Array(0),
    counterpartRa: new Float64Array(0), counterpartDec: new Float64Array(0),
    // The same source's next entry (-1: its last), so a source's ledger reads in order without a scan.
    next: new Int32Array(0),
  };

  reserve(n: number): void {
    for (const k of LEDGER_COLUMNS) this.cols[k] = grow(this.cols[k], n);
  }

  /** The columns trimmed to `from..length` (what a checkpoint stores). */
  slice(from: number): Record<LedgerColumn, ColumnArray> {
    return Object.fromEntries(LEDGER_COLUMNS.map((k) => [k, this.cols[k].subarray(from, this.length)])) as Record<LedgerColumn, ColumnArray>;
  }
}

export class SourceTable {
  readonly strings = new StringTable();
  readonly ledger = new Ledger();
  readonly floats: Record<FloatField, Float64Array>;
  readonly ints: Record<IntField, Int32Array>;
  readonly optional: Record<OptionalField, { values: Float64Array; has: Uint8Array }>;
  readonly blueDet: { id: Int32Array; has: Uint8Array; failedCuts: Int32Array } & Record<(typeof BLUE_DET_FLOATS)[number], Float64Array>;
  /** 1 once a ledger row with dropped = true was appended for the source. */
  readonly dropped: Uint8Array;
  /** First and last ledger row of each source (-1: none). */
  readonly firstEntry: Int32Array;
  readonly lastEntry: Int32Array;

  // What changed since mark(): see the file comment.
  private marked = { ledger: 0, strings: 0 };
  /** Per column set since mark(): the rows set, or 'all' once many are (then the whole column is stored). */
  private readonly dirty = new Map<string, Set<number> | 'all'>();

  constructor(readonly length: number) {
    this.floats = Object.fromEntries(FLOAT_FIELDS.map((f) => [f, new Float64Array(length)])) as SourceTable['floats'];
    this.ints = Object.fromEntries(INT_FIELDS.map((f) => [f, new Int32Array(length)])) as SourceTable['ints'];
    this.optional = Object.fromEntries(OPTIONAL_FIELDS.map((f) => [f, { values: new Float64Array(length), has: new Uint8Array(length) }])) as SourceTable['optional'];
    this.blueDet = {
      id: new Int32Array(length), has: new Uint8Array(length), failedCuts: new Int32Array(length),
      ...(Object.fromEntries(BLUE_DET_FLOATS.map((f) => [f, new Float64Array(length)])) as Record<(typeof BLUE_DET_FLOATS)[number], Float64Array>),
    };
    this.dropped = new Uint8Array(length);
    this.firstEntry = new Int32Array(length).fill(-1);
    this.lastEntry = new Int32Array(length).fill(-1);
  }

  /** A table of `sources` as measured (their ledgers appended too), in their order. */
  static from(sources: (Source & { ledger?: LedgerEntry[] })[]): SourceTable {
    const t = new SourceTable(sources.length);
    sources.forEach((s, i) => {
      t.setMeasures(i, s);
      const rec = s as Partial<TrackedSource>;
      for (const f of ['nearestBlueArcsec', 'edgeDistancePx', 'centreDistanceDeg', 'edgeDistanceDeg'] as const) t.setOptional(f, i, rec[f]);
      if (rec.nearestBlueDetection !== undefined) t.setBlueDetection(i, rec.nearestBlueDetection);
      for (const e of s.ledger ?? []) t.append(i, e);
    });
    return t;
  }

  /** Every named column (the checkpoint's view), presence columns as NAME.has. */
  columns(): Map<string, ColumnArray> {
    const out = new Map<string, ColumnArray>();
    for (const f of FLOAT_FIELDS) out.set(f, this.floats[f]);
    for (const f of INT_FIELDS) out.set(f, this.ints[f]);
    for (const f of OPTIONAL_FIELDS) {
      out.set(f, this.optional[f].values);
      out.set(`${f}.has`, this.optional[f].has);
    }
    for (const [k, v] of Object.entries(this.blueDet)) out.set(`blueDetection.${k}`, v);
    return out;
  }

  /** Row i of these columns was set (recorded for the checkpoint). */
  private touch(i: number, ...names: string[]): void {
    for (const n of names) {
      let rows = this.dirty.get(n);
      if (rows === 'all') continue;
      if (!rows) this.dirty.set(n, (rows = new Set()));
      rows.add(i);
      if (rows.size > this.length / 4) this.dirty.set(n, 'all');
    }
  }

  /** The measured fields of row i (x, y, fluxes, ..., spreadModel) from a Source. */
  setMeasures(i: number, s: Source): void {
    for (const f of FLOAT_FIELDS) this.floats[f][i] = s[f];
    for (const f of INT_FIELDS) {
      const v = s[f];
      if (!Number.isInteger(v) || v !== (v | 0)) throw new Error(`source ${s.id}: ${f} ${v} is not a 32-bit integer`);
      this.ints[f][i] = v;
    }
    for (const f of ['spreadModel', 'spreadModelErr', 'classStar', 'background'] as const) this.setOptional(f, i, s[f]);
    this.touch(i, ...FLOAT_FIELDS, ...INT_FIELDS);
  }

  setOptional(f: OptionalField, i: number, v: number | null | undefined): void {
    const c = this.optional[f];
    c.has[i] = v === undefined ? ABSENT : v === null ? NULL : VALUE;
    c.values[i] = typeof v === 'number' ? v : 0;
    this.touch(i, f, `${f}.has`);
  }

  getOptional(f: OptionalField, i: number): number | null | undefined {
    const c = this.optional[f];
    return c.has[i] === VALUE ? c.values[i] : c.has[i] === NULL ? null : undefined;
  }

  setFloat(f: FloatField, i: number, v: number): void {
    this.floats[f][i] = v;
    this.touch(i, f);
  }

  setBlueDetection(i: number, d: BlueDetection | null): void {
    const b = this.blueDet;
    b.has[i] = d ? VALUE : NULL;
    b.id[i] = d ? d.id : 0;
    b.failedCuts[i] = d ? this.strings.id(d.failedCuts.join(' ')) : -1;
    for (const f of BLUE_DET_FLOATS) b[f][i] = d ? d[f] : 0;
    this.touch(i, ...Object.keys(b).map((k) => `blueDetection.${k}`));
  }

  private blueDetection(i: number): BlueDetection | null | undefined {
    const b = this.blueDet;
    if (b.has[i] !== VALUE) return b.has[i] === NULL ? null : undefined;
    const cuts = this.strings.get(b.failedCuts[i]);
    return {
      id: b.id[i], distanceArcsec: b.distanceArcsec[i], ra: b.ra[i], dec: b.dec[i], x: b.x[i], y: b.y[i], mag: b.mag[i], snr: b.snr[i], fwhm: b.fwhm[i],
      failedCuts: cuts ? cuts.split(' ') : [],
    };
  }

  /** Append a ledger entry for source i. */
  append(i: number, e: LedgerEntry): void {
    const L = this.ledger;
    const r = L.length;
    L.reserve(r + 1);
    const c = L.cols;
    c.source[r] = i;
    c.stage[r] = this.strings.id(e.stage);
    c.reason[r] = this.strings.id(e.reason);
    c.dropped[r] = e.dropped ? 1 : 0;
    c.detail[r] = e.detail === undefined ? -1 : this.strings.id(e.detail);
    c.counterpart[r] = e.counterpart === undefined ? -1 : this.strings.id(e.counterpart);
    let bits = 0;
    const num = (col: 'distanceArcsec' | 'counterpartMag' | 'counterpartRa' | 'counterpartDec', bit: number, v: number | undefined) => {
      if (v === undefined) return;
      bits |= bit;
      c[col][r] = v;
    };
    num('distanceArcsec', HAS_DISTANCE, e.distanceArcsec);
    num('counterpartMag', HAS_MAG, e.counterpartMag);
    num('counterpartRa', HAS_RA, e.counterpartRa);
    num('counterpartDec', HAS_DEC, e.counterpartDec);
    c.numbers[r] = bits;
    c.next[r] = -1;
    L.length = r + 1;
    this.link(r);
  }

  /** Hook ledger row r into its source's chain and the dropped bitmap. */
  private link(r: number): void {
    const c = this.ledger.cols;
    const i = c.source[r];
    if (this.lastEntry[i] >= 0) c.next[this.lastEntry[i]] = r;
    else this.firstEntry[i] = r;
    this.lastEntry[i] = r;
    if (c.dropped[r]) this.dropped[i] = 1;
  }

  /** Ledger rows read from a checkpoint: appended as they are, then linked. */
  appendLedgerRows(cols: Record<LedgerColumn, ColumnArray>, n: number): void {
    const L = this.ledger;
    const from = L.length;
    L.reserve(from + n);
    for (const k of LEDGER_COLUMNS) L.cols[k].set(cols[k].subarray(0, n), from);
    L.length = from + n;
    for (let r = from; r < L.length; r++) {
      L.cols.next[r] = -1;
      this.link(r);
    }
  }

  entry(r: number): LedgerEntry {
    const c = this.ledger.cols;
    const bits = c.numbers[r];
    // Keys in the order the stages write them (stage, reason, dropped, detail, distance, counterpart...).
    const e: LedgerEntry = { stage: this.strings.get(c.stage[r]), reason: this.strings.get(c.reason[r]), dropped: c.dropped[r] === 1 };
    if (c.detail[r] >= 0) e.detail = this.strings.get(c.detail[r]);
    if (bits & HAS_DISTANCE) e.distanceArcsec = c.distanceArcsec[r];
    if (c.counterpart[r] >= 0) e.counterpart = this.strings.get(c.counterpart[r]);
    if (bits & HAS_MAG) e.counterpartMag = c.counterpartMag[r];
    if (bits & HAS_RA) e.counterpartRa = c.counterpartRa[r];
    if (bits & HAS_DEC) e.counterpartDec = c.counterpartDec[r];
    return e;
  }

  ledgerOf(i: number): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (let r = this.firstEntry[i]; r >= 0; r = this.ledger.cols.next[r] as number) out.push(this.entry(r));
    return out;
  }

  isAlive(i: number): boolean {
    return this.dropped[i] === 0;
  }

  /** Indices of the sources no stage dropped. */
  aliveIndices(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) if (!this.dropped[i]) out.push(i);
    return out;
  }

  aliveCount(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (!this.dropped[i]) n++;
    return n;
  }

  /** Source i as measured (no ledger, no comparison fields). */
  source(i: number): Source {
    const s = {} as Source;
    s.id = this.ints.id[i];
    for (const f of ['x', 'y', 'ra', 'dec', 'flux', 'fluxErr', 'mag', 'magErr', 'snr', 'fwhm', 'elongation'] as const) s[f] = this.floats[f][i];
    s.flags = this.ints.flags[i];
    s.spreadModel = this.getOptional('spreadModel', i) ?? null;
    s.spreadModelErr = this.getOptional('spreadModelErr', i) ?? null;
    for (const f of ['xmin', 'xmax', 'ymin', 'ymax'] as const) s[f] = this.ints[f][i];
    const cls = this.getOptional('classStar', i);
    if (cls !== undefined && cls !== null) s.classStar = cls;
    const bg = this.getOptional('background', i);
    if (bg !== undefined && bg !== null) s.background = bg;
    return s;
  }

  /** Source i as the row object the outputs and the store read (a copy: changing it changes nothing here). */
  row(i: number): TrackedSource {
    const s: TrackedSource = { ...this.source(i), ledger: this.ledgerOf(i) };
    const nb = this.getOptional('nearestBlueArcsec', i);
    if (nb !== undefined) s.nearestBlueArcsec = nb;
    const det = this.blueDetection(i);
    if (det !== undefined) s.nearestBlueDetection = det;
    const edge = this.getOptional('edgeDistancePx', i);
    if (edge !== undefined && edge !== null) s.edgeDistancePx = edge;
    for (const f of ['centreDistanceDeg', 'edgeDistanceDeg'] as const) {
      const v = this.getOptional(f, i);
      if (v !== undefined && v !== null) s[f] = v;
    }
    return s;
  }

  /**
   * Row objects of `indices` (default: every source), made one at a time: the
   * outputs and the run's recording stream a plate through this, one row
   * alive at once, since they write rows anyway.
   */
  *rows(indices?: Iterable<number>): Generator<TrackedSource> {
    if (indices) for (const i of indices) yield this.row(i);
    else for (let i = 0; i < this.length; i++) yield this.row(i);
  }

  /**
   * After a stage function worked on rows(indices): append the entries it
   * pushed beyond each row's ledger as it was handed out (`before[k]`
   * entries), and keep the comparison fields it set.
   */
  appendNewEntries(indices: number[], rows: TrackedSource[], before: number[]): void {
    rows.forEach((s, k) => {
      for (let j = before[k]; j < s.ledger.length; j++) this.append(indices[k], s.ledger[j]);
    });
  }

  /** Start recording what changes (see the file comment). */
  mark(): void {
    this.marked = { ledger: this.ledger.length, strings: this.strings.length };
    this.dirty.clear();
  }

  /** What changed since mark(): ledger rows and strings from these on, and the columns set (rows: null when many, else which). */
  changes(): { ledgerFrom: number; stringsFrom: number; columns: { name: string; rows: Int32Array | null }[] } {
    const columns = [...this.dirty.keys()].sort().map((name) => {
      const rows = this.dirty.get(name)!;
      return { name, rows: rows === 'all' ? null : Int32Array.from([...rows].sort((a, b) => a - b)) };
    });
    return { ledgerFrom: this.marked.ledger, stringsFrom: this.marked.strings, columns };
  }
}

/**
 * Row objects of the alive sources (ledgers as they are), for a catalogue
 * stage (veto.ts, asteroids.ts, ...); what it appends to their ledgers goes
 * back into the table. By the catalogue stages only the few survivors of the
 * filters and red vs blue are alive (hundreds on a full plate), so rows cost
 * little there; the stages before work on the columns.
 */
export async function withAliveRows<T>(table: SourceTable, work: (rows: TrackedSource[], indices: number[]) => T | Promise<T>): Promise<T> {
  // Also with nothing alive: a stage still says what it did (e.g. a skipped veto's note).
  const indices = table.aliveIndices();
  const rows = [...table.rows(indices)];
  const before = rows.map((r) => r.ledger.length);
  const out = await work(rows, indices);
  table.appendNewEntries(indices, rows, before);
  return out;
}

/**
 * Stage checkpoints in DIR/work/checkpoints, keyed by a hash chain over the
 * inputs (their content digests, never path or date) and the parameters each
 * stage depends on. A checkpoint whose key does not match the present run is
 * not used, so a changed filter parameter re-runs the filters but keeps the
 * (slow) extraction, and another plate of the same size never inherits this
 * one's.
 *
 * A checkpoint holds only what its stage changed (source-table.ts): the
 * extraction's holds the source columns, a later one the ledger rows it
 * appended, the columns it set and the strings it added, as raw little-endian
 * typed arrays, each deflated on its own (one deflate of them all took a copy
 * of every column at once: +58 MB on the 1.5σ full pair), behind a JSON
 * header with the sha256 of that payload, checked on read. Resume applies them in order from the first
 * stage; the first missing, corrupt or other-keyed file ends the chain.
 * Nothing earlier is ever rewritten.
 *
 * The tools' files (tile images, catalogues, PSF models, ASSOC lists) live in
 * keyed folders (claimKeyedFolder): named by the digest of what made them,
 * holding that key in key.json, and reused only while key.json says so.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LEDGER_COLUMNS, SourceTable, type ColumnArray } from './source-table';
import type { PipelineState, PlateState } from './state';
import type { StageCount } from './types';

// 3: columnar per-stage deltas (2: the whole state as JSON after every stage; 1 keyed inputs by path, size and date).
const FORMAT = 4;

/** JSON with object keys sorted, so equal values hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 (hex) of a file's content, streamed (a 400 MB plate takes about a second). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', fail)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => done(hash.digest('hex')));
  });
}

const KEY_FILE = 'key.json';

/** Does `folder` hold artefacts made for `key` (its key.json says so)? */
export function folderHoldsKey(folder: string, key: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(folder, KEY_FILE), 'utf8')) as { key?: unknown }).key === key;
  } catch {
    return false;
  }
}

/**
 * The folder for artefacts made from `inputs` (any JSON: content digests and
 * parameters): PARENT/<first 16 hex of the key>. Kept when its key.json holds
 * the same key, else emptied and stamped anew; other folders in PARENT (work
 * of other inputs, which no checkpoint of this run can use) are removed so
 * stale files never pile up.
 */
export function claimKeyedFolder(parent: string, key: string, inputs: unknown): string {
  const folder = keyedFolderPath(parent, key);
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    if (name !== basename(folder)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  if (!folderHoldsKey(folder, key)) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, KEY_FILE), JSON.stringify({ key, inputs }, null, 1));
  }
  return folder;
}

/** Where claimKeyedFolder(parent, key) puts its artefacts. */
export function keyedFolderPath(parent: string, key: string): string {
  return join(parent, key.slice(0, 16));
}

/** key_i = sha256(key_{i-1}, stage name, the stage's inputs). */
export function chainKey(previous: string, stage: string, inputs: unknown): string {
  return sha256(`${FORMAT}\n${previous}\n${stage}\n${stableJson(inputs ?? null)}`);
}

const MAGIC = Buffer.from('VASCO-CP\n');
const EXT = '.cp';
const fileName = (index: number, stage: string) => `${String(index).padStart(2, '0')}-${stage}${EXT}`;

type Band = 'red' | 'blue';
const BANDS: Band[] = ['red', 'blue'];

/** JSON that keeps NaN and the infinities (JSON.stringify would make them null). */
function exactJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
}
function parseExactJson(text: string): unknown {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && typeof v.$number === 'string' && Object.keys(v).length === 1 ? Number(v.$number) : v));
}

interface Block {
  name: string;
  type: 'f64' | 'i32' | 'u8';
  /** Bytes of the values. */
  bytes: number;
  /** Set when only some rows are stored: their indices (Int32, before the values). */
  rows?: number;
}

/** What one checkpoint holds of one plate's table. */
interface TableDelta {
  /** true: the whole table (a new one, e.g. the extraction's); false: changes to the table as the previous checkpoint left it. */
  full: boolean;
  length: number;
  ledgerFrom: number;
  ledgerRows: number;
  stringsFrom: number;
  /** Bytes of the new strings (a JSON array) at the start of this plate's part of the payload. */
  stringBytes: number;
  columns: Block[];
  ledger: Block[];
}

interface Header {
  format: number;
  key: string;
  stage: string;
  index: number;
  /** Counts of this stage and every earlier one. */
  counts: StageCount[];
  /** The state without its source tables. */
  meta: unknown;
  tables: Partial<Record<Band, TableDelta>>;
  /** The payload: each part deflated on its own, `parts` their deflated lengths in order. */
  payload: { bytes: number; sha256: string; littleEndian: true; parts: number[] };
}

const typeOf = (a: ColumnArray): Block['type'] => (a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : 'u8');
const bytesOf = (a: ColumnArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function typedFrom(type: Block['type'], raw: Buffer): ColumnArray {
  const copy = new Uint8Array(raw).buffer; // aligned copy
  return type === 'f64' ? new Float64Array(copy) : type === 'i32' ? new Int32Array(copy) : new Uint8Array(copy);
}

/** The state without its tables (the checkpoint header's meta). */
function metaOf(state: PipelineState): unknown {
  const plate = (p: PlateState | undefined) => {
    if (!p) return undefined;
    const { sources: _, ...rest } = p;
    return rest;
  };
  return { ...state, red: plate(state.red), blue: plate(state.blue) };
}

export interface LoadedCheckpoint {
  state: PipelineState;
  counts: StageCount[];
}

export class CheckpointStore {
  /** The tables as the last checkpoint saved or loaded them: a later checkpoint holds only their changes. */
  private tables: Partial<Record<Band, SourceTable>> = {};

  constructor(readonly dir: string) {}

  /** Write stage `index`'s checkpoint: what changed in the state's tables since the last save or load. */
  save(cp: { key: string; stage: string; index: number; counts: StageCount[]; state: PipelineState }): { file: string; bytes: number } {
    if (endianness() !== 'LE') throw new Error('checkpoints are written little-endian; this machine is big-endian');
    const parts: Buffer[] = [];
    const tables: Header['tables'] = {};
    for (const band of BANDS) {
      const table = cp.state[band]?.sources;
      if (!table) continue;
      const full = this.tables[band] !== table;
      const changes = full ? { ledgerFrom: 0, stringsFrom: 0, columns: [...table.columns().keys()].map((name) => ({ name, rows: null })) } : table.changes();
      const strings = Buffer.from(JSON.stringify(table.strings.list.slice(changes.stringsFrom)));
      parts.push(strings);
      const all = table.columns();
      const columns = changes.columns.map(({ name, rows }): Block => {
        const a = all.get(name)!;
        if (!rows) {
          parts.push(bytesOf(a));
          return { name, type: typeOf(a), bytes: a.byteLength };
        }
        // A few rows set (e.g. pass 2 of the sources that needed it): their indices, then their values.
        const values = new (a.constructor as new (n: number) => ColumnArray)(rows.length);
        rows.forEach((r, k) => (values[k] = a[r]));
        parts.push(bytesOf(rows), bytesOf(values));
        return { name, type: typeOf(a), bytes: values.byteLength, rows: rows.length };
      });
      const slice = table.ledger.slice(changes.ledgerFrom);
      // `next` is rebuilt on read.
      const ledger = LEDGER_COLUMNS.filter((k) => k !== 'next').map((name) => {
        parts.push(bytesOf(slice[name]));
        return { name, type: typeOf(slice[name]), bytes: slice[name].byteLength };
      });
      tables[band] = {
        full, length: table.length, ledgerFrom: changes.ledgerFrom, ledgerRows: table.ledger.length - changes.ledgerFrom,
        stringsFrom: changes.stringsFrom, stringBytes: strings.length, columns, ledger,
      };
    }
    const deflated = parts.map((p) => deflateRawSync(p, { level: 1 }));
    const digest = createHash('sha256');
    for (const d of deflated) digest.update(d);
    const bytes = deflated.reduce((n, d) => n + d.length, 0);
    const header: Header = {
      format: FORMAT, key: cp.key, stage: cp.stage, index: cp.index, counts: cp.counts, meta: metaOf(cp.state), tables,
      payload: { bytes, sha256: digest.digest('hex'), littleEndian: true, parts: deflated.map((d) => d.length) },
    };
    const head = Buffer.from(exactJson(header));
    const size = Buffer.alloc(4);
    size.writeUInt32LE(head.length);
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, fileName(cp.index, cp.stage));
    writeFileSync(`${path}.partial`, Buffer.concat([MAGIC, size, head, ...deflated]));
    renameSync(`${path}.partial`, path);
    this.remember(cp.state);
    return { file: path, bytes: MAGIC.length + 4 + head.length + bytes };
  }

  private remember(state: PipelineState): void {
    this.tables = {};
    for (const band of BANDS) {
      const t = state[band]?.sources;
      if (t) {
        t.mark();
        this.tables[band] = t;
      }
    }
  }

  /**
   * Stage `index`'s checkpoint applied to `previous` (the state the checkpoint
   * of stage index - 1 left, or the initial state for 0): null when the file is
   * absent, unreadable, corrupt (payload digest), made for other inputs (key),
   * or does not follow on from `previous`.
   */
  load(index: number, stage: string, key: string, previous: PipelineState): LoadedCheckpoint | null {
    let file: Buffer;
    try {
      file = readFileSync(join(this.dir, fileName(index, stage)));
    } catch {
      return null;
    }
    try {
      if (!file.subarray(0, MAGIC.length).equals(MAGIC)) return null;
      const headLength = file.readUInt32LE(MAGIC.length);
      const start = MAGIC.length + 4 + headLength;
      const header = parseExactJson(file.subarray(MAGIC.length + 4, start).toString('utf8')) as Header;
      if (header.format !== FORMAT || header.key !== key || header.stage !== stage || header.index !== index) return null;
      const stored = file.subarray(start);
      if (stored.length !== header.payload.bytes || createHash('sha256').update(stored).digest('hex') !== header.payload.sha256) return null;
      const sizes = header.payload.parts;
      if (!Array.isArray(sizes) || sizes.reduce((n, k) => n + k, 0) !== stored.length) return null;
      let from = 0;
      const raw = Buffer.concat(sizes.map((k) => inflateRawSync(stored.subarray(from, (from += k)))));
      const meta = header.meta as PipelineState;
      const state: PipelineState = { ...meta, red: { ...meta.red } };
      if (meta.blue) state.blue = { ...meta.blue };
      // Check everything before touching `previous`'s tables: a file that does not fit leaves them as they were.
      let bytes = 0;
      for (const band of BANDS) {
        const delta = header.tables[band];
        if (!state[band] !== !delta) return null;
        if (!delta) continue;
        const before = previous[band]?.sources;
        if (!delta.full && (!before || before.length !== delta.length || before.ledger.length !== delta.ledgerFrom || before.strings.length !== delta.stringsFrom)) return null;
        const columns = (delta.full ? new SourceTable(0) : before!).columns();
        for (const b of delta.columns) {
          const target = columns.get(b.name);
          if (!target || typeOf(target) !== b.type || b.bytes !== (b.rows ?? delta.length) * target.BYTES_PER_ELEMENT) return null;
          if (b.rows !== undefined && (delta.full || b.rows > delta.length)) return null;
        }
        const ledgerCols = new SourceTable(0).ledger.cols as Record<string, ColumnArray>;
        for (const b of delta.ledger) {
          const target = ledgerCols[b.name];
          if (!target || b.name === 'next' || typeOf(target) !== b.type || b.bytes !== delta.ledgerRows * target.BYTES_PER_ELEMENT) return null;
        }
        if (delta.ledger.length !== LEDGER_COLUMNS.length - 1) return null;
        bytes += delta.stringBytes + [...delta.columns, ...delta.ledger].reduce((n, b) => n + b.bytes + 4 * (b.rows ?? 0), 0);
      }
      if (bytes !== raw.length) return null;
      let at = 0;
      const take = (n: number) => raw.subarray(at, (at += n));
      for (const band of BANDS) {
        const delta = header.tables[band];
        if (!delta) continue;
        const table = delta.full ? new SourceTable(delta.length) : previous[band]!.sources;
        table.strings.push(JSON.parse(take(delta.stringBytes).toString('utf8')) as string[]);
        const columns = table.columns();
        for (const b of delta.columns) {
          const target = columns.get(b.name)!;
          if (b.rows === undefined) {
            target.set(typedFrom(b.type, take(b.bytes)) as never);
            continue;
          }
          const rows = typedFrom('i32', take(4 * b.rows));
          const values = typedFrom(b.type, take(b.bytes));
          rows.forEach((r, k) => (target[r] = values[k]));
        }
        const ledger = Object.fromEntries(delta.ledger.map((b) => [b.name, typedFrom(b.type, take(b.bytes))]));
        table.appendLedgerRows({ ...ledger, next: new Int32Array(delta.ledgerRows) } as Parameters<SourceTable['appendLedgerRows']>[0], delta.ledgerRows);
        state[band]!.sources = table;
      }
      this.remember(state);
      return { state, counts: header.counts };
    } catch {
      return null;
    }
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** File names present (for tests and the log). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith(EXT)).sort();
    } catch {
      return [];
    }
  }
}

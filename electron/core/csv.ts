/**
 * RFC 4180 CSV: the one reader and writer used for candidates, sources,
 * catalogue files, match output and exports. Lines starting with `#` before the
 * header are provenance comments and are returned separately.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { UserError } from './errors';

export interface CsvTable {
  /** Leading `#` comment lines, without the `#`. */
  comments: string[];
  header: string[];
  rows: string[][];
}

/**
 * One record from `pos`, character by character (quoted fields may hold commas,
 * quotes and newlines; a lone CR also ends a record); appended to `records`
 * unless blank. Returns the position after it.
 */
function readRecord(text: string, pos: number, records: string[][], source: string): number {
  const record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  for (; pos < text.length; pos++) {
    const c = text[pos];
    if (quoted) {
      if (c === '"') {
        if (text[pos + 1] === '"') {
          field += '"';
          pos++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[pos + 1] === '\n') pos++;
      record.push(field);
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      return pos + 1;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new UserError(`${source}: unterminated quoted field at the end of the file`, 'the file looks truncated; fetch or export it again');
  if (fieldStarted || record.length) {
    record.push(field);
    records.push(record);
  }
  return pos;
}

/**
 * CSV text indexed by record; a row's fields are split only when asked for.
 * For tables of millions of rows of which a few columns are needed
 * (`vasco match`): building every row as strings costs far more than the match.
 */
export interface CsvRecords {
  /** Leading `#` comment lines, without the `#`. */
  comments: string[];
  header: string[];
  /** Number of data rows. */
  length: number;
  row(i: number): string[];
  /** Column `col` of every row as numbers (`Number` of the text); an empty or missing field is NaN. */
  numbers(col: number): Float64Array;
}

/** Index CSV text. Quoted fields may hold commas, quotes ("") and newlines. */
export function indexCsv(text: string, source = 'CSV'): CsvRecords {
  const comments: string[] = [];
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  while (pos < text.length && text[pos] === '#') {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos + 1, end < 0 ? text.length : end).replace(/\r$/, '');
    comments.push(line.startsWith(' ') ? line.slice(1) : line);
    pos = end < 0 ? text.length : end + 1;
  }
  // Record k spans text[starts[k], ends[k]) and splits at every comma, or, when
  // ends[k] is -1 (a quote or a lone CR in it), is read by readRecord.
  const starts: number[] = [];
  const ends: number[] = [];
  const scratch: string[][] = [];
  let quote = -2; // the next quote and CR at or after pos (-1: none left), each searched for once
  let cr = -2;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
    if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
    if ((quote < 0 || quote >= lineEnd) && (cr < 0 || cr >= lineEnd)) {
      if (lineEnd > pos) starts.push(pos), ends.push(lineEnd);
      pos = end + 1;
    } else {
      const next = readRecord(text, pos, scratch, source);
      if (scratch.length) starts.push(pos), ends.push(-1);
      scratch.length = 0;
      pos = next;
    }
  }
  const row = (k: number): string[] => {
    if (ends[k] >= 0) return text.slice(starts[k], ends[k]).split(',');
    readRecord(text, starts[k], scratch, source);
    return scratch.pop()!;
  };
  const header = starts.length ? row(0).map((h) => h.trim()) : [];
  const length = Math.max(0, starts.length - 1);
  return {
    comments,
    header,
    length,
    row: (i) => row(i + 1),
    numbers(col) {
      const out = new Float64Array(length);
      for (let i = 0; i < length; i++) {
        const k = i + 1;
        let field: string | undefined;
        if (ends[k] < 0) field = row(k)[col];
        else {
          // the col-th comma-separated field of the line, without splitting the rest
          let a = starts[k];
          for (let c = 0; c < col && a >= 0; c++) {
            a = text.indexOf(',', a);
            a = a < 0 || a >= ends[k] ? -1 : a + 1;
          }
          if (a >= 0) {
            const b = text.indexOf(',', a);
            field = text.slice(a, b < 0 || b > ends[k] ? ends[k] : b);
          }
        }
        out[i] = field === undefined || field === '' ? NaN : Number(field);
      }
      return out;
    },
  };
}

/** Parse CSV text into rows of strings. */
export function parseCsv(text: string, source = 'CSV'): CsvTable {
  const t = indexCsv(text, source);
  return { comments: t.comments, header: t.header, rows: Array.from({ length: t.length }, (_, i) => t.row(i)) };
}

function readText(path: string): string {
  try {
    const bytes = readFileSync(path);
    // ASCII (most catalogues) decodes as latin1 at a third of UTF-8's cost.
    return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`, 'check the path');
  }
}

export function readCsvFile(path: string): CsvTable {
  return parseCsv(readText(path), path);
}

/** A CSV file indexed by record (see indexCsv). */
export function readCsvRecords(path: string): CsvRecords {
  return indexCsv(readText(path), path);
}

/** Index of the first header name matching one of `names` (case-insensitive), or -1. */
export function findColumn(header: string[], names: string[]): number {
  const lower = header.map((h) => h.toLowerCase());
  for (const n of names) {
    const i = lower.indexOf(n.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

function formatField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (typeof value === 'number') s = Number.isFinite(value) ? String(value) : Number.isNaN(value) ? '' : String(value);
  else if (typeof value === 'string') s = value;
  else if (typeof value === 'boolean') s = value ? 'true' : 'false';
  else s = JSON.stringify(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with CRLF line ends (RFC 4180); `comments` become leading `# ` lines. */
export function formatCsv(header: string[], rows: Iterable<unknown[]>, comments: string[] = []): string {
  const lines = comments.map((c) => `# ${c}`);
  lines.push(header.map(formatField).join(','));
  for (const row of rows) lines.push(row.map(formatField).join(','));
  return lines.join('\r\n') + '\r\n';
}

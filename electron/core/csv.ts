/**
 * RFC 4180 CSV: the one reader and writer used for candidates, sources,
 * catalogue files, match output and exports. Lines starting with `#` before the
 * header are provenance comments and are returned separately.
 */
import { readFileSync } from 'node:fs';
import { UserError } from './errors';

export interface CsvTable {
  /** Leading `#` comment lines, without the `#`. */
  comments: string[];
  header: string[];
  rows: string[][];
}

/** Parse CSV text. Quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string, source = 'CSV'): CsvTable {
  const comments: string[] = [];
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  while (pos < text.length && text[pos] === '#') {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos + 1, end < 0 ? text.length : end).replace(/\r$/, '');
    comments.push(line.startsWith(' ') ? line.slice(1) : line);
    pos = end < 0 ? text.length : end + 1;
  }
  const records: string[][] = [];
  let record: string[] = [];
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
      record = [];
      field = '';
      fieldStarted = false;
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
  const [header = [], ...rows] = records;
  return { comments, header: header.map((h) => h.trim()), rows };
}

export function readCsvFile(path: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`, 'check the path');
  }
  return parseCsv(text, path);
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

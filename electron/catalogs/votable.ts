/**
 * VOTable reader (TABLEDATA serialization) on top of the incremental XML
 * tokenizer. Keeps every TABLE with its FIELD metadata (name, ID, unit, UCD,
 * datatype, null marker), every INFO and PARAM, and the QUERY_STATUS a
 * service reports. A document whose QUERY_STATUS is ERROR parses fine; callers
 * turn it into a clear error with `votableServiceError`.
 */
import { UserError } from '../core/errors';
import { XmlParseError, XmlTokenizer, type XmlHandler } from './xml';
import type { SimpleTable, TableColumn } from './table';

export interface VoInfo {
  name: string;
  id?: string;
  value: string;
  content: string;
}

export interface VoParam {
  name: string;
  id?: string;
  value: string;
  unit?: string;
  ucd?: string;
  datatype?: string;
}

export interface VoTable extends SimpleTable {
  name?: string;
  id?: string;
  /** name of the enclosing RESOURCE. */
  resource?: string;
  /** nrows attribute when the service wrote one. */
  declaredRows?: number;
  params: VoParam[];
}

export interface VoDocument {
  version?: string;
  tables: VoTable[];
  infos: VoInfo[];
  params: VoParam[];
  /** "OK", "ERROR", "OVERFLOW", ... from INFO name=QUERY_STATUS; the first non-OK wins. */
  queryStatus: string | null;
  /** Service message for a non-OK status (content of the QUERY_STATUS INFO, or the Error INFOs). */
  statusMessage: string | null;
}

/** Malformed or truncated VOTable (worth a retry when it came over the network). */
export class VotableParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VotableParseError';
  }
}

class Builder implements XmlHandler {
  doc: VoDocument = { tables: [], infos: [], params: [], queryStatus: null, statusMessage: null };
  private root: string | null = null;
  private resources: string[] = [];
  private table: VoTable | null = null;
  private field: TableColumn | null = null;
  private row: string[] | null = null;
  private cell: string | null = null;
  private info: VoInfo | null = null;
  private inTableData = false;

  open(name: string, a: Record<string, string>): void {
    if (this.root === null) {
      this.root = name;
      if (name !== 'VOTABLE') throw new VotableParseError(`not a VOTable: the document starts with <${name}>`);
      this.doc.version = a.version;
      return;
    }
    switch (name) {
      case 'RESOURCE':
        this.resources.push(a.name ?? a.ID ?? '');
        break;
      case 'TABLE':
        this.table = {
          name: a.name,
          id: a.ID,
          resource: this.resources[this.resources.length - 1] || undefined,
          declaredRows: a.nrows !== undefined ? Number(a.nrows) : undefined,
          columns: [],
          rows: [],
          params: [],
        };
        this.doc.tables.push(this.table);
        break;
      case 'FIELD':
        if (this.table) {
          this.field = {
            name: a.name ?? a.ID ?? `col${this.table.columns.length + 1}`,
            id: a.ID,
            unit: a.unit,
            ucd: a.ucd,
            datatype: a.datatype,
            arraysize: a.arraysize,
          };
          this.table.columns.push(this.field);
        }
        break;
      case 'VALUES':
        if (this.field && a.null !== undefined) this.field.nullValue = a.null;
        break;
      case 'PARAM': {
        const p: VoParam = { name: a.name ?? '', id: a.ID, value: a.value ?? '', unit: a.unit, ucd: a.ucd, datatype: a.datatype };
        (this.table && !this.field ? this.table.params : this.doc.params).push(p);
        break;
      }
      case 'INFO':
        this.info = { name: a.name ?? '', id: a.ID, value: a.value ?? '', content: '' };
        this.doc.infos.push(this.info);
        break;
      case 'TABLEDATA':
        this.inTableData = true;
        break;
      case 'BINARY':
      case 'BINARY2':
      case 'FITS':
        throw new VotableParseError(`VOTable ${name} serialization is not supported; ask the service for TABLEDATA`);
      case 'TR':
        if (this.inTableData) this.row = [];
        break;
      case 'TD':
        if (this.row) this.cell = '';
        break;
    }
  }

  text(t: string): void {
    if (this.cell !== null) this.cell += t;
    else if (this.info) this.info.content += t;
  }

  close(name: string): void {
    switch (name) {
      case 'RESOURCE':
        this.resources.pop();
        break;
      case 'TABLE':
        this.table = null;
        break;
      case 'FIELD':
        this.field = null;
        break;
      case 'INFO':
        this.info = null;
        break;
      case 'TABLEDATA':
        this.inTableData = false;
        break;
      case 'TD':
        if (this.row && this.cell !== null) this.row.push(this.cell);
        this.cell = null;
        break;
      case 'TR':
        if (this.row && this.table) {
          const n = this.table.columns.length;
          if (this.row.length !== n) {
            throw new VotableParseError(
              `row ${this.table.rows.length + 1} of table ${this.table.name ?? ''} has ${this.row.length} cells for ${n} fields`,
            );
          }
          this.table.rows.push(this.row);
        }
        this.row = null;
        break;
    }
  }

  finish(): VoDocument {
    const statuses = this.doc.infos.filter((i) => i.name === 'QUERY_STATUS');
    const bad = statuses.find((i) => i.value.toUpperCase() !== 'OK');
    const status = bad ?? statuses[0];
    this.doc.queryStatus = status ? status.value.toUpperCase() : null;
    if (bad) {
      const content = bad.content.replace(/\s+/g, ' ').trim();
      const firstError = this.doc.infos.find((i) => /^error$/i.test(i.name) && i.value.trim())?.value.trim();
      const detail = content.length > 300 ? `${content.slice(0, 300)}...` : content;
      this.doc.statusMessage = firstError ? (detail ? `${firstError} (${detail})` : firstError) : detail || bad.value;
    }
    return this.doc;
  }
}

/** Incremental parser: write() text chunks, then end() for the document. */
export class VotableParser {
  private builder = new Builder();
  private tok = new XmlTokenizer(this.builder);

  write(chunk: string): void {
    try {
      this.tok.write(chunk);
    } catch (e) {
      throw asParseError(e);
    }
  }

  end(): VoDocument {
    try {
      this.tok.end();
    } catch (e) {
      throw asParseError(e);
    }
    return this.builder.finish();
  }
}

function asParseError(e: unknown): Error {
  if (e instanceof XmlParseError) return new VotableParseError(`malformed VOTable: ${e.message}`);
  return e as Error;
}

export function parseVotable(text: string | Uint8Array): VoDocument {
  const p = new VotableParser();
  p.write(typeof text === 'string' ? text : new TextDecoder('utf-8').decode(text));
  return p.end();
}

/** The first table that has data columns (services put metadata-only tables first). */
export function firstTable(doc: VoDocument): VoTable | null {
  return doc.tables.find((t) => t.columns.length > 0) ?? null;
}

/** Parse "hh mm ss.s" / "hh:mm:ss" (hours=true, RA) or "+dd mm ss" (Dec) into degrees; NaN if not sexagesimal. */
export function parseSexagesimal(s: string, hours: boolean): number {
  const t = s.trim();
  const m = /^([+-])?\s*(\d+(?:\.\d*)?)(?:[\s:]+(\d+(?:\.\d*)?))?(?:[\s:]+(\d+(?:\.\d*)?))?$/.exec(t);
  if (!m) return NaN;
  const v = Number(m[2]) + Number(m[3] ?? 0) / 60 + Number(m[4] ?? 0) / 3600;
  const signed = m[1] === '-' ? -v : v;
  return hours ? signed * 15 : signed;
}

/**
 * Throw a clear UserError when the service answered with QUERY_STATUS=ERROR
 * (VizieR does this with HTTP 200, e.g. when its database is unreachable).
 */
export function assertVotableOk(doc: VoDocument, service: string, url: string): void {
  if (doc.queryStatus !== 'ERROR') return;
  throw new UserError(
    `${service} reported an error: ${doc.statusMessage ?? 'QUERY_STATUS=ERROR'} (${url})`,
    `This is the service's own answer, not a network fault. Try again later, point ${service} at a mirror with its VASCO_*_URL variable, or run offline with --catalog NAME=FILE.`,
    'service-error',
  );
}

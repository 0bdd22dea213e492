/**
 * A small TAP client (IVOA Table Access Protocol, synchronous queries): ADQL
 * POSTed to BASE/sync as multipart form data, an optional table uploaded as a
 * VOTable (UPLOAD=name,param:name, read by the query as TAP_UPLOAD.name), the
 * answer read as a TABLEDATA VOTable. Built on the shared HTTP client
 * (retries, timeouts, politeness) and the query cache; an error document
 * (QUERY_STATUS=ERROR) becomes a UserError naming the service.
 */
import { formatVoTable, type VoField } from '../core/votable';
import type { QueryCache } from './cache';
import { sha256 } from './cache';
import { BadBodyError, HttpError, type HttpClient } from './http';
import type { SimpleTable } from './table';
import { assertVotableOk, firstTable, parseVotable, VotableParseError, type VoDocument } from './votable';

export type TapServiceId = 'gavo' | 'irsa';

export interface TapService {
  label: string;
  /** Environment variable that points the service elsewhere (a mirror, a test server). */
  env: string;
  /** Base URL: the TAP endpoint without /sync. */
  url: string;
  /** FORMAT asked for: our reader takes TABLEDATA only, and DaCHS answers plain "votable" in BINARY2. */
  format: string;
}

export const TAP_SERVICES: Record<TapServiceId, TapService> = {
  gavo: { label: 'GAVO TAP', env: 'VASCO_GAVO_TAP_URL', url: 'https://dc.g-vo.org/tap', format: 'application/x-votable+xml;serialization=TABLEDATA' },
  irsa: { label: 'IRSA TAP', env: 'VASCO_IRSA_TAP_URL', url: 'https://irsa.ipac.caltech.edu/TAP', format: 'votable' },
};

export function tapServiceUrl(id: TapServiceId, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[TAP_SERVICES[id].env]?.trim();
  return v ? v : TAP_SERVICES[id].url;
}

/** A table to upload: its columns (VOTable FIELDs) and rows. */
export interface TapUpload {
  /** ADQL name: the query reads it as TAP_UPLOAD.<name>. */
  name: string;
  fields: VoField[];
  rows: (string | number | null)[][];
}

export interface TapQuery {
  adql: string;
  upload?: TapUpload;
  /** MAXREC: rows the service may return before it reports OVERFLOW. */
  maxRows?: number;
}

export interface TapOptions {
  http: HttpClient;
  service: TapServiceId;
  /** Default: the service's URL from the environment, else the public one. */
  baseUrl?: string;
  cache?: QueryCache | null;
  /** Cache folder of these answers, e.g. "tap-supercosmos". */
  cacheKind?: string;
  /** What the query is for, in messages: "SuperCOSMOS join of 120 positions". */
  what?: string;
  signal?: AbortSignal;
}

export interface TapAnswer {
  table: SimpleTable;
  /** The service hit MAXREC: the table is incomplete. */
  overflow: boolean;
}

/** The uploaded table as a VOTable document (TABLEDATA). */
export function uploadVotable(upload: TapUpload): string {
  return formatVoTable({
    resourceName: upload.name,
    tableName: upload.name,
    description: 'Positions uploaded by the VASCO workstation',
    infos: [],
    coosys: { id: 'sys', system: 'ICRS' },
    fields: upload.fields,
    rows: upload.rows,
  });
}

function readAnswer(body: Buffer, service: string, url: string): VoDocument {
  try {
    return parseVotable(body);
  } catch (e) {
    if (!(e instanceof VotableParseError)) throw e;
    // A serialization we cannot read will not get better by asking again.
    if (/serialization is not supported/.test(e.message)) {
      throw new HttpError(`${service}: ${e.message} (${url})`, 'Point the service URL at a TAP service that answers FORMAT=votable in TABLEDATA.', 'tap-format', service, url);
    }
    throw new BadBodyError(e.message);
  }
}

/** Run one synchronous ADQL query; the complete answer is cached. */
export async function tapSync(q: TapQuery, o: TapOptions): Promise<TapAnswer> {
  const svc = TAP_SERVICES[o.service];
  const baseUrl = (o.baseUrl ?? tapServiceUrl(o.service)).replace(/\/+$/, '');
  const url = `${baseUrl}/sync`;
  const votable = q.upload ? uploadVotable(q.upload) : null;
  const key = { service: baseUrl, adql: q.adql, upload: votable ? sha256(votable) : null, maxRows: q.maxRows ?? null, format: svc.format };
  const kind = o.cacheKind ?? `tap-${o.service}`;
  const cached = o.cache?.getTable(kind, key);
  if (cached) return { table: cached, overflow: false };
  const form = new FormData();
  form.set('REQUEST', 'doQuery');
  form.set('LANG', 'ADQL');
  form.set('FORMAT', svc.format);
  form.set('QUERY', q.adql);
  if (q.maxRows !== undefined) form.set('MAXREC', String(q.maxRows));
  if (q.upload && votable) {
    form.set('UPLOAD', `${q.upload.name},param:${q.upload.name}`);
    form.set(q.upload.name, new Blob([votable], { type: 'application/x-votable+xml' }), `${q.upload.name}.xml`);
  }
  let doc: VoDocument | null = null;
  const res = await o.http.request({
    service: svc.label,
    url,
    what: o.what,
    method: 'POST',
    body: form,
    signal: o.signal,
    validate: (body) => {
      doc = readAnswer(body, svc.label, url);
    },
  });
  const d: VoDocument = doc ?? readAnswer(res.body, svc.label, url);
  assertVotableOk(d, svc.label, url);
  const t = firstTable(d);
  const table: SimpleTable = t ? { columns: t.columns, rows: t.rows } : { columns: [], rows: [] };
  const overflow = d.queryStatus === 'OVERFLOW';
  if (!overflow) o.cache?.putTable(kind, key, table);
  return { table, overflow };
}

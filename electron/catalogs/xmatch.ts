/**
 * CDS XMatch: upload the surviving candidate positions (a small CSV) and get
 * back every catalogue row within the radius. This moves kilobytes where a
 * cone query of a whole plate moves millions of rows, so it is the default.
 */
import type { QueryCache } from './cache';
import { sha256 } from './cache';
import type { CatalogDef } from './catalogs';
import { UserError } from '../core/errors';
import { formatCsv, parseCsv } from '../core/csv';
import { BadBodyError, type HttpClient, serviceLabel, serviceUrl } from './http';
import type { SimpleTable } from './table';
import { findColumn, tableFromCsv } from './table';

/** Column names of the uploaded table; chosen so they cannot collide with catalogue columns. */
export interface UploadColumns {
  ra: string;
  dec: string;
  id: string;
}

export const DEFAULT_UPLOAD_COLUMNS: UploadColumns = { ra: 'vasco_ra', dec: 'vasco_dec', id: 'vasco_id' };

export interface XmatchOptions {
  http: HttpClient;
  cache?: QueryCache | null;
  baseUrl?: string;
  /** Restrict the search to a cone (the plate): less work for the service. */
  area?: { ra: number; dec: number; radiusDeg: number };
  uploadColumns?: UploadColumns;
  /** Rows per upload. */
  chunkRows?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface XmatchAnswer {
  /** Catalogue columns only (upload columns and angDist removed). */
  table: SimpleTable;
  /** Per answer row: index of the uploaded position it matches. */
  uploadIndex: Int32Array;
  /** Per answer row: distance reported by XMatch, arcsec. */
  angDistArcsec: Float64Array;
}

/** XMatch refuses radii above 180 arcsec. */
export const XMATCH_MAX_RADIUS_ARCSEC = 180;

function checkCsv(body: Buffer, upload: UploadColumns): SimpleTable {
  let t: SimpleTable;
  try {
    t = tableFromCsv(parseCsv(body.toString('utf8'), 'CDS XMatch answer'));
  } catch (e) {
    if (e instanceof UserError) throw new BadBodyError(`XMatch CSV does not parse: ${e.message}`);
    throw e;
  }
  const width = t.columns.length;
  const bad = t.rows.findIndex((r) => r.length !== width);
  // A body cut at a line boundary still parses; a short last row gives it away.
  if (bad >= 0) throw new BadBodyError(`XMatch CSV row ${bad + 1} has ${t.rows[bad].length} fields for ${width} columns (truncated)`);
  if (findColumn(t, [upload.id]) < 0) throw new BadBodyError(`answer has no ${upload.id} column (not an XMatch result?)`);
  return t;
}

async function xmatchChunk(
  def: CatalogDef,
  ra: ArrayLike<number>,
  dec: ArrayLike<number>,
  first: number,
  count: number,
  radiusArcsec: number,
  o: XmatchOptions,
): Promise<SimpleTable> {
  const up = o.uploadColumns ?? DEFAULT_UPLOAD_COLUMNS;
  const baseUrl = o.baseUrl ?? serviceUrl('xmatch');
  const rows: (string | number)[][] = [];
  for (let i = first; i < first + count; i++) rows.push([ra[i].toFixed(8), dec[i].toFixed(8), i + 1]); // ids are 1-based row numbers
  const csv = formatCsv([up.ra, up.dec, up.id], rows);
  const key = { service: baseUrl, table: def.vizier, upload: sha256(csv), radiusArcsec, area: o.area ?? 'allsky' };
  const cached = o.cache?.getTable(`xmatch-${def.id}`, key);
  if (cached) return cached;
  const form = new FormData();
  form.set('request', 'xmatch');
  form.set('distMaxArcsec', String(radiusArcsec));
  form.set('RESPONSEFORMAT', 'csv');
  form.set('cat2', `vizier:${def.vizier}`);
  form.set('colRA1', up.ra);
  form.set('colDec1', up.dec);
  if (o.area) {
    form.set('area', 'cone');
    form.set('coneRA', String(o.area.ra));
    form.set('coneDec', String(o.area.dec));
    form.set('coneRadiusDeg', String(o.area.radiusDeg));
  } else {
    form.set('area', 'allsky');
  }
  form.set('cat1', new Blob([csv], { type: 'text/csv' }), 'positions.csv');
  let table: SimpleTable | null = null;
  const res = await o.http.request({
    service: serviceLabel('xmatch'),
    url: baseUrl,
    what: `${def.label} match of ${count} positions`,
    method: 'POST',
    body: form,
    signal: o.signal,
    validate: (body) => {
      table = checkCsv(body, up);
    },
  });
  const t = table ?? checkCsv(res.body, up);
  o.cache?.putTable(`xmatch-${def.id}`, key, t);
  return t;
}

/** Match positions against `def`; rows of the answer point back to the positions by index. */
export async function xmatchPositions(
  def: CatalogDef,
  positions: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  radiusArcsec: number,
  o: XmatchOptions,
): Promise<XmatchAnswer> {
  if (radiusArcsec > XMATCH_MAX_RADIUS_ARCSEC) radiusArcsec = XMATCH_MAX_RADIUS_ARCSEC;
  const up = o.uploadColumns ?? DEFAULT_UPLOAD_COLUMNS;
  const n = positions.ra.length;
  const chunk = o.chunkRows ?? 50_000;
  const parts: SimpleTable[] = [];
  for (let first = 0; first < n; first += chunk) {
    parts.push(await xmatchChunk(def, positions.ra, positions.dec, first, Math.min(chunk, n - first), radiusArcsec, o));
  }
  const header = parts[0]?.columns ?? [];
  const idIdx = findColumn(header, [up.id]);
  const distIdx = findColumn(header, ['angDist']);
  const drop = new Set([idIdx, distIdx, findColumn(header, [up.ra]), findColumn(header, [up.dec])].filter((i) => i >= 0));
  const keep = header.map((_, i) => i).filter((i) => !drop.has(i));
  const rows: string[][] = [];
  const uploadIndex: number[] = [];
  const dist: number[] = [];
  for (const p of parts) {
    for (const r of p.rows) {
      const idx = Number(r[idIdx]) - 1;
      if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
        throw new Error(`CDS XMatch: answer row refers to unknown upload id "${r[idIdx]}"`);
      }
      uploadIndex.push(idx);
      dist.push(distIdx >= 0 ? Number(r[distIdx]) : NaN);
      rows.push(keep.map((i) => r[i]));
    }
  }
  o.log?.(`CDS XMatch: ${def.label}: ${rows.length} counterpart rows for ${n} positions within ${radiusArcsec}"`);
  return {
    table: { columns: keep.map((i) => header[i]), rows },
    uploadIndex: Int32Array.from(uploadIndex),
    angDistArcsec: Float64Array.from(dist),
  };
}

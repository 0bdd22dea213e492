/**
 * VizieR cone queries (ASU votable endpoint) around the candidates of a plate.
 *
 * The sky is cut into a fixed global grid of cells (so neighbouring plates
 * share cached chunks); only cells whose cone comes within the search radius of
 * a candidate are asked for. A chunk that hits the row limit (QUERY_STATUS
 * OVERFLOW or exactly -out.max rows) is split into four smaller cones.
 */
import { separationDeg } from '../astro/sphere';
import type { QueryCache } from './cache';
import type { CatalogDef } from './catalogs';
import { queryColumns } from './catalogs';
import { BadBodyError, type HttpClient, serviceLabel, serviceUrl } from './http';
import type { SimpleTable } from './table';
import { findColumn } from './table';
import { assertVotableOk, firstTable, parseVotable, VotableParseError, type VoDocument } from './votable';

export interface ConeChunk {
  id: string;
  ra: number;
  dec: number;
  radiusDeg: number;
}

export interface VizierOptions {
  http: HttpClient;
  cache?: QueryCache | null;
  /** -out.max per chunk; a full chunk is split. */
  rowLimit?: number;
  /** Smallest cone a split may produce before we give up, degrees. */
  minRadiusDeg?: number;
  baseUrl?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onChunk?: (done: number, total: number) => void;
}

/** Offset a position by (east, north) degrees on the tangent plane. */
function offset(ra: number, dec: number, eastDeg: number, northDeg: number): [number, number] {
  const d = Math.max(-89.999, Math.min(89.999, dec + northDeg));
  const r = ra + eastDeg / Math.cos((dec * Math.PI) / 180);
  return [((r % 360) + 360) % 360, d];
}

/**
 * Cells of the global grid (bands of `cellDeg` in Dec, RA steps ~`cellDeg` on
 * the sky) whose covering cone lies within `searchRadiusArcsec` of a point.
 */
export function chunksFor(
  points: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  searchRadiusArcsec: number,
  cellDeg = 0.5,
): ConeChunk[] {
  const chunks = new Map<string, ConeChunk>();
  const margin = searchRadiusArcsec / 3600;
  const nBands = Math.ceil(180 / cellDeg);
  const cellOf = (band: number, k: number, nRa: number): ConeChunk => {
    const d0 = -90 + band * cellDeg;
    const d1 = Math.min(90, d0 + cellDeg);
    const step = 360 / nRa;
    const ra = (k + 0.5) * step;
    const dec = (d0 + d1) / 2;
    const corners = [
      [k * step, d0],
      [(k + 1) * step, d0],
      [k * step, d1],
      [(k + 1) * step, d1],
    ];
    const radiusDeg = Math.max(...corners.map(([r, d]) => separationDeg(ra, dec, r, d))) * 1.0001;
    return { id: `b${band}k${k}n${nRa}`, ra, dec, radiusDeg };
  };
  const nRaOf = (band: number) => {
    const d0 = -90 + band * cellDeg;
    const widest = Math.min(Math.abs(d0), Math.abs(d0 + cellDeg));
    const near = d0 < 0 && d0 + cellDeg > 0 ? 0 : widest;
    return Math.max(1, Math.ceil((360 * Math.cos((near * Math.PI) / 180)) / cellDeg));
  };
  for (let i = 0; i < points.ra.length; i++) {
    const ra = points.ra[i];
    const dec = points.dec[i];
    if (!Number.isFinite(ra) || !Number.isFinite(dec)) continue;
    const bLo = Math.max(0, Math.floor((dec - margin + 90) / cellDeg));
    const bHi = Math.min(nBands - 1, Math.floor((dec + margin + 90) / cellDeg));
    for (let b = bLo; b <= bHi; b++) {
      const nRa = nRaOf(b);
      const step = 360 / nRa;
      const cosd = Math.max(1e-6, Math.cos((Math.min(89.9, Math.abs(dec) + margin) * Math.PI) / 180));
      const span = margin / cosd + step;
      const kLo = Math.floor((ra - span) / step);
      const kHi = Math.floor((ra + span) / step);
      for (let kk = kLo; kk <= kHi && kk - kLo < nRa; kk++) {
        const k = ((kk % nRa) + nRa) % nRa;
        const c = cellOf(b, k, nRa);
        if (chunks.has(c.id)) continue;
        if (separationDeg(ra, dec, c.ra, c.dec) <= c.radiusDeg + margin) chunks.set(c.id, c);
      }
    }
  }
  return [...chunks.values()];
}

export function vizierConeUrl(def: CatalogDef, c: ConeChunk, rowLimit: number, baseUrl: string): string {
  const u = new URL(baseUrl);
  u.searchParams.set('-source', def.vizier);
  u.searchParams.set('-c', `${c.ra.toFixed(6)} ${c.dec >= 0 ? '+' : ''}${c.dec.toFixed(6)}`);
  u.searchParams.set('-c.rd', c.radiusDeg.toFixed(6));
  u.searchParams.set('-out', queryColumns(def).join(','));
  u.searchParams.set('-out.max', String(rowLimit));
  u.searchParams.set('-oc.form', 'dec');
  return u.toString();
}

function checkVotable(body: Buffer): VoDocument {
  try {
    return parseVotable(body);
  } catch (e) {
    if (e instanceof VotableParseError) throw new BadBodyError(e.message);
    throw e;
  }
}

/** One cone, split recursively while it overflows; the result is cached per (catalogue, cone, columns). */
export async function vizierCone(def: CatalogDef, chunk: ConeChunk, o: VizierOptions): Promise<SimpleTable> {
  const rowLimit = o.rowLimit ?? 200_000;
  const baseUrl = o.baseUrl ?? serviceUrl('vizier');
  const key = { service: baseUrl, table: def.vizier, cone: [chunk.ra, chunk.dec, chunk.radiusDeg], columns: queryColumns(def), rowLimit };
  const cached = o.cache?.getTable(`vizier-${def.id}`, key);
  if (cached) return cached;
  const url = vizierConeUrl(def, chunk, rowLimit, baseUrl);
  let doc: VoDocument | null = null;
  const res = await o.http.request({
    service: serviceLabel('vizier'),
    url,
    what: `${def.label} cone ${chunk.id}`,
    signal: o.signal,
    validate: (body) => {
      doc = checkVotable(body);
    },
  });
  doc ??= checkVotable(res.body);
  const d = doc as VoDocument;
  assertVotableOk(d, serviceLabel('vizier'), url);
  const table = firstTable(d);
  const rows = table?.rows.length ?? 0;
  if (d.queryStatus === 'OVERFLOW' || rows >= rowLimit) {
    const minR = o.minRadiusDeg ?? 0.01;
    const r = chunk.radiusDeg / Math.SQRT2;
    if (r < minR) {
      throw new Error(
        `VizieR: ${def.label} still has ${rows}+ rows in a ${(chunk.radiusDeg * 60).toFixed(2)}' cone at ${chunk.ra},${chunk.dec}; raise the row limit`,
      );
    }
    o.log?.(`VizieR: ${def.label} chunk ${chunk.id} hit the ${rowLimit}-row limit; splitting into 4`);
    const h = chunk.radiusDeg / 2;
    const parts: SimpleTable[] = [];
    for (const [e, n] of [[-h, -h], [h, -h], [-h, h], [h, h]] as const) {
      const [ra, dec] = offset(chunk.ra, chunk.dec, e, n);
      parts.push(await vizierCone(def, { id: `${chunk.id}.${parts.length}`, ra, dec, radiusDeg: r }, o));
    }
    return mergeTables(parts, def);
  }
  const out: SimpleTable = table
    ? { columns: table.columns, rows: table.rows }
    : { columns: [], rows: [] }; // VizieR omits the TABLE when nothing matched
  o.cache?.putTable(`vizier-${def.id}`, key, out);
  return out;
}

/** Concatenate chunk answers, dropping rows seen twice where cones overlap (same id, or same position). */
export function mergeTables(parts: SimpleTable[], def: CatalogDef): SimpleTable {
  const withCols = parts.find((p) => p.columns.length > 0);
  if (!withCols) return { columns: [], rows: [] };
  const columns = withCols.columns;
  const names = columns.map((c) => c.name).join('\u0001');
  const idIdx = def.idColumn ? findColumn(columns, [def.idColumn]) : -1;
  const raIdx = findColumn(columns, [def.ra]);
  const decIdx = findColumn(columns, [def.dec]);
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (const p of parts) {
    if (!p.columns.length) continue;
    if (p.columns.map((c) => c.name).join('\u0001') !== names) {
      throw new Error(`VizieR: ${def.label} chunks came back with different columns`);
    }
    for (const row of p.rows) {
      const k = idIdx >= 0 && row[idIdx].trim() ? row[idIdx].trim() : `${row[raIdx]}|${row[decIdx]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      rows.push(row);
    }
  }
  return { columns, rows };
}

/** All catalogue rows within reach of the given points. */
export async function vizierAround(
  def: CatalogDef,
  points: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  searchRadiusArcsec: number,
  o: VizierOptions & { cellDeg?: number },
): Promise<SimpleTable> {
  const chunks = chunksFor(points, searchRadiusArcsec, o.cellDeg);
  o.log?.(`VizieR: ${def.label}: ${chunks.length} chunk${chunks.length === 1 ? '' : 's'} around ${points.ra.length} positions`);
  const parts: SimpleTable[] = [];
  for (const c of chunks) {
    parts.push(await vizierCone(def, c, o));
    o.onChunk?.(parts.length, chunks.length);
  }
  return mergeTables(parts, def);
}

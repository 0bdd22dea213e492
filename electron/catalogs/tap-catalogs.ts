/**
 * The vetoes the strongest peer runs through TAP upload joins: SuperCOSMOS
 * (GAVO's supercosmos.sources) and PTF objects (IRSA's ptf_objects). The
 * standing candidates are uploaded as a VOTable and joined to the catalogue
 * with ADQL CONTAINS; the answer holds every catalogue row within the radius
 * of an uploaded position, with the upload's id.
 */
import { UserError } from '../core/errors';
import type { QueryCache } from './cache';
import type { CatalogDef, TapAccess } from './catalogs';
import type { HttpClient } from './http';
import type { SimpleTable } from './table';
import { findColumn } from './table';
import { TAP_SERVICES, tapSync, type TapUpload } from './tap';

/**
 * What a SuperCOSMOS counterpart means. confirm (Solano et al. 2022): a
 * candidate is kept only when SuperCOSMOS's own scan of the same POSS-I E
 * plate (band R1) has a source there, so an artefact of one scan goes. veto:
 * a source on a later plate (B, R2, I) means it is still there, like Gaia.
 */
export type SupercosmosRole = 'confirm' | 'veto';

export interface TapVetoSettings {
  supercosmosRole: SupercosmosRole;
  /** PTF objects with fewer good observations (ngoodobs) do not count. */
  ptfMinGoodObs: number;
}

/** The uploaded table; names that are no ADQL reserved words (NUMBER is one) and cannot meet catalogue columns. */
export const UPLOAD = { table: 'vasco_upload', id: 'vasco_id', ra: 'vasco_ra', dec: 'vasco_dec' } as const;

/** Per-band detection ids of supercosmos.sources (null where the band did not see the source). */
const SCOS_BANDS = { b: 'objidb', r1: 'objidr1', r2: 'objidr2', i: 'objidi' } as const;

function bandsFor(role: SupercosmosRole): string[] {
  return role === 'confirm' ? [SCOS_BANDS.r1] : [SCOS_BANDS.b, SCOS_BANDS.r2, SCOS_BANDS.i];
}

function tapAccess(def: CatalogDef): TapAccess {
  if (typeof def.access !== 'object') throw new Error(`${def.label} is not a TAP catalogue`);
  return def.access;
}

/** The ADQL join of the uploaded positions with the catalogue (one line, no aggregates: IRSA refuses some). */
export function tapJoinAdql(def: CatalogDef, radiusArcsec: number, s: TapVetoSettings): string {
  const a = tapAccess(def);
  const r = (radiusArcsec / 3600).toFixed(10);
  const near = `CONTAINS(POINT('ICRS', c.${def.ra}, c.${def.dec}), CIRCLE('ICRS', u.${UPLOAD.ra}, u.${UPLOAD.dec}, ${r})) = 1`;
  const from = `FROM TAP_UPLOAD.${UPLOAD.table} AS u, ${a.table} AS c`;
  if (def.id === 'supercosmos') {
    const bands = Object.values(SCOS_BANDS);
    const seen = bandsFor(s.supercosmosRole).map((b) => `c.${b} IS NOT NULL`).join(' OR ');
    return `SELECT u.${UPLOAD.id}, c.${def.ra}, c.${def.dec}, ${bands.map((b) => `c.${b}`).join(', ')} ${from} WHERE ${near} AND (${seen})`;
  }
  if (def.id === 'ptf') {
    const n = Math.max(0, Math.floor(s.ptfMinGoodObs));
    return `SELECT u.${UPLOAD.id}, c.${def.idColumn}, c.${def.ra}, c.${def.dec}, c.ngoodobs ${from} WHERE ${near} AND c.ngoodobs >= ${n}`;
  }
  throw new Error(`no TAP join for ${def.label}`);
}

export interface TapJoinOptions {
  http: HttpClient;
  cache?: QueryCache | null;
  /** The service's base URL; default from its VASCO_*_TAP_URL variable, else the public one. */
  baseUrl?: string;
  /** Positions per upload (the peer uses 5000). */
  chunkRows?: number;
  /** MAXREC per query; an answer that overflows is asked again in halves. */
  maxRows?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * SuperCOSMOS answers carry one id per band; the counterpart's id is the one
 * of the band that made it count (R1 when confirming).
 */
function withCounterpartId(def: CatalogDef, t: SimpleTable, s: TapVetoSettings): SimpleTable {
  if (def.id !== 'supercosmos' || !def.idColumn) return t;
  const idx = bandsFor(s.supercosmosRole).map((b) => findColumn(t, [b])).filter((i) => i >= 0);
  const value = (row: string[], i: number) => {
    const v = (row[i] ?? '').trim();
    return v === t.columns[i].nullValue ? '' : v; // DaCHS writes a missing long as its null marker
  };
  const id = (row: string[]) => idx.map((i) => value(row, i)).find((v) => v) ?? '';
  return { columns: [...t.columns, { name: def.idColumn }], rows: t.rows.map((row) => [...row, id(row)]) };
}

/** Every catalogue row within `radiusArcsec` of a position, by upload join. */
export async function tapJoin(
  def: CatalogDef,
  positions: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  radiusArcsec: number,
  s: TapVetoSettings,
  o: TapJoinOptions,
): Promise<SimpleTable> {
  const a = tapAccess(def);
  const service = TAP_SERVICES[a.service].label;
  const adql = tapJoinAdql(def, radiusArcsec, s);
  const chunk = o.chunkRows ?? 5000;
  const parts: SimpleTable[] = [];
  const ask = async (first: number, count: number): Promise<void> => {
    const rows: (number | null)[][] = [];
    for (let i = first; i < first + count; i++) rows.push([i + 1, positions.ra[i], positions.dec[i]]); // ids: 1-based row numbers
    const upload: TapUpload = {
      name: UPLOAD.table,
      fields: [
        { name: UPLOAD.id, datatype: 'long', ucd: 'meta.id;meta.main' },
        { name: UPLOAD.ra, datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra;meta.main' },
        { name: UPLOAD.dec, datatype: 'double', unit: 'deg', ucd: 'pos.eq.dec;meta.main' },
      ],
      rows,
    };
    const answer = await tapSync(
      { adql, upload, maxRows: o.maxRows ?? 100_000 },
      { http: o.http, service: a.service, baseUrl: o.baseUrl, cache: o.cache, cacheKind: `tap-${def.id}`, what: `${def.label} join of ${count} positions`, signal: o.signal },
    );
    if (answer.overflow) {
      // Never act on a cut answer: a candidate whose counterpart was cut off would be kept (or, confirming, dropped) wrongly.
      if (count === 1) {
        throw new UserError(
          `${service}: ${def.label} has more rows than the service returns (MAXREC) within ${radiusArcsec}" of one position`,
          'Lower --veto-radius, or ask the service operators about the row limit.',
          'tap-overflow',
        );
      }
      o.log?.(`${service}: ${def.label} answer for ${count} positions hit the row limit; asking again in halves`);
      const half = Math.ceil(count / 2);
      await ask(first, half);
      await ask(first + half, count - half);
      return;
    }
    const t = answer.table;
    if (t.columns.length && (findColumn(t, [UPLOAD.id]) < 0 || findColumn(t, [def.ra]) < 0 || findColumn(t, [def.dec]) < 0)) {
      throw new UserError(
        `${service}: the ${def.label} answer lacks ${UPLOAD.id}, ${def.ra} or ${def.dec} (columns: ${t.columns.map((c) => c.name).join(', ')})`,
        `The service's table may have changed; check ${a.table} there, or give the catalogue as a file with --catalog ${def.id}=FILE.`,
        'tap-answer',
      );
    }
    parts.push(t);
  };
  for (let first = 0; first < positions.ra.length; first += chunk) await ask(first, Math.min(chunk, positions.ra.length - first));
  const withCols = parts.find((p) => p.columns.length > 0);
  const table: SimpleTable = withCols ? { columns: withCols.columns, rows: parts.flatMap((p) => p.rows) } : { columns: [], rows: [] };
  o.log?.(`${service}: ${def.label}: ${table.rows.length} rows within ${radiusArcsec}" of ${positions.ra.length} positions`);
  return withCounterpartId(def, table, s);
}

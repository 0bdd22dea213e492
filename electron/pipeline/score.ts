/**
 * Score a run against the published VASCO catalogue (Solano et al. 2022): the
 * published rows inside this plate's footprint are the truth; a published
 * source is recovered when a candidate lies within the radius, a candidate is
 * confirmed when a published source does.
 */
import { readFileSync } from 'node:fs';
import { parseCsv } from '../core/csv';
import { UserError } from '../core/errors';
import { separationDeg } from '../astro/sphere';
import { DEC_NAMES, RA_NAMES, findColumn, stringColumn, tableFromCsv, type SimpleTable } from '../catalogs/table';
import { firstTable, parseSexagesimal, parseVotable, VotableParseError } from '../catalogs/votable';
import { matchNearest } from '../match/sky-match';
import type { ScoreResult, ScoreSource, TrackedSource } from './types';

export interface Footprint {
  /** True when the sky position falls on this plate. */
  contains(ra: number, dec: number): boolean;
  /** Plate id (e.g. "XE582"), used when the catalogue has a plate column. */
  plate?: string;
}

/** A circular footprint (when only the plate centre and radius are known). */
export function circleFootprint(centre: { ra: number; dec: number }, radiusDeg: number, plate?: string): Footprint {
  return { plate, contains: (ra, dec) => separationDeg(centre.ra, centre.dec, ra, dec) <= radiusDeg };
}

const PLATE_NAMES = ['plate', 'Name', 'plate_id', 'REGION', 'region'];
const ROW_ID_NAMES = ['mnras_row', 'recno', 'id', 'row'];

/** The published rows on one plate, and how they were read. */
export interface PublishedCatalogue {
  /** Distinct positions (the catalogue repeats some sources), in file order. */
  sources: ScoreSource[];
  /** Rows selected (repeats included). */
  rows: number;
  /** How the rows were chosen: by plate column or by footprint. */
  selection: string;
  /** The file's format and the columns used, as the file names them (id: null when rows are numbered). */
  format: 'csv' | 'votable';
  columns: { ra: string; dec: string; id: string | null; plate: string | null };
}

/** The published catalogue as SVO exports it (CSV or VOTable), or a plain CSV of positions. */
function readPublishedTable(file: string): { table: SimpleTable; format: 'csv' | 'votable' } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the published catalogue --vasco ${file}: ${(e as Error).message}`, 'check the path given to --vasco');
  }
  if (!/^\s*</.test(text)) return { table: tableFromCsv(parseCsv(text, `--vasco ${file}`)), format: 'csv' };
  try {
    const t = firstTable(parseVotable(text));
    if (!t) throw new UserError(`--vasco ${file}: the VOTable holds no TABLE with fields`, 'export the vanish-possi catalogue from SVO again (CSV or VOTable)');
    return { table: { columns: t.columns, rows: t.rows }, format: 'votable' };
  } catch (e) {
    if (e instanceof VotableParseError) throw new UserError(`--vasco ${file}: ${e.message}`, 'the file is damaged; export it from SVO again');
    throw e;
  }
}

/** Degrees from a cell: decimal, or sexagesimal (hours for RA) as some VOTable exports write it. */
function angleColumn(t: SimpleTable, index: number, hours: boolean): Float64Array {
  const nul = t.columns[index].nullValue;
  return Float64Array.from(t.rows, (row) => {
    const cell = (row[index] ?? '').trim();
    if (cell === '' || cell === nul) return NaN;
    const v = Number(cell);
    return Number.isFinite(v) ? v : parseSexagesimal(cell, hours);
  });
}

/** The published sources inside `footprint` (or, when the file has a plate column naming this plate, on it). */
export function readPublishedCatalogue(file: string, footprint: Footprint): PublishedCatalogue {
  const { table: t, format } = readPublishedTable(file);
  const ri = findColumn(t, RA_NAMES);
  const di = findColumn(t, DEC_NAMES);
  if (ri < 0 || di < 0) {
    throw new UserError(
      `--vasco ${file}: no ${ri < 0 ? 'RA' : 'Dec'} column (columns: ${t.columns.map((c) => c.name).join(', ')})`,
      'give the SVO vanish-possi export (CSV or VOTable with RA, Dec in degrees) or a CSV with ra/dec columns',
    );
  }
  const ras = angleColumn(t, ri, true);
  const decs = angleColumn(t, di, false);
  const idi = findColumn(t, ROW_ID_NAMES);
  const rowIds = stringColumn(t, idi);
  const pi = findColumn(t, PLATE_NAMES);
  const plates = pi >= 0 ? stringColumn(t, pi).map((s) => s.toUpperCase()) : null;
  const byPlate = plates !== null && !!footprint.plate && plates.includes(footprint.plate.toUpperCase());
  const selection = byPlate ? `rows whose ${t.columns[pi].name} is ${footprint.plate}` : 'rows inside the plate footprint';
  const seen = new Set<string>();
  const sources: ScoreSource[] = [];
  let rows = 0;
  for (let i = 0; i < ras.length; i++) {
    if (!Number.isFinite(ras[i]) || !Number.isFinite(decs[i])) continue;
    const inside = byPlate ? plates![i] === footprint.plate!.toUpperCase() : footprint.contains(ras[i], decs[i]);
    if (!inside) continue;
    rows++;
    const key = `${t.rows[i][ri].trim()}|${t.rows[i][di].trim()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push({ ra: ras[i], dec: decs[i], id: rowIds[i] || `row ${i + 1}` });
  }
  const name = (i: number) => (i >= 0 ? t.columns[i].name : null);
  return { sources, rows, selection, format, columns: { ra: t.columns[ri].name, dec: t.columns[di].name, id: name(idi), plate: byPlate ? name(pi) : null } };
}

/** Recall, precision and F1 of `cands` against the published catalogue (a file, or one read already). */
export function scoreAgainstVasco(
  cands: TrackedSource[],
  vasco: string | PublishedCatalogue,
  footprint: Footprint,
  opts: { radiusArcsec?: number } = {},
): ScoreResult {
  const radius = opts.radiusArcsec ?? 5;
  const published = typeof vasco === 'string' ? readPublishedCatalogue(vasco, footprint) : vasco;
  const truth = published.sources;
  const candPts = { ra: cands.map((c) => c.ra), dec: cands.map((c) => c.dec) };
  const truthPts = { ra: truth.map((s) => s.ra), dec: truth.map((s) => s.dec) };
  const toCand = matchNearest(truthPts, candPts, radius);
  const toTruth = matchNearest(candPts, truthPts, radius);
  const missed: ScoreSource[] = [];
  let recovered = 0;
  truth.forEach((s, i) => {
    if (toCand.right[i] >= 0) recovered++;
    else missed.push(s);
  });
  const extra: ScoreSource[] = [];
  let confirmed = 0;
  cands.forEach((c, i) => {
    if (toTruth.right[i] >= 0) confirmed++;
    else extra.push({ ra: c.ra, dec: c.dec, id: String(c.id) });
  });
  const recall = truth.length ? recovered / truth.length : NaN;
  const precision = cands.length ? confirmed / cands.length : NaN;
  const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : NaN;
  return {
    radiusArcsec: radius,
    selection: published.selection,
    vascoRows: published.rows,
    vascoSources: truth.length,
    candidates: cands.length,
    recovered,
    confirmed,
    recall,
    precision,
    f1,
    missed,
    extra,
  };
}

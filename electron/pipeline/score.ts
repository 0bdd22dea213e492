/**
 * Score a run against the published VASCO catalogue (Solano et al. 2022): the
 * published rows inside this plate's footprint are the truth; a published
 * source is recovered when a candidate lies within the radius, a candidate is
 * confirmed when a published source does.
 */
import { readCsvFile } from '../core/csv';
import { UserError } from '../core/errors';
import { separationDeg } from '../astro/sphere';
import { DEC_NAMES, RA_NAMES, findColumn, numericColumn, stringColumn, tableFromCsv } from '../catalogs/table';
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

export function scoreAgainstVasco(cands: TrackedSource[], vascoFile: string, footprint: Footprint, opts: { radiusArcsec?: number } = {}): ScoreResult {
  const radius = opts.radiusArcsec ?? 5;
  const t = tableFromCsv(readCsvFile(vascoFile));
  const ri = findColumn(t, RA_NAMES);
  const di = findColumn(t, DEC_NAMES);
  if (ri < 0 || di < 0) {
    throw new UserError(
      `--vasco ${vascoFile}: no RA/Dec columns (columns: ${t.columns.map((c) => c.name).join(', ')})`,
      'give the SVO vanish-possi export (RA, Dec in degrees) or a CSV with ra/dec columns',
    );
  }
  const ras = numericColumn(t, ri);
  const decs = numericColumn(t, di);
  const rowIds = stringColumn(t, findColumn(t, ['mnras_row', 'recno', 'id', 'row']));
  const pi = findColumn(t, PLATE_NAMES);
  const plates = pi >= 0 ? stringColumn(t, pi).map((s) => s.toUpperCase()) : null;
  const byPlate = plates !== null && !!footprint.plate && plates.includes(footprint.plate.toUpperCase());
  const selection = byPlate ? `rows whose ${t.columns[pi].name} is ${footprint.plate}` : 'rows inside the plate footprint';
  const seen = new Set<string>();
  const truth: ScoreSource[] = [];
  let rows = 0;
  for (let i = 0; i < ras.length; i++) {
    if (!Number.isFinite(ras[i]) || !Number.isFinite(decs[i])) continue;
    const inside = byPlate ? plates![i] === footprint.plate!.toUpperCase() : footprint.contains(ras[i], decs[i]);
    if (!inside) continue;
    rows++;
    const key = `${t.rows[i][ri].trim()}|${t.rows[i][di].trim()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    truth.push({ ra: ras[i], dec: decs[i], id: rowIds[i] || `row ${i + 1}` });
  }
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
    selection,
    vascoRows: rows,
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

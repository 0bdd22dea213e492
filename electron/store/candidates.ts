/**
 * Candidate queries: a run's candidates filtered, sorted and paged (blind
 * mode hides other reviewers), one candidate in detail, and what lies in a
 * field of the sky (the position indexes).
 */
import { insideField } from '../astro/projection';
import { UserError } from '../core/errors';
import type { BlueDetection, LedgerEntry } from '../pipeline/types';
import type { StoreDb } from './database';
import { isReviewLabel, type ReviewLabel } from './labels';
import { historyEvent, LABEL_LIST, objectComments, reviewerId, type HistorySqlRow } from './reviews';
import type { CandidateDetail, CandidateQuery, CandidateRow, CounterpartRow, FieldContents, PlateFileRef, RangeColumn } from './types';

/** Columns a caller may sort by, and the SQL each stands for (never caller text). */
function sortExpression(column: string, blind: boolean, hasReviewer: boolean): string {
  const consensus = blind ? 'me.label' : 'o.consensus';
  const map: Record<string, string> = {
    id: 'c.id',
    sourceNumber: 's.number',
    ra: 's.ra',
    dec: 's.dec',
    x: 's.x',
    y: 's.y',
    mag: 's.mag',
    magErr: 's.mag_err',
    snr: 's.snr',
    fwhm: 's.fwhm',
    elongation: 's.elongation',
    spreadModel: 's.spread_model',
    flags: 's.flags',
    nearestBlueArcsec: 's.nearest_blue_arcsec',
    blueDetectionArcsec: 's.blue_det_arcsec',
    edgeDistancePx: 's.edge_distance_px',
    // A survey's plates are its runs, recorded in plan order.
    plate: 'c.run_id',
    consensus,
    myLabel: 'me.label',
    label: hasReviewer ? 'me.label' : consensus,
    reviews: blind ? '(me.label IS NOT NULL)' : 'o.n_labels',
  };
  const sql = map[column];
  if (!sql) {
    throw new UserError(`cannot sort candidates by "${column}"`, `sort by one of: ${Object.keys(map).join(', ')}`, 'bad-arguments');
  }
  return sql;
}

interface CandidateSqlRow {
  id: number;
  run_id: number;
  source_id: number;
  object_id: number;
  number: number;
  ra: number;
  dec: number;
  x: number;
  y: number;
  mag: number;
  mag_err: number;
  snr: number;
  fwhm: number;
  elongation: number;
  spread_model: number | null;
  flags: number;
  nearest_blue_arcsec: number | null;
  blue_det_number: number | null;
  blue_det_arcsec: number | null;
  blue_det_ra: number | null;
  blue_det_dec: number | null;
  blue_det_x: number | null;
  blue_det_y: number | null;
  blue_det_mag: number | null;
  blue_det_snr: number | null;
  blue_det_fwhm: number | null;
  blue_det_failed_cuts: string | null;
  edge_distance_px: number | null;
  centre_distance_deg: number | null;
  edge_distance_deg: number | null;
  plate: string;
  consensus: ReviewLabel | null;
  n_labels: number;
  my_label: ReviewLabel | null;
}

interface LedgerSqlRow {
  source_id: number;
  stage: string;
  reason: string;
  dropped: number;
  detail: string | null;
  distance_arcsec: number | null;
  counterpart: string | null;
  counterpart_mag: number | null;
}

interface PlateSqlRow {
  region: string;
  band: 'red' | 'blue';
  file: string;
  epoch_julian: number | null;
  header_sha256: string;
}

/** The columns a range filter (a plot's bin) may cut on. */
const RANGE_SQL: Record<RangeColumn, string> = { spreadModel: 's.spread_model', fwhm: 's.fwhm', mag: 's.mag', snr: 's.snr', elongation: 's.elongation' };

const CANDIDATE_COLUMNS = `SELECT c.id, c.run_id, c.source_id, s.object_id, s.number, s.ra, s.dec, s.x, s.y, s.mag, s.mag_err, s.snr,
  s.fwhm, s.elongation, s.spread_model, s.flags, s.nearest_blue_arcsec, s.blue_det_number, s.blue_det_arcsec, s.blue_det_ra,
  s.blue_det_dec, s.blue_det_x, s.blue_det_y, s.blue_det_mag, s.blue_det_snr, s.blue_det_fwhm, s.blue_det_failed_cuts,
  s.edge_distance_px, s.centre_distance_deg, s.edge_distance_deg, o.plate_region AS plate,
  o.consensus, o.n_labels, me.label AS my_label`;

/** The nearest blue detection columns (schema v5) as one value; null when none was recorded. */
function blueDetection(r: CandidateSqlRow): BlueDetection | null {
  if (r.blue_det_number === null || r.blue_det_arcsec === null) return null;
  return {
    id: r.blue_det_number,
    distanceArcsec: r.blue_det_arcsec,
    ra: r.blue_det_ra ?? NaN,
    dec: r.blue_det_dec ?? NaN,
    x: r.blue_det_x ?? NaN,
    y: r.blue_det_y ?? NaN,
    mag: r.blue_det_mag ?? NaN,
    snr: r.blue_det_snr ?? NaN,
    fwhm: r.blue_det_fwhm ?? NaN,
    failedCuts: (r.blue_det_failed_cuts ?? '').split(' ').filter(Boolean),
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function plateRef(p: PlateSqlRow): PlateFileRef {
  return { region: p.region, band: p.band, file: p.file, epochJulian: p.epoch_julian, headerSha256: p.header_sha256 };
}

/**
 * RA/Dec ranges holding every point within radiusDeg of (ra0, dec0); a second
 * RA range where the first wraps through 0h (empty otherwise), all RA at a pole.
 */
function skyBox(ra0: number, dec0: number, radiusDeg: number) {
  const decMin = dec0 - radiusDeg;
  const decMax = dec0 + radiusDeg;
  const none = { raMin2: 1, raMax2: 0 };
  if (decMin <= -90 || decMax >= 90) return { decMin, decMax, raMin: 0, raMax: 360, ...none };
  const rad = Math.PI / 180;
  const s = Math.sin(radiusDeg * rad) / Math.cos(dec0 * rad);
  if (s >= 1) return { decMin, decMax, raMin: 0, raMax: 360, ...none };
  const dRa = Math.asin(s) / rad;
  const lo = ra0 - dRa;
  const hi = ra0 + dRa;
  if (lo < 0) return { decMin, decMax, raMin: 0, raMax: hi, raMin2: lo + 360, raMax2: 360 };
  if (hi > 360) return { decMin, decMax, raMin: lo, raMax: 360, raMin2: 0, raMax2: hi - 360 };
  return { decMin, decMax, raMin: lo, raMax: hi, ...none };
}

export function listCandidates(s: StoreDb, q: CandidateQuery): { total: number; rows: CandidateRow[]; located?: number | null } {
  return s.read(() => {
    const blind = !!q.blind;
    if (blind && !q.reviewer) {
      throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
    }
    if ((q.runId === undefined) === (q.runIds === undefined))
      throw new UserError('candidates of which run?', 'give either one run (runId) or a list of runs (runIds)', 'bad-arguments');
    const params: Record<string, unknown> = { meId: reviewerId(s, q.reviewer) ?? -1 };
    const where: string[] = [];
    if (q.runIds) (params.runIds = JSON.stringify(q.runIds)), where.push('c.run_id IN (SELECT value FROM json_each(@runIds))');
    else (params.runId = q.runId), where.push('c.run_id = @runId');
    const joins: string[] = [];
    const f = q.filter ?? {};
    if (f.labels?.length) {
      let target = blind ? 'me.label' : 'o.consensus';
      if (f.reviewer && f.reviewer !== q.reviewer) {
        if (blind) throw new UserError('blind mode hides other reviewers\' labels', 'turn blind mode off to filter by another reviewer\'s labels', 'bad-arguments');
        params.filterReviewerId = reviewerId(s, f.reviewer) ?? -1;
        joins.push('LEFT JOIN current_labels fr ON fr.object_id = s.object_id AND fr.reviewer_id = @filterReviewerId');
        target = 'fr.label';
      } else if (f.reviewer) {
        target = 'me.label';
      }
      const named = f.labels.filter((l) => l !== 'unreviewed');
      for (const l of named) if (!isReviewLabel(l)) throw new UserError(`unknown label "${l}"`, `use one of: ${LABEL_LIST}, unreviewed`, 'bad-arguments');
      const parts: string[] = [];
      if (named.length) {
        params.labels = JSON.stringify(named);
        parts.push(`${target} IN (SELECT value FROM json_each(@labels))`);
      }
      if (named.length !== f.labels.length) parts.push(`${target} IS NULL`);
      where.push(`(${parts.join(' OR ')})`);
    }
    if (f.reasons?.length) {
      params.reasons = JSON.stringify(f.reasons);
      where.push('EXISTS (SELECT 1 FROM ledger l WHERE l.source_id = s.id AND l.reason IN (SELECT value FROM json_each(@reasons)))');
    }
    if (f.text?.trim()) {
      params.text = f.text.trim();
      params.like = likePattern(f.text.trim());
      where.push(`(CAST(c.id AS TEXT) = @text OR CAST(s.number AS TEXT) = @text
        OR EXISTS (SELECT 1 FROM ledger l WHERE l.source_id = s.id
                   AND (l.reason LIKE @like ESCAPE '\\' OR l.detail LIKE @like ESCAPE '\\' OR l.counterpart LIKE @like ESCAPE '\\'))
        OR EXISTS (SELECT 1 FROM reviews r WHERE r.object_id = s.object_id AND r.note LIKE @like ESCAPE '\\'
                   ${blind ? 'AND r.reviewer_id = @meId' : ''})
        OR EXISTS (SELECT 1 FROM comments m WHERE m.object_id = s.object_id AND m.body LIKE @like ESCAPE '\\'
                   ${blind ? 'AND m.reviewer_id = @meId' : ''}))`);
    }
    if (f.magMin !== undefined) (params.magMin = f.magMin), where.push('s.mag >= @magMin');
    if (f.magMax !== undefined) (params.magMax = f.magMax), where.push('s.mag <= @magMax');
    if (f.snrMin !== undefined) (params.snrMin = f.snrMin), where.push('s.snr >= @snrMin');
    if (f.range) {
      const column = RANGE_SQL[f.range.column];
      if (!column) throw new UserError(`cannot filter candidates by a range of "${f.range.column}"`, `use one of: ${Object.keys(RANGE_SQL).join(', ')}`, 'bad-arguments');
      params.rangeMin = f.range.min;
      params.rangeMax = f.range.max;
      where.push(`(${column} >= @rangeMin AND ${column} < @rangeMax)`);
    }

    const from = `FROM candidates c
      JOIN sources s ON s.id = c.source_id
      JOIN objects o ON o.id = s.object_id
      LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
      ${joins.join('\n')}
      WHERE ${where.join(' AND ')}`;
    const total = (s.db.prepare(`SELECT COUNT(*) AS n ${from}`).get(params) as { n: number }).n;
    const sort = q.sort ?? { column: 'id' };
    const expr = sortExpression(sort.column, blind, !!q.reviewer);
    const dir = sort.desc ? 'DESC' : 'ASC';
    const order = `ORDER BY (${expr}) IS NULL, ${expr} ${dir}, c.id ${dir}`;
    let located: number | null | undefined;
    if (q.locate !== undefined) {
      // Where a candidate sits in this order (0-based), so a selection can follow a re-sort.
      params.locate = q.locate;
      const hit = s.db
        .prepare(`SELECT pos FROM (SELECT c.id AS id, ROW_NUMBER() OVER (${order}) - 1 AS pos ${from}) WHERE id = @locate`)
        .get(params) as { pos: number } | undefined;
      located = hit ? hit.pos : null;
    }
    params.limit = q.limit === undefined ? -1 : Math.max(0, Math.floor(q.limit));
    params.offset = Math.max(0, Math.floor(q.offset ?? 0));
    const rows = s.db
      .prepare(`${CANDIDATE_COLUMNS} ${from} ${order} LIMIT @limit OFFSET @offset`)
      .all(params) as CandidateSqlRow[];
    return { total, rows: candidateRows(s, rows, blind), ...(located !== undefined ? { located } : {}) };
  });
}

export function getCandidate(s: StoreDb, id: number, opts: { reviewer?: string; blind?: boolean } = {}): CandidateDetail {
  return s.read(() => {
    const blind = !!opts.blind;
    if (blind && !opts.reviewer) {
      throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
    }
    const meId = reviewerId(s, opts.reviewer) ?? -1;
    const r = s.db
      .prepare(
        `${CANDIDATE_COLUMNS} FROM candidates c
         JOIN sources s ON s.id = c.source_id
         JOIN objects o ON o.id = s.object_id
         LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
         WHERE c.id = @id`,
      )
      .get({ id, meId }) as CandidateSqlRow | undefined;
    if (!r) throw new UserError(`candidate ${id} is not in ${s.file}`, 'pick a candidate from the list of a recorded run', 'not-found');
    const platesOf = (column: 'red_plate_id' | 'blue_plate_id') =>
      s.db
        .prepare(`SELECT p.region, p.band, p.file, p.epoch_julian, p.header_sha256 FROM runs r JOIN plates p ON p.id = r.${column} WHERE r.id = ?`)
        .get(r.run_id) as PlateSqlRow | undefined;
    const red = platesOf('red_plate_id')!;
    const blue = platesOf('blue_plate_id');
    const history = (
      s.db
        .prepare(`SELECT * FROM review_history WHERE object_id = @objectId ${blind ? 'AND reviewer_id = @meId' : ''} ORDER BY id`)
        .all({ objectId: r.object_id, meId }) as HistorySqlRow[]
    ).map(historyEvent);
    const comments = objectComments(s, r.object_id, blind ? meId : null);
    return { row: candidateRows(s, [r], blind)[0], plates: { red: plateRef(red), blue: blue ? plateRef(blue) : null }, history, comments };
  });
}

function candidateRows(s: StoreDb, rows: CandidateSqlRow[], blind: boolean): CandidateRow[] {
  const ledgers = new Map<number, LedgerEntry[]>();
  if (rows.length) {
    const entries = s.db
      .prepare('SELECT * FROM ledger WHERE source_id IN (SELECT value FROM json_each(?)) ORDER BY source_id, seq')
      .all(JSON.stringify(rows.map((r) => r.source_id))) as LedgerSqlRow[];
    for (const e of entries) {
      const entry: LedgerEntry = { stage: e.stage, reason: e.reason, dropped: e.dropped === 1 };
      if (e.detail !== null) entry.detail = e.detail;
      if (e.distance_arcsec !== null) entry.distanceArcsec = e.distance_arcsec;
      if (e.counterpart !== null) entry.counterpart = e.counterpart;
      if (e.counterpart_mag !== null) entry.counterpartMag = e.counterpart_mag;
      let list = ledgers.get(e.source_id);
      if (!list) ledgers.set(e.source_id, (list = []));
      list.push(entry);
    }
  }
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    sourceNumber: r.number,
    ra: r.ra,
    dec: r.dec,
    x: r.x,
    y: r.y,
    mag: r.mag,
    magErr: r.mag_err,
    snr: r.snr,
    fwhm: r.fwhm,
    elongation: r.elongation,
    spreadModel: r.spread_model,
    flags: r.flags,
    nearestBlueArcsec: r.nearest_blue_arcsec,
    nearestBlueDetection: blueDetection(r),
    edgeDistancePx: r.edge_distance_px,
    centreDistanceDeg: r.centre_distance_deg,
    edgeDistanceDeg: r.edge_distance_deg,
    plate: r.plate,
    ledger: ledgers.get(r.source_id) ?? [],
    consensus: blind ? null : r.consensus,
    myLabel: r.my_label,
    reviews: blind ? (r.my_label ? 1 : 0) : r.n_labels,
  }));
}

/**
 * A run's candidates and catalogue counterparts inside the gnomonic square
 * of half-side halfSizeDeg about (ra0, dec0), for the sky view: a box on the
 * position indexes in SQL, then the exact square.
 */
export function fieldContents(s: StoreDb, runId: number, ra0: number, dec0: number, halfSizeDeg: number): FieldContents {
  const box = skyBox(ra0, dec0, halfSizeDeg * Math.SQRT2);
  const params = { runId, ...box };
  const where = (t: string) =>
    `${t}.run_id = @runId AND ${t}.dec BETWEEN @decMin AND @decMax AND (${t}.ra BETWEEN @raMin AND @raMax OR ${t}.ra BETWEEN @raMin2 AND @raMax2)`;
  const inside = (p: { ra: number; dec: number }) => insideField(p.ra, p.dec, ra0, dec0, halfSizeDeg);
  return s.read(() => {
    const candidates = s.db
      .prepare(`SELECT c.id, s.ra, s.dec FROM sources s JOIN candidates c ON c.source_id = s.id WHERE ${where('s')} ORDER BY c.id`)
      .all(params) as { id: number; ra: number; dec: number }[];
    // One entry per catalogue object (two plate sources may share it): the nearest match's.
    const counterparts = s.db
      .prepare(
        `SELECT k.catalogue, k.catalogue_object AS catalogueObject, k.ra, k.dec, s.number AS sourceNumber,
                MIN(COALESCE(k.distance_arcsec, 1e99)) AS d, k.distance_arcsec AS distanceArcsec, k.mag
         FROM counterparts k JOIN sources s ON s.id = k.source_id
         WHERE ${where('k')} GROUP BY k.catalogue, k.ra, k.dec ORDER BY k.id`,
      )
      .all(params) as (CounterpartRow & { d?: number })[];
    return {
      candidates: candidates.filter(inside),
      counterparts: counterparts.filter(inside).map(({ d: _, ...c }) => c),
    };
  });
}

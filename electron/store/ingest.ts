/**
 * Recording a finished run: its plates, every red source with its ledger, the
 * catalogue counterparts the ledger names, the candidates, and which earlier
 * objects (and so reviews) the new sources are.
 */
import { resolve } from 'node:path';
import { UserError } from '../core/errors';
import { matchNearest } from '../match/sky-match';
import { readPublishedCsv } from '../pipeline/published-audit';
import type { LedgerEntry, PlateSummary, PublishedAuditRow, RunSummary, TrackedSource } from '../pipeline/types';
import type { StoreDb } from './database';

/** Sources of a re-run within this distance of an earlier one are the same object. */
export const REATTACH_RADIUS_ARCSEC = 1;

/**
 * One red source as the store reads it: its measures and its ledger (whose
 * catalogue entries carry the counterparts' positions). A pipeline row
 * accessor may hand these out one at a time.
 */
export type RecordedSource = Omit<TrackedSource, 'ledger'> & { ledger?: readonly LedgerEntry[] };

/** What recordRun reads: the run's summary, its sources and its survivors. */
export interface RecordRunRows {
  summary: RunSummary;
  /** Every red source of the run, with its ledger; iterated twice (positions, then rows), never copied. */
  red: Iterable<RecordedSource>;
  /** The survivors (also present in `red`, matched by SExtractor NUMBER; their records win). */
  candidates: Iterable<RecordedSource>;
  outDir: string;
  /** The published-source audit; default: DIR/published.csv when summary.published says there is one. */
  published?: PublishedAuditRow[];
}

/** RecordRunRows as plain arrays (tests and fixtures build these). */
export interface RecordRunInput extends RecordRunRows {
  red: TrackedSource[];
  candidates: TrackedSource[];
}

/** What a pipeline run hands over (RunResult's shape): rows made one at a time, as often as asked. */
export interface PipelineRunRecord {
  summary: RunSummary;
  sourceRows(): Iterable<RecordedSource>;
  candidateRows(): Iterable<RecordedSource>;
}

export interface RecordRunResult {
  runId: number;
  /** The run was already recorded (same output folder and summary.runKey): runId is that run, nothing was added. */
  alreadyRecorded: boolean;
  /** Current labels (one per reviewer and object) whose object has a source in this run. */
  reattached: number;
  /** Current labels whose object has no source within 1" in this run (the plate's earlier objects only). */
  orphanedReviews: { reviewId: number; ra: number; dec: number }[];
  /** Reattached labels whose source is in this run but is no longer a candidate, and what dropped it. */
  reviewedNotCandidate: { reviewId: number; sourceNumber: number; droppedBy: string | null }[];
}

function nullIfUndefined<T>(v: T | undefined): T | null {
  return v === undefined ? null : v;
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Every source's sky position in recording order (the red list, then
 * candidates missing from it), refusing a source without a valid position.
 */
function sourcePositions(red: Iterable<RecordedSource>, candidates: Map<number, RecordedSource>): { ra: Float64Array; dec: Float64Array } {
  let ra = new Float64Array(1024);
  let dec = new Float64Array(1024);
  let n = 0;
  const add = (s: RecordedSource) => {
    if (!Number.isFinite(s.ra) || !Number.isFinite(s.dec) || Math.abs(s.dec) > 90 || !Number.isFinite(s.x) || !Number.isFinite(s.y)) {
      throw new UserError(
        `cannot record source ${s.id}: it has no valid position (ra=${s.ra}, dec=${s.dec}, x=${s.x}, y=${s.y})`,
        'this is a bug in the pipeline (every recorded source needs a sky and pixel position)',
        'bad-arguments',
      );
    }
    if (n === ra.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      ra = grow(ra);
      dec = grow(dec);
    }
    ra[n] = s.ra;
    dec[n] = s.dec;
    n++;
  };
  const seen = new Set<number>();
  for (const s of red) {
    seen.add(s.id);
    add(candidates.get(s.id) ?? s);
  }
  for (const c of candidates.values()) if (!seen.has(c.id)) add(c);
  return { ra: ra.subarray(0, n), dec: dec.subarray(0, n) };
}

/** Smallest counterpart distance among ledger entries whose reason matches. */
function nearestDistance(ledger: readonly LedgerEntry[], reason: RegExp): number | null {
  let best: number | null = null;
  for (const e of ledger) {
    if (reason.test(e.reason) && typeof e.distanceArcsec === 'number' && Number.isFinite(e.distanceArcsec)) {
      if (best === null || e.distanceArcsec < best) best = e.distanceArcsec;
    }
  }
  return best;
}

export function recordRun(s: StoreDb, input: RecordRunRows): RecordRunResult {
  const { summary, outDir } = input;
  const region = summary.plates?.red?.region;
  if (!region) throw new UserError('cannot record a run without a red plate in its summary', 'this is a bug in the pipeline', 'bad-arguments');
  // Candidates are few: their own records (final ledgers) are kept by number; the red list is read twice, never copied.
  const candidates = new Map<number, RecordedSource>();
  for (const c of input.candidates) candidates.set(c.id, c);
  const positions = sourcePositions(input.red, candidates);
  const rows = function* (): Iterable<RecordedSource> {
    const seen = new Set<number>();
    for (const s of input.red) {
      seen.add(s.id);
      yield candidates.get(s.id) ?? s;
    }
    for (const c of candidates.values()) if (!seen.has(c.id)) yield c;
  };
  return s.write('record a run in', () => {
    // The same command run again (same plates by content, same parameters, same folder) is the same run.
    if (summary.runKey) {
      const same = s.db
        .prepare(`SELECT id FROM runs WHERE out_dir = ? AND json_extract(summary_json, '$.runKey') = ? ORDER BY id LIMIT 1`)
        .get(resolve(outDir), summary.runKey) as { id: number } | undefined;
      if (same) return { runId: same.id, alreadyRecorded: true, ...reattachmentReport(s, region, same.id) };
    }
    const redPlateId = upsertPlate(s, summary.plates.red);
    const bluePlateId = summary.plates.blue ? upsertPlate(s, summary.plates.blue) : null;
    const runId = Number(
      s.db
        .prepare(
          `INSERT INTO runs (created_utc, app_version, started_utc, finished_utc, mode, out_dir, red_plate_id, blue_plate_id,
             candidates, parameters_json, tools_json, stages_json, summary_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          new Date().toISOString(),
          summary.app?.version ?? 'unknown',
          summary.startedUtc ?? null,
          summary.finishedUtc ?? null,
          summary.mode,
          resolve(outDir),
          redPlateId,
          bluePlateId,
          candidates.size,
          JSON.stringify(summary.parameters ?? {}),
          JSON.stringify(summary.tools ?? {}),
          JSON.stringify(summary.stages ?? []),
          JSON.stringify(summary),
        ).lastInsertRowid,
    );

    const objectIds = assignObjects(s, region, positions, runId);
    const insertSource = s.db.prepare(
      `INSERT INTO sources (run_id, number, object_id, x, y, ra, dec, flux, flux_err, mag, mag_err, snr, fwhm, elongation,
         flags, spread_model, spread_model_err, xmin, xmax, ymin, ymax, class_star, background,
         nearest_blue_arcsec, nearest_gaia_arcsec, nearest_ps1_arcsec, dropped_stage, dropped_reason,
         blue_det_number, blue_det_arcsec, blue_det_ra, blue_det_dec, blue_det_x, blue_det_y, blue_det_mag, blue_det_snr,
         blue_det_fwhm, blue_det_failed_cuts, edge_distance_px, centre_distance_deg, edge_distance_deg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertLedger = s.db.prepare(
      `INSERT INTO ledger (source_id, seq, stage, reason, dropped, detail, distance_arcsec, counterpart, counterpart_mag)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCounterpart = s.db.prepare(
      `INSERT INTO counterparts (run_id, source_id, stage, catalogue, catalogue_object, ra, dec, distance_arcsec, mag)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCandidate = s.db.prepare('INSERT INTO candidates (run_id, source_id) VALUES (?, ?)');
    const sourceIds = new Map<number, number>();
    let i = 0;
    for (const s of rows()) {
      const ledger = s.ledger ?? [];
      const dropped = ledger.find((e) => e.dropped);
      const b = s.nearestBlueDetection;
      const sourceId = Number(
        insertSource.run(
          runId, s.id, objectIds[i++], s.x, s.y, s.ra, s.dec,
          finiteOrNull(s.flux), finiteOrNull(s.fluxErr), finiteOrNull(s.mag), finiteOrNull(s.magErr), finiteOrNull(s.snr),
          finiteOrNull(s.fwhm), finiteOrNull(s.elongation), s.flags ?? 0,
          finiteOrNull(s.spreadModel), finiteOrNull(s.spreadModelErr),
          nullIfUndefined(s.xmin), nullIfUndefined(s.xmax), nullIfUndefined(s.ymin), nullIfUndefined(s.ymax),
          finiteOrNull(s.classStar), finiteOrNull(s.background),
          finiteOrNull(s.nearestBlueArcsec), nearestDistance(ledger, /gaia/i), nearestDistance(ledger, /ps1|panstarrs/i),
          dropped?.stage ?? null, dropped?.reason ?? null,
          b ? b.id : null, finiteOrNull(b?.distanceArcsec), finiteOrNull(b?.ra), finiteOrNull(b?.dec), finiteOrNull(b?.x), finiteOrNull(b?.y),
          finiteOrNull(b?.mag), finiteOrNull(b?.snr), finiteOrNull(b?.fwhm), b ? b.failedCuts.join(' ') : null,
          finiteOrNull(s.edgeDistancePx), finiteOrNull(s.centreDistanceDeg), finiteOrNull(s.edgeDistanceDeg),
        ).lastInsertRowid,
      );
      ledger.forEach((e, seq) => {
        insertLedger.run(
          sourceId, seq, e.stage, e.reason, e.dropped ? 1 : 0, nullIfUndefined(e.detail),
          finiteOrNull(e.distanceArcsec), nullIfUndefined(e.counterpart), finiteOrNull(e.counterpartMag),
        );
        const ra = finiteOrNull(e.counterpartRa);
        const dec = finiteOrNull(e.counterpartDec);
        if (ra !== null && dec !== null) {
          insertCounterpart.run(
            runId, sourceId, e.stage, e.reason, nullIfUndefined(e.counterpart), ra, dec, finiteOrNull(e.distanceArcsec), finiteOrNull(e.counterpartMag),
          );
        }
      });
      if (candidates.has(s.id)) insertCandidate.run(runId, sourceId);
      sourceIds.set(s.id, sourceId);
    }
    recordPublishedAudit(s, runId, publishedRows(input), sourceIds);

    return { runId, alreadyRecorded: false, ...reattachmentReport(s, region, runId) };
  });
}

/** The run's published-source audit: given, or read from DIR/published.csv when the summary says the run made one. */
function publishedRows(input: RecordRunRows): PublishedAuditRow[] {
  if (input.published) return input.published;
  return input.summary.published ? readPublishedCsv(resolve(input.outDir, 'published.csv')) : [];
}

/** published_sources rows (schema v7), each tied to the recorded red source it was matched to. */
function recordPublishedAudit(s: StoreDb, runId: number, rows: PublishedAuditRow[], sourceIds: Map<number, number>): void {
  const insert = s.db.prepare(
    `INSERT INTO published_sources (run_id, seq, published_id, ra, dec, stage, detail, source_id, source_number, separation_arcsec,
       blue_det_number, blue_det_arcsec, blue_det_mag)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  rows.forEach((r, seq) => {
    insert.run(
      runId, seq, r.id, r.ra, r.dec, r.stage, nullIfUndefined(r.detail),
      r.sourceId === null ? null : (sourceIds.get(r.sourceId) ?? null), r.sourceId, finiteOrNull(r.separationArcsec),
      r.blueDetectionId, finiteOrNull(r.blueDetectionArcsec), finiteOrNull(r.blueDetectionMag),
    );
  });
}

function upsertPlate(s: StoreDb, p: PlateSummary): number {
  const row = s.db
    .prepare(
      `INSERT INTO plates (region, survey, band, plate_id, epoch_julian, mid_utc, date_obs_raw, exposure_minutes,
         pixel_scale_arcsec, naxis1, naxis2, header_sha256, file)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (header_sha256) DO UPDATE SET file = excluded.file
       RETURNING id`,
    )
    .get(
      p.region, p.survey, p.band, p.plateId ?? null, finiteOrNull(p.epochJulian), p.midUtc ?? null, p.dateObsRaw ?? null,
      finiteOrNull(p.exposureMinutes), p.pixelScaleArcsec, p.naxis1, p.naxis2, p.headerSha256, resolve(p.file),
    ) as { id: number };
  return row.id;
}

/**
 * The object each source is: the nearest existing object of this plate within
 * 1" (the closest source wins when two claim one), else a new object.
 */
function assignObjects(s: StoreDb, region: string, sources: { ra: Float64Array; dec: Float64Array }, runId: number): number[] {
  const existing = s.db.prepare('SELECT id, ra, dec FROM objects WHERE plate_region = ?').all(region) as {
    id: number; ra: number; dec: number;
  }[];
  const n = sources.ra.length;
  const ids = new Array<number>(n).fill(-1);
  if (existing.length) {
    const m = matchNearest(
      sources,
      { ra: existing.map((o) => o.ra), dec: existing.map((o) => o.dec) },
      REATTACH_RADIUS_ARCSEC,
    );
    const claimedBy = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const r = m.right[i];
      if (r < 0) continue;
      const prev = claimedBy.get(r);
      if (prev === undefined || m.separationArcsec[i] < m.separationArcsec[prev]) claimedBy.set(r, i);
    }
    for (const [r, i] of claimedBy) ids[i] = existing[r].id;
  }
  const insertObject = s.db.prepare('INSERT INTO objects (plate_region, ra, dec, first_run_id) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < n; i++) {
    if (ids[i] < 0) ids[i] = Number(insertObject.run(region, sources.ra[i], sources.dec[i], runId).lastInsertRowid);
  }
  return ids;
}

function reattachmentReport(s: StoreDb, region: string, runId: number): Omit<RecordRunResult, 'runId' | 'alreadyRecorded'> {
  const rows = s.db
    .prepare(
      `SELECT cl.review_id, o.ra, o.dec, s.number, s.dropped_stage, s.dropped_reason,
              (c.id IS NOT NULL) AS is_candidate, (s.id IS NOT NULL) AS has_source
       FROM current_labels cl
       JOIN objects o ON o.id = cl.object_id
       LEFT JOIN sources s ON s.object_id = o.id AND s.run_id = @runId
       LEFT JOIN candidates c ON c.source_id = s.id
       WHERE o.plate_region = @region AND o.first_run_id <> @runId
       ORDER BY cl.review_id`,
    )
    .all({ runId, region }) as {
    review_id: number; ra: number; dec: number; number: number | null; dropped_stage: string | null;
    dropped_reason: string | null; is_candidate: number; has_source: number;
  }[];
  const report: Omit<RecordRunResult, 'runId' | 'alreadyRecorded'> = { reattached: 0, orphanedReviews: [], reviewedNotCandidate: [] };
  for (const r of rows) {
    if (!r.has_source) {
      report.orphanedReviews.push({ reviewId: r.review_id, ra: r.ra, dec: r.dec });
      continue;
    }
    report.reattached++;
    if (!r.is_candidate) {
      report.reviewedNotCandidate.push({
        reviewId: r.review_id,
        sourceNumber: r.number!,
        droppedBy: r.dropped_stage ? `${r.dropped_stage}:${r.dropped_reason}` : null,
      });
    }
  }
  return report;
}

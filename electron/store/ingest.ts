/**
 * Recording a finished run: its plates, every red source with its ledger, the
 * catalogue counterparts the ledger names, the candidates, and which earlier
 * objects (and so reviews) the new sources are.
 */
import { hostname } from 'node:os';
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

/**
 * A run being recorded, in many short write transactions rather than one
 * long one, so that a reviewer's flag written meanwhile (another process, the
 * same file) waits milliseconds, not the seconds a 100k-source plate takes.
 *
 * Until finish() the run is hidden: its runs row carries a `recording` marker
 * (who records it) that every listing of runs leaves out, and its candidates
 * are written last, so nothing of it can be seen or reviewed half-written. A
 * recording whose process died is deleted by the next recording (see
 * discardStaleRecordings); one of the same plate region still in progress
 * makes another wait (objects are matched to the region's earlier ones).
 */
export class RunRecording {
  private readonly candidates = new Map<number, RecordedSource>();
  private readonly positions: { ra: Float64Array; dec: Float64Array };
  private readonly region: string;
  /** Earlier object id per source (recording order), -1: a new object. */
  private existing: Int32Array = new Int32Array(0);
  private rowsLeft: Iterator<RecordedSource> | null = null;
  private next = 0;
  private runId = -1;
  private readonly sourceIds = new Map<number, number>();

  constructor(
    private readonly s: StoreDb,
    private readonly input: RecordRunRows,
  ) {
    const region = input.summary.plates?.red?.region;
    if (!region) throw new UserError('cannot record a run without a red plate in its summary', 'this is a bug in the pipeline', 'bad-arguments');
    this.region = region;
    // Candidates are few: their own records (final ledgers) are kept by number; the red list is read twice, never copied.
    for (const c of input.candidates) this.candidates.set(c.id, c);
    this.positions = sourcePositions(input.red, this.candidates);
  }

  /**
   * Claims the run: its plates and a hidden runs row. Returns the earlier run
   * when this one is already recorded (same folder, same runKey); throws a
   * UserError coded 'recording-busy' while another process records this
   * region (try again later).
   */
  begin(): RecordRunResult | null {
    const { s, input, region } = this;
    const { summary } = input;
    const outDir = resolve(input.outDir);
    // The same command run again (same plates by content, same parameters, same folder) is the same run.
    const sameRun = () => (summary.runKey ? recordedRun(s, outDir, summary.runKey) : undefined);
    const recorded = (id: number): RecordRunResult => ({ runId: id, alreadyRecorded: true, ...reattachmentReport(s, region, id) });
    const before = s.read(() => {
      const same = sameRun();
      return same && same.recording === null ? recorded(same.id) : null;
    });
    if (before) return before;
    for (;;) {
      // Matching against the region's earlier objects is the slow part: done outside the write lock, then checked unchanged.
      const seen = s.read(() => this.matchEarlierObjects());
      const claimed = s.write('record a run in', (): RecordRunResult | null | 'changed' => {
        discardStaleRecordings(s);
        const same = sameRun();
        if (same && same.recording === null) return recorded(same.id);
        if (same) throw busy(s, `run ${outDir} is being recorded by ${describeMarker(same.recording!)}`);
        const other = s.db
          .prepare(`SELECT r.recording FROM runs r JOIN plates p ON p.id = r.red_plate_id WHERE r.recording IS NOT NULL AND p.region = ? LIMIT 1`)
          .get(region) as { recording: string } | undefined;
        if (other) throw busy(s, `another run of plate ${region} is being recorded by ${describeMarker(other.recording)}`);
        if (objectsVersion(s, region) !== seen) return 'changed';
        const redPlateId = upsertPlate(s, summary.plates.red);
        const bluePlateId = summary.plates.blue ? upsertPlate(s, summary.plates.blue) : null;
        this.runId = Number(
          s.db
            .prepare(
              `INSERT INTO runs (created_utc, app_version, started_utc, finished_utc, mode, out_dir, red_plate_id, blue_plate_id,
                 candidates, parameters_json, tools_json, stages_json, summary_json, recording)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              new Date().toISOString(), summary.app?.version ?? 'unknown', summary.startedUtc ?? null, summary.finishedUtc ?? null,
              summary.mode, outDir, redPlateId, bluePlateId, this.candidates.size,
              JSON.stringify(summary.parameters ?? {}), JSON.stringify(summary.tools ?? {}), JSON.stringify(summary.stages ?? []),
              JSON.stringify(summary), JSON.stringify(ownMarker()),
            ).lastInsertRowid,
        );
        return null;
      });
      if (claimed !== 'changed') {
        if (claimed) return claimed;
        const candidates = this.candidates;
        const red = this.input.red;
        this.rowsLeft = (function* (): Generator<RecordedSource> {
          const seenIds = new Set<number>();
          for (const r of red) {
            seenIds.add(r.id);
            yield candidates.get(r.id) ?? r;
          }
          for (const c of candidates.values()) if (!seenIds.has(c.id)) yield c;
        })();
        return null;
      }
    }
  }

  /** Records up to `count` more sources (one transaction); false once every source is in. */
  step(count: number): boolean {
    const it = this.rowsLeft;
    if (!it) throw new Error('RunRecording.step before begin()');
    const { s, runId } = this;
    return s.write('record a run in', () => {
      const st = statements(s);
      for (let k = 0; k < count; k++) {
        const got = it.next();
        if (got.done) return false;
        const src = got.value;
        const i = this.next++;
        const objectId = this.existing[i] >= 0
          ? this.existing[i]
          : Number(st.object.run(this.region, this.positions.ra[i], this.positions.dec[i], runId).lastInsertRowid);
        this.sourceIds.set(src.id, insertSourceRows(st, runId, objectId, src));
      }
      return this.next < this.positions.ra.length;
    });
  }

  /** The candidates and the published audit, and the run made visible (one transaction). */
  finish(): RecordRunResult {
    const { s, runId } = this;
    return s.write('record a run in', () => {
      const insertCandidate = s.db.prepare('INSERT INTO candidates (run_id, source_id) VALUES (?, ?)');
      for (const id of this.candidates.keys()) insertCandidate.run(runId, this.sourceIds.get(id)!);
      recordPublishedAudit(s, runId, publishedRows(this.input), this.sourceIds);
      s.db.prepare('UPDATE runs SET recording = NULL WHERE id = ?').run(runId);
      return { runId, alreadyRecorded: false, ...reattachmentReport(s, this.region, runId) };
    });
  }

  /** Deletes what was written of this run (after a failure part-way). */
  discard(): void {
    if (this.runId >= 0) discardRun(this.s, this.runId);
  }

  /** Earlier object per source (closest source wins an object); the region's objects version it was made from. */
  private matchEarlierObjects(): string {
    const { s, region, positions } = this;
    const earlier = s.db.prepare('SELECT id, ra, dec FROM objects WHERE plate_region = ?').all(region) as { id: number; ra: number; dec: number }[];
    const n = positions.ra.length;
    const ids = new Int32Array(n).fill(-1);
    if (earlier.length) {
      const m = matchNearest(positions, { ra: earlier.map((o) => o.ra), dec: earlier.map((o) => o.dec) }, REATTACH_RADIUS_ARCSEC);
      const claimedBy = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const r = m.right[i];
        if (r < 0) continue;
        const prev = claimedBy.get(r);
        if (prev === undefined || m.separationArcsec[i] < m.separationArcsec[prev]) claimedBy.set(r, i);
      }
      for (const [r, i] of claimedBy) ids[i] = earlier[r].id;
    }
    this.existing = ids;
    return objectsVersion(s, region);
  }
}

/** Sources per transaction when recording without pauses (tests, fixtures). */
const UNPACED_CHUNK = 5000;

/** Records a run at once (its transactions back to back): for callers with nobody else writing. */
export function recordRun(s: StoreDb, input: RecordRunRows): RecordRunResult {
  const r = new RunRecording(s, input);
  const done = r.begin();
  if (done) return done;
  try {
    while (r.step(UNPACED_CHUNK));
    return r.finish();
  } catch (err) {
    r.discard();
    throw err;
  }
}

/**
 * How a recording shares the file: each transaction aims at `sliceMs`, and
 * after each the lock is left free at least as long as it was held (and at
 * least `minPauseMs`), so a waiting writer gets in between. A region being
 * recorded by another process is waited for up to `patienceMs`.
 */
export interface RecordingPace {
  sliceMs: number;
  minPauseMs: number;
  patienceMs: number;
}

const DEFAULT_PACE: RecordingPace = { sliceMs: 8, minPauseMs: 4, patienceMs: 10 * 60_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records a run in short transactions with pauses between: the way a run process records, with reviewers at work. */
export async function recordRunPaced(s: StoreDb, input: RecordRunRows, pace: RecordingPace = DEFAULT_PACE): Promise<RecordRunResult> {
  const r = new RunRecording(s, input);
  const deadline = Date.now() + pace.patienceMs;
  let done: RecordRunResult | null;
  for (;;) {
    try {
      done = r.begin();
      break;
    } catch (err) {
      if (!(err instanceof UserError && err.code === 'recording-busy') || Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
  if (done) return done;
  try {
    let chunk = 64;
    for (;;) {
      const t0 = performance.now();
      const more = r.step(chunk);
      const ms = performance.now() - t0;
      if (!more) break;
      // Aim each transaction at sliceMs (within x0.5..x2 of the last one's rate).
      chunk = Math.max(16, Math.round(chunk * Math.min(2, Math.max(0.5, pace.sliceMs / Math.max(ms, 0.1)))));
      await sleep(Math.max(pace.minPauseMs, ms));
    }
    return r.finish();
  } catch (err) {
    r.discard();
    throw err;
  }
}

/** Who is recording: this process on this machine. */
interface RecordingMarker {
  pid: number;
  host: string;
  startedUtc: string;
}

function ownMarker(): RecordingMarker {
  return { pid: process.pid, host: hostname(), startedUtc: new Date().toISOString() };
}

function describeMarker(json: string): string {
  const m = JSON.parse(json) as RecordingMarker;
  return `process ${m.pid} on ${m.host} (since ${m.startedUtc})`;
}

/** A marker from another machine is taken for abandoned after this long (its process cannot be asked). */
const FOREIGN_MARKER_HOURS = 24;

/** Whether the process that wrote a recording marker may still be recording. */
function markerAlive(json: string): boolean {
  let m: RecordingMarker;
  try {
    m = JSON.parse(json) as RecordingMarker;
  } catch {
    return false;
  }
  if (m.host !== hostname()) return Date.now() - Date.parse(m.startedUtc) < FOREIGN_MARKER_HOURS * 3600_000;
  if (m.pid === process.pid) return true;
  try {
    process.kill(m.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs whose recording process died part-way (killed, crashed): deleted, with every row they wrote. */
function discardStaleRecordings(s: StoreDb): void {
  const rows = s.db.prepare('SELECT id, recording FROM runs WHERE recording IS NOT NULL').all() as { id: number; recording: string }[];
  for (const r of rows) if (!markerAlive(r.recording)) deleteRunRows(s, r.id);
}

function discardRun(s: StoreDb, runId: number): void {
  s.write('discard a half-recorded run in', () => deleteRunRows(s, runId));
}

/** Deletes a hidden (never finished) run: nothing else can refer to its rows, since nobody could see them. */
function deleteRunRows(s: StoreDb, runId: number): void {
  s.db.prepare('DELETE FROM published_sources WHERE run_id = ?').run(runId);
  s.db.prepare('DELETE FROM candidates WHERE run_id = ?').run(runId);
  s.db.prepare('DELETE FROM counterparts WHERE run_id = ?').run(runId);
  s.db.prepare('DELETE FROM ledger WHERE source_id IN (SELECT id FROM sources WHERE run_id = ?)').run(runId);
  s.db.prepare('DELETE FROM sources WHERE run_id = ?').run(runId);
  s.db.prepare('DELETE FROM objects WHERE first_run_id = ?').run(runId);
  s.db.prepare('DELETE FROM runs WHERE id = ? AND recording IS NOT NULL').run(runId);
}

/** The run recorded (or being recorded) from this folder with this runKey. */
function recordedRun(s: StoreDb, outDir: string, runKey: string): { id: number; recording: string | null } | undefined {
  return s.db
    .prepare(`SELECT id, recording FROM runs WHERE out_dir = ? AND json_extract(summary_json, '$.runKey') = ? ORDER BY id LIMIT 1`)
    .get(outDir, runKey) as { id: number; recording: string | null } | undefined;
}

function busy(s: StoreDb, what: string): UserError {
  return new UserError(`cannot record the run in ${s.file} yet: ${what}`, 'wait for that recording to finish, then record again', 'recording-busy');
}

/** Changes whenever the region gains or loses objects (ids only grow). */
function objectsVersion(s: StoreDb, region: string): string {
  const v = s.db.prepare('SELECT COUNT(*) AS n, MAX(id) AS top FROM objects WHERE plate_region = ?').get(region) as { n: number; top: number | null };
  return `${v.n}:${v.top ?? 0}`;
}

type Statements = ReturnType<typeof statements>;

function statements(s: StoreDb) {
  return {
    object: s.db.prepare('INSERT INTO objects (plate_region, ra, dec, first_run_id) VALUES (?, ?, ?, ?)'),
    source: s.db.prepare(
      `INSERT INTO sources (run_id, number, object_id, x, y, ra, dec, flux, flux_err, mag, mag_err, snr, fwhm, elongation,
         flags, spread_model, spread_model_err, xmin, xmax, ymin, ymax, class_star, background,
         nearest_blue_arcsec, nearest_gaia_arcsec, nearest_ps1_arcsec, dropped_stage, dropped_reason,
         blue_det_number, blue_det_arcsec, blue_det_ra, blue_det_dec, blue_det_x, blue_det_y, blue_det_mag, blue_det_snr,
         blue_det_fwhm, blue_det_failed_cuts, edge_distance_px, centre_distance_deg, edge_distance_deg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    ledger: s.db.prepare(
      `INSERT INTO ledger (source_id, seq, stage, reason, dropped, detail, distance_arcsec, counterpart, counterpart_mag)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    counterpart: s.db.prepare(
      `INSERT INTO counterparts (run_id, source_id, stage, catalogue, catalogue_object, ra, dec, distance_arcsec, mag)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

/** One source with its ledger and counterparts; returns its row id. */
function insertSourceRows(st: Statements, runId: number, objectId: number, s: RecordedSource): number {
  const ledger = s.ledger ?? [];
  const dropped = ledger.find((e) => e.dropped);
  const b = s.nearestBlueDetection;
  const sourceId = Number(
    st.source.run(
      runId, s.id, objectId, s.x, s.y, s.ra, s.dec,
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
    st.ledger.run(
      sourceId, seq, e.stage, e.reason, e.dropped ? 1 : 0, nullIfUndefined(e.detail),
      finiteOrNull(e.distanceArcsec), nullIfUndefined(e.counterpart), finiteOrNull(e.counterpartMag),
    );
    const ra = finiteOrNull(e.counterpartRa);
    const dec = finiteOrNull(e.counterpartDec);
    if (ra !== null && dec !== null) {
      st.counterpart.run(runId, sourceId, e.stage, e.reason, nullIfUndefined(e.counterpart), ra, dec, finiteOrNull(e.distanceArcsec), finiteOrNull(e.counterpartMag));
    }
  });
  return sourceId;
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

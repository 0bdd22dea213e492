/**
 * The review store: one SQLite file per workspace holding the runs, every red
 * source with its stage ledger, the candidates and the reviewers' flags.
 *
 * Durability: WAL with synchronous=FULL, and every write in its own immediate
 * transaction, so a flag whose addReview() has returned survives kill -9 or a
 * power cut at any moment (test/electron/store/crash.test.ts). Readers (the UI)
 * never block the writer (the pipeline) and see whole transactions only.
 *
 * Reviews are about objects (a position on a red plate), not about one run's
 * row: re-running a plate links new sources to the objects within 1" and the
 * reviews follow. History is append-only; current labels and the consensus are
 * derived by triggers (see migrations.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors';
import { insideField } from '../astro/projection';
import { matchNearest } from '../match/sky-match';
import type { BlueDetection, LedgerEntry, PlateSummary, RunSummary, TrackedSource } from '../pipeline/types';
import { cohenKappa, countsPerItem, fleissKappa } from './agreement';
import { isReviewLabel, REVIEW_LABELS, type ReviewLabel } from './labels';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';
import { toUserError } from './sqlite-errors';
import type {
  Agreement,
  CandidateDetail,
  CandidateQuery,
  CandidateRow,
  CommentEvent,
  CounterpartRow,
  FieldContents,
  PlateFileRef,
  ReviewEvent,
  RunRow,
} from './types';

export type * from './types';

/** Sources of a re-run within this distance of an earlier one are the same object. */
export const REATTACH_RADIUS_ARCSEC = 1;

export interface OpenOptions {
  readonly?: boolean;
  /** How long a write waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
}

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
}

/** RecordRunRows as plain arrays (tests and fixtures build these). */
export interface RecordRunInput extends RecordRunRows {
  red: TrackedSource[];
  candidates: TrackedSource[];
}

/** What a pipeline run hands over (RunResult's shape), recorded by recordPipelineRun. */
export interface PipelineRunRecord {
  summary: RunSummary;
  sources: Iterable<RecordedSource>;
  candidates: Iterable<RecordedSource>;
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

export interface AddReviewInput {
  candidateId: number;
  reviewer: string;
  label: ReviewLabel;
  confidence?: number;
  note?: string;
  appVersion: string;
  display?: Record<string, unknown>;
  /** Client-made key of this action: a repeat of the request returns the event already stored. */
  idempotencyKey?: string;
}

export interface AddCommentInput {
  candidateId: number;
  reviewer: string;
  body: string;
  appVersion: string;
  /** As for AddReviewInput. */
  idempotencyKey?: string;
}

/** Longest comment kept (the API refuses longer ones too). */
export const MAX_COMMENT_CHARS = 4000;

const LABEL_LIST = REVIEW_LABELS.map((l) => l.label).join(', ');

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

interface HistorySqlRow {
  id: number;
  candidate_id: number;
  reviewer: string;
  action: 'label' | 'undo';
  label: ReviewLabel;
  confidence: number | null;
  note: string | null;
  created_utc: string;
  app_version: string;
  display_json: string | null;
  undoes_review_id: number | null;
}

interface CommentSqlRow {
  id: number;
  candidate_id: number;
  reviewer: string;
  body: string;
  created_utc: string;
  app_version: string;
}

const COMMENT_SELECT = `SELECT m.id, m.candidate_id, p.name AS reviewer, m.body, m.created_utc, m.app_version
  FROM comments m JOIN reviewers p ON p.id = m.reviewer_id`;

function commentEvent(r: CommentSqlRow): CommentEvent {
  return { id: r.id, candidateId: r.candidate_id, reviewer: r.reviewer, body: r.body, createdUtc: r.created_utc, appVersion: r.app_version };
}

/** What an earlier request with the same idempotency key stored (to tell a repeat from a clash). */
interface PriorAction {
  id: number;
  candidate_id: number;
  reviewer_id: number;
  /** reviews: 'label' | 'undo'; comments: 'comment'. */
  action: string;
  /** reviews: the label (null for an undo); comments: the body. */
  content: string | null;
}

function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !key.trim() || key.length > 128) {
    throw new UserError(`idempotency key "${String(key)}" is not usable`, 'send 1 to 128 characters, a new key for every action (e.g. crypto.randomUUID())', 'bad-arguments');
  }
  return key;
}

interface PlateSqlRow {
  region: string;
  band: 'red' | 'blue';
  file: string;
  epoch_julian: number | null;
  header_sha256: string;
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

function historyEvent(r: HistorySqlRow): ReviewEvent {
  return {
    id: r.id,
    candidateId: r.candidate_id,
    reviewer: r.reviewer,
    action: r.action,
    label: r.label,
    confidence: r.confidence,
    note: r.note,
    createdUtc: r.created_utc,
    appVersion: r.app_version,
    display: r.display_json ? (JSON.parse(r.display_json) as Record<string, unknown>) : null,
    undoes: r.undoes_review_id,
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Measures runSources can read, by API name -> sources column. */
const RUN_SOURCE_COLUMNS = {
  number: 'number',
  x: 'x',
  y: 'y',
  ra: 'ra',
  dec: 'dec',
  mag: 'mag',
  snr: 'snr',
  fwhm: 'fwhm',
  elongation: 'elongation',
  flags: 'flags',
  spreadModel: 'spread_model',
  nearestBlueArcsec: 'nearest_blue_arcsec',
  blueDetectionArcsec: 'blue_det_arcsec',
  edgeDistancePx: 'edge_distance_px',
} as const;
export type RunSourceColumn = keyof typeof RUN_SOURCE_COLUMNS;

/**
 * The one way a finished pipeline run enters a workspace: `vasco run` (which
 * the workstation starts as its run process) and `vasco demo` both call it.
 */
export function recordPipelineRun(ws: Workspace, result: PipelineRunRecord, outDir: string): RecordRunResult {
  return ws.recordRun({ summary: result.summary, red: result.sources, candidates: result.candidates, outDir: resolve(outDir) });
}

export function openWorkspace(file: string, opts: OpenOptions = {}): Workspace {
  return new Workspace(resolve(file), opts);
}

export class Workspace {
  readonly file: string;
  readonly readonly: boolean;
  /** Set when opening upgraded an older file: the copy kept from before. */
  readonly upgradeBackup: string | null = null;
  private readonly db: Database.Database;

  constructor(file: string, opts: OpenOptions = {}) {
    this.file = file;
    this.readonly = !!opts.readonly;
    const busyMs = opts.busyTimeoutMs ?? 5000;
    if (this.readonly && !existsSync(file)) {
      throw new UserError(`workspace ${file} does not exist`, 'check the path, or run the pipeline first to create it', 'not-found');
    }
    const dir = dirname(file);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UserError(`cannot open ${file}: the folder ${dir} does not exist`, 'create the folder or choose another workspace file', 'db-cannot-open');
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: this.readonly, fileMustExist: this.readonly, timeout: busyMs });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyMs))}`);
      db.pragma('foreign_keys = ON');
      const version = schemaVersion(db);
      if (version > LATEST_VERSION) {
        throw new UserError(
          `${file} was written by a newer VASCO Workstation (schema v${version}; this one knows up to v${LATEST_VERSION})`,
          'update VASCO Workstation to open this workspace; it has not been changed',
          'db-newer-schema',
        );
      }
      if (this.readonly) {
        if (version < LATEST_VERSION) {
          throw new UserError(
            `${file} has schema v${version} and needs upgrading to v${LATEST_VERSION}, which read-only mode cannot do`,
            'open it once without read-only (a copy is kept before upgrading)',
            'db-old-schema',
          );
        }
      } else {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        if (version > 0 && version < LATEST_VERSION) this.upgradeBackup = this.backupBeforeUpgrade(db, version);
        migrate(db);
      }
    } catch (err) {
      db?.close();
      const e = toUserError(err, file, 'open');
      if (this.readonly && e instanceof UserError && e.code === 'db-readonly') {
        // Even a reader of a WAL file must create FILE-shm beside it.
        throw new UserError(e.message, `SQLite needs to create ${file}-shm even to read this workspace; copy it to a writable folder and open the copy`, e.code);
      }
      throw e;
    }
    this.db = db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A consistent copy of the file as it was, beside it, before migrations touch it. */
  private backupBeforeUpgrade(db: Database.Database, version: number): string {
    let target = `${this.file}.before-v${LATEST_VERSION}.from-v${version}`;
    for (let i = 2; existsSync(target); i++) target = `${this.file}.before-v${LATEST_VERSION}.from-v${version}.${i}`;
    db.prepare('VACUUM INTO ?').run(target);
    return target;
  }

  /** Run `fn`, turning SQLite failures a person can meet into UserErrors. */
  private guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toUserError(err, this.file, doing);
    }
  }

  /** Reads in one snapshot (a deferred transaction), so a page and its counts agree while a writer commits. */
  private read<T>(fn: () => T): T {
    return this.guard('read', () => this.db.transaction(fn).deferred());
  }

  private write<T>(doing: string, fn: () => T): T {
    if (this.readonly) {
      throw new UserError(`cannot ${doing} ${this.file}: the workspace was opened read-only`, 'open it without read-only to make changes', 'db-readonly');
    }
    // Immediate: take the write lock up front, so the busy timeout applies and
    // a reader's snapshot never has to be upgraded mid-transaction.
    return this.guard(doing, () => this.db.transaction(fn).immediate());
  }

  // ------------------------------------------------------------------ runs

  recordRun(input: RecordRunRows): RecordRunResult {
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
    return this.write('record a run in', () => {
      // The same command run again (same plates by content, same parameters, same folder) is the same run.
      if (summary.runKey) {
        const same = this.db
          .prepare(`SELECT id FROM runs WHERE out_dir = ? AND json_extract(summary_json, '$.runKey') = ? ORDER BY id LIMIT 1`)
          .get(resolve(outDir), summary.runKey) as { id: number } | undefined;
        if (same) return { runId: same.id, alreadyRecorded: true, ...this.reattachmentReport(region, same.id) };
      }
      const redPlateId = this.upsertPlate(summary.plates.red);
      const bluePlateId = summary.plates.blue ? this.upsertPlate(summary.plates.blue) : null;
      const runId = Number(
        this.db
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

      const objectIds = this.assignObjects(region, positions, runId);
      const insertSource = this.db.prepare(
        `INSERT INTO sources (run_id, number, object_id, x, y, ra, dec, flux, flux_err, mag, mag_err, snr, fwhm, elongation,
           flags, spread_model, spread_model_err, xmin, xmax, ymin, ymax, class_star, background,
           nearest_blue_arcsec, nearest_gaia_arcsec, nearest_ps1_arcsec, dropped_stage, dropped_reason,
           blue_det_number, blue_det_arcsec, blue_det_ra, blue_det_dec, blue_det_x, blue_det_y, blue_det_mag, blue_det_snr,
           blue_det_fwhm, blue_det_failed_cuts, edge_distance_px)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertLedger = this.db.prepare(
        `INSERT INTO ledger (source_id, seq, stage, reason, dropped, detail, distance_arcsec, counterpart, counterpart_mag)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertCounterpart = this.db.prepare(
        `INSERT INTO counterparts (run_id, source_id, stage, catalogue, catalogue_object, ra, dec, distance_arcsec, mag)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertCandidate = this.db.prepare('INSERT INTO candidates (run_id, source_id) VALUES (?, ?)');
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
            finiteOrNull(s.edgeDistancePx),
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
      }

      return { runId, alreadyRecorded: false, ...this.reattachmentReport(region, runId) };
    });
  }

  private upsertPlate(p: PlateSummary): number {
    const row = this.db
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
  private assignObjects(region: string, sources: { ra: Float64Array; dec: Float64Array }, runId: number): number[] {
    const existing = this.db.prepare('SELECT id, ra, dec FROM objects WHERE plate_region = ?').all(region) as {
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
    const insertObject = this.db.prepare('INSERT INTO objects (plate_region, ra, dec, first_run_id) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < n; i++) {
      if (ids[i] < 0) ids[i] = Number(insertObject.run(region, sources.ra[i], sources.dec[i], runId).lastInsertRowid);
    }
    return ids;
  }

  private reattachmentReport(region: string, runId: number): Omit<RecordRunResult, 'runId' | 'alreadyRecorded'> {
    const rows = this.db
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

  listRuns(): RunRow[] {
    return this.read(() =>
      (this.db.prepare(`${RUN_SELECT} ORDER BY r.id DESC`).all() as RunSqlRow[]).map(runRow),
    );
  }

  getRun(runId: number): { row: RunRow; summary: RunSummary } {
    return this.guard('read', () => {
      const r = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunSqlRow | undefined;
      if (!r) throw new UserError(`run ${runId} is not in ${this.file}`, 'list the runs with `vasco export --help` or in the Runs view', 'not-found');
      return { row: runRow(r), summary: JSON.parse(r.summary_json) as RunSummary };
    });
  }

  /** The newest run, or null in an empty workspace. */
  /**
   * Every red source of a run (candidates or not), only the asked measures,
   * in source order; for the run's histograms and plate maps. SQL NULL (e.g.
   * SPREAD_MODEL not measured) comes back as null.
   */
  runSources<C extends RunSourceColumn>(runId: number, columns: readonly C[]): Record<C, number | null>[] {
    const wanted = [...new Set(columns)];
    for (const c of wanted)
      if (!Object.prototype.hasOwnProperty.call(RUN_SOURCE_COLUMNS, c))
        throw new UserError(`runSources: unknown column "${c}"`, `use one of ${Object.keys(RUN_SOURCE_COLUMNS).join(', ')}`, 'bad-arguments');
    if (!wanted.length) return [];
    const select = wanted.map((c) => `${RUN_SOURCE_COLUMNS[c]} AS "${c}"`).join(', ');
    return this.read(() => {
      if (!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId))
        throw new UserError(`run ${runId} is not in ${this.file}`, 'pick a run from the Run menu, or list them in the Runs view', 'not-found');
      return this.db.prepare(`SELECT ${select} FROM sources WHERE run_id = ? ORDER BY id`).all(runId) as Record<C, number | null>[];
    });
  }

  /**
   * A run's candidates and catalogue counterparts inside the gnomonic square
   * of half-side halfSizeDeg about (ra0, dec0), for the sky view: a box on the
   * position indexes in SQL, then the exact square.
   */
  fieldContents(runId: number, ra0: number, dec0: number, halfSizeDeg: number): FieldContents {
    const box = skyBox(ra0, dec0, halfSizeDeg * Math.SQRT2);
    const params = { runId, ...box };
    const where = (t: string) =>
      `${t}.run_id = @runId AND ${t}.dec BETWEEN @decMin AND @decMax AND (${t}.ra BETWEEN @raMin AND @raMax OR ${t}.ra BETWEEN @raMin2 AND @raMax2)`;
    const inside = (p: { ra: number; dec: number }) => insideField(p.ra, p.dec, ra0, dec0, halfSizeDeg);
    return this.read(() => {
      const candidates = this.db
        .prepare(`SELECT c.id, s.ra, s.dec FROM sources s JOIN candidates c ON c.source_id = s.id WHERE ${where('s')} ORDER BY c.id`)
        .all(params) as { id: number; ra: number; dec: number }[];
      // One entry per catalogue object (two plate sources may share it): the nearest match's.
      const counterparts = this.db
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

  latestRunId(): number | null {
    return this.guard('read', () => (this.db.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number | null }).id);
  }

  // ------------------------------------------------------------------ candidates

  listCandidates(q: CandidateQuery): { total: number; rows: CandidateRow[]; located?: number | null } {
    return this.read(() => {
      const blind = !!q.blind;
      if (blind && !q.reviewer) {
        throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
      }
      const params: Record<string, unknown> = { runId: q.runId, meId: this.reviewerId(q.reviewer) ?? -1 };
      const where = ['c.run_id = @runId'];
      const joins: string[] = [];
      const f = q.filter ?? {};
      if (f.labels?.length) {
        let target = blind ? 'me.label' : 'o.consensus';
        if (f.reviewer && f.reviewer !== q.reviewer) {
          if (blind) throw new UserError('blind mode hides other reviewers\' labels', 'turn blind mode off to filter by another reviewer\'s labels', 'bad-arguments');
          params.filterReviewerId = this.reviewerId(f.reviewer) ?? -1;
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

      const from = `FROM candidates c
        JOIN sources s ON s.id = c.source_id
        JOIN objects o ON o.id = s.object_id
        LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
        ${joins.join('\n')}
        WHERE ${where.join(' AND ')}`;
      const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from}`).get(params) as { n: number }).n;
      const sort = q.sort ?? { column: 'id' };
      const expr = sortExpression(sort.column, blind, !!q.reviewer);
      const dir = sort.desc ? 'DESC' : 'ASC';
      const order = `ORDER BY (${expr}) IS NULL, ${expr} ${dir}, c.id ${dir}`;
      let located: number | null | undefined;
      if (q.locate !== undefined) {
        // Where a candidate sits in this order (0-based), so a selection can follow a re-sort.
        params.locate = q.locate;
        const hit = this.db
          .prepare(`SELECT pos FROM (SELECT c.id AS id, ROW_NUMBER() OVER (${order}) - 1 AS pos ${from}) WHERE id = @locate`)
          .get(params) as { pos: number } | undefined;
        located = hit ? hit.pos : null;
      }
      params.limit = q.limit === undefined ? -1 : Math.max(0, Math.floor(q.limit));
      params.offset = Math.max(0, Math.floor(q.offset ?? 0));
      const rows = this.db
        .prepare(`${CANDIDATE_COLUMNS} ${from} ${order} LIMIT @limit OFFSET @offset`)
        .all(params) as CandidateSqlRow[];
      return { total, rows: this.candidateRows(rows, blind), ...(located !== undefined ? { located } : {}) };
    });
  }

  getCandidate(id: number, opts: { reviewer?: string; blind?: boolean } = {}): CandidateDetail {
    return this.read(() => {
      const blind = !!opts.blind;
      if (blind && !opts.reviewer) {
        throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
      }
      const meId = this.reviewerId(opts.reviewer) ?? -1;
      const r = this.db
        .prepare(
          `${CANDIDATE_COLUMNS} FROM candidates c
           JOIN sources s ON s.id = c.source_id
           JOIN objects o ON o.id = s.object_id
           LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
           WHERE c.id = @id`,
        )
        .get({ id, meId }) as CandidateSqlRow | undefined;
      if (!r) throw new UserError(`candidate ${id} is not in ${this.file}`, 'pick a candidate from the list of a recorded run', 'not-found');
      const platesOf = (column: 'red_plate_id' | 'blue_plate_id') =>
        this.db
          .prepare(`SELECT p.region, p.band, p.file, p.epoch_julian, p.header_sha256 FROM runs r JOIN plates p ON p.id = r.${column} WHERE r.id = ?`)
          .get(r.run_id) as PlateSqlRow | undefined;
      const red = platesOf('red_plate_id')!;
      const blue = platesOf('blue_plate_id');
      const history = (
        this.db
          .prepare(`SELECT * FROM review_history WHERE object_id = @objectId ${blind ? 'AND reviewer_id = @meId' : ''} ORDER BY id`)
          .all({ objectId: r.object_id, meId }) as HistorySqlRow[]
      ).map(historyEvent);
      const comments = this.objectComments(r.object_id, blind ? meId : null);
      return { row: this.candidateRows([r], blind)[0], plates: { red: plateRef(red), blue: blue ? plateRef(blue) : null }, history, comments };
    });
  }

  private candidateRows(rows: CandidateSqlRow[], blind: boolean): CandidateRow[] {
    const ledgers = new Map<number, LedgerEntry[]>();
    if (rows.length) {
      const entries = this.db
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
      plate: r.plate,
      ledger: ledgers.get(r.source_id) ?? [],
      consensus: blind ? null : r.consensus,
      myLabel: r.my_label,
      reviews: blind ? (r.my_label ? 1 : 0) : r.n_labels,
    }));
  }

  // ------------------------------------------------------------------ reviewers and reviews

  private reviewerId(name: string | undefined): number | null {
    if (!name) return null;
    const r = this.db.prepare('SELECT id FROM reviewers WHERE name = ?').get(name.trim()) as { id: number } | undefined;
    return r?.id ?? null;
  }

  private static checkReviewerName(name: string): string {
    const n = typeof name === 'string' ? name.trim() : '';
    if (!n || n.length > 80) throw new UserError(`reviewer name "${name}" is not usable`, 'give a name of 1 to 80 characters', 'bad-arguments');
    return n;
  }

  private ensureReviewer(name: string): number {
    const n = Workspace.checkReviewerName(name);
    this.db.prepare('INSERT INTO reviewers (name, created_utc) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(n, new Date().toISOString());
    return this.reviewerId(n)!;
  }

  addReviewer(name: string): void {
    this.write('add a reviewer to', () => void this.ensureReviewer(name));
  }

  listReviewers(): string[] {
    return this.guard('read', () => (this.db.prepare('SELECT name FROM reviewers ORDER BY name').all() as { name: string }[]).map((r) => r.name));
  }

  private candidateObject(candidateId: number): number {
    const r = this.db
      .prepare('SELECT s.object_id FROM candidates c JOIN sources s ON s.id = c.source_id WHERE c.id = ?')
      .get(candidateId) as { object_id: number } | undefined;
    if (!r) throw new UserError(`candidate ${candidateId} is not in ${this.file}`, 'pick a candidate from the list of a recorded run', 'not-found');
    return r.object_id;
  }

  private event(id: number): ReviewEvent {
    return historyEvent(this.db.prepare('SELECT * FROM review_history WHERE id = ?').get(id) as HistorySqlRow);
  }

  /**
   * The event a request with this idempotency key already stored, or null
   * when the key is new. The same key on a different request is refused: it
   * would otherwise swallow that request silently.
   */
  private priorAction(table: 'reviews' | 'comments', key: string | undefined, expected: Omit<PriorAction, 'id'>): number | null {
    if (key === undefined) return null;
    const sql =
      table === 'reviews'
        ? 'SELECT id, candidate_id, reviewer_id, action, label AS content FROM reviews WHERE idempotency_key = ?'
        : "SELECT id, candidate_id, reviewer_id, 'comment' AS action, body AS content FROM comments WHERE idempotency_key = ?";
    const prior = this.db.prepare(sql).get(key) as PriorAction | undefined;
    if (!prior) return null;
    const same = prior.candidate_id === expected.candidate_id && prior.reviewer_id === expected.reviewer_id
      && prior.action === expected.action && prior.content === expected.content;
    if (!same) {
      throw new UserError(
        `idempotency key "${key}" was already used for another action (${table} event ${prior.id})`,
        'send a new key for every action; reuse a key only to repeat the very same request',
        'bad-arguments',
      );
    }
    return prior.id;
  }

  /** Record a label. Returns once the event is durable on disk. A reviewer seen for the first time is registered. */
  addReview(r: AddReviewInput): ReviewEvent {
    if (!isReviewLabel(r.label)) throw new UserError(`unknown review label "${r.label}"`, `use one of: ${LABEL_LIST}`, 'bad-arguments');
    if (r.confidence !== undefined && !(r.confidence >= 0 && r.confidence <= 1)) {
      throw new UserError(`confidence must be between 0 and 1, got ${r.confidence}`, 'give the confidence as a fraction, e.g. 0.8', 'bad-arguments');
    }
    if (!r.appVersion) throw new UserError('a review needs the app version that recorded it', 'pass appVersion', 'bad-arguments');
    const key = checkIdempotencyKey(r.idempotencyKey);
    return this.write('record a review in', () => {
      const objectId = this.candidateObject(r.candidateId);
      const reviewerId = this.ensureReviewer(r.reviewer);
      const prior = this.priorAction('reviews', key, { candidate_id: r.candidateId, reviewer_id: reviewerId, action: 'label', content: r.label });
      if (prior !== null) return this.event(prior);
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO reviews (object_id, candidate_id, reviewer_id, action, label, confidence, note, created_utc, app_version,
               display_json, idempotency_key)
             VALUES (?, ?, ?, 'label', ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            objectId, r.candidateId, reviewerId, r.label, r.confidence ?? null, r.note?.length ? r.note : null,
            new Date().toISOString(), r.appVersion, r.display ? JSON.stringify(r.display) : null, key ?? null,
          ).lastInsertRowid,
      );
      return this.event(id);
    });
  }

  /**
   * Withdraw the reviewer's current label of the candidate (a new event; their
   * previous label, if any, becomes current again). Null when there is nothing
   * to undo.
   */
  undoReview(candidateId: number, reviewer: string, appVersion: string, idempotencyKey?: string): ReviewEvent | null {
    const key = checkIdempotencyKey(idempotencyKey);
    return this.write('record an undo in', () => {
      const objectId = this.candidateObject(candidateId);
      const reviewerId = this.reviewerId(Workspace.checkReviewerName(reviewer));
      if (reviewerId === null) return null;
      // A repeated undo answers with the first one; it must not withdraw the label before it too.
      const prior = this.priorAction('reviews', key, { candidate_id: candidateId, reviewer_id: reviewerId, action: 'undo', content: null });
      if (prior !== null) return this.event(prior);
      const current = this.db
        .prepare('SELECT review_id FROM current_labels WHERE object_id = ? AND reviewer_id = ?')
        .get(objectId, reviewerId) as { review_id: number } | undefined;
      if (!current) return null;
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO reviews (object_id, candidate_id, reviewer_id, action, undoes_review_id, created_utc, app_version, idempotency_key)
             VALUES (?, ?, ?, 'undo', ?, ?, ?, ?)`,
          )
          .run(objectId, candidateId, reviewerId, current.review_id, new Date().toISOString(), appVersion || 'unknown', key ?? null)
          .lastInsertRowid,
      );
      return this.event(id);
    });
  }

  /** Record a comment on a candidate (its object). Returns once it is durable on disk. */
  addComment(c: AddCommentInput): CommentEvent {
    const body = typeof c.body === 'string' ? c.body.trim() : '';
    if (!body) throw new UserError('a comment needs some text', 'write the comment, then add it', 'bad-arguments');
    if (body.length > MAX_COMMENT_CHARS) {
      throw new UserError(`a comment of ${body.length} characters is too long`, `keep it to ${MAX_COMMENT_CHARS} characters, or split it`, 'bad-arguments');
    }
    if (!c.appVersion) throw new UserError('a comment needs the app version that recorded it', 'pass appVersion', 'bad-arguments');
    const key = checkIdempotencyKey(c.idempotencyKey);
    return this.write('record a comment in', () => {
      const objectId = this.candidateObject(c.candidateId);
      const reviewerId = this.ensureReviewer(c.reviewer);
      const prior = this.priorAction('comments', key, { candidate_id: c.candidateId, reviewer_id: reviewerId, action: 'comment', content: body });
      const id =
        prior ??
        Number(
          this.db
            .prepare(
              `INSERT INTO comments (object_id, candidate_id, reviewer_id, body, created_utc, app_version, idempotency_key)
               VALUES (?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(objectId, c.candidateId, reviewerId, body, new Date().toISOString(), c.appVersion, key ?? null).lastInsertRowid,
        );
      return commentEvent(this.db.prepare(`${COMMENT_SELECT} WHERE m.id = ?`).get(id) as CommentSqlRow);
    });
  }

  /** Comments on a candidate's object, oldest first (blind: only `reviewer`'s). */
  listComments(candidateId: number, opts: { reviewer?: string; blind?: boolean } = {}): CommentEvent[] {
    return this.read(() => {
      if (opts.blind && !opts.reviewer) {
        throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
      }
      const onlyId = opts.blind ? (this.reviewerId(opts.reviewer) ?? -1) : null;
      return this.objectComments(this.candidateObject(candidateId), onlyId);
    });
  }

  private objectComments(objectId: number, onlyReviewerId: number | null): CommentEvent[] {
    const rows = this.db
      .prepare(`${COMMENT_SELECT} WHERE m.object_id = @objectId ${onlyReviewerId === null ? '' : 'AND m.reviewer_id = @onlyReviewerId'} ORDER BY m.id`)
      .all({ objectId, onlyReviewerId }) as CommentSqlRow[];
    return rows.map(commentEvent);
  }

  /**
   * Every remark on a run's candidates, oldest first: comments and the notes
   * kept with flags (candidate id -> remarks). For the exported catalogue.
   */
  remarks(runId: number): Map<number, { reviewer: string; createdUtc: string; text: string }[]> {
    return this.read(() => {
      const rows = this.db
        .prepare(
          `SELECT c.id AS candidate_id, x.reviewer, x.created_utc, x.text FROM candidates c
           JOIN sources s ON s.id = c.source_id
           JOIN (SELECT m.object_id, p.name AS reviewer, m.created_utc, m.body AS text FROM comments m JOIN reviewers p ON p.id = m.reviewer_id
                 UNION ALL
                 SELECT r.object_id, p.name, r.created_utc, r.note FROM reviews r JOIN reviewers p ON p.id = r.reviewer_id
                 WHERE r.note IS NOT NULL) x ON x.object_id = s.object_id
           WHERE c.run_id = ? ORDER BY c.id, x.created_utc`,
        )
        .all(runId) as { candidate_id: number; reviewer: string; created_utc: string; text: string }[];
      const out = new Map<number, { reviewer: string; createdUtc: string; text: string }[]>();
      for (const r of rows) {
        let list = out.get(r.candidate_id);
        if (!list) out.set(r.candidate_id, (list = []));
        list.push({ reviewer: r.reviewer, createdUtc: r.created_utc, text: r.text });
      }
      return out;
    });
  }

  /** Current labels on a run's candidates: candidate id -> reviewer -> label. */
  currentLabels(runId: number): Map<number, Map<string, ReviewLabel>> {
    return this.guard('read', () => {
      const rows = this.db
        .prepare(
          `SELECT c.id AS candidate_id, p.name, cl.label FROM candidates c
           JOIN sources s ON s.id = c.source_id
           JOIN current_labels cl ON cl.object_id = s.object_id
           JOIN reviewers p ON p.id = cl.reviewer_id
           WHERE c.run_id = ? ORDER BY c.id, p.name`,
        )
        .all(runId) as { candidate_id: number; name: string; label: ReviewLabel }[];
      const out = new Map<number, Map<string, ReviewLabel>>();
      for (const r of rows) {
        let m = out.get(r.candidate_id);
        if (!m) out.set(r.candidate_id, (m = new Map()));
        m.set(r.name, r.label);
      }
      return out;
    });
  }

  /**
   * Agreement between the reviewers who labelled this run's candidates (or the
   * ones named): Cohen's kappa for two, Fleiss' kappa for three or more, over
   * the candidates every one of them labelled; plus Cohen's kappa per pair.
   */
  agreement(runId: number, reviewers?: string[]): Agreement {
    const labels = this.currentLabels(runId);
    const names = reviewers?.length
      ? [...new Set(reviewers)].sort()
      : [...new Set([...labels.values()].flatMap((m) => [...m.keys()]))].sort();
    const complete = [...labels.values()].filter((m) => names.every((n) => m.has(n))).map((m) => names.map((n) => m.get(n)!));
    const result: Agreement = {
      reviewers: names,
      items: names.length ? complete.length : 0,
      percentAgreement: 0,
      pairs: [],
    };
    if (names.length >= 2 && complete.length) {
      result.percentAgreement = (100 * complete.filter((row) => row.every((l) => l === row[0])).length) / complete.length;
      const k = names.length === 2 ? cohenKappa(complete.map((r) => r[0]), complete.map((r) => r[1])) : fleissKappa(countsPerItem(complete));
      if (Number.isFinite(k)) {
        if (names.length === 2) result.cohenKappa = k;
        else result.fleissKappa = k;
      }
    }
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const both = [...labels.values()].filter((m) => m.has(names[i]) && m.has(names[j]));
        const a = both.map((m) => m.get(names[i])!);
        const b = both.map((m) => m.get(names[j])!);
        const kappa = both.length ? cohenKappa(a, b) : NaN;
        result.pairs.push({
          a: names[i],
          b: names[j],
          n: both.length,
          agreed: a.filter((l, k) => l === b[k]).length,
          kappa: Number.isFinite(kappa) ? kappa : null,
        });
      }
    }
    return result;
  }

  // ------------------------------------------------------------------ checks

  /** PRAGMA integrity_check: 'ok' or the problems found. */
  integrityCheck(): string {
    return this.guard('check', () =>
      (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n'),
    );
  }

  /** Schema version of the open file. */
  get schemaVersion(): number {
    return schemaVersion(this.db);
  }
}

const CANDIDATE_COLUMNS = `SELECT c.id, c.run_id, c.source_id, s.object_id, s.number, s.ra, s.dec, s.x, s.y, s.mag, s.mag_err, s.snr,
  s.fwhm, s.elongation, s.spread_model, s.flags, s.nearest_blue_arcsec, s.blue_det_number, s.blue_det_arcsec, s.blue_det_ra,
  s.blue_det_dec, s.blue_det_x, s.blue_det_y, s.blue_det_mag, s.blue_det_snr, s.blue_det_fwhm, s.blue_det_failed_cuts,
  s.edge_distance_px, o.plate_region AS plate,
  o.consensus, o.n_labels, me.label AS my_label`;

const RUN_SELECT = `SELECT r.id, r.created_utc, rp.region AS red_region, bp.region AS blue_region, r.mode, r.out_dir,
  r.summary_json,
  (SELECT COUNT(*) FROM candidates c WHERE c.run_id = r.id) AS candidates,
  (SELECT COUNT(*) FROM candidates c JOIN sources s ON s.id = c.source_id JOIN objects o ON o.id = s.object_id
   WHERE c.run_id = r.id AND o.n_labels > 0) AS reviewed
  FROM runs r JOIN plates rp ON rp.id = r.red_plate_id LEFT JOIN plates bp ON bp.id = r.blue_plate_id`;

interface RunSqlRow {
  id: number;
  created_utc: string;
  red_region: string;
  blue_region: string | null;
  mode: RunSummary['mode'];
  out_dir: string;
  summary_json: string;
  candidates: number;
  reviewed: number;
}

function runRow(r: RunSqlRow): RunRow {
  return {
    id: r.id,
    createdUtc: r.created_utc,
    redRegion: r.red_region,
    blueRegion: r.blue_region,
    mode: r.mode,
    candidates: r.candidates,
    reviewed: r.reviewed,
    outDir: r.out_dir,
  };
}

function plateRef(p: PlateSqlRow): PlateFileRef {
  return { region: p.region, band: p.band, file: p.file, epochJulian: p.epoch_julian, headerSha256: p.header_sha256 };
}

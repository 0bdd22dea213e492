/**
 * The review store, one SQLite file per workspace, behind one class. The work
 * is split by job: opening and migrating (database.ts), recording runs
 * (ingest.ts), runs (runs.ts), candidate queries (candidates.ts), reviews and
 * comments (reviews.ts), agreement (agreement.ts); Workspace delegates.
 *
 * Reviews are about objects (a position on a red plate), not about one run's
 * row: re-running a plate links new sources to the objects within 1" and the
 * reviews follow. History is append-only; current labels and the consensus are
 * derived by triggers (see migrations.ts).
 */
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { agreementOf } from './agreement';
import * as candidates from './candidates';
import { StoreDb, type OpenOptions } from './database';
import * as ingest from './ingest';
import type { ReviewLabel } from './labels';
import * as published from './published';
import * as reviews from './reviews';
import * as runs from './runs';
import * as survey from './survey';
import type { Agreement, CandidateDetail, CandidateQuery, CandidateRow, CommentEvent, FieldContents, PublishedSourceRow, ReviewEvent, RunRow } from './types';
import type { RunSummary } from '../pipeline/types';
import type { PipelineRunRecord, RecordingPace, RecordRunResult, RecordRunRows } from './ingest';
import type { AddCommentInput, AddReviewInput } from './reviews';
import type { RunSourceColumn } from './runs';

export type * from './types';
export type { OpenOptions } from './database';
export { REATTACH_RADIUS_ARCSEC, type RecordingPace, type PipelineRunRecord, type RecordedSource, type RecordRunInput, type RecordRunResult, type RecordRunRows } from './ingest';
export { MAX_COMMENT_CHARS, type AddCommentInput, type AddReviewInput } from './reviews';
export type { RunSourceColumn } from './runs';

/**
 * The one way a finished pipeline run enters a workspace: `vasco run` (which
 * the workstation starts as its run process) and `vasco demo` both call it.
 */
export function recordPipelineRun(ws: Workspace, result: PipelineRunRecord, outDir: string): Promise<RecordRunResult> {
  // recordRun reads the sources twice; each pass asks the run for fresh rows (no array of every source is kept).
  const red = { [Symbol.iterator]: () => result.sourceRows()[Symbol.iterator]() };
  return ws.recordRunPaced({ summary: result.summary, red, candidates: result.candidateRows(), outDir: resolve(outDir) });
}

export function openWorkspace(file: string, opts: OpenOptions = {}): Workspace {
  return new Workspace(resolve(file), opts);
}

export class Workspace {
  private readonly store: StoreDb;

  constructor(file: string, opts: OpenOptions = {}) {
    this.store = new StoreDb(file, opts);
  }

  get file(): string {
    return this.store.file;
  }

  get readonly(): boolean {
    return this.store.readonly;
  }

  /** Set when opening upgraded an older file: the copy kept from before. */
  get upgradeBackup(): string | null {
    return this.store.upgradeBackup;
  }

  /** The connection (tests look inside). */
  private get db(): Database.Database {
    return this.store.db;
  }

  close(): void {
    this.store.close();
  }

  // ------------------------------------------------------------------ runs

  /** Records a run in transactions back to back (fixtures, tests: nobody else writing). */
  recordRun(input: RecordRunRows): RecordRunResult {
    return ingest.recordRun(this.store, input);
  }

  /** Records a run in short transactions with pauses, so others' writes (a reviewer's flags) wait milliseconds. */
  recordRunPaced(input: RecordRunRows, pace?: RecordingPace): Promise<RecordRunResult> {
    return ingest.recordRunPaced(this.store, input, pace);
  }

  listRuns(): RunRow[] {
    return runs.listRuns(this.store);
  }

  getRun(runId: number): { row: RunRow; summary: RunSummary } {
    return runs.getRun(this.store, runId);
  }

  /**
   * Every red source of a run (candidates or not), only the asked measures,
   * in source order; for the run's histograms and plate maps. SQL NULL (e.g.
   * SPREAD_MODEL not measured) comes back as null.
   */
  runSources<C extends RunSourceColumn>(runId: number, columns: readonly C[]): Record<C, number | null>[] {
    return runs.runSources(this.store, runId, columns);
  }

  /** The newest run, or null in an empty workspace. */
  latestRunId(): number | null {
    return runs.latestRunId(this.store);
  }

  // ------------------------------------------------------------------ candidates

  listCandidates(q: CandidateQuery): { total: number; rows: CandidateRow[]; located?: number | null } {
    return candidates.listCandidates(this.store, q);
  }

  getCandidate(id: number, opts: { reviewer?: string; blind?: boolean } = {}): CandidateDetail {
    return candidates.getCandidate(this.store, id, opts);
  }

  /**
   * A run's candidates and catalogue counterparts inside the gnomonic square
   * of half-side halfSizeDeg about (ra0, dec0), for the sky view: a box on the
   * position indexes in SQL, then the exact square.
   */
  /** The run's published-source audit (schema v7; published.ts). */
  publishedSources(runId: number): PublishedSourceRow[] {
    return published.publishedSources(this.store, runId);
  }

  publishedSource(id: number): ReturnType<typeof published.publishedSource> {
    return published.publishedSource(this.store, id);
  }

  fieldContents(runId: number, ra0: number, dec0: number, halfSizeDeg: number): FieldContents {
    return candidates.fieldContents(this.store, runId, ra0, dec0, halfSizeDeg);
  }

  // ------------------------------------------------------------------ a survey's plates (one run each)

  surveyRuns(reviewer?: string): survey.SurveyRunRow[] {
    return survey.surveyRuns(this.store, reviewer);
  }

  surveyCandidatePoints(runIds: number[], opts: { reviewer?: string; blind?: boolean } = {}): survey.SurveyCandidatePoint[] {
    return survey.surveyCandidatePoints(this.store, runIds, opts);
  }

  // ------------------------------------------------------------------ reviewers, reviews, comments

  addReviewer(name: string): void {
    reviews.addReviewer(this.store, name);
  }

  listReviewers(): string[] {
    return reviews.listReviewers(this.store);
  }

  /** Record a label. Returns once the event is durable on disk. A reviewer seen for the first time is registered. */
  addReview(r: AddReviewInput): ReviewEvent {
    return reviews.addReview(this.store, r);
  }

  /**
   * Withdraw the reviewer's current label of the candidate (a new event; their
   * previous label, if any, becomes current again). Null when there is nothing
   * to undo.
   */
  undoReview(candidateId: number, reviewer: string, appVersion: string, idempotencyKey?: string): ReviewEvent | null {
    return reviews.undoReview(this.store, candidateId, reviewer, appVersion, idempotencyKey);
  }

  /** Record a comment on a candidate (its object). Returns once it is durable on disk. */
  addComment(c: AddCommentInput): CommentEvent {
    return reviews.addComment(this.store, c);
  }

  /** Comments on a candidate's object, oldest first (blind: only `reviewer`'s). */
  listComments(candidateId: number, opts: { reviewer?: string; blind?: boolean } = {}): CommentEvent[] {
    return reviews.listComments(this.store, candidateId, opts);
  }

  /**
   * Every remark on a run's candidates, oldest first: comments and the notes
   * kept with flags (candidate id -> remarks). For the exported catalogue.
   */
  remarks(runId: number): Map<number, { reviewer: string; createdUtc: string; text: string }[]> {
    return reviews.remarks(this.store, runId);
  }

  /** Current labels on a run's candidates: candidate id -> reviewer -> label. */
  currentLabels(runId: number): Map<number, Map<string, ReviewLabel>> {
    return reviews.currentLabels(this.store, runId);
  }

  /**
   * Agreement between the reviewers who labelled this run's candidates (or the
   * ones named): Cohen's kappa for two, Fleiss' kappa for three or more, over
   * the candidates every one of them labelled; plus Cohen's kappa per pair.
   */
  agreement(runId: number, reviewers?: string[]): Agreement {
    return agreementOf(this.currentLabels(runId), reviewers);
  }

  // ------------------------------------------------------------------ checks

  /** PRAGMA integrity_check: 'ok' or the problems found. */
  integrityCheck(): string {
    return this.store.integrityCheck();
  }

  /** Schema version of the open file. */
  get schemaVersion(): number {
    return this.store.schemaVersion;
  }
}

/**
 * The one contract between the renderer and the main process: every method's
 * name, argument schema (validated at runtime by every host) and result type,
 * and the events main pushes. Electron IPC, the HTTP browser host and the CLI
 * all serve exactly this.
 *
 * Browser-safe: imports zod, the label and export-format lists and types only. Pixels are FITS 1-based, angles are
 * degrees unless a name ends in Arcsec.
 */
import { z } from 'zod';
import { EXPORT_FORMAT_NAMES } from '../export/formats';
import type { RunSummary } from '../pipeline/types';
import { REVIEW_LABELS, type ReviewLabel } from '../store/labels';
import type { SampPeer, SampReply, SampSelection, SampStatus } from '../samp/session';
import type { SurveyOverview, SurveyPlateView } from '../store/survey';
import type {
  Agreement,
  CandidateDetail,
  CandidateRow,
  CandidateSortColumn,
  CommentEvent,
  PlateFileRef,
  PublishedSourceRow,
  RangeColumn,
  ReviewEvent,
  RunRow,
} from '../store/types';

// ---------------------------------------------------------------- shared pieces

const runId = z.number().int().positive();
const candidateId = z.number().int().positive();
const jobId = z.string().min(1).max(200);
const reviewerName = z.string().trim().min(1).max(80);
const band = z.enum(['red', 'blue']);
const label = z.enum(REVIEW_LABELS.map((l) => l.label) as [ReviewLabel, ...ReviewLabel[]]);
/**
 * Made by the client once per action (a key press, a click): a request sent
 * again with the same key, after its reply was lost, is answered with the
 * event already stored instead of storing a second one.
 */
const idempotencyKey = z.string().min(1).max(128);

export const candidateSortColumns = [
  'id', 'sourceNumber', 'ra', 'dec', 'x', 'y', 'mag', 'magErr', 'snr', 'fwhm', 'elongation',
  'spreadModel', 'flags', 'nearestBlueArcsec', 'blueDetectionArcsec', 'edgeDistancePx', 'consensus', 'myLabel', 'label', 'reviews', 'plate',
] as const satisfies readonly CandidateSortColumn[];

const candidateSort = z.strictObject({
  column: z.enum(candidateSortColumns),
  desc: z.boolean().optional(),
});

/** See CandidateQuery['filter'] in electron/store/types.ts. */
const RANGE_COLUMNS = ['spreadModel', 'fwhm', 'mag', 'snr', 'elongation'] as const satisfies readonly RangeColumn[];
const candidateFilter = z.strictObject({
  reasons: z.array(z.string().min(1).max(64)).max(64).optional(),
  labels: z.array(z.union([label, z.literal('unreviewed')])).max(32).optional(),
  reviewer: reviewerName.optional(),
  text: z.string().max(200).optional(),
  magMin: z.number().optional(),
  magMax: z.number().optional(),
  snrMin: z.number().optional(),
  /** A bin of a plot: min <= column < max. */
  range: z.strictObject({ column: z.enum(RANGE_COLUMNS), min: z.number(), max: z.number() }).optional(),
});

/** Display settings a reviewer saw when labelling (kept with the review, for audit). */
const display = z.record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean(), z.null()]));

// ---------------------------------------------------------------- wire types
// The store's row types are the wire types (electron/store/types.ts, type-only).
export type { Agreement, CandidateDetail, CandidateRow, CommentEvent, PlateFileRef, PublishedSourceRow, ReviewEvent, RunRow, ReviewLabel };
export type { SurveyOverview, SurveyPlateView };

export interface PipelineProgress {
  stage: string;
  fraction: number;
  etaSeconds?: number;
  message?: string;
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What a plate's header says, for the file picker ("XE198 red · POSS-I E · plate 07WS · 1957-12-20"). */
export interface PlateSummary {
  band: 'red' | 'blue';
  survey: string;
  region: string;
  field: number | null;
  plateId: string | null;
  /** Exposure start, ISO UTC; null without DATE-OBS. */
  dateObs: string | null;
  width: number;
  height: number;
  text: string;
}

export interface DataFolderEntry {
  name: string;
  /** Absolute path on the host (what pipeline.start takes). */
  path: string;
  /** Relative to the data folder, '/'-separated (what files.list's dir takes, for folders). */
  relPath: string;
  kind: 'folder' | 'fits' | 'catalogue';
  size: number;
  /** ISO UTC. */
  mtime: string;
  /** FITS: the header's plate identity, when it is a POSS-I plate. */
  plate?: PlateSummary;
  /** FITS: why no plate identity (not POSS-I, truncated, ...). */
  note?: string;
}

export interface DataFolderListing {
  /** The data folder, absolute. */
  root: string;
  /** The folder listed, relative to root ('' for root). */
  dir: string;
  /** dir's parent, relative; null at the root. */
  parent: string | null;
  entries: DataFolderEntry[];
  /** Links leading outside the data folder, left out. */
  hiddenLinks: number;
}

export interface Histogram {
  /** Bin edges, length counts.length + 1. */
  edges: number[];
  counts: number[];
}

// ---------------------------------------------------------------- methods

/** Argument schemas, one per method. Objects are strict: unknown fields are errors. */
export const argSchemas = {
  'app.info': z.strictObject({}),
  'runs.list': z.strictObject({}),
  'runs.get': z.strictObject({ runId }),
  'runs.histograms': z.strictObject({ runId }),
  'pipeline.start': z.strictObject({
    red: z.string().min(1).optional(),
    blue: z.string().min(1).optional(),
    /** POSS-I field number or plate id (e.g. "687" or "XE687"). */
    plate: z.string().min(1).max(20).optional(),
    ra: z.number().min(0).max(360).optional(),
    dec: z.number().min(-90).max(90).optional(),
    sizeArcmin: z.number().positive().max(600).optional(),
    offline: z.boolean(),
    redOnly: z.boolean(),
    params: z.record(z.string().max(64), z.union([z.number(), z.boolean(), z.string().max(1000)])),
  }),
  'pipeline.cancel': z.strictObject({ jobId }),
  'pipeline.resume': z.strictObject({ jobId }),
  'pipeline.status': z.strictObject({ jobId }),
  'candidates.list': z.strictObject({
    /** One run, or `runIds`: a survey's plates (several runs) at once. */
    runId: runId.optional(),
    runIds: z.array(runId).max(10_000).optional(),
    sort: candidateSort.optional(),
    filter: candidateFilter.optional(),
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(10_000),
    /** Report where this candidate sits in the query (`located`), e.g. to keep it selected after a re-sort. */
    locate: candidateId.optional(),
    reviewer: reviewerName.optional(),
    blind: z.boolean().optional(),
  }),
  /** The open store's survey (null when it is not a survey's survey.sqlite). */
  'survey.overview': z.strictObject({ reviewer: reviewerName.optional(), blind: z.boolean().optional() }),
  'candidates.get': z.strictObject({ candidateId, reviewer: reviewerName.optional(), blind: z.boolean().optional() }),
  'cutout.get': z.strictObject({ candidateId, band, sizePx: z.number().int().min(8).max(2048) }),
  'blink.get': z.strictObject({
    candidateId,
    sizeArcsec: z.number().positive().max(3600),
    pixelArcsec: z.number().positive().max(60).optional(),
  }),
  'skycontext.get': z.strictObject({ candidateId, sizeArcmin: z.number().positive().max(120) }),
  'reviewers.list': z.strictObject({}),
  'reviewers.add': z.strictObject({ name: reviewerName }),
  'reviews.add': z.strictObject({
    candidateId,
    reviewer: reviewerName,
    label,
    confidence: z.number().min(0).max(1).optional(),
    note: z.string().max(4000).optional(),
    display: display.optional(),
    idempotencyKey: idempotencyKey.optional(),
  }),
  'reviews.undo': z.strictObject({ candidateId, reviewer: reviewerName, idempotencyKey: idempotencyKey.optional() }),
  'comments.add': z.strictObject({
    candidateId,
    reviewer: reviewerName,
    body: z.string().trim().min(1).max(4000),
    idempotencyKey: idempotencyKey.optional(),
  }),
  'comments.list': z.strictObject({ candidateId, reviewer: reviewerName.optional(), blind: z.boolean().optional() }),
  'reviews.agreement': z.strictObject({ runId }),
  'export.run': z.strictObject({
    runId,
    scope: z.enum(['vetted', 'all']),
    labels: z.array(label).max(32).optional(),
    format: z.enum(EXPORT_FORMAT_NAMES),
  }),
  // SAMP (electron/samp/): hand the table, cutouts and positions to TOPCAT, DS9 and Aladin.
  'samp.status': z.strictObject({}),
  'samp.connect': z.strictObject({}),
  'samp.disconnect': z.strictObject({}),
  'samp.sendTable': z.strictObject({ runId, scope: z.enum(['vetted', 'all']) }),
  'samp.sendCutouts': z.strictObject({ candidateId, sizePx: z.number().int().min(16).max(2048).optional() }),
  'samp.pointAt': z.strictObject({ candidateId }),
  /** Highlight the candidate's row of the table last sent (TOPCAT follows the reviewer). */
  'samp.highlight': z.strictObject({ candidateId }),
  // The published-source audit of a run (--vasco): the published layer.
  'published.list': z.strictObject({ runId }),
  /** Red/blue blink frames at a published source's own position (also where nothing was detected). */
  'published.blink': z.strictObject({ publishedId: z.number().int().positive(), sizeArcsec: z.number().positive().max(3600) }),
  /** Plates, catalogue files and subfolders of the host's data folder (electron/api/data-folder.ts); dir is relative to it. */
  'files.list': z.strictObject({ dir: z.string().max(1000).optional() }),
} as const;

export type MethodName = keyof typeof argSchemas;
export const methodNames = Object.keys(argSchemas) as MethodName[];
export type MethodArgs<M extends MethodName> = z.input<(typeof argSchemas)[M]>;

export interface MethodResults {
  'app.info': { version: string; offline: boolean; dbPath: string; tools: Record<string, string>; reviewer: string | null };
  'runs.list': RunRow[];
  'runs.get': { row: RunRow; summary: RunSummary };
  'runs.histograms': {
    spreadModel: Histogram & { cut: number };
    fwhm: Histogram & { min: number; max: number };
    /** Red source positions, FITS 1-based, on a plate of width x height pixels. */
    positions: { x: number[]; y: number[]; width: number; height: number };
  };
  'pipeline.start': { jobId: string };
  'pipeline.cancel': { ok: true };
  'pipeline.resume': { jobId: string };
  'pipeline.status': { state: JobState; runId?: number; error?: string; progress: PipelineProgress | null };
  /** `located`: only when `locate` was asked; the 0-based position, or null when the query leaves it out. */
  'candidates.list': { total: number; rows: CandidateRow[]; located?: number | null };
  'candidates.get': CandidateDetail;
  'survey.overview': SurveyOverview | null;
  /** centerX/centerY: the candidate in the cutout's own FITS 1-based pixels. */
  'cutout.get': { fitsBase64: string; width: number; height: number; centerX: number; centerY: number };
  /** Base64 FITS images on one TAN grid centred on the candidate; blue null without a blue plate. */
  'blink.get': { red: string; blue: string | null; width: number; height: number };
  'skycontext.get': {
    fitsBase64: string;
    overlays: {
      candidates: { ra: number; dec: number; id: number }[];
      /** Catalogue counterparts the veto found in the field (degrees, at the plate epoch). */
      counterparts: { ra: number; dec: number; catalog: string; id?: string; sourceNumber?: number; distanceArcsec?: number }[];
    };
  };
  'reviewers.list': string[];
  'reviewers.add': string[];
  'reviews.add': ReviewEvent;
  'reviews.undo': ReviewEvent | null;
  'comments.add': CommentEvent;
  /** Oldest first; blind mode: the reviewer's own only. */
  'comments.list': CommentEvent[];
  'reviews.agreement': Agreement;
  'export.run': { rows: number; file: string; contentBase64: string };
  'samp.status': SampStatus;
  'samp.connect': SampStatus;
  'samp.disconnect': SampStatus;
  /** `summary`: who loaded it, refused it or did not answer, in words. */
  'samp.sendTable': { rows: number; tableId: string; replies: SampReply[]; summary: string };
  'samp.sendCutouts': { images: { band: 'red' | 'blue'; replies: SampReply[] }[]; summary: string };
  'samp.pointAt': { recipients: SampPeer[] };
  /** `row`: null when the candidate is not in the table sent (or none was). */
  'samp.highlight': { row: number | null; recipients: SampPeer[] };
  /**
   * In published.csv's order; empty when the run had no --vasco (or was recorded before schema v7).
   * x, y: the published position on the red plate (FITS 1-based), for the plate map.
   */
  'published.list': { rows: (PublishedSourceRow & { x: number; y: number })[]; plate: { width: number; height: number } | null };
  'published.blink': MethodResults['blink.get'];
  'files.list': DataFolderListing;
}
export type MethodResult<M extends MethodName> = MethodResults[M];

// ---------------------------------------------------------------- events

export interface EventPayloads {
  'pipeline.progress': { jobId: string } & PipelineProgress;
  'pipeline.log': { jobId: string; line: string };
  'pipeline.done': { jobId: string; state: Exclude<JobState, 'running'>; runId?: number; error?: string };
  /** TOPCAT (or another SAMP tool) picked a row of a table we sent: select that candidate. */
  'samp.select': SampSelection;
  /** The SAMP connection changed (connected, disconnected, the hub went away). */
  'samp.status': SampStatus;
}
export type EventName = keyof EventPayloads;
export const eventNames: EventName[] = ['pipeline.progress', 'pipeline.log', 'pipeline.done', 'samp.select', 'samp.status'];
/** One pushed event as it travels (SSE data line, IPC message). */
export type ApiEvent = { [E in EventName]: { event: E; data: EventPayloads[E] } }[EventName];

// ---------------------------------------------------------------- errors

/** What a failed call returns on every transport. */
export interface ApiErrorBody {
  message: string;
  hint?: string;
  /** 'bad-arguments', 'unknown-method', 'not-found', 'user-error', 'internal', ... */
  code: string;
}
export interface ApiFailure {
  error: ApiErrorBody;
}

/** HTTP status that belongs to an error code (the IPC host carries the code only). */
export function statusForCode(code: string): number {
  if (code === 'bad-arguments' || code === 'unknown-method') return 400;
  if (code === 'not-found') return 404;
  if (code === 'unauthorized') return 401;
  if (code === 'forbidden') return 403;
  if (code === 'internal') return 500;
  return 422; // a UserError: the request was understood but cannot be done as asked
}

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(argSchemas, name);
}

export type ParseResult<M extends MethodName> =
  | { ok: true; args: z.output<(typeof argSchemas)[M]> }
  | { ok: false; error: ApiErrorBody };

/**
 * Validate a method's arguments. On failure the message names the method and
 * the first bad field, e.g. `cutout.get: bad argument "band": ...`.
 */
export function parseArgs<M extends MethodName>(method: M, raw: unknown): ParseResult<M> {
  const r = argSchemas[method].safeParse(raw ?? {});
  if (r.success) return { ok: true, args: r.data as z.output<(typeof argSchemas)[M]> };
  const issue = r.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys ?? [] : [];
  const field = [...issue.path.map(String), ...keys].join('.') || '(arguments)';
  return {
    ok: false,
    error: {
      code: 'bad-arguments',
      message: `${method}: bad argument "${field}": ${issue.message}`,
      hint: 'the caller sent arguments the API contract (electron/api/contract.ts) does not accept',
    },
  };
}

/**
 * Reviewers, their labels and comments: append-only events about objects,
 * idempotent on a client's key; the current labels derived by triggers.
 */
import { UserError } from '../core/errors';
import type { StoreDb } from './database';
import { isReviewLabel, REVIEW_LABELS, type ReviewLabel } from './labels';
import type { CommentEvent, ReviewEvent } from './types';

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

export const LABEL_LIST = REVIEW_LABELS.map((l) => l.label).join(', ');

export interface HistorySqlRow {
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

export function historyEvent(r: HistorySqlRow): ReviewEvent {
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

export function reviewerId(s: StoreDb, name: string | undefined): number | null {
  if (!name) return null;
  const r = s.db.prepare('SELECT id FROM reviewers WHERE name = ?').get(name.trim()) as { id: number } | undefined;
  return r?.id ?? null;
}

function checkReviewerName(name: string): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n || n.length > 80) throw new UserError(`reviewer name "${name}" is not usable`, 'give a name of 1 to 80 characters', 'bad-arguments');
  return n;
}

function ensureReviewer(s: StoreDb, name: string): number {
  const n = checkReviewerName(name);
  s.db.prepare('INSERT INTO reviewers (name, created_utc) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(n, new Date().toISOString());
  return reviewerId(s, n)!;
}

export function addReviewer(s: StoreDb, name: string): void {
  s.write('add a reviewer to', () => void ensureReviewer(s, name));
}

export function listReviewers(s: StoreDb): string[] {
  return s.guard('read', () => (s.db.prepare('SELECT name FROM reviewers ORDER BY name').all() as { name: string }[]).map((r) => r.name));
}

function candidateObject(s: StoreDb, candidateId: number): number {
  const r = s.db
    .prepare('SELECT s.object_id FROM candidates c JOIN sources s ON s.id = c.source_id WHERE c.id = ?')
    .get(candidateId) as { object_id: number } | undefined;
  if (!r) throw new UserError(`candidate ${candidateId} is not in ${s.file}`, 'pick a candidate from the list of a recorded run', 'not-found');
  return r.object_id;
}

function event(s: StoreDb, id: number): ReviewEvent {
  return historyEvent(s.db.prepare('SELECT * FROM review_history WHERE id = ?').get(id) as HistorySqlRow);
}

/**
 * The event a request with this idempotency key already stored, or null
 * when the key is new. The same key on a different request is refused: it
 * would otherwise swallow that request silently.
 */
function priorAction(s: StoreDb, table: 'reviews' | 'comments', key: string | undefined, expected: Omit<PriorAction, 'id'>): number | null {
  if (key === undefined) return null;
  const sql =
    table === 'reviews'
      ? 'SELECT id, candidate_id, reviewer_id, action, label AS content FROM reviews WHERE idempotency_key = ?'
      : "SELECT id, candidate_id, reviewer_id, 'comment' AS action, body AS content FROM comments WHERE idempotency_key = ?";
  const prior = s.db.prepare(sql).get(key) as PriorAction | undefined;
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
export function addReview(s: StoreDb, r: AddReviewInput): ReviewEvent {
  if (!isReviewLabel(r.label)) throw new UserError(`unknown review label "${r.label}"`, `use one of: ${LABEL_LIST}`, 'bad-arguments');
  if (r.confidence !== undefined && !(r.confidence >= 0 && r.confidence <= 1)) {
    throw new UserError(`confidence must be between 0 and 1, got ${r.confidence}`, 'give the confidence as a fraction, e.g. 0.8', 'bad-arguments');
  }
  if (!r.appVersion) throw new UserError('a review needs the app version that recorded it', 'pass appVersion', 'bad-arguments');
  const key = checkIdempotencyKey(r.idempotencyKey);
  return s.write('record a review in', () => {
    const objectId = candidateObject(s, r.candidateId);
    const reviewerId = ensureReviewer(s, r.reviewer);
    const prior = priorAction(s, 'reviews', key, { candidate_id: r.candidateId, reviewer_id: reviewerId, action: 'label', content: r.label });
    if (prior !== null) return event(s, prior);
    const id = Number(
      s.db
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
    return event(s, id);
  });
}

/**
 * Withdraw the reviewer's current label of the candidate (a new event; their
 * previous label, if any, becomes current again). Null when there is nothing
 * to undo.
 */
export function undoReview(s: StoreDb, candidateId: number, reviewer: string, appVersion: string, idempotencyKey?: string): ReviewEvent | null {
  const key = checkIdempotencyKey(idempotencyKey);
  return s.write('record an undo in', () => {
    const objectId = candidateObject(s, candidateId);
    const reviewerNumber = reviewerId(s, checkReviewerName(reviewer));
    if (reviewerNumber === null) return null;
    // A repeated undo answers with the first one; it must not withdraw the label before it too.
    const prior = priorAction(s, 'reviews', key, { candidate_id: candidateId, reviewer_id: reviewerNumber, action: 'undo', content: null });
    if (prior !== null) return event(s, prior);
    const current = s.db
      .prepare('SELECT review_id FROM current_labels WHERE object_id = ? AND reviewer_id = ?')
      .get(objectId, reviewerNumber) as { review_id: number } | undefined;
    if (!current) return null;
    const id = Number(
      s.db
        .prepare(
          `INSERT INTO reviews (object_id, candidate_id, reviewer_id, action, undoes_review_id, created_utc, app_version, idempotency_key)
           VALUES (?, ?, ?, 'undo', ?, ?, ?, ?)`,
        )
        .run(objectId, candidateId, reviewerNumber, current.review_id, new Date().toISOString(), appVersion || 'unknown', key ?? null)
        .lastInsertRowid,
    );
    return event(s, id);
  });
}

/** Record a comment on a candidate (its object). Returns once it is durable on disk. */
export function addComment(s: StoreDb, c: AddCommentInput): CommentEvent {
  const body = typeof c.body === 'string' ? c.body.trim() : '';
  if (!body) throw new UserError('a comment needs some text', 'write the comment, then add it', 'bad-arguments');
  if (body.length > MAX_COMMENT_CHARS) {
    throw new UserError(`a comment of ${body.length} characters is too long`, `keep it to ${MAX_COMMENT_CHARS} characters, or split it`, 'bad-arguments');
  }
  if (!c.appVersion) throw new UserError('a comment needs the app version that recorded it', 'pass appVersion', 'bad-arguments');
  const key = checkIdempotencyKey(c.idempotencyKey);
  return s.write('record a comment in', () => {
    const objectId = candidateObject(s, c.candidateId);
    const reviewerId = ensureReviewer(s, c.reviewer);
    const prior = priorAction(s, 'comments', key, { candidate_id: c.candidateId, reviewer_id: reviewerId, action: 'comment', content: body });
    const id =
      prior ??
      Number(
        s.db
          .prepare(
            `INSERT INTO comments (object_id, candidate_id, reviewer_id, body, created_utc, app_version, idempotency_key)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(objectId, c.candidateId, reviewerId, body, new Date().toISOString(), c.appVersion, key ?? null).lastInsertRowid,
      );
    return commentEvent(s.db.prepare(`${COMMENT_SELECT} WHERE m.id = ?`).get(id) as CommentSqlRow);
  });
}

/** Comments on a candidate's object, oldest first (blind: only `reviewer`'s). */
export function listComments(s: StoreDb, candidateId: number, opts: { reviewer?: string; blind?: boolean } = {}): CommentEvent[] {
  return s.read(() => {
    if (opts.blind && !opts.reviewer) {
      throw new UserError('blind mode needs the reviewer\'s name', 'choose who is reviewing before turning blind mode on', 'bad-arguments');
    }
    const onlyId = opts.blind ? (reviewerId(s, opts.reviewer) ?? -1) : null;
    return objectComments(s, candidateObject(s, candidateId), onlyId);
  });
}

export function objectComments(s: StoreDb, objectId: number, onlyReviewerId: number | null): CommentEvent[] {
  const rows = s.db
    .prepare(`${COMMENT_SELECT} WHERE m.object_id = @objectId ${onlyReviewerId === null ? '' : 'AND m.reviewer_id = @onlyReviewerId'} ORDER BY m.id`)
    .all({ objectId, onlyReviewerId }) as CommentSqlRow[];
  return rows.map(commentEvent);
}

/**
 * Every remark on a run's candidates, oldest first: comments and the notes
 * kept with flags (candidate id -> remarks). For the exported catalogue.
 */
export function remarks(s: StoreDb, runId: number): Map<number, { reviewer: string; createdUtc: string; text: string }[]> {
  return s.read(() => {
    const rows = s.db
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
export function currentLabels(s: StoreDb, runId: number): Map<number, Map<string, ReviewLabel>> {
  return s.guard('read', () => {
    const rows = s.db
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

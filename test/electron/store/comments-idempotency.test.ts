/**
 * Comments in their own right (append-only, in the candidate's detail, found
 * by the text filter, blind mode hides others'), and idempotency keys: a
 * request sent again after its reply was lost is not stored twice — also
 * across closing and reopening the file, and for an undo (a second undo would
 * withdraw the label before it as well).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../../../electron/store/workspace';
import { APP_VERSION, runInput, sky, tempDir } from './fixtures';

const open: Workspace[] = [];
function withRun() {
  const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
  open.push(ws);
  const { runId } = ws.recordRun(runInput('XE687', sky(20)));
  const ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
  return { ws, runId, ids };
}
afterEach(() => {
  while (open.length) open.pop()!.close();
});

function count(ws: Workspace, table: 'reviews' | 'comments'): number {
  const db = (ws as unknown as { db: Database.Database }).db;
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('comments', () => {
  it('are added, listed with author and time, and shown in the candidate detail, oldest first', () => {
    const { ws, ids } = withRun();
    const before = Date.now();
    const a = ws.addComment({ candidateId: ids[0], reviewer: 'ann', body: '  faint halo to the NE  ', appVersion: APP_VERSION });
    const b = ws.addComment({ candidateId: ids[0], reviewer: 'bob', body: 'agree, looks like a ghost', appVersion: APP_VERSION });
    expect(a).toMatchObject({ candidateId: ids[0], reviewer: 'ann', body: 'faint halo to the NE', appVersion: APP_VERSION });
    expect(Date.parse(a.createdUtc)).toBeGreaterThanOrEqual(before - 1000);
    expect(a.createdUtc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(ws.listComments(ids[0]).map((c) => c.id)).toEqual([a.id, b.id]);
    expect(ws.getCandidate(ids[0]).comments.map((c) => c.body)).toEqual(['faint halo to the NE', 'agree, looks like a ghost']);
    expect(ws.listComments(ids[1])).toEqual([]);
    // A comment is not a label: nothing about the labels changed.
    expect(ws.getCandidate(ids[0]).row).toMatchObject({ consensus: null, reviews: 0 });
  });

  it('refuse empty and overlong text and unknown candidates with a clear error', () => {
    const { ws, ids } = withRun();
    expect(() => ws.addComment({ candidateId: ids[0], reviewer: 'ann', body: '   ', appVersion: APP_VERSION })).toThrow(/needs some text/);
    expect(() => ws.addComment({ candidateId: ids[0], reviewer: 'ann', body: 'x'.repeat(4001), appVersion: APP_VERSION })).toThrow(/too long/);
    expect(() => ws.addComment({ candidateId: 99999, reviewer: 'ann', body: 'hello', appVersion: APP_VERSION })).toThrow(/candidate 99999 is not in/);
  });

  it('are append-only: no update, no delete', () => {
    const { ws, ids } = withRun();
    ws.addComment({ candidateId: ids[0], reviewer: 'ann', body: 'keep me', appVersion: APP_VERSION });
    const db = new Database(ws.file);
    expect(() => db.prepare("UPDATE comments SET body = 'changed'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM comments').run()).toThrow(/append-only/);
    db.close();
    expect(ws.listComments(ids[0])[0].body).toBe('keep me');
  });

  it('are found by the text filter; blind mode shows only the reviewer\'s own', () => {
    const { ws, runId, ids } = withRun();
    ws.addComment({ candidateId: ids[3], reviewer: 'ann', body: 'plate scratch crosses it', appVersion: APP_VERSION });
    ws.addComment({ candidateId: ids[5], reviewer: 'bob', body: 'scratch? no, a satellite', appVersion: APP_VERSION });
    expect(ws.listCandidates({ runId, filter: { text: 'scratch' } }).rows.map((r) => r.id)).toEqual([ids[3], ids[5]]);
    expect(ws.listCandidates({ runId, reviewer: 'ann', blind: true, filter: { text: 'scratch' } }).rows.map((r) => r.id)).toEqual([ids[3]]);
    expect(ws.getCandidate(ids[5], { reviewer: 'ann', blind: true }).comments).toEqual([]);
    expect(ws.listComments(ids[5], { reviewer: 'bob', blind: true }).map((c) => c.reviewer)).toEqual(['bob']);
    expect(() => ws.listComments(ids[5], { blind: true })).toThrow(/blind mode needs the reviewer/);
  });

  it('follow the object into a re-run of the plate, with review notes, in remarks()', () => {
    const { ws, ids } = withRun();
    ws.addComment({ candidateId: ids[2], reviewer: 'ann', body: 'check the blue plate again', appVersion: APP_VERSION });
    ws.addReview({ candidateId: ids[2], reviewer: 'bob', label: 'transient', note: 'sharp, stellar', appVersion: APP_VERSION });
    const again = ws.recordRun(runInput('XE687', sky(20)));
    const rerun = ws.listCandidates({ runId: again.runId }).rows[2].id;
    expect(ws.listComments(rerun).map((c) => c.body)).toEqual(['check the blue plate again']);
    const remarks = ws.remarks(again.runId).get(rerun)!;
    expect(remarks.map((r) => `${r.reviewer}: ${r.text}`)).toEqual(['ann: check the blue plate again', 'bob: sharp, stellar']);
  });
});

describe('idempotency keys', () => {
  it('a label sent twice with one key is stored once and the repeat answers with the original event', () => {
    const { ws, ids } = withRun();
    const args = { candidateId: ids[0], reviewer: 'ann', label: 'transient' as const, appVersion: APP_VERSION, idempotencyKey: 'k-label-1' };
    const first = ws.addReview(args);
    const again = ws.addReview(args);
    expect(again).toEqual(first);
    expect(count(ws, 'reviews')).toBe(1);
    // Without a key (or with a new one) the same label is a new event, as before.
    ws.addReview({ ...args, idempotencyKey: 'k-label-2' });
    expect(count(ws, 'reviews')).toBe(2);
  });

  it('holds across closing and reopening the file (the repeat may come after a restart)', () => {
    const { ws, ids } = withRun();
    const first = ws.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION, idempotencyKey: 'k-restart' });
    const file = ws.file;
    open.pop()!.close();
    const reopened = openWorkspace(file);
    open.push(reopened);
    expect(reopened.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION, idempotencyKey: 'k-restart' })).toEqual(first);
    expect(count(reopened, 'reviews')).toBe(1);
  });

  it('an undo sent twice withdraws one label, not two', () => {
    const { ws, ids } = withRun();
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION });
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });
    const first = ws.undoReview(ids[0], 'ann', APP_VERSION, 'k-undo');
    const again = ws.undoReview(ids[0], 'ann', APP_VERSION, 'k-undo');
    expect(again).toEqual(first);
    expect(ws.getCandidate(ids[0], { reviewer: 'ann' }).row.myLabel).toBe('blend');
    expect(count(ws, 'reviews')).toBe(3);
  });

  it('a comment sent twice is stored once', () => {
    const { ws, ids } = withRun();
    const args = { candidateId: ids[0], reviewer: 'ann', body: 'double-click happens', appVersion: APP_VERSION, idempotencyKey: 'k-comment' };
    expect(ws.addComment(args)).toEqual(ws.addComment(args));
    expect(ws.listComments(ids[0])).toHaveLength(1);
  });

  it('a key reused for a different action is refused, naming the key', () => {
    const { ws, ids } = withRun();
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION, idempotencyKey: 'k-clash' });
    expect(() => ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION, idempotencyKey: 'k-clash' })).toThrow(
      /idempotency key "k-clash" was already used/,
    );
    expect(() => ws.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION, idempotencyKey: 'k-clash' })).toThrow(/already used/);
    expect(() => ws.undoReview(ids[0], 'ann', APP_VERSION, 'k-clash')).toThrow(/already used/);
    expect(() => ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION, idempotencyKey: '' })).toThrow(/not usable/);
    expect(count(ws, 'reviews')).toBe(1);
  });

  it('the key is unique in SQLite itself, not only in the code', () => {
    const { ws, ids } = withRun();
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION, idempotencyKey: 'k-sql' });
    ws.addComment({ candidateId: ids[0], reviewer: 'ann', body: 'x', appVersion: APP_VERSION, idempotencyKey: 'k-sql-c' });
    const db = new Database(ws.file);
    const review = db.prepare('SELECT object_id, candidate_id, reviewer_id FROM reviews').get() as Record<string, number>;
    expect(() =>
      db
        .prepare(`INSERT INTO reviews (object_id, candidate_id, reviewer_id, action, label, created_utc, idempotency_key) VALUES (?, ?, ?, 'label', 'blend', 'now', 'k-sql')`)
        .run(review.object_id, review.candidate_id, review.reviewer_id),
    ).toThrow(/UNIQUE/);
    expect(() =>
      db
        .prepare(`INSERT INTO comments (object_id, candidate_id, reviewer_id, body, created_utc, app_version, idempotency_key) VALUES (?, ?, ?, 'y', 'now', 'v', 'k-sql-c')`)
        .run(review.object_id, review.candidate_id, review.reviewer_id),
    ).toThrow(/UNIQUE/);
    db.close();
  });
});

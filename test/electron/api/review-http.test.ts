/**
 * Reviews and comments over the real browser host (HTTP, real SQLite file):
 * a request whose reply was lost is sent again with the same idempotency key
 * and must not be stored twice; comments are added, listed and shown in the
 * candidate's detail; blind mode answers a request that names the reviewer.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost, type HttpHost } from '../../../electron/host/http-host';
import { openWorkspace } from '../../../electron/store/workspace';
import { runInput, sky, tempDir } from '../store/fixtures';

let host: HttpHost;
let dbPath: string;
let ids: number[] = [];
let runId = 0;

/** One POST /api/<method>, as the renderer's client sends it; the HTTP status and the envelope. */
async function post(method: string, args: unknown): Promise<{ status: number; body: { result?: unknown; error?: { message: string; code: string } } }> {
  const res = await fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(args),
  });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: { message: string; code: string } } };
}

/** Rows in the file itself, read beside the host (WAL: a reader sees every committed write). */
function countRows(table: 'reviews' | 'comments'): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dbPath = join(tempDir('vasco-review-http-'), 'vasco.sqlite');
  const ws = openWorkspace(dbPath);
  runId = ws.recordRun(runInput('XE687', sky(12))).runId;
  ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
  ws.close();
  host = await startHttpHost({ dbPath, port: 0, offline: true });
});
afterAll(async () => {
  await host?.close();
});

describe('reviews and comments over HTTP', () => {
  it('the same reviews.add sent twice is stored once; the repeat gets the original event', async () => {
    const args = { candidateId: ids[0], reviewer: 'ann', label: 'transient', display: { redStretch: 'asinh' }, idempotencyKey: 'http-flag-1' };
    const first = await post('reviews.add', args);
    const again = await post('reviews.add', args);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(first.body.result);
    expect(countRows('reviews')).toBe(1);
  });

  it('the same reviews.undo sent twice withdraws one label only', async () => {
    await post('reviews.add', { candidateId: ids[1], reviewer: 'ann', label: 'blend', idempotencyKey: 'http-flag-2' });
    await post('reviews.add', { candidateId: ids[1], reviewer: 'ann', label: 'asteroid', idempotencyKey: 'http-flag-3' });
    const undo = { candidateId: ids[1], reviewer: 'ann', idempotencyKey: 'http-undo-1' };
    const first = await post('reviews.undo', undo);
    const again = await post('reviews.undo', undo);
    expect(again.body.result).toEqual(first.body.result);
    const detail = await post('candidates.get', { candidateId: ids[1], reviewer: 'ann' });
    expect((detail.body.result as { row: { myLabel: string } }).row.myLabel).toBe('blend');
  });

  it('a key reused for another action is refused with a clear error, nothing stored', async () => {
    const before = countRows('reviews');
    const clash = await post('reviews.add', { candidateId: ids[2], reviewer: 'ann', label: 'unsure', idempotencyKey: 'http-flag-1' });
    expect(clash.status).toBe(400);
    expect(clash.body.error!.message).toMatch(/idempotency key "http-flag-1" was already used/);
    expect(countRows('reviews')).toBe(before);
  });

  it('comments.add twice with one key is one comment, listed and in the candidate detail with author and time', async () => {
    const args = { candidateId: ids[3], reviewer: 'bob', body: 'halo of the bright star to the east', idempotencyKey: 'http-comment-1' };
    const first = await post('comments.add', args);
    const again = await post('comments.add', args);
    expect(again.body.result).toEqual(first.body.result);
    expect(first.body.result).toMatchObject({ reviewer: 'bob', body: args.body, candidateId: ids[3] });
    const list = await post('comments.list', { candidateId: ids[3] });
    expect(list.body.result).toEqual([first.body.result]);
    const detail = await post('candidates.get', { candidateId: ids[3] });
    expect((detail.body.result as { comments: unknown[] }).comments).toEqual([first.body.result]);
    expect(countRows('comments')).toBe(1);
  });

  it('blind mode: a progress query that names the reviewer is answered, one without is refused', async () => {
    const named = await post('candidates.list', { runId, offset: 0, limit: 1, reviewer: 'ann', blind: true });
    expect(named.status).toBe(200);
    const anonymous = await post('candidates.list', { runId, offset: 0, limit: 1, blind: true });
    expect(anonymous.body.error!.message).toMatch(/blind mode needs the reviewer's name/);
  });
});

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { REVIEW_LABELS } from '../../../electron/store/labels';
import { openWorkspace, type Workspace } from '../../../electron/store/workspace';
import { APP_VERSION, runInput, sky, tempDir } from './fixtures';

const open: Workspace[] = [];
function fresh(): Workspace {
  const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
  open.push(ws);
  return ws;
}
afterEach(() => {
  while (open.length) open.pop()!.close();
});

/** A workspace with one run of 20 sources, 10 of them candidates. */
function withRun() {
  const ws = fresh();
  const { runId } = ws.recordRun(runInput('XE687', sky(20)));
  const ids = ws.listCandidates({ runId }).rows.map((r) => r.id);
  return { ws, runId, ids };
}

describe('workspace file', () => {
  it('uses WAL, foreign keys and synchronous=FULL', () => {
    const ws = fresh();
    const db = new Database(ws.file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous and foreign_keys are per connection: read them from the store's own.
    const inner = (ws as unknown as { db: Database.Database }).db;
    expect(inner.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(inner.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});

describe('runs and candidates', () => {
  it('records every red source with its ledger and lists the candidates', () => {
    const input = runInput('XE687', sky(20));
    const ws = fresh();
    const { runId, orphanedReviews, reattached } = ws.recordRun(input);
    expect(reattached).toBe(0);
    expect(orphanedReviews).toEqual([]);
    const runs = ws.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: runId, redRegion: 'XE687', blueRegion: 'XO687', mode: 'red+blue', candidates: 10, reviewed: 0 });
    expect(ws.getRun(runId).summary).toEqual(input.summary);

    const { total, rows } = ws.listCandidates({ runId });
    expect(total).toBe(10);
    expect(rows.map((r) => r.sourceNumber)).toEqual(input.candidates.map((c) => c.id));
    expect(rows[0].ledger).toEqual(input.candidates[0].ledger);
    expect(rows[0]).toMatchObject({ ra: input.candidates[0].ra, dec: input.candidates[0].dec, consensus: null, reviews: 0, plate: 'XE687' });

    // Dropped sources are kept with the stage and reason that dropped them.
    const inner = (ws as unknown as { db: Database.Database }).db;
    const dropped = inner.prepare('SELECT COUNT(*) AS n FROM sources WHERE dropped_stage = ? AND dropped_reason = ?').get('red-vs-blue', 'blue_match') as { n: number };
    expect(dropped.n).toBe(10);
    const gaia = inner.prepare('SELECT nearest_gaia_arcsec AS d FROM sources WHERE number = 2').get() as { d: number };
    expect(gaia.d).toBe(1.2);
  });

  it('sorts by whitelisted columns only, pages and filters', () => {
    const { ws, runId, ids } = withRun();
    const byMag = ws.listCandidates({ runId, sort: { column: 'mag', desc: true } }).rows.map((r) => r.mag);
    expect(byMag).toEqual([...byMag].sort((a, b) => b - a));
    expect(() => ws.listCandidates({ runId, sort: { column: 'mag; DROP TABLE reviews' } })).toThrow(/cannot sort candidates by/);
    const page = ws.listCandidates({ runId, offset: 3, limit: 4 });
    expect(page.total).toBe(10);
    expect(page.rows.map((r) => r.id)).toEqual(ids.slice(3, 7));
    expect(ws.listCandidates({ runId, filter: { reasons: ['ps1_skipped'] } }).total).toBe(10);
    expect(ws.listCandidates({ runId, filter: { reasons: ['gaia'] } }).total).toBe(0);
    expect(ws.listCandidates({ runId, filter: { text: 'Dec < -30' } }).total).toBe(10);
    expect(ws.listCandidates({ runId, filter: { text: String(ids[4]) } }).rows.map((r) => r.id)).toContain(ids[4]);
  });

  it('locates a candidate in any sort and filter (where a selection sits after a re-sort), null when filtered out', () => {
    const { ws, runId, ids } = withRun();
    ws.addReview({ candidateId: ids[2], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION });
    for (const sort of [{ column: 'mag', desc: true }, { column: 'snr' }, { column: 'myLabel', desc: true }, { column: 'id', desc: true }]) {
      const all = ws.listCandidates({ runId, reviewer: 'ann', sort }).rows.map((r) => r.id);
      for (const id of ids) {
        const r = ws.listCandidates({ runId, reviewer: 'ann', sort, offset: 0, limit: 1, locate: id });
        expect(r.located, `${JSON.stringify(sort)} #${id}`).toBe(all.indexOf(id));
      }
    }
    const open = ws.listCandidates({ runId, reviewer: 'ann', filter: { labels: ['unreviewed'], reviewer: 'ann' }, limit: 1, locate: ids[2] });
    expect(open.located).toBeNull();
    expect(ws.listCandidates({ runId, limit: 1 })).not.toHaveProperty('located');
  });
});

describe('reviews', () => {
  it('accepts every label of the taxonomy and refuses others', () => {
    const { ws, ids } = withRun();
    for (const { label } of REVIEW_LABELS) ws.addReview({ candidateId: ids[0], reviewer: 'ann', label, appVersion: APP_VERSION });
    expect(() => ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'ufo' as never, appVersion: APP_VERSION })).toThrow(/unknown review label "ufo"/);
    expect(() => ws.addReview({ candidateId: 999999, reviewer: 'ann', label: 'blend', appVersion: APP_VERSION })).toThrow(/candidate 999999 is not in/);
    expect(() => ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'blend', confidence: 2, appVersion: APP_VERSION })).toThrow(/between 0 and 1/);
  });

  it('keeps the review record: reviewer, label, confidence, note, UTC time, app version, display settings', () => {
    const { ws, ids } = withRun();
    const display = { stretch: 'asinh', zoom: 4, blinkMs: 500, invert: true };
    const before = Date.now();
    const e = ws.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'transient', confidence: 0.7, note: 'round, no blue', appVersion: APP_VERSION, display });
    expect(e).toMatchObject({ candidateId: ids[1], reviewer: 'ann', action: 'label', label: 'transient', confidence: 0.7, note: 'round, no blue', appVersion: APP_VERSION, display, undoes: null });
    expect(e.createdUtc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(e.createdUtc)).toBeGreaterThanOrEqual(before - 1);
    expect(ws.listReviewers()).toEqual(['ann']);
    ws.addReviewer('bob');
    ws.addReviewer(' bob ');
    expect(ws.listReviewers()).toEqual(['ann', 'bob']);
  });

  it('refuses to change or delete review history (append-only trigger)', () => {
    const { ws, ids } = withRun();
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });
    const db = new Database(ws.file);
    expect(() => db.prepare("UPDATE reviews SET label = 'blend'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM reviews').run()).toThrow(/append-only/);
    // Deleting what a review hangs on is refused too (foreign keys).
    db.pragma('foreign_keys = ON');
    expect(() => db.prepare('DELETE FROM candidates').run()).toThrow(/FOREIGN KEY/);
    expect((db.prepare('SELECT COUNT(*) AS n FROM reviews').get() as { n: number }).n).toBe(1);
    db.close();
  });

  it('undo is a new event that uncovers the previous label', () => {
    const { ws, runId, ids } = withRun();
    const c = ids[2];
    const first = ws.addReview({ candidateId: c, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });
    const second = ws.addReview({ candidateId: c, reviewer: 'ann', label: 'emulsion_defect', appVersion: APP_VERSION });
    const mine = () => ws.listCandidates({ runId, reviewer: 'ann' }).rows.find((r) => r.id === c)!.myLabel;
    expect(mine()).toBe('emulsion_defect');
    const undo = ws.undoReview(c, 'ann', APP_VERSION)!;
    expect(undo).toMatchObject({ action: 'undo', undoes: second.id, label: 'emulsion_defect' });
    expect(mine()).toBe('transient');
    expect(ws.undoReview(c, 'ann', APP_VERSION)!.undoes).toBe(first.id);
    expect(mine()).toBeNull();
    expect(ws.undoReview(c, 'ann', APP_VERSION)).toBeNull();
    expect(ws.undoReview(c, 'nobody', APP_VERSION)).toBeNull();
    const history = ws.getCandidate(c).history;
    expect(history.map((h) => h.action)).toEqual(['label', 'label', 'undo', 'undo']);
    expect(ws.listCandidates({ runId }).rows.find((r) => r.id === c)).toMatchObject({ consensus: null, reviews: 0 });
  });

  it('consensus is the majority of current labels; no majority gives unsure', () => {
    const { ws, runId, ids } = withRun();
    const label = (c: number, who: string, l: Parameters<Workspace['addReview']>[0]['label']) =>
      ws.addReview({ candidateId: c, reviewer: who, label: l, appVersion: APP_VERSION });
    const consensus = (c: number) => ws.listCandidates({ runId }).rows.find((r) => r.id === c)!;

    label(ids[0], 'ann', 'transient');
    expect(consensus(ids[0])).toMatchObject({ consensus: 'transient', reviews: 1 });
    label(ids[0], 'bob', 'dust_or_scratch'); // 1 vs 1: a tie
    expect(consensus(ids[0])).toMatchObject({ consensus: 'unsure', reviews: 2 });
    label(ids[0], 'cy', 'transient'); // 2 of 3
    expect(consensus(ids[0])).toMatchObject({ consensus: 'transient', reviews: 3 });
    label(ids[0], 'bob', 'transient'); // bob changes his mind: only his latest counts
    expect(consensus(ids[0])).toMatchObject({ consensus: 'transient', reviews: 3 });
    label(ids[1], 'ann', 'blend');
    label(ids[1], 'bob', 'asteroid');
    label(ids[1], 'cy', 'halo_or_ghost'); // three-way split
    expect(consensus(ids[1]).consensus).toBe('unsure');
    ws.undoReview(ids[1], 'cy', APP_VERSION);
    label(ids[1], 'cy', 'asteroid');
    expect(consensus(ids[1]).consensus).toBe('asteroid');

    expect(ws.listCandidates({ runId, filter: { labels: ['transient'] } }).rows.map((r) => r.id)).toEqual([ids[0]]);
    expect(ws.listCandidates({ runId, filter: { labels: ['unreviewed'] } }).total).toBe(8);
    expect(ws.listCandidates({ runId, filter: { labels: ['asteroid', 'unreviewed'] } }).total).toBe(9);
    expect(ws.listCandidates({ runId, filter: { labels: ['unreviewed'], reviewer: 'bob' } }).total).toBe(8);
    expect(ws.listRuns()[0].reviewed).toBe(2);
    const sorted = ws.listCandidates({ runId, sort: { column: 'reviews', desc: true }, limit: 2 }).rows.map((r) => r.reviews);
    expect(sorted).toEqual([3, 3]);
  });

  it('blind mode hides other reviewers\' labels everywhere', () => {
    const { ws, runId, ids } = withRun();
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', note: 'secret-ann', appVersion: APP_VERSION });
    ws.addReview({ candidateId: ids[0], reviewer: 'bob', label: 'blend', appVersion: APP_VERSION });
    ws.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });

    const row = ws.listCandidates({ runId, reviewer: 'bob', blind: true }).rows.find((r) => r.id === ids[0])!;
    expect(row).toMatchObject({ consensus: null, myLabel: 'blend', reviews: 1 });
    const other = ws.listCandidates({ runId, reviewer: 'bob', blind: true }).rows.find((r) => r.id === ids[1])!;
    expect(other).toMatchObject({ consensus: null, myLabel: null, reviews: 0 });
    // Filters and text search see only bob's own labels and notes.
    expect(ws.listCandidates({ runId, reviewer: 'bob', blind: true, filter: { labels: ['transient'] } }).total).toBe(0);
    expect(ws.listCandidates({ runId, reviewer: 'bob', blind: true, filter: { labels: ['unreviewed'] } }).total).toBe(9);
    expect(ws.listCandidates({ runId, reviewer: 'bob', blind: true, filter: { text: 'secret-ann' } }).total).toBe(0);
    expect(ws.listCandidates({ runId, reviewer: 'bob', filter: { text: 'secret-ann' } }).total).toBe(1);
    expect(() => ws.listCandidates({ runId, reviewer: 'bob', blind: true, filter: { labels: ['transient'], reviewer: 'ann' } })).toThrow(/blind mode hides/);
    expect(() => ws.listCandidates({ runId, blind: true })).toThrow(/needs the reviewer/);

    const detail = ws.getCandidate(ids[0], { reviewer: 'bob', blind: true });
    expect(detail.history.map((h) => h.reviewer)).toEqual(['bob']);
    expect(detail.row.consensus).toBeNull();
    const open = ws.getCandidate(ids[0], { reviewer: 'bob' });
    expect(open.history.map((h) => h.reviewer)).toEqual(['ann', 'bob']);
    expect(open.row.consensus).toBe('unsure');
    expect(open.plates.red).toMatchObject({ region: 'XE687', band: 'red', file: '/data/red-XE687.fits' });
    expect(open.plates.blue).toMatchObject({ region: 'XO687', band: 'blue' });
  });
});

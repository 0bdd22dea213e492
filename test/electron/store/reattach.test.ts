/**
 * Re-running a plate: new sources land within a fraction of an arcsecond of
 * the old ones, the reviews follow them, and the ones whose source is gone are
 * reported by id and position.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { openWorkspace } from '../../../electron/store/workspace';
import { APP_VERSION, jitter, runInput, seeded, sky, tempDir } from './fixtures';

describe('re-running a plate', () => {
  it('keeps reviews on sources moved by 0.2" and reports the ones that lost their source', () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    const first = sky(40);
    const run1 = ws.recordRun(runInput('XE687', first, 2));
    const rows1 = ws.listCandidates({ runId: run1.runId }).rows; // sources 1, 3, 5, ... (20 candidates)
    // ann labels 6 candidates, bob 2 of the same.
    const reviewed = rows1.slice(0, 6);
    const ann = reviewed.map((r) => ws.addReview({ candidateId: r.id, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION }));
    ws.addReview({ candidateId: reviewed[0].id, reviewer: 'bob', label: 'transient', appVersion: APP_VERSION });
    const bobOnLost = ws.addReview({ candidateId: reviewed[1].id, reviewer: 'bob', label: 'dust_or_scratch', appVersion: APP_VERSION });

    // Re-run: every position jittered by 0.2"; the sources behind reviewed[1] and
    // reviewed[2] are gone; source numbers are reshuffled (SExtractor renumbers).
    const rnd = seeded(99);
    const lost = new Set([reviewed[1].sourceNumber, reviewed[2].sourceNumber]);
    const second = first.map((p, i) => ({ p: jitter(p, 0.2, rnd), number: i + 1 })).filter((s) => !lost.has(s.number));
    second.reverse();
    for (let i = 0; i < second.length; i++) {
      expect(separationArcsec(first[second[i].number - 1].ra, first[second[i].number - 1].dec, second[i].p.ra, second[i].p.dec)).toBeCloseTo(0.2, 6);
    }
    // Every source stays a candidate except the one behind reviewed[3] (now dropped by a filter).
    const input = runInput('XE687', second.map((s) => s.p), 1);
    const droppedIndex = second.findIndex((s) => s.number === reviewed[3].sourceNumber);
    input.candidates = input.candidates.filter((c) => c.id !== droppedIndex + 1);
    input.red[droppedIndex].ledger = [{ stage: 'filters', reason: 'elongation', dropped: true, detail: 'ELONGATION 1.4 > 1.3' }];
    input.summary.candidates = input.candidates.length;

    const run2 = ws.recordRun(input);
    expect(run2.runId).not.toBe(run1.runId);
    // Current labels: ann on 6 objects, bob on 2. Lost: reviewed[1] (ann, bob) and reviewed[2] (ann).
    expect(run2.reattached).toBe(5);
    expect(run2.orphanedReviews.map((o) => o.reviewId).sort((a, b) => a - b)).toEqual([ann[1].id, ann[2].id, bobOnLost.id].sort((a, b) => a - b));
    for (const o of run2.orphanedReviews) {
      const was = o.reviewId === ann[2].id ? reviewed[2] : reviewed[1];
      expect(separationArcsec(o.ra, o.dec, was.ra, was.dec)).toBeLessThan(1e-6);
    }
    expect(run2.reviewedNotCandidate).toEqual([{ reviewId: ann[3].id, sourceNumber: droppedIndex + 1, droppedBy: 'filters:elongation' }]);

    // The new run's candidates carry the old labels.
    const rows2 = ws.listCandidates({ runId: run2.runId, reviewer: 'ann' }).rows;
    const labelled = rows2.filter((r) => r.myLabel !== null);
    expect(labelled).toHaveLength(3); // reviewed[0], [4], [5]
    for (const r of labelled) {
      const old = reviewed.find((o) => separationArcsec(o.ra, o.dec, r.ra, r.dec) < 1)!;
      expect(old).toBeDefined();
      expect(r.sourceNumber).not.toBe(old.sourceNumber);
      expect(separationArcsec(old.ra, old.dec, r.ra, r.dec)).toBeCloseTo(0.2, 6);
    }
    const both = rows2.find((r) => r.reviews === 2)!;
    expect(both.consensus).toBe('transient');
    // History shows the review made on the first run's candidate.
    expect(ws.getCandidate(both.id).history[0].candidateId).toBe(reviewed[0].id);
    // Nothing is lost: the old run still shows every label.
    expect(ws.listCandidates({ runId: run1.runId, filter: { labels: ['unreviewed'] } }).total).toBe(14);

    // A review made on the new run counts on the old run's candidate too (same object).
    ws.addReview({ candidateId: labelled[0].id, reviewer: 'cy', label: 'transient', appVersion: APP_VERSION });
    const old = ws.listCandidates({ runId: run1.runId }).rows.find((r) => separationArcsec(r.ra, r.dec, labelled[0].ra, labelled[0].dec) < 1)!;
    expect(old.reviews).toBe(labelled[0].reviews + 1);

    // A different plate does not inherit these reviews even at the same positions.
    const other = ws.recordRun(runInput('XE688', first, 2));
    expect(other.reattached).toBe(0);
    expect(other.orphanedReviews).toEqual([]);
    expect(ws.listCandidates({ runId: other.runId, filter: { labels: ['unreviewed'] } }).total).toBe(20);
    ws.close();
  });

  it('gives one object to one source: the closer of two claimants keeps the reviews', () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    const p = { ra: 259.95, dec: -6.15 };
    const run1 = ws.recordRun(runInput('XE687', [p], 1));
    const c = ws.listCandidates({ runId: run1.runId }).rows[0];
    ws.addReview({ candidateId: c.id, reviewer: 'ann', label: 'blend', appVersion: APP_VERSION });
    const rnd = seeded(5);
    const near = jitter(p, 0.3, rnd);
    const far = jitter(p, 0.8, rnd);
    const run2 = ws.recordRun(runInput('XE687', [far, near], 1));
    expect(run2.reattached).toBe(1);
    const rows = ws.listCandidates({ runId: run2.runId, reviewer: 'ann' }).rows;
    expect(rows.find((r) => r.sourceNumber === 2)!.myLabel).toBe('blend');
    expect(rows.find((r) => r.sourceNumber === 1)!.myLabel).toBeNull();
    ws.close();
  });
});

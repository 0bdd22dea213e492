/**
 * A run with 100k candidates: recording it and listing a sorted, filtered page
 * stay quick. Timings are logged, not asserted (two shared cores); the test
 * asserts the page is right.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrackedSource } from '../../../electron/pipeline/types';
import { openWorkspace } from '../../../electron/store/workspace';
import { APP_VERSION, seeded, source, summary, tempDir } from './fixtures';

const N = 100_000;

describe('100k candidates', () => {
  it('records the run and lists sorted, filtered pages', () => {
    const rnd = seeded(7);
    const red: TrackedSource[] = [];
    for (let i = 0; i < N; i++) red.push(source(i + 1, { ra: 259 + 2 * rnd(), dec: -7 + 2 * rnd() }, true, rnd));
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    let t = performance.now();
    const { runId } = ws.recordRun({ summary: summary('XE687', N), red, candidates: red, outDir: tempDir() });
    const recordMs = performance.now() - t;
    const firstPage = ws.listCandidates({ runId, limit: 50 }).rows;
    for (let i = 0; i < 500; i++) {
      ws.addReview({ candidateId: firstPage[i % 50].id, reviewer: `r${i % 3}`, label: i % 2 ? 'transient' : 'blend', appVersion: APP_VERSION });
    }

    t = performance.now();
    const page = ws.listCandidates({ runId, sort: { column: 'mag', desc: true }, offset: 50_000, limit: 100, reviewer: 'r1' });
    const sortMs = performance.now() - t;
    expect(page.total).toBe(N);
    expect(page.rows).toHaveLength(100);
    const mags = page.rows.map((r) => r.mag);
    expect(mags).toEqual([...mags].sort((a, b) => b - a));

    t = performance.now();
    const unreviewed = ws.listCandidates({ runId, filter: { labels: ['unreviewed'], snrMin: 50 }, sort: { column: 'snr' }, limit: 100 });
    const filterMs = performance.now() - t;
    expect(unreviewed.rows.every((r) => r.consensus === null && r.snr >= 50)).toBe(true);

    t = performance.now();
    const transient = ws.listCandidates({ runId, filter: { labels: ['transient'] }, sort: { column: 'consensus' }, limit: 100 });
    const labelMs = performance.now() - t;
    expect(transient.total).toBeGreaterThan(0);
    expect(transient.total).toBeLessThanOrEqual(50);
    console.log(
      `100k candidates: record ${recordMs.toFixed(0)} ms; page sorted by mag at offset 50k ${sortMs.toFixed(0)} ms; ` +
        `unreviewed+snr filter ${filterMs.toFixed(0)} ms; consensus filter ${labelMs.toFixed(0)} ms`,
    );
    ws.close();
  });
});

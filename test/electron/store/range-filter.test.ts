/**
 * A plot's bin as a filter of the candidate list: min <= value < max, so
 * adjacent bins share no candidate and together hold every one; candidates
 * without the measure (SPREAD_MODEL not measured) fall in no bin; a column
 * that is not a measure is refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrackedSource } from '../../../electron/pipeline/types';
import { openWorkspace } from '../../../electron/store/workspace';
import { seeded, source, summary, tempDir } from './fixtures';

describe('candidates.list range filter', () => {
  it('cuts on [min, max) of a measure; bins partition the measured candidates', () => {
    const rnd = seeded(11);
    const red: TrackedSource[] = [];
    for (let i = 0; i < 300; i++) red.push(source(i + 1, { ra: 150 + rnd(), dec: 20 + rnd() }, true, rnd));
    // Bin edges land exactly on some values, and a few are not measured.
    red[0].spreadModel = 0.002;
    red[1].spreadModel = 0.004;
    for (const s of red.slice(2, 7)) s.spreadModel = null;
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    const { runId } = ws.recordRun({ summary: summary('XE687', red.length), red, candidates: red, outDir: tempDir() });
    const listIn = (min: number, max: number) =>
      new Set(ws.listCandidates({ runId, filter: { range: { column: 'spreadModel', min, max } }, limit: 10_000 }).rows.map((r) => r.spreadModel));

    const values = red.map((s) => s.spreadModel).filter((v): v is number => typeof v === 'number');
    const edges = [-1, -0.004, -0.002, 0, 0.002, 0.004, 1];
    let total = 0;
    for (let i = 0; i + 1 < edges.length; i++) {
      const got = listIn(edges[i], edges[i + 1]);
      const want = values.filter((v) => v >= edges[i] && v < edges[i + 1]);
      expect([...got].sort()).toEqual([...new Set(want)].sort());
      total += ws.listCandidates({ runId, filter: { range: { column: 'spreadModel', min: edges[i], max: edges[i + 1] } } }).total;
    }
    expect(total).toBe(values.length);
    expect(listIn(0.002, 0.004).has(0.002)).toBe(true);
    expect(listIn(0.002, 0.004).has(0.004)).toBe(false);
    expect(() => ws.listCandidates({ runId, filter: { range: { column: 'ra' as 'mag', min: 0, max: 1 } } })).toThrow(/cannot filter candidates by a range of "ra"/);
    ws.close();
  });
});

/**
 * The published-source audit in the store (schema v7): recordRun keeps each
 * published.csv row, tied to the recorded red source it names (and so to
 * its candidate when it is one), in the file's order; the plate-edge
 * distances are kept with each source and reach the candidate rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishedCsv } from '../../../electron/pipeline/published-audit';
import type { PublishedAuditRow, PublishedAuditSummary } from '../../../electron/pipeline/types';
import { openWorkspace } from '../../../electron/store/workspace';
import { runInput, tempDir, type SkySource } from './fixtures';

const positions: SkySource[] = Array.from({ length: 6 }, (_, i) => ({ ra: 259.9 + i * 0.01, dec: -6.1 }));

function rows(): PublishedAuditRow[] {
  return [
    // Source 1 is a candidate (runInput: every 2nd from the first), source 2 was dropped at red vs blue.
    { id: '5038', ra: 259.9, dec: -6.1, stage: 'candidate', sourceId: 1, separationArcsec: 0.4, blueDetectionId: null, blueDetectionArcsec: null, blueDetectionMag: null },
    { id: '4126', ra: 259.91, dec: -6.1, stage: 'red-vs-blue/blue_match', detail: 'blue source 0.8" away', sourceId: 2, separationArcsec: 1.1, blueDetectionId: 77, blueDetectionArcsec: 0.8, blueDetectionMag: 17.25 },
    // Nothing within the radius; the nearest red source is 40" away.
    { id: '3939', ra: 259.95, dec: -6.2, stage: 'not-detected', sourceId: 6, separationArcsec: 40.2, blueDetectionId: null, blueDetectionArcsec: null, blueDetectionMag: null },
    { id: 'row 9', ra: 259.99, dec: -6.3, stage: 'not-detected', sourceId: null, separationArcsec: null, blueDetectionId: null, blueDetectionArcsec: null, blueDetectionMag: null },
  ];
}

describe('published sources in the store (schema v7)', () => {
  it('recordRun reads DIR/published.csv when the summary has an audit: rows in order, tied to their source and candidate', () => {
    const dir = tempDir();
    const input = runInput('XE687', positions, 2, dir);
    input.red.forEach((s, i) => Object.assign(s, { centreDistanceDeg: 0.5 + i / 10, edgeDistanceDeg: 0.05 * (i + 1) }));
    writeFileSync(join(dir, 'published.csv'), publishedCsv(rows()));
    input.summary.published = { sources: 4 } as PublishedAuditSummary;
    const ws = openWorkspace(join(dir, 'w.sqlite'));
    const { runId } = ws.recordRun(input);
    const got = ws.publishedSources(runId);
    expect(got.map((r) => [r.publishedId, r.stage, r.sourceNumber])).toEqual([
      ['5038', 'candidate', 1],
      ['4126', 'red-vs-blue/blue_match', 2],
      ['3939', 'not-detected', 6],
      ['row 9', 'not-detected', null],
    ]);
    const cands = ws.listCandidates({ runId, offset: 0, limit: 10 }).rows;
    const cand1 = cands.find((c) => c.sourceNumber === 1)!;
    expect(got[0].candidateId).toBe(cand1.id);
    expect(got[1].candidateId).toBeNull();
    expect(got[1].ledger[0]).toMatch(/^DROP red-vs-blue\/blue_match/);
    expect(got[1]).toMatchObject({ detail: 'blue source 0.8" away', blueDetectionNumber: 77, blueDetectionArcsec: 0.8, blueDetectionMag: 17.25, separationArcsec: 1.1 });
    expect(got[1].sourceX).toBeCloseTo(input.red[1].x, 9);
    expect(got[3]).toMatchObject({ sourceX: null, candidateId: null, ledger: [] });
    // The plate-edge distances ride with the candidate rows (and so the exports).
    expect(cand1.centreDistanceDeg).toBeCloseTo(0.5, 12);
    expect(cand1.edgeDistanceDeg).toBeCloseTo(0.05, 12);
    const one = ws.publishedSource(got[2].id)!;
    expect(one.plates.red).toMatch(/XE687/);
    expect(one.plates.blue).not.toBeNull();
    ws.close();
  });

  it('a run without --vasco has none, and reading an unknown id gives null', () => {
    const dir = tempDir();
    const ws = openWorkspace(join(dir, 'w.sqlite'));
    const { runId } = ws.recordRun(runInput('XE688', positions, 2, dir));
    expect(ws.publishedSources(runId)).toEqual([]);
    expect(ws.publishedSource(99)).toBeNull();
    ws.close();
  });
});

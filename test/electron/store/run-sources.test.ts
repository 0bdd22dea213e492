/** Workspace.runSources: every red source of a run, candidates or not, only the asked measures. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../../../electron/store/workspace';
import { runInput, sky, tempDir } from './fixtures';

const open: Workspace[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

describe('runSources', () => {
  it('returns every recorded source of the run (not only candidates) with the asked columns, NULL as null', () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    open.push(ws);
    const input = runInput('XE687', sky(20));
    input.red[3].spreadModel = null; // not measured
    const { runId } = ws.recordRun(input);
    const other = ws.recordRun(runInput('XE198', sky(7, 2))).runId;

    const rows = ws.runSources(runId, ['x', 'y', 'fwhm', 'spreadModel']);
    expect(rows).toHaveLength(20);
    expect(ws.listCandidates({ runId }).total).toBe(10);
    expect(Object.keys(rows[0]).sort()).toEqual(['fwhm', 'spreadModel', 'x', 'y']);
    // In source order, values as recorded.
    rows.forEach((r, i) => {
      expect(r.x).toBeCloseTo(input.red[i].x, 9);
      expect(r.y).toBeCloseTo(input.red[i].y, 9);
      expect(r.fwhm).toBeCloseTo(input.red[i].fwhm, 9);
    });
    expect(rows[3].spreadModel).toBeNull();
    expect(rows[4].spreadModel).toBeCloseTo(input.red[4].spreadModel!, 9);
    expect(ws.runSources(other, ['number'])).toHaveLength(7);
  });

  it('refuses an unknown column and an unknown run, naming them', () => {
    const ws = openWorkspace(join(tempDir(), 'vasco.sqlite'));
    open.push(ws);
    const { runId } = ws.recordRun(runInput('XE687', sky(4)));
    expect(() => ws.runSources(runId, ['x; DROP TABLE sources' as 'x'])).toThrow(/unknown column "x; DROP TABLE sources"/);
    expect(() => ws.runSources(runId + 5, ['x'])).toThrow(new RegExp(`run ${runId + 5} is not in`));
    expect(ws.runSources(runId, ['x'])).toHaveLength(4);
  });
});

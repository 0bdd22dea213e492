/**
 * Catalogue counterparts in the store (schema v6) and the sky view's field
 * query: recorded from the ledger by recordRun, picked by position in SQL
 * (the position indexes), checked against testing every row of the run.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { insideField } from '../../../electron/astro/projection';
import type { LedgerEntry } from '../../../electron/pipeline/types';
import { openWorkspace, recordPipelineRun, type Workspace } from '../../../electron/store/workspace';
import { runInput, seeded, source, summary, tempDir, type SkySource } from './fixtures';

const dbOf = (ws: Workspace) => (ws as unknown as { db: Database.Database }).db;

/** A Gaia veto entry with the counterpart's position, `arcsec` north of p. */
function gaiaEntry(p: SkySource, arcsec: number, id: string, dropped = true): LedgerEntry {
  return {
    stage: 'veto', reason: 'gaia', dropped, distanceArcsec: arcsec, counterpart: id, counterpartMag: 16.5,
    counterpartRa: p.ra, counterpartDec: p.dec + arcsec / 3600,
  };
}

/** n sources on a grid of `step` degrees about (ra0, dec0), RA wrapped into [0, 360). */
function grid(ra0: number, dec0: number, n: number, step: number): SkySource[] {
  const side = Math.ceil(Math.sqrt(n));
  const out: SkySource[] = [];
  for (let i = 0; i < n; i++) {
    const dec = dec0 + (Math.floor(i / side) - side / 2) * step;
    const ra = (ra0 + ((i % side) - side / 2) * step / Math.cos((dec * Math.PI) / 180) + 360) % 360;
    out.push({ ra, dec });
  }
  return out;
}

describe('counterparts (schema v6)', () => {
  it('recordRun keeps every ledger counterpart with a position: catalogue, id, RA/Dec, distance, magnitude', async () => {
    const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
    const input = runInput('XE687', grid(259.95, -6.15, 9, 0.01), 3);
    // Source 2 was vetoed by Gaia (position known), source 3 has a match without a position (an older pipeline).
    input.red[1].ledger = [gaiaEntry(input.red[1], 1.5, 'Gaia EDR3 42')];
    input.red[2].ledger = [{ stage: 'veto', reason: 'ps1', dropped: true, distanceArcsec: 2, counterpart: 'PS1 7' }];
    // A candidate's own record (its final ledger) carries a flagged, kept counterpart.
    input.candidates[0] = { ...input.candidates[0], ledger: [gaiaEntry(input.candidates[0], 3.2, 'Gaia EDR3 43', false)] };
    const { runId } = await recordPipelineRun(ws, { summary: input.summary, sourceRows: () => input.red, candidateRows: () => input.candidates }, '/tmp/x');
    const rows = dbOf(ws).prepare('SELECT k.*, s.number FROM counterparts k JOIN sources s ON s.id = k.source_id WHERE k.run_id = ? ORDER BY s.number').all(runId);
    expect(rows).toEqual([
      expect.objectContaining({ number: 1, stage: 'veto', catalogue: 'gaia', catalogue_object: 'Gaia EDR3 43', ra: input.red[0].ra, dec: input.red[0].dec + 3.2 / 3600, distance_arcsec: 3.2, mag: 16.5 }),
      expect.objectContaining({ number: 2, catalogue: 'gaia', catalogue_object: 'Gaia EDR3 42', distance_arcsec: 1.5, mag: 16.5 }),
    ]);
    ws.close();
  });

  it('reads the sources from any iterable twice and never needs an array (a pipeline row iterator)', () => {
    const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
    const input = runInput('XE687', grid(259.95, -6.15, 30, 0.005), 2);
    input.red.forEach((s, i) => (s.ledger = [gaiaEntry(s, 1 + (i % 4), `G${i}`, i % 2 === 1)]));
    let passes = 0;
    const lazy = { *[Symbol.iterator]() { passes++; for (const s of input.red) yield { ...s }; } };
    const { runId } = ws.recordRun({ summary: input.summary, red: lazy, candidates: input.candidates, outDir: '/tmp/y' });
    expect(passes).toBe(2);
    expect(ws.runSources(runId, ['number']).length).toBe(30);
    expect(ws.listCandidates({ runId }).total).toBe(15);
    expect((dbOf(ws).prepare('SELECT COUNT(*) AS n FROM counterparts').get() as { n: number }).n).toBe(30);
    ws.close();
  });

  it('recordPipelineRun takes a run’s rows one at a time (sourceRows twice), never its arrays of every source', async () => {
    const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
    const input = runInput('XE687', grid(259.95, -6.15, 12, 0.005), 3);
    let asked = 0;
    const result = {
      summary: input.summary,
      sourceRows: function* () {
        asked++;
        for (const s of input.red) yield { ...s };
      },
      candidateRows: () => input.candidates.map((c) => ({ ...c })),
      get sources(): never {
        throw new Error('the array of every source was asked for');
      },
    };
    const { runId } = await recordPipelineRun(ws, result, '/tmp/rows');
    expect(asked).toBe(2);
    expect(ws.runSources(runId, ['number']).map((r) => r.number)).toEqual(input.red.map((s) => s.id));
    expect(ws.listCandidates({ runId }).total).toBe(input.candidates.length);
    ws.close();
  });

  const fields: [string, number, number][] = [
    ['an ordinary field', 259.95, -6.15],
    ['a field across RA 0h', 0.02, 12.3],
    ['a field next to the north pole', 140, 89.95],
  ];
  for (const [what, ra0, dec0] of fields) {
    it(`fieldContents on ${what}: the SQL box gives what testing every row gives`, () => {
      const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
      const positions = grid(ra0, dec0, 400, 0.004);
      const input = runInput('XE100', positions, 3);
      input.red.forEach((s, i) => (s.ledger = i % 2 ? [gaiaEntry(s, 2.5, `G${i}`)] : []));
      const { runId } = ws.recordRun(input);
      const half = 0.02;
      const rnd = seeded(5);
      for (let k = 0; k < 5; k++) {
        const c = positions[Math.floor(rnd() * positions.length)];
        const got = ws.fieldContents(runId, c.ra, c.dec, half);
        const all = ws.listCandidates({ runId }).rows;
        const expected = all.filter((r) => insideField(r.ra, r.dec, c.ra, c.dec, half)).map((r) => r.id).sort((a, b) => a - b);
        expect(got.candidates.map((r) => r.id)).toEqual(expected);
        expect(expected.length).toBeGreaterThan(3);
        const cps = input.red.flatMap((s) => s.ledger.map((e) => ({ ra: e.counterpartRa!, dec: e.counterpartDec!, id: e.counterpart })))
          .filter((p) => insideField(p.ra, p.dec, c.ra, c.dec, half)).map((p) => p.id).sort();
        expect(got.counterparts.map((p) => p.catalogueObject).sort()).toEqual(cps);
      }
      ws.close();
    });
  }

  it('fieldContents asks the position indexes, not every row of the run', () => {
    const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
    const { runId } = ws.recordRun(runInput('XE687', grid(259.95, -6.15, 20, 0.01)));
    const plan = (sql: string) =>
      (dbOf(ws).prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ runId, decMin: -6.2, decMax: -6.1 }) as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan('SELECT c.id FROM sources s JOIN candidates c ON c.source_id = s.id WHERE s.run_id = @runId AND s.dec BETWEEN @decMin AND @decMax'))
      .toMatch(/sources_position/);
    expect(plan('SELECT id FROM counterparts k WHERE k.run_id = @runId AND k.dec BETWEEN @decMin AND @decMax')).toMatch(/counterparts_position/);
    ws.close();
  });

  it('one entry per catalogue object matched by two plate sources: the nearer match', () => {
    const ws = openWorkspace(join(tempDir(), 'w.sqlite'));
    const a = source(1, { ra: 259.95, dec: -6.15 }, true);
    const b = source(2, { ra: 259.95, dec: -6.15 + 3 / 3600 }, false);
    const star = { ra: 259.95, dec: -6.15 + 1 / 3600 };
    const entry = (d: number): LedgerEntry => ({ stage: 'veto', reason: 'gaia', dropped: true, distanceArcsec: d, counterpart: 'G1', counterpartRa: star.ra, counterpartDec: star.dec });
    a.ledger = [{ ...entry(1), dropped: false }];
    b.ledger = [entry(2)];
    const { runId } = ws.recordRun({ summary: summary('XE687', 1), red: [a, b], candidates: [a], outDir: '/tmp/z' });
    const got = ws.fieldContents(runId, 259.95, -6.15, 0.01).counterparts;
    expect(got).toEqual([{ ra: star.ra, dec: star.dec, catalogue: 'gaia', catalogueObject: 'G1', sourceNumber: 1, distanceArcsec: 1, mag: null }]);
    ws.close();
  });
});

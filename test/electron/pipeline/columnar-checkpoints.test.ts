/**
 * Columnar state and per-stage checkpoints (source-table.ts, checkpoint.ts):
 * - a table survives a checkpoint exactly: NaN stays NaN, null stays null, an
 *   absent field stays absent, ledger entries keep their optional fields;
 * - a later checkpoint holds only what its stage changed, and a corrupt or
 *   other-keyed one is refused without touching the state it would extend;
 * - a real run (synthetic pair, four tiles, both plates) resumed after each
 *   stage in turn writes byte-identical candidates.csv and sources.csv and
 *   the same rows, NaN measures included (JSON checkpoints made them null).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../electron/core/errors';
import { CheckpointStore } from '../../../electron/pipeline/checkpoint';
import { runPipeline, type RunOptions, type RunResult } from '../../../electron/pipeline/run';
import { SourceTable } from '../../../electron/pipeline/source-table';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import type { PipelineState, PlateState, Stage } from '../../../electron/pipeline/state';
import type { TrackedSource } from '../../../electron/pipeline/types';
import { candidate } from './synthetic';
import { haveSyntheticRunTools, syntheticPair } from './synthetic-plates';

/** Sources with every awkward value a run can hold. */
function awkwardSources(): TrackedSource[] {
  const a = { ...candidate(1, 10, 20), background: NaN, flux: NaN, spreadModel: null, spreadModelErr: null };
  const b = { ...candidate(2, 10.001, 20), classStar: NaN, background: 12.5, nearestBlueArcsec: null, nearestBlueDetection: null, edgeDistancePx: 3.25 };
  const c: TrackedSource = {
    ...candidate(3, 10.002, 20),
    classStar: 0.98,
    nearestBlueArcsec: 7.5,
    nearestBlueDetection: { id: 1000003, distanceArcsec: 1.5, ra: 10.002, dec: 20.0001, x: 5, y: 6, mag: NaN, snr: 12, fwhm: 3.1, failedCuts: ['snr', 'flags'] },
    ledger: [
      { stage: 'filters', reason: 'snr', dropped: true, detail: 'SNR 12 < 30' },
      { stage: 'veto', reason: 'gaia', dropped: true, detail: 'Gaia at 1.2"', distanceArcsec: 1.2, counterpart: '123', counterpartMag: NaN, counterpartRa: 10.002, counterpartDec: 20 },
      { stage: 'asteroids', reason: 'asteroid', dropped: false },
    ],
  };
  const d = { ...candidate(4, 10.003, 20), nearestBlueDetection: { ...c.nearestBlueDetection!, failedCuts: [] } };
  return [a, b, c, d];
}

function stateWith(red: SourceTable): PipelineState {
  const plate = { band: 'red', file: '/plates/red.fits', sha256: 'x', hdu: 0, header: {}, info: {}, headerSha256: 'y', saturLevel: 1e20, sources: red } as unknown as PlateState;
  return { mode: 'red-only', modeReason: 'test', red: plate, tools: {}, notes: [], score: { recall: NaN } as never };
}

/** Rows with presence kept visible: toEqual alone treats an undefined field like an absent one. */
const exactly = (rows: TrackedSource[]) => rows.map((r) => ({ row: r, keys: Object.keys(r).sort(), ledgerKeys: r.ledger.map((e) => Object.keys(e).sort()) }));

describe('columnar checkpoints', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-cp-'));
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('a table comes back exactly: NaN, null and absent fields, ledgers, the state beside it', () => {
    const sources = awkwardSources();
    const table = SourceTable.from(sources);
    expect(exactly([...table.rows()])).toEqual(exactly(sources));
    const store = new CheckpointStore(join(dir, 'a'));
    store.save({ key: 'k0', stage: 'extract-red', index: 0, counts: [], state: stateWith(table) });
    const loaded = new CheckpointStore(join(dir, 'a')).load(0, 'extract-red', 'k0', stateWith(new SourceTable(0)))!;
    expect(loaded).not.toBeNull();
    const rows = [...loaded.state.red.sources.rows()];
    expect(exactly(rows)).toEqual(exactly(sources));
    expect(Number.isNaN(rows[0].background)).toBe(true);
    expect(rows[0].spreadModel).toBeNull();
    expect('classStar' in rows[0]).toBe(false);
    expect(Number.isNaN(rows[1].classStar)).toBe(true);
    expect(Number.isNaN(rows[2].ledger[1].counterpartMag)).toBe(true);
    expect(Number.isNaN(loaded.state.score!.recall)).toBe(true);
    expect(loaded.state.red.sources.isAlive(2)).toBe(false);
    expect(loaded.state.red.sources.aliveIndices()).toEqual([0, 1, 3]);
  });

  it('a later checkpoint holds only the stage\'s changes; a corrupt or other-keyed one is refused and changes nothing', () => {
    const n = 20_000;
    const sources = Array.from({ length: n }, (_, i) => ({ ...candidate(i + 1, 10 + i / 1e4, 20), background: i % 3 ? i : NaN }));
    const table = SourceTable.from(sources);
    const store = new CheckpointStore(join(dir, 'b'));
    const first = store.save({ key: 'k0', stage: 'extract-red', index: 0, counts: [], state: stateWith(table) });
    for (let i = 0; i < n; i += 100) table.append(i, { stage: 'filters', reason: 'snr', dropped: true, detail: `SNR ${i}` });
    table.setOptional('edgeDistancePx', 5, NaN);
    const second = store.save({ key: 'k1', stage: 'filters', index: 1, counts: [], state: stateWith(table) });
    expect(second.bytes).toBeLessThan(first.bytes / 10);

    const reader = new CheckpointStore(join(dir, 'b'));
    const base = reader.load(0, 'extract-red', 'k0', stateWith(new SourceTable(0)))!;
    expect(reader.load(1, 'filters', 'another-key', base.state)).toBeNull();
    const file = join(dir, 'b', '01-filters.cp');
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 0xff;
    writeFileSync(file, bad);
    expect(reader.load(1, 'filters', 'k1', base.state)).toBeNull();
    expect(base.state.red.sources.ledger.length).toBe(0);
    writeFileSync(file, good);
    const after = reader.load(1, 'filters', 'k1', base.state)!;
    expect(exactly([...after.state.red.sources.rows()])).toEqual(exactly([...table.rows()]));
    expect(after.state.red.sources.aliveCount()).toBe(n - n / 100);
  });
});

const ready = haveSyntheticRunTools();

describe.skipIf(!ready)('resume after each stage of a real run', () => {
  let dir: string;
  let base: RunOptions;
  let fresh: RunResult;
  const files = new Map<string, string>();
  /** NaN measures a run can meet (a NaN background or flux from a plate with blank pixels), set on some red sources. */
  const stages: Stage[] = PIPELINE_STAGES.map((s) =>
    s.name !== 'positions'
      ? s
      : {
          ...s,
          async run(state, ctx) {
            const r = await s.run(state, ctx);
            const t = r.state.red.sources;
            for (let i = 0; i < t.length; i += 9) t.setOptional('background', i, NaN);
            for (let i = 4; i < t.length; i += 13) t.setFloat('flux', i, NaN);
            return r;
          },
        },
  );
  const out = () => join(dir, 'run');
  const outputs = () => ({ candidates: readFileSync(join(out(), 'candidates.csv'), 'utf8'), sources: readFileSync(join(out(), 'sources.csv'), 'utf8') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-cp-run-'));
    const pair = await syntheticPair(join(dir, 'pair'), 13);
    base = { red: pair.red, blue: pair.blue, out: out(), offline: true, workers: 2, extraction: { tileSizePx: 256, tileOverlapPx: 256 } };
    fresh = await runPipeline(base, {}, stages);
    const o = outputs();
    files.set('candidates', o.candidates);
    files.set('sources', o.sources);
  }, 300_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('keeps NaN measures in the fresh run, and every checkpoint after the extraction is small', () => {
    const rows = [...fresh.sourceRows()];
    expect(rows.filter((r) => Number.isNaN(r.background)).length).toBeGreaterThan(0);
    expect(rows.filter((r) => Number.isNaN(r.flux)).length).toBeGreaterThan(0);
    expect(fresh.candidateCount).toBeGreaterThan(0);
    const cp = join(out(), 'work', 'checkpoints');
    const sizes = Object.fromEntries(readdirSync(cp).map((f) => [f, statSync(join(cp, f)).size]));
    console.log(`checkpoint sizes (bytes): ${JSON.stringify(sizes)}`);
    expect(Object.keys(sizes)).toHaveLength(stages.length);
    // Before, every checkpoint held the whole state (so each was larger than the extraction's); now a stage's
    // changes and the plates' headers (most of these small files: the bench shows the full pair's figures).
    const extraction = sizes['00-extract-red.cp'];
    // Named by their place in the stage list (stages are added over time).
    const file = (name: string) => `${String(stages.findIndex((s) => s.name === name)).padStart(2, '0')}-${name}.cp`;
    for (const f of ['veto', 'asteroids', 'dec-cut', 'dedup', 'score'].map(file)) expect(sizes[f], f).toBeLessThan(extraction * 0.75);
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBeLessThan(extraction * stages.length * 0.75);
  });

  it('resumed after each stage in turn: byte-identical CSV files and the same rows, NaN included', async () => {
    const cp = join(out(), 'work', 'checkpoints');
    for (let k = stages.length - 1; k >= 0; k--) {
      for (const f of readdirSync(cp)) if (Number(f.slice(0, 2)) > k) rmSync(join(cp, f));
      const r = await runPipeline(base, {}, stages);
      expect(r.resumedAfter, `resume after ${stages[k].name}`).toBe(stages[k].name);
      const o = outputs();
      expect(o.candidates, `candidates.csv resumed after ${stages[k].name}`).toBe(files.get('candidates'));
      expect(o.sources, `sources.csv resumed after ${stages[k].name}`).toBe(files.get('sources'));
      expect([...r.sourceRows()], `rows resumed after ${stages[k].name}`).toEqual([...fresh.sourceRows()]);
      expect(r.summary.stages.map(({ seconds: _, fromCheckpoint: __, ...c }) => c)).toEqual(fresh.summary.stages.map(({ seconds: _, fromCheckpoint: __, ...c }) => c));
    }
  }, 600_000);

  it('a run cancelled after the filters resumes there with the same outputs', async () => {
    const controller = new AbortController();
    const other = { ...base, out: join(dir, 'cancelled') };
    const err = await runPipeline(other, { signal: controller.signal, onProgress: (p) => p.stage === 'filters' && p.fraction === 1 && controller.abort() }, stages).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    const r = await runPipeline(other, {}, stages);
    expect(r.resumedAfter).toBe('filters');
    expect(readFileSync(join(other.out, 'sources.csv'), 'utf8')).toBe(files.get('sources'));
    expect([...r.sourceRows()]).toEqual([...fresh.sourceRows()]);
  }, 300_000);
});

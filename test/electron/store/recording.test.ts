/**
 * Recording a run in short transactions (store/ingest.ts RunRecording): while
 * a run process records, the run is invisible (no listing, no candidate, no
 * newest run), a reviewer's flag written meanwhile from another process goes
 * in between its transactions and is kept; a recording killed part-way leaves
 * nothing a reader sees, and the next recording deletes its rows; a second
 * recording of the same plate region waits for the first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { openWorkspace, type Workspace } from '../../../electron/store/workspace';
import { projectRoot } from '../../helpers/shared-data';
import { runInput, sky, tempDir } from './fixtures';

const RECORDER = join(projectRoot, 'test/electron/store/helpers/recorder.ts');
/** Sources of the recorded run: enough for many transactions at the helper's 2 ms slices. */
const N = 6000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function startRecorder(file: string, region: string, outDir: string, pauseMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', RECORDER, file, region, String(N), outDir, String(pauseMs)], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((res) => child.on('close', (code) => res({ code, out, err })));
  return { child, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows of the hidden run the child is recording (looked at through a connection of our own). */
function hidden(file: string): { runs: number; sources: number; id: number } {
  const db = new Database(file, { readonly: true });
  try {
    const runs = db.prepare('SELECT id FROM runs WHERE recording IS NOT NULL').all() as { id: number }[];
    const sources = runs.length ? (db.prepare('SELECT COUNT(*) AS n FROM sources WHERE run_id = ?').get(runs[0].id) as { n: number }).n : 0;
    return { runs: runs.length, sources, id: runs[0]?.id ?? -1 };
  } finally {
    db.close();
  }
}

async function untilHalfRecorded(file: string): Promise<number> {
  for (let i = 0; i < 3000; i++) {
    const h = hidden(file);
    if (h.runs === 1 && h.sources > 200) return h.sources;
    await sleep(10);
  }
  throw new Error('the recorder never got part-way');
}

/** A workspace holding an earlier run of XE687 (the first 300 of the same sky) with a flag on its first candidate. */
function earlierRun(): { file: string; ws: Workspace; runId: number; firstCandidate: number } {
  const file = join(tempDir('vasco-recording-'), 'w.sqlite');
  const ws = openWorkspace(file);
  const { runId } = ws.recordRun(runInput('XE687', sky(N, 7).slice(0, 300), 3, '/tmp/earlier'));
  const firstCandidate = ws.listCandidates({ runId }).rows[0].id;
  ws.addReview({ candidateId: firstCandidate, reviewer: 'ana', label: 'emulsion_defect', appVersion: 'test' });
  return { file, ws, runId, firstCandidate };
}

describe('recording a run in short transactions', () => {
  it('hides the run until it is whole, and a flag written meanwhile goes in and is kept', async () => {
    const { file, ws, runId, firstCandidate } = earlierRun();
    const rec = startRecorder(file, 'XE687', '/tmp/later', 15);
    await untilHalfRecorded(file);
    // Part-way: another process sees only the earlier run.
    expect(ws.listRuns().map((r) => r.id)).toEqual([runId]);
    expect(ws.latestRunId()).toBe(runId);
    // Its candidates come last, with the run made visible: none to review yet, even by its id.
    expect(ws.listCandidates({ runId: hidden(file).id }).total).toBe(0);
    // A reviewer flags meanwhile (busy timeout 5 s: the recorder's transactions are short, so it gets in).
    const flag = ws.addReview({ candidateId: firstCandidate, reviewer: 'ben', label: 'transient', appVersion: 'test' });
    expect(hidden(file).runs).toBe(1);
    const done = await rec.exited;
    expect(done.code, done.err).toBe(0);
    const result = JSON.parse(done.out) as { runId: number; reattached: number; alreadyRecorded: boolean };
    expect(result.alreadyRecorded).toBe(false);
    // Whole now: both runs, every candidate, and both flags (ana's and the one made during the recording) reattached.
    expect(ws.listRuns().map((r) => r.id).sort()).toEqual([runId, result.runId].sort());
    expect(ws.listCandidates({ runId: result.runId }).total).toBe(N / 3);
    expect(result.reattached).toBe(2);
    const later = ws.listCandidates({ runId: result.runId, reviewer: 'ben' }).rows.find((c) => c.sourceNumber === 1)!;
    expect(ws.getCandidate(later.id, { reviewer: 'ben' }).history.map((h) => h.id)).toContain(flag.id);
    expect(hidden(file).runs).toBe(0);
    ws.close();
  }, 120_000);

  it('a recording killed part-way is never seen, and the next recording removes what it wrote', async () => {
    const { file, ws, runId } = earlierRun();
    const rec = startRecorder(file, 'XE687', '/tmp/later', 15);
    const partial = await untilHalfRecorded(file);
    rec.child.kill('SIGKILL');
    await rec.exited;
    expect(hidden(file).sources).toBeGreaterThanOrEqual(partial);
    expect(ws.listRuns().map((r) => r.id)).toEqual([runId]);
    expect(ws.listCandidates({ runId: hidden(file).id }).total).toBe(0);

    // The same run recorded again, from here: the dead one's rows go first.
    const again = ws.recordRun(runInput('XE687', sky(N, 7), 3, '/tmp/later'));
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 2 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM runs WHERE recording IS NOT NULL').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM sources').get()).toEqual({ n: 300 + N });
      // Every object is some source's object, every ledger row some source's: nothing of the dead recording is left.
      expect(db.prepare('SELECT COUNT(*) AS n FROM objects o WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.object_id = o.id)').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM ledger l WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = l.source_id)').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM objects').get()).toEqual({ n: N });
      expect((db.pragma('integrity_check') as { integrity_check: string }[])[0].integrity_check).toBe('ok');
    } finally {
      db.close();
    }
    expect(again.reattached).toBe(1);
    ws.close();
  }, 120_000);

  it('a second recording of the same plate waits for the first; another plate does not', async () => {
    const { file, ws } = earlierRun();
    const rec = startRecorder(file, 'XE687', '/tmp/later', 15);
    await untilHalfRecorded(file);
    const err = (() => {
      try {
        ws.recordRun(runInput('XE687', sky(50, 3), 3, '/tmp/third'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('recording-busy');
    expect((err as UserError).message).toMatch(/another run of plate XE687 is being recorded by process \d+/);
    // Another plate's run goes in at once.
    expect(ws.recordRun(runInput('XE688', sky(50, 3), 3, '/tmp/other')).alreadyRecorded).toBe(false);
    // The paced recorder waits its turn rather than failing.
    const waiting = ws.recordRunPaced(runInput('XE687', sky(50, 3), 3, '/tmp/third'));
    expect((await rec.exited).code).toBe(0);
    const third = await waiting;
    expect(third.alreadyRecorded).toBe(false);
    expect(ws.listRuns()).toHaveLength(4);
    ws.close();
  }, 120_000);
});

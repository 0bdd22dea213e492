/**
 * While another process holds the workspace's write lock (a run process
 * recording a whole plate), a flag set in the workstation waits for the lock
 * and is stored once it is free, and the other calls keep answering
 * meanwhile: SQLite's busy wait must not hold the serving process.
 */
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { openWorkspace } from '../../../electron/store/workspace';
import { runInput, sky, tempDir } from '../store/fixtures';
import { apiHarness } from './harness';

const root = resolve(__dirname, '../../..');
const dir = tempDir('vasco-lock-');
const dbPath = join(dir, 'vasco.sqlite');
let api: Api;
let runId = 0;
const { call } = apiHarness(() => api);

/** Another process takes the write lock, says so, and keeps it for `ms`; `releasedAt` is its clock just before it commits. */
async function holdLock(ms: number) {
  const script = `const D = require('better-sqlite3'); const d = new D(process.argv[1]); d.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n'); setTimeout(() => { process.stdout.write('released ' + Date.now() + '\\n'); d.exec('COMMIT'); d.close(); }, ${ms});`;
  const child = execa(process.execPath, ['-e', script, dbPath], { cwd: root });
  await new Promise<void>((ok, fail) => {
    child.stdout!.once('data', () => ok());
    child.once('exit', () => fail(new Error('the lock holder exited early')));
  });
  return {
    async releasedAt(): Promise<number> {
      const { stdout } = await child;
      return Number(/released (\d+)/.exec(stdout)![1]);
    },
  };
}

beforeAll(async () => {
  const ws = openWorkspace(dbPath);
  runId = ws.recordRun(runInput('XE687', sky(10))).runId;
  ws.close();
  api = await createApi({ dbPath, offline: true });
});
afterAll(async () => {
  await api?.close();
});

describe('a write while another process holds the lock', () => {
  it('waits for the lock without stopping the other calls, then is stored once', async () => {
    const candidateId = (await call('candidates.list', { runId, offset: 0, limit: 1 })).rows[0].id;
    // A blocking busy wait stalls this process for the whole hold; half of it is the line between the two,
    // wide enough for a busy machine (timings here are behaviour, not a speed target).
    const holdMs = 4000;
    const holder = await holdLock(holdMs);
    // The longest this process went without running a timer: how long anything else had to wait.
    let last = performance.now();
    let stall = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
    }, 10);
    const flag = call('reviews.add', { candidateId, reviewer: 'ann', label: 'transient', idempotencyKey: 'lock-wait-1' }).then((e) => ({ e, at: Date.now() }));
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t = performance.now();
      await call('candidates.list', { runId, offset: 0, limit: 5 });
      answers.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { e: event, at } = await flag;
    clearInterval(ticker);
    // It was stored only after the other process let go of the lock...
    expect(at).toBeGreaterThanOrEqual(await holder.releasedAt());
    // ...and the other calls kept answering meanwhile.
    expect(stall).toBeLessThan(holdMs / 2);
    expect(Math.max(...answers), `list answered in ${answers.map((a) => a.toFixed(0)).join(', ')} ms`).toBeLessThan(holdMs / 2);
    expect(event).toMatchObject({ label: 'transient', reviewer: 'ann' });
    const d = await call('candidates.get', { candidateId });
    expect(d.history.filter((h) => h.reviewer === 'ann')).toHaveLength(1);
  });
});

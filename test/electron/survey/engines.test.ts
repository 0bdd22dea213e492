/**
 * A survey of three small synthetic plate pairs and one broken plate (a
 * truncated FITS), run for real: `vasco survey run` processes, `vasco run` with
 * SExtractor and PSFEx for each plate, and a private single-node Slurm
 * (test/helpers/slurm.ts). Both engines give the same candidates plate by
 * plate and the same merged survey; the broken plate fails with its reason and stops no other; a second
 * run skips what is done; an array task cancelled mid-run (scancel JOB_TASK)
 * is retried by the next run with an unchanged result.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SurveyStatus } from '../../../electron/survey/state';
import { startPrivateSlurm, type PrivateSlurm } from '../../helpers/slurm';
import { haveSyntheticRunTools, syntheticPair } from '../pipeline/synthetic-plates';
import { surveyCli } from './survey-cli';

const GOOD = ['p1', 'p2', 'p3'];
const RUN_OPTIONS = ['--offline', '--tile-size', '0'];
const tools = haveSyntheticRunTools();
const tmp = mkdtempSync(join(tmpdir(), 'vasco survey engines '));
let slurm: PrivateSlurm | null = null;
afterAll(async () => {
  await slurm?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const survey = (args: string[], timeout = 600_000) => surveyCli(tmp, args, { env: slurm?.env, timeout });

function status(dir: string): SurveyStatus {
  const r = survey(['status', dir, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as SurveyStatus;
}

const plateOf = (s: SurveyStatus, id: string) => s.plates.find((p) => p.id === id)!;
const candidates = (dir: string, id: string) => readFileSync(join(tmp, dir, 'plates', id, 'candidates.csv'), 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes whose command line or working folder lies under `dir` (Linux /proc). */
function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir) || readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) out.push(`${pid} ${cmd}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** `vasco survey plan` of the pairs in `csv` into `dir`. */
function plan(dir: string, csv: string) {
  const r = survey(['plan', '--out', dir, '--pairs', csv, ...RUN_OPTIONS]);
  expect(r.status, r.stderr).toBe(0);
}

describe.runIf(tools)('vasco survey run', () => {
  beforeAll(async () => {
    const pairs = join(tmp, 'pairs');
    const lines = ['red,blue'];
    for (const [i, name] of GOOD.entries()) {
      const dir = join(pairs, name);
      mkdirSync(dir, { recursive: true });
      const p = await syntheticPair(dir, 40 + i, 500);
      lines.push(`${name}/synth-red.fits,${name}/synth-blue.fits`);
      if (name === 'p3') {
        // A download cut short: the header and a fifth of the data.
        const bytes = readFileSync(p.red);
        writeFileSync(join(pairs, 'broken red.fits'), bytes.subarray(0, Math.floor(bytes.length / 5)));
        lines.push(`"broken red.fits",${name}/synth-blue.fits`);
      }
    }
    writeFileSync(join(pairs, 'all.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(pairs, 'good.csv'), `${lines.filter((l) => !l.includes('broken')).join('\n')}\n`);
    slurm = await startPrivateSlurm();
  }, 120_000);

  const ids = ['synth-red', 'synth-red-2', 'synth-red-3'];

  it('local engine: the three plates are done, the broken one failed with its reason and stopped no other', () => {
    plan('local', 'pairs/all.csv');
    const r = survey(['run', 'local', '--engine', 'local', '--parallel', '2']);
    expect(r.status, r.stderr).toBe(1); // one plate failed
    const s = status('local');
    expect(s.counts).toMatchObject({ done: 3, failed: 1, running: 0, planned: 0 });
    const broken = plateOf(s, 'broken_red');
    expect(broken.state).toBe('failed');
    expect(broken.reason).toMatch(/broken red\.fits is truncated/);
    expect(broken.stderrTail?.join('\n')).toMatch(/truncated/);
    expect(broken.attempts).toBe(1); // a refused input is not retried within the run
    for (const id of ids) {
      expect(plateOf(s, id).state).toBe('done');
      expect(candidates('local', id).split('\n').length).toBeGreaterThan(2);
    }
    expect(s.cpuSeconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/4 plates: 3 done, 0 running, 0 queued, 1 failed/);
  }, 600_000);

  it('running again skips the finished plates and tries the failed one again', () => {
    const before = Object.fromEntries(ids.map((id) => [id, statSync(join(tmp, 'local', 'plates', id, 'summary.json')).mtimeMs]));
    const r = survey(['run', 'local']);
    expect(r.status).toBe(1);
    const s = status('local');
    for (const id of ids) {
      expect(plateOf(s, id)).toMatchObject({ state: 'done', attempts: 1 });
      expect(statSync(join(tmp, 'local', 'plates', id, 'summary.json')).mtimeMs).toBe(before[id]);
    }
    expect(plateOf(s, 'broken_red')).toMatchObject({ state: 'failed', attempts: 2 });
  }, 300_000);

  it('local engine detached, then `vasco survey cancel`: every plate process stops, the plates say so, and a new run finishes them', async () => {
    plan('stop', 'pairs/good.csv');
    const dir = join(tmp, 'stop');
    expect(survey(['run', 'stop', '--parallel', '2', '--detach']).status).toBe(0);
    for (let i = 0; status('stop').counts.running < 2; i++) {
      expect(i, 'two plates never ran at once').toBeLessThan(300);
      await sleep(200);
    }
    await sleep(2_000);
    const c = survey(['cancel', 'stop']);
    // cancel returns once the runner has ended, so the run below is not refused as a second one
    expect(c.stderr).toMatch(/stopping the local survey run .*: stopped/);
    for (let i = 0; processesUnder(dir).length; i++) {
      expect(i, `still running:\n${processesUnder(dir).join('\n')}`).toBeLessThan(100);
      await sleep(200);
    }
    const s = status('stop');
    expect(s.counts.running).toBe(0);
    const stopped = s.plates.filter((p) => p.state === 'failed');
    expect(stopped.length).toBeGreaterThanOrEqual(2);
    for (const p of stopped) expect(p.reason).toMatch(/stopped by SIGINT \(cancelled\)/);
    const again = survey(['run', 'stop']);
    expect(again.status, again.stderr).toBe(0);
    for (const id of ids) expect(candidates('stop', id)).toBe(candidates('local', id));
  }, 600_000);

  it('Slurm engine: the same candidates plate by plate, the broken plate failed with its reason', (ctx) => {
    if (!slurm) ctx.skip();
    plan('slurm', 'pairs/all.csv');
    const r = survey(['run', 'slurm', '--engine', 'slurm', '--parallel', '2', '--retries', '0']);
    expect(r.status, `${r.stderr}\n${slurm!.controllerLog().slice(-1500)}`).toBe(1);
    const s = status('slurm');
    expect(s.counts).toMatchObject({ done: 3, failed: 1 });
    expect(s.engine?.slurmJobs).toHaveLength(1);
    expect(plateOf(s, 'broken_red').reason).toMatch(/broken red\.fits is truncated/);
    for (const id of ids) expect(candidates('slurm', id)).toBe(candidates('local', id));
  }, 600_000);

  it('the Slurm and local engines give the same merged survey: candidates.csv and the funnel', (ctx) => {
    if (!slurm) ctx.skip();
    for (const d of ['local', 'slurm']) {
      const m = survey(['merge', d]);
      expect(m.status, m.stderr).toBe(0);
      expect(m.stderr).toMatch(/not merged \(not done\): broken_red \(failed/);
    }
    const merged = (d: string) => readFileSync(join(tmp, d, 'candidates.csv'), 'utf8');
    expect(merged('local').trim().split('\n').length).toBeGreaterThan(3);
    expect(merged('slurm')).toBe(merged('local'));
    const funnel = (d: string) => JSON.parse(readFileSync(join(tmp, d, 'survey-summary.json'), 'utf8')).funnel;
    expect(funnel('slurm')).toEqual(funnel('local'));
  }, 300_000);

  it('Slurm: an array task cancelled mid-run is failed with the reason, retried by the next run, and the result is unchanged', async (ctx) => {
    if (!slurm) ctx.skip();
    plan('cancel', 'pairs/good.csv');
    const r = survey(['run', 'cancel', '--engine', 'slurm', '--parallel', '1', '--detach']);
    expect(r.status, r.stderr).toBe(0);
    const jobId = JSON.parse(readFileSync(join(tmp, 'cancel', 'state', 'engine.json'), 'utf8')).slurmJobs[0].jobId as string;
    // Plate 0 running (its task recorded the start), a little into its run: cancel that one task.
    for (let i = 0; plateOf(status('cancel'), ids[0]).state !== 'running'; i++) {
      expect(i, 'plate 0 never ran').toBeLessThan(300);
      await sleep(200);
    }
    await sleep(2_000);
    const cancel = spawnSync('scancel', [`${jobId}_0`], { env: { ...process.env, ...slurm!.env }, encoding: 'utf8' });
    expect(cancel.status, cancel.stderr).toBe(0);
    let s = status('cancel');
    for (let i = 0; s.counts.running + s.counts.queued > 0; i++) {
      expect(i, 'the array never finished').toBeLessThan(600);
      await sleep(500);
      s = status('cancel');
    }
    expect(plateOf(s, ids[0]).state).toBe('failed');
    expect(plateOf(s, ids[0]).reason).toMatch(/stopped by SIGTERM|stopped without finishing/);
    expect(s.counts.done).toBe(2);

    const again = survey(['run', 'cancel', '--engine', 'slurm']);
    expect(again.status, again.stderr).toBe(0);
    s = status('cancel');
    expect(s.counts.done).toBe(3);
    expect(plateOf(s, ids[0]).attempts).toBe(2);
    for (const id of ids.slice(1)) expect(plateOf(s, id).attempts).toBe(1);
    for (const id of ids) expect(candidates('cancel', id)).toBe(candidates('local', id));
  }, 600_000);
});

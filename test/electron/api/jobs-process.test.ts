/**
 * A workstation run is a process of its own: `vasco run --progress-json`
 * started by the job manager in its own process group at a lower priority
 * (real SExtractor and PSFEx). Cancel leaves no process of the run behind, resume finishes it and
 * the run process records it (the CLI's recordRun); a failing run reports the
 * run command's own message, not a stack trace.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../electron/api/contract';
import type { Api } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { paramArgs, parseParamArgs } from '../../../electron/api/run-params';
import { parseRunMessage } from '../../../electron/api/jobs';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import { haveCommand } from '../../helpers/shared-data';
import { apiHarness, itReportsAFailedRun, until } from './harness';

const tools = haveCommand('source-extractor', 'apt-get install source-extractor') && haveCommand('psfex', 'apt-get install psfex');
const tmp = mkdtempSync(join(tmpdir(), 'vasco-jobs-proc-'));
let api: Api;
let pair: SynthPair;
const events: ApiEvent[] = [];
const harness = apiHarness(() => api);
const { call, untilDone } = harness;

/** Processes of a process group, from /proc: pid, command name and niceness. */
function groupMembers(pgid: number): { pid: number; comm: string; nice: number }[] {
  const out: { pid: number; comm: string; nice: number }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' '); // state ppid pgrp ...
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push({ pid: Number(d), comm: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[16]) });
  }
  return out;
}

beforeAll(async () => {
  if (!tools) return;
  pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'p', preset: 'small', size: 1400, stars: 2500, transients: 6, defects: 2, seed: 9 });
  api = await createApi({ dbPath: join(tmp, 'ws', 'vasco.sqlite'), offline: true });
  api.hub.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await api?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('run process messages and parameters', () => {
  it('parameters survive the trip through --param NAME=VALUE exactly, typed by their defaults', () => {
    const params = { 'filters.snrMin': 0.1 + 0.2, spreadModelMin: -0.002, 'filters.mad.enabled': true, 'catalogue.localFiles.gaia': '/a b/x=1.csv', 'catalogue.veto': 'local' };
    expect(parseParamArgs(paramArgs(params).filter((_, i) => i % 2))).toEqual(params);
    expect(() => parseParamArgs(['filters.snrMin=ten'])).toThrow(/filters.snrMin must be a number/);
    expect(() => parseParamArgs(['filters.snrMn=3'])).toThrow(/unknown parameter "filters.snrMn"/);
    expect(() => parseParamArgs(['snrMin'])).toThrow(/NAME=VALUE/);
  });

  it('a line that is no message is kept as a log line', () => {
    expect(parseRunMessage('{"type":"done","runId":3,"outDir":"/x","alreadyRecorded":false}')).toMatchObject({ type: 'done', runId: 3 });
    expect(parseRunMessage('{half')).toBeNull();
    expect(parseRunMessage('SExtractor says hello')).toBeNull();
  });
});

describe.skipIf(!tools)('a workstation run as a process of its own', () => {
  it('cancel kills the whole process tree (no source-extractor survives); resume finishes the run, recorded by the run process', async () => {
    const { jobId } = await call('pipeline.start', { red: pair.red, blue: pair.blue, offline: true, redOnly: false, params: { snrMin: 10 } });
    // The run process is a `vasco run` in a group of its own, with SExtractor under it once extraction starts.
    const tool = await until('source-extractor in the run process group', () => {
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
          if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(pair.red)) continue;
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
          const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
          const members = groupMembers(pgid);
          if (pgid === Number(d) && members.some((m) => m.comm.startsWith('source-extr'))) return { pgid, members };
        } catch {
          /* gone meanwhile */
        }
      }
      return undefined;
    });
    expect(tool.pgid).not.toBe(process.pid);
    // The run and its tools yield the processor to the serving process.
    for (const m of tool.members) expect(m.nice, m.comm).toBeGreaterThanOrEqual(10);
    const cancelled = untilDone(jobId);
    await call('pipeline.cancel', { jobId });
    expect((await cancelled).state).toBe('cancelled');
    expect(groupMembers(tool.pgid)).toEqual([]);
    expect((await call('pipeline.status', { jobId })).state).toBe('cancelled');

    const again = await call('pipeline.resume', { jobId });
    const done = await untilDone(again.jobId);
    expect(done.state, done.error).toBe('done');
    const { summary } = await call('runs.get', { runId: done.runId! });
    // Recorded by `vasco run` itself, with the workstation's parameters.
    expect(summary.command.slice(0, 2)).toEqual(['vasco', 'run']);
    expect(summary.command).toContain('--progress-json');
    expect((summary.parameters as { filters: { snrMin: number } }).filters.snrMin).toBe(10);
    expect((await call('runs.list', {})).filter((r) => r.id === done.runId)).toHaveLength(1);
    const stages = events.filter((e) => e.event === 'pipeline.progress' && e.data.jobId === again.jobId).map((e) => (e.data as { stage: string }).stage);
    expect(stages).toContain('veto');
    expect(events.some((e) => e.event === 'pipeline.log' && e.data.jobId === again.jobId)).toBe(true);
  }, 600_000);

  itReportsAFailedRun(harness, () => tmp);
});

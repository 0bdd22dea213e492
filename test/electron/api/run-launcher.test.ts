/**
 * How runs are started (electron/api/run-launcher.ts): Node running
 * bin/vasco.mjs under the browser host, a utility process of the run entry
 * under Electron. Electron is not installed here, so its utilityProcess.fork
 * is stood in for by Node's child_process.fork running the same run entry
 * (electron/cli/run-entry.ts, through tsx) with the same options; everything
 * after the fork (the job manager, the run entry, vasco run, SExtractor, PSFEx,
 * the workspace) is real.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { chooseRunLauncher, descendants, utilityRunLauncher, type UtilityFork } from '../../../electron/api/run-launcher';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { apiHarness, itReportsAFailedRun, until } from './harness';

const runEntry = join(projectRoot, 'electron', 'cli', 'run-entry.ts');
const forks: { entry: string; args: string[]; env: NodeJS.ProcessEnv }[] = [];
/** utilityProcess.fork's stand-in: Node's fork of the same module with the same stdio, environment and arguments. */
const nodeFork: UtilityFork = (entry, args, options) => {
  forks.push({ entry, args, env: options.env });
  return fork(entry, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: options.env, execArgv: ['--import', 'tsx'], cwd: projectRoot });
};

/** Niceness and command name of a process, from /proc. */
function procInfo(pid: number): { comm: string; nice: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return fields[0] === 'Z' ? null : { comm: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[16]) };
  } catch {
    return null;
  }
}

describe('the choice of run launcher', () => {
  const vascoBin = () => join(projectRoot, 'bin', 'vasco.mjs');

  it('under Electron without its utility process it refuses, naming why, instead of running in the serving process', () => {
    expect(() => chooseRunLauncher({ electron: '45.4.1', vascoBin })).toThrow(/run-as-Node fuse is off/);
    expect(() => chooseRunLauncher({ electron: '45.4.1', vascoBin, utility: { fork: nodeFork, entry: join(projectRoot, 'no such run.mjs') } })).toThrow(/run entry .*no such run\.mjs is missing/);
  });

  it('under Electron it forks the run entry with the arguments in VASCO_RUN_ARGV; under Node it needs no Electron', () => {
    const launch = chooseRunLauncher({ electron: '45.4.1', vascoBin, utility: { fork: nodeFork, entry: runEntry } });
    const before = forks.length;
    const child = launch(['--help'], {});
    expect(forks.length).toBe(before + 1);
    expect(forks.at(-1)!.entry).toBe(runEntry);
    expect(JSON.parse(forks.at(-1)!.env.VASCO_RUN_ARGV!)).toEqual(['--help']);
    child.kill('SIGKILL');
    expect(typeof chooseRunLauncher({ electron: undefined, vascoBin })).toBe('function');
  });
});

const tools = haveCommand('source-extractor', 'apt-get install source-extractor') && haveCommand('psfex', 'apt-get install psfex');

describe.skipIf(!tools)('a run in a utility process (the Electron launcher, forked by Node here)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vasco-utility-run-'));
  let api: Api;
  let pair: SynthPair;
  const harness = apiHarness(() => api);
  const { call, untilDone } = harness;

  beforeAll(async () => {
    pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'p', preset: 'small', size: 1400, stars: 2500, transients: 6, defects: 2, seed: 9 });
    api = await createApi({ dbPath: join(tmp, 'ws', 'vasco.sqlite'), offline: true, runLauncher: utilityRunLauncher(nodeFork, runEntry) });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs below the serving process, cancel leaves no tool behind, resume finishes and the run process records it', async () => {
    const { jobId } = await call('pipeline.start', { red: pair.red, blue: pair.blue, offline: true, redOnly: false, params: { snrMin: 10 } });
    expect(JSON.parse(forks.at(-1)!.env.VASCO_RUN_ARGV!)).toContain('--progress-json');
    // SExtractor under the run process (no process group of its own here: found through /proc).
    const pid = await until('the run process', () => findRunPid(pair.red), 180_000);
    const tree = await until('source-extractor under the run process', () => {
      const below = descendants(pid).map((p) => ({ pid: p, ...procInfo(p)! })).filter((p) => p.comm);
      return below.some((p) => p.comm.startsWith('source-extr')) && below;
    }, 180_000);
    expect(procInfo(pid)!.nice).toBeGreaterThanOrEqual(10);
    for (const p of tree) expect(p.nice, p.comm).toBeGreaterThanOrEqual(10);

    const cancelled = untilDone(jobId);
    await call('pipeline.cancel', { jobId });
    expect((await cancelled).state).toBe('cancelled');
    expect([pid, ...tree.map((p) => p.pid)].map(procInfo).filter(Boolean)).toEqual([]);

    const again = await call('pipeline.resume', { jobId });
    const done = await untilDone(again.jobId);
    expect(done.state, done.error).toBe('done');
    const { summary } = await call('runs.get', { runId: done.runId! });
    expect(summary.command.slice(0, 2)).toEqual(['vasco', 'run']);
    expect((summary.parameters as { filters: { snrMin: number } }).filters.snrMin).toBe(10);
  }, 900_000);

  itReportsAFailedRun(harness, () => tmp);
});

/** The pid of the process whose command line names `file` and that runs the run entry. */
function findRunPid(file: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('run-entry.ts')) {
        const env = readFileSync(`/proc/${d}/environ`, 'utf8');
        if (env.includes(file)) return Number(d);
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

/**
 * `vasco survey run`: the plates still to do (not done; failed ones again),
 * on the local engine or as a Slurm job array; waits with progress unless
 * detached. Cancelling (`vasco survey cancel`) is recorded in engine.json, so a
 * waiting run does not retry what a person stopped.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { vascoBin } from '../api/jobs';
import { UserError } from '../core/errors';
import { defaultParallel, runLocal } from './local';
import { readPlan, type PlannedPlate, type SurveyPlan } from './plan';
import { cancelSlurm, slurmQueue, submitSlurm, type SlurmOptions } from './slurm';
import { pidAlive, readEngine, surveyStatus, writeEngine, type EngineRecord, type SurveyStatus } from './state';
import { REFUSED_EXIT } from './task';

export interface SurveyRunOptions {
  engine: 'local' | 'slurm';
  parallel?: number;
  retries: number;
  /** Requests in flight to one service across all the survey's tasks (default DEFAULT_REQUESTS_PER_SERVICE). */
  maxRequestsPerService?: number;
  detach: boolean;
  slurm: SlurmOptions;
  /** Status lines while waiting. */
  onStatus?: (s: SurveyStatus) => void;
  signal: AbortSignal;
}

const POLL_MS = 2_000;
/** Waits ms, or less when the signal fires. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const finish = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', finish);
      done();
    };
    const t = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });

/** Slurm's view when the survey runs there, else null (see plateStatus). */
export function queueOf(engine: EngineRecord | null) {
  return engine?.engine === 'slurm' ? slurmQueue(engine.slurmJobs) : null;
}

export function readStatus(dir: string, plan: SurveyPlan = readPlan(dir)): SurveyStatus {
  return surveyStatus(dir, plan, queueOf(readEngine(dir)));
}

/** A survey run already under way (a live local runner, or Slurm tasks in the queue): refused to start twice. */
function activeRun(engine: EngineRecord | null): string | null {
  if (!engine) return null;
  if (engine.engine === 'local' && engine.host === hostname() && engine.pid !== process.pid && pidAlive(engine.pid))
    return `a local survey run (pid ${engine.pid}) is still going`;
  if (engine.engine === 'slurm') {
    const q = slurmQueue(engine.slurmJobs);
    if (q && q.size) return `Slurm job(s) ${engine.slurmJobs.map((j) => j.jobId).join(', ')} still have ${q.size} task(s) in the queue`;
  }
  return null;
}

export async function runSurvey(dir: string, opts: SurveyRunOptions): Promise<SurveyStatus> {
  const plan = readPlan(dir);
  const earlier = readEngine(dir);
  const busy = activeRun(earlier);
  if (busy) throw new UserError(`${dir}: ${busy}`, 'wait for it (vasco survey status DIR), or stop it with vasco survey cancel DIR', 'survey-busy');
  const todo = (s: SurveyStatus) => plan.plates.filter((p) => s.plates[p.index].state !== 'done');
  const first = todo(surveyStatus(dir, plan, null));
  const engine: EngineRecord = {
    engine: opts.engine,
    startedUtc: new Date().toISOString(),
    host: hostname(),
    pid: process.pid,
    slurmJobs: [],
    ...(opts.maxRequestsPerService !== undefined ? { maxRequestsPerService: opts.maxRequestsPerService } : {}),
  };
  if (!first.length) {
    writeEngine(dir, engine);
    return readStatus(dir, plan);
  }

  if (opts.engine === 'local') {
    const parallel = opts.parallel ?? defaultParallel();
    if (opts.detach) {
      // A runner of its own, out of this process group: it outlives the terminal and owns the plates' processes.
      // Recorded with its pid before it looks, so it never takes this process for a run under way.
      const args = [vascoBin(), 'survey', 'run', dir, '--engine', 'local', '--parallel', String(parallel), '--retries', String(opts.retries), '--quiet'];
      if (opts.maxRequestsPerService !== undefined) args.push('--max-requests-per-service', String(opts.maxRequestsPerService));
      const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
      child.unref();
      writeEngine(dir, { ...engine, pid: child.pid ?? process.pid });
      return readStatus(dir, plan);
    }
    writeEngine(dir, engine);
    const timer = setInterval(() => opts.onStatus?.(readStatus(dir, plan)), POLL_MS);
    try {
      await runLocal(dir, first, { parallel, retries: opts.retries, signal: opts.signal });
    } finally {
      clearInterval(timer);
    }
    return readStatus(dir, plan);
  }

  writeEngine(dir, engine);
  let plates: PlannedPlate[] = first;
  for (let round = 0; ; round++) {
    const jobs = submitSlurm(dir, plates.map((p) => p.index), { ...opts.slurm, parallel: opts.parallel });
    engine.slurmJobs.push(...jobs);
    writeEngine(dir, { ...(readEngine(dir) ?? engine), slurmJobs: engine.slurmJobs });
    if (opts.detach) return readStatus(dir, plan);
    for (;;) {
      await sleep(POLL_MS, opts.signal);
      if (opts.signal.aborted) return readStatus(dir, plan); // the jobs go on: `survey cancel` stops them
      const queue = slurmQueue(jobs);
      const status = surveyStatus(dir, plan, slurmQueue(engine.slurmJobs));
      opts.onStatus?.(status);
      if (queue && queue.size === 0) break;
    }
    const status = readStatus(dir, plan);
    if (readEngine(dir)?.cancelRequestedUtc || round >= opts.retries) return status;
    // Failed plates again, except inputs `vasco run` refused (they fail the same way until fixed).
    plates = todo(status).filter((p) => status.plates[p.index].exitCode !== REFUSED_EXIT);
    if (!plates.length) return status;
  }
}

/** How long `survey cancel` waits for a local runner to stop its plates (they get SIGKILL after 5 s). */
const LOCAL_STOP_WAIT_MS = 60_000;

/**
 * Stops the survey's Slurm jobs, or its local runner (which stops its plates). A local cancel returns
 * once the runner has ended, so a `survey run` given right after it is not refused as a second run.
 */
export async function cancelSurvey(dir: string): Promise<string> {
  readPlan(dir);
  const engine = readEngine(dir);
  if (!engine) return 'nothing to cancel: this survey has not been run';
  writeEngine(dir, { ...engine, cancelRequestedUtc: new Date().toISOString() });
  if (engine.engine === 'slurm') {
    const q = slurmQueue(engine.slurmJobs);
    const live = engine.slurmJobs.filter((j) => q === null || [...(q?.keys() ?? [])].some((i) => j.indices.includes(i)));
    if (!live.length) return 'nothing to cancel: no task of this survey is in the Slurm queue';
    cancelSlurm(live);
    return `cancelled Slurm job(s) ${live.map((j) => j.jobId).join(', ')}`;
  }
  if (engine.host !== hostname()) throw new UserError(`the local survey run is on ${engine.host}, not here`, `run vasco survey cancel on ${engine.host}`);
  if (!pidAlive(engine.pid)) return 'nothing to cancel: the local survey run has ended';
  process.kill(engine.pid, 'SIGINT');
  const stopping = `stopping the local survey run (pid ${engine.pid}) and its plates`;
  for (const until = Date.now() + LOCAL_STOP_WAIT_MS; pidAlive(engine.pid); ) {
    if (Date.now() > until) return `${stopping}: still stopping after ${LOCAL_STOP_WAIT_MS / 1000} s (see vasco survey status DIR)`;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `${stopping}: stopped`;
}

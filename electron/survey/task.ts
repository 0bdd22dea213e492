/**
 * One plate of a survey: `vasco run --progress-json` for it (through
 * bin/vasco.mjs, in the plan's working folder) and its attempt recorded in
 * DIR/state/plates/<id>.json: start, progress, and how it ended. Both engines
 * run this as `vasco survey task DIR INDEX` (a local process group, a Slurm
 * array task), so the record is written the same way wherever the plate ran.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { parseRunMessage, vascoBin } from '../api/jobs';
import { UserError } from '../core/errors';
import { DEFAULT_REQUESTS_PER_SERVICE } from '../catalogs/http';
import { plateRunArgs, readPlan, sharedDirs, type SurveyPlan } from './plan';
import { plateSummary, readEngine, readPlateRecord, writePlateRecord, type Attempt } from './state';

/** Lines of the run's stderr kept as a failure's reason. */
const STDERR_TAIL = 15;
/** Progress is written to the record at most this often. */
const PROGRESS_EVERY_MS = 2_000;
/** Exit code of `vasco run` for a refused input (UserError): trying again will not help. */
export const REFUSED_EXIT = 2;

/** CPU seconds of this process's reaped children and theirs (Linux /proc; null elsewhere). */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 (cutime, cstime) in clock ticks, which are 100 a second on Linux.
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null;
  }
}

/** Resident memory of a process and all its descendants now, MiB (Linux /proc; null elsewhere). */
export function treeRssMiB(root: number): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {
      /* gone meanwhile */
    }
  }
  let kB = 0;
  for (const stack = [root]; stack.length; ) {
    const pid = stack.pop()!;
    try {
      kB += Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return kB / 1024;
}

export function planPlate(plan: SurveyPlan, index: number) {
  const plate = plan.plates.find((p) => p.index === index);
  if (!plate) throw new UserError(`the survey plan has no plate ${index} (it has ${plan.plates.length})`, 'check the task index');
  return plate;
}

/**
 * The survey-wide limit on requests in flight to each service, for the plate's `vasco run`:
 * lock slots in the survey folder that every task of the survey (on any host) shares.
 * A VASCO_REQUEST_SLOTS of the person's own wins.
 */
export function requestLimitEnv(dir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.VASCO_REQUEST_SLOTS?.trim()) return {};
  const n = readEngine(dir)?.maxRequestsPerService ?? DEFAULT_REQUESTS_PER_SERVICE;
  return { VASCO_REQUEST_SLOTS: sharedDirs(dir).requestSlots, VASCO_MAX_REQUESTS_PER_SERVICE: String(n) };
}

/** Runs plate `index` of the survey in `dir`; resolves with the task's exit code (0 done). */
export async function runPlateTask(dir: string, index: number, opts: { workers?: number } = {}): Promise<number> {
  const plan = readPlan(dir);
  const plate = planPlate(plan, index);
  const record = readPlateRecord(dir, plate);
  const { SLURM_ARRAY_JOB_ID: job, SLURM_ARRAY_TASK_ID: task } = process.env;
  const attempt: Attempt = {
    startedUtc: new Date().toISOString(),
    host: hostname(),
    pid: process.pid,
    ...(job && task ? { slurm: { jobId: job, taskId: task } } : {}),
  };
  record.attempts.push(attempt);
  const save = () => writePlateRecord(dir, record);
  save();

  const hasWorkers = plan.runArgs.some((a) => a === '--workers' || a.startsWith('--workers='));
  const args = [vascoBin(), 'run', ...plateRunArgs(dir, plan, plate), '--progress-json', ...(opts.workers && !hasWorkers ? ['--workers', String(opts.workers)] : [])];
  const t0 = performance.now();
  const cpu0 = childrenCpuSeconds();
  const child = spawn(process.execPath, args, { cwd: plan.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...requestLimitEnv(dir) } });
  // What a task needs (Slurm --mem): the run and its tools together, sampled while it runs.
  let peak = 0;
  const sampler = setInterval(() => {
    const now = child.pid !== undefined ? treeRssMiB(child.pid) : null;
    if (now !== null) peak = Math.max(peak, now);
  }, 1_000);
  const tail: string[] = [];
  let error: string | undefined;
  let lastWrite = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = parseRunMessage(line);
    if (m?.type === 'error') error = m.hint ? `${m.message} (what to do: ${m.hint})` : m.message;
    if (m?.type !== 'progress') return;
    attempt.progress = { stage: m.stage, fraction: m.fraction, ...(m.etaSeconds !== undefined ? { etaSeconds: m.etaSeconds } : {}), at: new Date().toISOString() };
    if (Date.now() - lastWrite < PROGRESS_EVERY_MS && m.fraction < 1) return;
    lastWrite = Date.now();
    save();
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL) tail.shift();
  });
  // Ctrl-C (local engine) or scancel's SIGTERM: the run stops as on Ctrl-C, and the attempt says so.
  let stoppedBy: string | undefined;
  const stop = (sig: NodeJS.Signals) => {
    stoppedBy = sig;
    child.kill('SIGINT');
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => {
    child.on('error', (err) => {
      error = `could not start vasco run: ${err.message}`;
      done([null, null]);
    });
    child.on('close', (code, sig) => done([code, sig]));
  });
  process.off('SIGINT', stop).off('SIGTERM', stop);
  clearInterval(sampler);

  const cpu1 = childrenCpuSeconds();
  attempt.finishedUtc = new Date().toISOString();
  attempt.exitCode = exitCode;
  attempt.signal = signal;
  attempt.ok = exitCode === 0 && !stoppedBy;
  attempt.wallSeconds = Number(((performance.now() - t0) / 1000).toFixed(2));
  if (cpu0 !== null && cpu1 !== null) attempt.cpuSeconds = Number((cpu1 - cpu0).toFixed(2));
  if (peak > 0) attempt.peakRssMiB = Number(peak.toFixed(1));
  if (attempt.ok) {
    const summary = plateSummary(dir, plate);
    attempt.runKey = summary?.runKey;
    attempt.candidates = summary?.candidates;
  } else {
    attempt.reason = stoppedBy
      ? `stopped by ${stoppedBy} (cancelled)`
      : (error ?? (signal ? `vasco run was killed by ${signal}` : `vasco run exited with code ${exitCode}`));
    attempt.stderrTail = tail;
  }
  save();
  if (attempt.ok) return 0;
  return stoppedBy ? 130 : exitCode === REFUSED_EXIT ? REFUSED_EXIT : 1;
}

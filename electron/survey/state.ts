/**
 * What a survey has done, on disk under DIR/state/ so that any machine sharing
 * the folder (a login node, the workstation) can read it:
 *
 *   state/plates/<id>.json   one plate's attempts, written only by the task running
 *                            it (start, progress, end: exit, reason, stderr tail,
 *                            wall and CPU seconds, the run's runKey)
 *   state/engine.json        the latest `survey run`: engine, the local runner's
 *                            pid and host, the Slurm jobs it submitted, a cancel
 *   state/logs/              each task's own output
 *
 * A plate's state is derived, never stored: done when its last attempt exited 0
 * and DIR/plates/<id>/summary.json still carries that attempt's runKey; running
 * while its task is alive (a live pid on this host, or the task in squeue);
 * failed when the last attempt failed or its task vanished without a word.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { plateDir, writeJsonAtomic, type PlannedPlate, type SurveyPlan } from './plan';
import { pidAlive } from '../catalogs/file-lock';

export interface PlateProgress {
  stage: string;
  fraction: number;
  etaSeconds?: number;
  at: string;
}

export interface Attempt {
  startedUtc: string;
  host: string;
  /** The task process (`vasco survey task`). */
  pid: number;
  slurm?: { jobId: string; taskId: string };
  progress?: PlateProgress;
  finishedUtc?: string;
  ok?: boolean;
  exitCode?: number | null;
  signal?: string | null;
  /** Why it failed: the run's own error message, or how the process ended. */
  reason?: string;
  stderrTail?: string[];
  wallSeconds?: number;
  /** CPU time of the run and every tool it started (Linux: the task's reaped children). */
  cpuSeconds?: number;
  /** Largest resident memory of the run and its tools together, MiB (Linux, sampled every second). */
  peakRssMiB?: number;
  runKey?: string;
  candidates?: number;
}

export interface PlateRecord {
  id: string;
  index: number;
  attempts: Attempt[];
}

export interface SlurmSubmission {
  jobId: string;
  /** Plan index of array task 0 (arrays are cut at Slurm's default MaxArraySize). */
  offset: number;
  indices: number[];
  submittedUtc: string;
}

export interface EngineRecord {
  engine: 'local' | 'slurm';
  startedUtc: string;
  host: string;
  /** The `survey run` process (local engine: it owns the plates' processes). */
  pid: number;
  slurmJobs: SlurmSubmission[];
  cancelRequestedUtc?: string;
  /** Requests in flight to one service across all the survey's tasks (`--max-requests-per-service`). */
  maxRequestsPerService?: number;
}

export type PlateStateName = 'planned' | 'queued' | 'running' | 'done' | 'failed';

export interface PlateStatus {
  id: string;
  index: number;
  state: PlateStateName;
  stage?: string;
  fraction?: number;
  reason?: string;
  stderrTail?: string[];
  /** The failed attempt's exit code (2: `vasco run` refused the input). */
  exitCode?: number | null;
  attempts: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** Largest memory of the run and its tools together over the finished attempts, MiB (what a Slurm --mem must allow). */
  peakRssMiB?: number;
  candidates?: number;
}

export const plateRecordFile = (dir: string, id: string) => join(dir, 'state', 'plates', `${id}.json`);
export const engineFile = (dir: string) => join(dir, 'state', 'engine.json');
export const logsDir = (dir: string) => join(dir, 'state', 'logs');

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null; // absent, or being replaced (writes are atomic renames, so never half read)
  }
}

export function readPlateRecord(dir: string, plate: PlannedPlate): PlateRecord {
  return readJson<PlateRecord>(plateRecordFile(dir, plate.id)) ?? { id: plate.id, index: plate.index, attempts: [] };
}

export function writePlateRecord(dir: string, record: PlateRecord): void {
  writeJsonAtomic(plateRecordFile(dir, record.id), record);
}

export function readEngine(dir: string): EngineRecord | null {
  return readJson<EngineRecord>(engineFile(dir));
}

export function writeEngine(dir: string, record: EngineRecord): void {
  writeJsonAtomic(engineFile(dir), record);
}

/** A live process of this host (the survey engines ask it of runners and tasks). */
export { pidAlive };

/** What a plate's DIR/plates/<id>/summary.json says (null when it has none). */
export function plateSummary(dir: string, plate: PlannedPlate): { runKey?: string; candidates?: number } | null {
  return readJson<{ runKey?: string; candidates?: number }>(join(plateDir(dir, plate), 'summary.json'));
}

/** Slurm's view of the plan's indices: 'PENDING', 'RUNNING', ... (absent: not in the queue). */
export type QueueView = Map<number, string>;

/**
 * One plate's state. `queue` is Slurm's view when the survey runs there (null
 * when squeue could not be asked: an open attempt then counts as running).
 */
export function plateStatus(dir: string, plate: PlannedPlate, queue: QueueView | null): PlateStatus {
  const rec = readPlateRecord(dir, plate);
  const last = rec.attempts.at(-1);
  const done = rec.attempts.filter((a) => a.finishedUtc);
  const base = {
    id: plate.id,
    index: plate.index,
    attempts: rec.attempts.length,
    wallSeconds: done.reduce((s, a) => s + (a.wallSeconds ?? 0), 0),
    cpuSeconds: done.reduce((s, a) => s + (a.cpuSeconds ?? 0), 0),
    ...(done.some((a) => a.peakRssMiB) ? { peakRssMiB: Math.max(...done.map((a) => a.peakRssMiB ?? 0)) } : {}),
  };
  const inQueue = queue?.get(plate.index);
  if (inQueue === 'PENDING' || inQueue === 'CONFIGURING' || inQueue === 'REQUEUED') return { ...base, state: 'queued' };
  if (!last) return { ...base, state: inQueue ? 'running' : 'planned' };
  if (!last.finishedUtc) {
    const alive = last.slurm ? (queue ? inQueue !== undefined : true) : last.host !== hostname() || pidAlive(last.pid);
    if (alive) return { ...base, state: 'running', stage: last.progress?.stage, fraction: last.progress?.fraction };
    const how = last.slurm ? `Slurm task ${last.slurm.jobId}_${last.slurm.taskId} ended` : `its process ${last.pid} is gone`;
    return { ...base, state: 'failed', reason: `stopped without finishing (${how}: cancelled, killed or out of time)`, stage: last.progress?.stage };
  }
  if (last.ok) {
    if (last.runKey && plateSummary(dir, plate)?.runKey === last.runKey) return { ...base, state: 'done', candidates: last.candidates };
    return { ...base, state: 'planned', reason: `its summary.json is gone or belongs to another run: to be run again` };
  }
  return { ...base, state: 'failed', reason: last.reason, stderrTail: last.stderrTail, exitCode: last.exitCode };
}

export interface SurveyStatus {
  plates: PlateStatus[];
  counts: Record<PlateStateName, number>;
  wallSeconds: number;
  cpuSeconds: number;
  engine: EngineRecord | null;
}

export function surveyStatus(dir: string, plan: SurveyPlan, queue: QueueView | null): SurveyStatus {
  const plates = plan.plates.map((p) => plateStatus(dir, p, queue));
  const counts: Record<PlateStateName, number> = { planned: 0, queued: 0, running: 0, done: 0, failed: 0 };
  for (const p of plates) counts[p.state]++;
  return {
    plates,
    counts,
    wallSeconds: plates.reduce((s, p) => s + p.wallSeconds, 0),
    cpuSeconds: plates.reduce((s, p) => s + p.cpuSeconds, 0),
    engine: readEngine(dir),
  };
}

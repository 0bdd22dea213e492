/**
 * The Slurm engine: one job array, one array task a plate, each task `vasco
 * survey task DIR INDEX` from a small generated batch script. Only sbatch,
 * squeue and scancel are used (sacct needs accounting, which many clusters and
 * every private test Slurm lack); SLURM_CONF and the user's own defaults
 * (~/.slurm, SBATCH_* variables) apply because we add nothing but what was
 * asked. DIR and this installation must be on a filesystem the nodes share.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { vascoBin } from '../api/jobs';
import { UserError } from '../core/errors';
import { shellQuote } from '../core/shell';
import { logsDir, type QueueView, type SlurmSubmission } from './state';

/** Array task ids per job: Slurm's default MaxArraySize (1001) allows 0-1000. */
const ARRAY_SPAN = 1000;

export interface SlurmOptions {
  /** Tasks of one array at once (the %N of --array). */
  parallel?: number;
  partition?: string;
  time?: string;
  mem?: string;
  account?: string;
  cpusPerTask?: number;
  /** Further sbatch options, verbatim. */
  sbatchArgs: string[];
}

function slurmCommand(name: string, args: string[]): string {
  const r = spawnSync(name, args, { encoding: 'utf8' });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing ? `${name} is not installed here: the Slurm engine submits with sbatch and follows with squeue` : `${name} failed to start: ${r.error.message}`,
      missing ? 'run the survey on a Slurm login node, or use --engine local' : 'check the Slurm client installation',
      'slurm',
    );
  }
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new UserError(`${name} ${args.join(' ')} failed: ${msg}`, 'check the options passed to Slurm (partition, account, time) and SLURM_CONF', 'slurm');
  }
  return r.stdout;
}

/** "0-2,5,7-9" for sorted whole numbers. */
export function arraySpec(ids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    parts.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The batch script: runs the plan's plate OFFSET + SLURM_ARRAY_TASK_ID with the task's CPUs as workers. */
function writeBatchScript(dir: string): string {
  const file = join(dir, 'state', 'slurm', 'task.sh');
  mkdirSync(join(dir, 'state', 'slurm'), { recursive: true });
  writeFileSync(
    file,
    [
      '#!/bin/bash',
      '# Written by `vasco survey run --engine slurm`: one array task is one plate of plan.json.',
      '# $1: the plan index of array task 0.',
      'index=$(( ${1:-0} + SLURM_ARRAY_TASK_ID ))',
      `exec ${shellQuote(process.execPath)} ${shellQuote(vascoBin())} survey task ${shellQuote(resolve(dir))} "$index" \\`,
      '  --workers "${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-1}}"',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

/** Submits the plates (plan indices) as job arrays; one submission per 1000 indices. */
export function submitSlurm(dir: string, indices: number[], opts: SlurmOptions): SlurmSubmission[] {
  const script = writeBatchScript(dir);
  mkdirSync(logsDir(dir), { recursive: true });
  const byOffset = new Map<number, number[]>();
  for (const i of [...indices].sort((a, b) => a - b)) {
    const offset = Math.floor(i / ARRAY_SPAN) * ARRAY_SPAN;
    byOffset.set(offset, [...(byOffset.get(offset) ?? []), i]);
  }
  const out: SlurmSubmission[] = [];
  for (const [offset, ids] of byOffset) {
    const args = [
      '--parsable',
      '--job-name=vasco-survey',
      `--array=${arraySpec(ids.map((i) => i - offset))}${opts.parallel ? `%${opts.parallel}` : ''}`,
      `--output=${join(resolve(logsDir(dir)), 'slurm-%A_%a.out')}`,
      ...(opts.partition ? [`--partition=${opts.partition}`] : []),
      ...(opts.time ? [`--time=${opts.time}`] : []),
      ...(opts.mem ? [`--mem=${opts.mem}`] : []),
      ...(opts.account ? [`--account=${opts.account}`] : []),
      ...(opts.cpusPerTask ? [`--cpus-per-task=${opts.cpusPerTask}`] : []),
      ...opts.sbatchArgs,
      script,
      String(offset),
    ];
    const jobId = slurmCommand('sbatch', args).trim().split(';')[0];
    if (!/^\d+$/.test(jobId)) throw new UserError(`sbatch answered "${jobId}" instead of a job id`, 'check the Slurm client', 'slurm');
    out.push({ jobId, offset, indices: ids, submittedUtc: new Date().toISOString() });
  }
  return out;
}

/** Plan index -> Slurm state of every task of these jobs still in the queue; null when squeue cannot be asked. */
export function slurmQueue(jobs: SlurmSubmission[]): QueueView | null {
  const view: QueueView = new Map();
  if (!jobs.length) return view;
  const offsets = new Map(jobs.map((j) => [j.jobId, j.offset]));
  let text: string;
  try {
    text = execFileSync('squeue', ['-h', '-r', '-j', jobs.map((j) => j.jobId).join(','), '-o', '%i|%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // A job that left the queue long ago is an "Invalid job id": nothing of it is queued.
    if (/invalid job id/i.test(String((err as { stderr?: string }).stderr))) return view;
    return null;
  }
  for (const line of text.split('\n')) {
    const m = /^(\d+)_(\d+)\|(\S+)/.exec(line.trim());
    if (m && offsets.has(m[1])) view.set(offsets.get(m[1])! + Number(m[2]), m[3]);
  }
  return view;
}

export function cancelSlurm(jobs: SlurmSubmission[]): void {
  if (jobs.length) slurmCommand('scancel', jobs.map((j) => j.jobId));
}

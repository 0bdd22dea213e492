/**
 * The local engine: plates in parallel on this machine, each `vasco survey
 * task DIR INDEX` in a process group of its own (its `vasco run` and the tools
 * it starts are in that group), so stopping the survey stops every tool too.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { vascoBin } from '../api/jobs';
import type { PlannedPlate } from './plan';
import { logsDir } from './state';
import { REFUSED_EXIT } from './task';

/** After a stop, how long tasks may take to stop on SIGINT before their groups are killed. */
const STOP_GRACE_MS = 5_000;

export interface LocalRunOptions {
  parallel: number;
  /** Extra attempts for a plate that failed in this run (a refused input is not retried). */
  retries: number;
  signal: AbortSignal;
  /** A plate's task started or ended. */
  onChange?: () => void;
}

/** Plates at once: what was asked, else one per two cores (a plate's run uses the rest in its own workers). */
export function defaultParallel(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone already */
  }
}

/** Runs `plates` of the survey in `dir`; resolves when all are finished or, after a stop, when every task has ended. */
export async function runLocal(dir: string, plates: PlannedPlate[], opts: LocalRunOptions): Promise<void> {
  const queue = plates.map((p) => ({ plate: p, tries: 0 }));
  const workers = Math.max(1, Math.floor(availableParallelism() / Math.min(opts.parallel, Math.max(1, plates.length))));
  const running = new Map<number, number>(); // plate index -> task pid
  mkdirSync(logsDir(dir), { recursive: true });
  const bin = vascoBin();

  const runOne = (item: (typeof queue)[number]) =>
    new Promise<number | null>((done) => {
      item.tries++;
      const log = openSync(join(logsDir(dir), `${item.plate.id}.log`), 'a');
      const child = spawn(process.execPath, [bin, 'survey', 'task', dir, String(item.plate.index), '--workers', String(workers)], {
        detached: true, // its own process group: a stop reaches vasco run and its tools
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      if (child.pid !== undefined) running.set(item.plate.index, child.pid);
      opts.onChange?.();
      child.on('error', () => done(null));
      child.on('close', (code) => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL'); // nothing of the plate outlives its task
        running.delete(item.plate.index);
        opts.onChange?.();
        done(code);
      });
    });

  const onAbort = () => {
    for (const pid of running.values()) killGroup(pid, 'SIGINT');
    setTimeout(() => {
      for (const pid of running.values()) killGroup(pid, 'SIGKILL');
    }, STOP_GRACE_MS).unref();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const lane = async () => {
      for (let item = queue.shift(); item && !opts.signal.aborted; item = queue.shift()) {
        const code = await runOne(item);
        if (code !== 0 && code !== REFUSED_EXIT && !opts.signal.aborted && item.tries <= opts.retries) queue.push(item);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.parallel) }, lane));
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}

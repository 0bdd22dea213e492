/**
 * How the workstation starts a `vasco run` process, in plain Node (no
 * 'electron' import, so it is tested without Electron):
 *
 *  - under Node (the browser host: `vasco serve`, `vasco demo`): Node itself
 *    runs bin/vasco.mjs, in a process group of its own, so a cancel reaches
 *    SExtractor and PSFEx through the group;
 *  - under Electron: the packaged binary's runAsNode fuse is off (Electron
 *    cannot be started as Node), so the run goes through Electron's
 *    utilityProcess.fork of the bundled run entry (dist/electron/run.mjs,
 *    ../cli/run-entry.ts), handed in by main.ts. A utility process has no group of
 *    its own, so a cancel signals its descendants found through /proc.
 *
 * Either way the job manager (api/jobs.ts) reads the same JSON lines, sends
 * SIGINT first and SIGKILL after a grace, and the run records itself.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { execa } from 'execa';
import { UserError } from '../core/errors';

/** How a run process shares the cores with the serving process. */
export interface RunPriority {
  /** Niceness of the run and its tools, 0 (normal) .. 19 (lowest); default RUN_NICENESS. */
  nice?: number;
  /** Linux's SCHED_IDLE class (through chrt, where installed): the run gets only CPU time nothing else wants. */
  idleClass?: boolean;
}

/** Niceness of a run process and its tools (0 normal, 19 lowest): the API answers first on a busy machine. */
export const RUN_NICENESS = 10;

/** A started run process, whoever started it. */
export interface RunProcess {
  pid: number | undefined;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves once it has exited (never rejects). */
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** Signal the run and every process it started; false when it is gone. */
  kill(signal: NodeJS.Signals): boolean;
}

/** Starts `vasco run ARGS` (ARGS without the word run). */
export type RunLauncher = (args: string[], priority: RunPriority) => RunProcess;

/** Lower a started process's priority; its tools, started later, inherit it. */
function lower(pid: number | undefined, priority: RunPriority): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, priority.nice ?? RUN_NICENESS);
  } catch {
    /* not permitted here: the run goes on at normal priority */
  }
}

/** chrt (util-linux), which starts a command in another scheduling class; null where there is none. */
function chrtPath(): string | null {
  return ['/usr/bin/chrt', '/bin/chrt'].find((p) => existsSync(p)) ?? null;
}

/** Node running `bin` (bin/vasco.mjs) in a process group of its own. */
export function nodeRunLauncher(bin: string): RunLauncher {
  return (args, priority) => {
    const command = [process.execPath, bin, 'run', ...args];
    const chrt = priority.idleClass ? chrtPath() : null;
    // chrt execs node in the same process, so the pid (and its process group) stays the run's.
    if (chrt) command.unshift(chrt, '--idle', '0');
    const child = execa(command[0], command.slice(1), {
      detached: true, // its own process group: cancel reaches SExtractor and PSFEx too
      stdin: 'ignore',
      buffer: false,
      reject: false,
    });
    lower(child.pid, priority);
    const pid = child.pid;
    return {
      pid,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited: child.then((r) => ({ exitCode: r.exitCode ?? null, signal: r.signal ?? null })),
      kill: (signal) => pid !== undefined && signalGroup(pid, signal),
    };
  };
}

/** Signal a whole process group; false when it is gone already. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant of `pid` (children first found, then theirs), from /proc; empty where there is no /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'
      parentOf.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) if (parent === p) (out.push(child), queue.push(child));
  }
  return out;
}

/** Signal a process and everything below it (the tools first, so none is left behind as an orphan); false when it is gone. */
export function signalTree(pid: number, signal: NodeJS.Signals): boolean {
  for (const child of descendants(pid).reverse()) {
    try {
      process.kill(child, signal);
    } catch {
      /* gone meanwhile */
    }
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The part of Electron's UtilityProcess the launcher uses (a ChildProcess from child_process.fork has it too). */
export interface UtilityChild {
  pid?: number | undefined;
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  // 'exit' gives the exit code; 'spawn' nothing
  once(event: 'exit' | 'spawn', listener: (code: number | null) => void): unknown;
}

/** Electron's utilityProcess.fork, as main.ts passes it. */
export type UtilityFork = (
  modulePath: string,
  args: string[],
  options: { stdio: 'pipe'; serviceName: string; env: NodeJS.ProcessEnv },
) => UtilityChild;

/**
 * Electron's utility process running `entry` (the bundled run entry). The
 * arguments go in VASCO_RUN_ARGV: a utility process's argv is Electron's own.
 */
export function utilityRunLauncher(fork: UtilityFork, entry: string): RunLauncher {
  return (args, priority) => {
    const child = fork(entry, args, { stdio: 'pipe', serviceName: 'vasco run', env: { ...process.env, VASCO_RUN_ARGV: JSON.stringify(args) } });
    const exited = new Promise<{ exitCode: number | null; signal: string | null }>((ok) => child.once('exit', (code) => ok({ exitCode: code, signal: null })));
    // the pid is known once it has spawned (at once for child_process.fork)
    if (child.pid !== undefined) lower(child.pid, priority);
    else child.once('spawn', () => lower(child.pid, priority));
    if (!child.stdout || !child.stderr) throw new Error('utility process started without pipes for stdout and stderr');
    return {
      get pid() {
        return child.pid;
      },
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
      kill: (signal) => child.pid !== undefined && signalTree(child.pid, signal),
    };
  };
}

/** Where the workstation runs, for chooseRunLauncher. */
export interface RunnerSetting {
  /** process.versions.electron: set under Electron. */
  electron: string | undefined;
  /** bin/vasco.mjs of this installation (under Node). */
  vascoBin: () => string;
  /** Under Electron: utilityProcess.fork and the bundled run entry. */
  utility?: { fork: UtilityFork; entry: string };
}

/**
 * The one choice of how runs are started: a utility process under Electron
 * (Electron cannot run as Node there), Node running bin/vasco.mjs elsewhere.
 */
export function chooseRunLauncher(setting: RunnerSetting): RunLauncher {
  if (setting.electron !== undefined) {
    if (!setting.utility)
      throw new UserError(
        `under Electron ${setting.electron} a run needs Electron's utility process (its run-as-Node fuse is off)`,
        'start the workstation through electron/main.ts, which hands it in',
        'internal',
      );
    if (!existsSync(setting.utility.entry))
      throw new UserError(`the run entry ${setting.utility.entry} is missing`, 'rebuild the app (npm run build:main) or reinstall it', 'not-found');
    return utilityRunLauncher(setting.utility.fork, setting.utility.entry);
  }
  return nodeRunLauncher(setting.vascoBin());
}

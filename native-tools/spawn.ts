/**
 * Running SExtractor / PSFEx: argument arrays (never a shell string), stderr
 * split into lines for the log, progress lines turned into fractions, and the
 * AbortSignal killing the child.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { CancelledError, UserError } from '../electron/core/errors';
import type { StageContext } from '../electron/core/stage';

export interface RunToolOptions {
  /** Working directory; the tools write their outputs relative to it only when told to. */
  cwd: string;
  ctx?: StageContext;
  /** Label in log lines and errors, e.g. "sextractor pass 1". */
  label: string;
  /**
   * Called with every cleaned output line; return true when the line was a
   * progress tick (it is then not logged).
   */
  onLine?: (line: string) => boolean;
  /** Told the child's pid as soon as it exists (tests use it to watch it die). */
  onSpawn?: (pid: number) => void;
}

export interface ToolRun {
  /** Every non-progress line the tool printed, for the work-folder log. */
  lines: string[];
  seconds: number;
  /**
   * Peak resident memory of the child, MiB: its VmHWM (the kernel's high-water
   * mark) read from /proc every PEAK_POLL_MS while it runs. VmHWM only grows,
   * so this misses at most a peak reached in the last poll interval of the
   * child's life. null where /proc is absent (not Linux) or the child was too
   * short-lived to be read.
   */
  peakRssMiB: number | null;
}

export const PEAK_POLL_MS = 100;

/** Told about every finished tool run (the bench accounts children per stage). */
type ToolRunObserver = (label: string, run: ToolRun) => void;
const observers = new Set<ToolRunObserver>();
export function observeToolRuns(fn: ToolRunObserver): () => void {
  observers.add(fn);
  return () => observers.delete(fn);
}

/** VmHWM of a live process, MiB, or null. */
export function readPeakRssMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// Both tools draw their progress with VT100 cursor codes.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function cleanToolLine(raw: string): string {
  return raw.replace(ANSI, '').trim();
}

/**
 * What to do about a failed tool run, from what the tool said: only a message
 * that points at the file or the disk gets that advice (a refused setting is
 * our fault, and saying "damaged FITS file" there sent people the wrong way).
 */
export function failureHint(lines: string[]): string {
  const said = lines.join('\n');
  const log = 'the full log is work/run.log in the run\'s output folder';
  if (/no space left|disk full|quota/i.test(said)) return `the disk is full: free space where --out points and run the same command again; ${log}`;
  if (/keyword out of range|unknown keyword|syntax error|not a valid|bad value|\*error\*.*(conf|param|keyword)/i.test(said))
    return `the tool refused a setting vasco gave it: this is a bug in vasco, please report it with the lines above and the plate's header; ${log}`;
  if (/not a fits|cannot open|can't open|unexpected end|truncat|corrupt|eof/i.test(said))
    return `the tool could not read its input: check that the plate file is complete (download or copy it again); ${log}`;
  return `the tool's own words are above; ${log}`;
}

export async function runTool(file: string, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  const { ctx, label } = opts;
  if (ctx?.signal?.aborted) throw new CancelledError(label);
  const started = performance.now();
  const lines: string[] = [];
  let pending = '';
  const take = (chunk: string) => {
    pending += chunk;
    const parts = pending.split(/[\r\n]/);
    pending = parts.pop() ?? '';
    for (const part of parts) handle(part);
  };
  const handle = (raw: string) => {
    const line = cleanToolLine(raw);
    if (!line || line === '>') return;
    if (opts.onLine?.(line)) return;
    lines.push(line);
    ctx?.log?.(`[${label}] ${line}`);
  };

  const child = execa(file, args, {
    cwd: opts.cwd,
    reject: false,
    cancelSignal: ctx?.signal,
    // SExtractor ignores nothing on SIGTERM, but make sure a stuck child dies.
    forceKillAfterDelay: 2_000,
    stdin: 'ignore',
    buffer: false,
    encoding: 'utf8',
  });
  let peakRssMiB: number | null = null;
  const poll = () => {
    const v = child.pid !== undefined ? readPeakRssMiB(child.pid) : null;
    if (v !== null) peakRssMiB = Math.max(peakRssMiB ?? 0, v);
  };
  const poller = setInterval(poll, PEAK_POLL_MS);
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  // The exit is seen as stdout closing shortly before the process is reaped: one last look.
  child.stdout?.once('end', poll);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const result = await child.finally(() => clearInterval(poller));
  if (pending) handle(pending);

  if (result.isCanceled || ctx?.signal?.aborted) throw new CancelledError(label);
  if (result.failed) {
    const tail = lines.slice(-8).join('\n    ');
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    throw new UserError(`${label} (${file}) ${how}${tail ? `:\n    ${tail}` : ''}`, failureHint(lines), 'tool-failed');
  }
  const run = { lines, seconds: (performance.now() - started) / 1000, peakRssMiB };
  for (const fn of observers) fn(label, run);
  return run;
}

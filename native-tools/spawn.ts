/**
 * Running SExtractor / PSFEx: argument arrays (never a shell string), stderr
 * split into lines for the log, progress lines turned into fractions, and the
 * AbortSignal killing the child.
 */
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
}

// Both tools draw their progress with VT100 cursor codes.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function cleanToolLine(raw: string): string {
  return raw.replace(ANSI, '').trim();
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
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const result = await child;
  if (pending) handle(pending);

  if (result.isCanceled || ctx?.signal?.aborted) throw new CancelledError(label);
  if (result.failed) {
    const tail = lines.slice(-8).join('\n    ');
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    throw new UserError(
      `${label} (${file}) ${how}${tail ? `:\n    ${tail}` : ''}`,
      'see the log in the run\'s work folder; a damaged FITS file or a full disk are the usual causes',
      'tool-failed',
    );
  }
  return { lines, seconds: (performance.now() - started) / 1000 };
}

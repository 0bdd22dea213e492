/**
 * Pipeline jobs. Each run is a process of its own: `vasco run --progress-json`
 * (the same command a person types), started by ./run-launcher.ts (Node
 * running bin/vasco.mjs in its own process group; under Electron, a utility
 * process); its JSON lines become progress, log and done events. The
 * child records the finished run in the workspace itself (the one recordRun
 * path) and says which run id it got. Cancel stops it and every process it
 * started (SExtractor and PSFEx included); resume gives the same command again, and
 * the pipeline picks up after its last checkpointed stage. The serving
 * process only reads the workspace meanwhile (SQLite WAL), so the API stays
 * responsive.
 *
 * A job started with a field number or a sky position first downloads its
 * plates into the run's folder (plates/) here, with progress; a missing blue
 * plate makes it red-only and the run's notes say why.
 *
 * `inProcess` runs the pipeline in this process instead (tests that shorten
 * the stage list; the latency bench's comparison with the old way).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { acquirePlates, type AcquireRequest } from '../acquire/plates';
import type { HttpClient } from '../catalogs/http';
import { CancelledError, UserError } from '../core/errors';
import type { RunOptions } from '../pipeline/parameters';
import type { RunResult } from '../pipeline/run';
import type { StageContext } from '../core/stage';
import type { JobState, MethodArgs, MethodResult, PipelineProgress } from './contract';
import { notFound, type EventHub } from './dispatch';
import { paramArgs, paramsToOptions, type RunParams } from './run-params';
import { chooseRunLauncher, type RunLauncher, type RunPriority, type RunProcess } from './run-launcher';

export { paramsToOptions } from './run-params';
export type { RunPriority } from './run-launcher';

export type StartArgs = MethodArgs<'pipeline.start'>;
export type RunFn = (options: RunOptions, ctx: StageContext) => Promise<RunResult>;
/** Stores a finished run; returns its workspace run id. */
export type RecordFn = (result: RunResult, outDir: string) => Promise<number>;

/** One line of `vasco run --progress-json`. */
export type RunMessage =
  | ({ type: 'progress' } & PipelineProgress)
  | { type: 'log'; line: string }
  | { type: 'done'; runId: number; outDir: string; alreadyRecorded: boolean }
  | { type: 'error'; message: string; hint?: string; code?: string }
  | { type: 'cancelled' };

/** What a job runs: the run folder, the plates (once known) and the parameters as the UI gave them. */
interface JobRequest {
  out: string;
  red?: string;
  blue?: string;
  redOnly: boolean;
  offline: boolean;
  params: RunParams;
}

interface Job {
  id: string;
  request: JobRequest;
  /** Plates still to download before the run (field number or position). */
  acquire?: AcquireRequest;
  /** What acquisition said (e.g. no blue plate): added to the run's notes. */
  notes: string[];
  state: JobState;
  controller: AbortController;
  progress: PipelineProgress | null;
  runId?: number;
  error?: string;
  /** The run process, while it runs (child mode). */
  process?: RunProcess;
  done: Promise<void>;
}

export interface JobManagerOptions {
  hub: EventHub;
  /** The workspace the run process records into. */
  dbPath: string;
  /** Where new runs get their folder. */
  runsDir: string;
  /** HTTP client for plate downloads (default: the shared one; VASCO_IRSA_URL / VASCO_STSCI_URL point it elsewhere). */
  http?: HttpClient;
  /** Run the pipeline in this process instead of a child (see the header). */
  inProcess?: { run: RunFn; record: RecordFn };
  /** Priority of run processes (default: niceness RUN_NICENESS, ./run-launcher.ts). */
  priority?: RunPriority;
  /** How run processes are started (default: chooseRunLauncher for this process; Electron's main.ts hands in its utility process). */
  launcher?: RunLauncher;
}


/** After a cancel, how long the run process may take to stop on SIGINT before its group is killed. */
const CANCEL_GRACE_MS = 5_000;
/** After the run process has exited, how long its last output may take to arrive. */
const STDOUT_GRACE_MS = 2_000;

/** bin/vasco.mjs of this installation: the first folder above this module that holds it (sources, the bundle). */
export function vascoBin(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const bin = join(dir, 'bin', 'vasco.mjs');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) throw new UserError(`cannot find bin/vasco.mjs above ${from}`, 'reinstall VASCO Workstation (the run command is missing)', 'not-found');
  }
}

/** A message of the run process's stdout; null for a line that is none (then it is kept as log). */
export function parseRunMessage(line: string): RunMessage | null {
  if (!line.startsWith('{')) return null;
  try {
    const m = JSON.parse(line) as RunMessage;
    return m && typeof m === 'object' && typeof m.type === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** The download a start request asks for, if any: a field number ("687", "XE687") or a position. */
export function acquireRequest(args: StartArgs): AcquireRequest | null {
  if (args.plate !== undefined) {
    const m = /^\s*(?:X[EO])?0*(\d{1,4})\s*$/i.exec(args.plate);
    if (!m)
      throw new UserError(`"${args.plate}" is not a POSS-I field number`, 'give the field number, e.g. 687 or XE687', 'bad-arguments');
    return { plate: Number(m[1]) };
  }
  if (args.ra !== undefined || args.dec !== undefined) {
    if (args.ra === undefined || args.dec === undefined)
      throw new UserError('a sky position needs both RA and Dec', 'give ra and dec in degrees', 'bad-arguments');
    return { ra: args.ra, dec: args.dec, ...(args.sizeArcmin !== undefined ? { sizeArcmin: args.sizeArcmin } : {}) };
  }
  return null;
}

export class JobManager {
  private jobs = new Map<string, Job>();

  private readonly launcher: RunLauncher | null;

  constructor(private readonly opts: JobManagerOptions) {
    // Chosen once, up front: a workstation that cannot start runs says so when it starts, not at the first run.
    this.launcher = opts.inProcess ? null : (opts.launcher ?? chooseRunLauncher({ electron: process.versions.electron, vascoBin: () => vascoBin() }));
  }

  start(args: StartArgs): MethodResult<'pipeline.start'> {
    const id = randomUUID();
    const out = join(this.opts.runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id.slice(0, 8)}`);
    paramsToOptions(args.params); // refused here, naming the parameter, before any job starts
    const request: JobRequest = { out, redOnly: args.redOnly, offline: args.offline, params: args.params };
    const acquire = acquireRequest(args);
    if (acquire) {
      if (args.offline)
        throw new UserError(
          'plates by field number or sky position are downloaded from IRSA / STScI, and this run is offline',
          'untick "offline" to download them, or give local FITS files',
          'bad-arguments',
        );
      this.launch(id, request, acquire);
      return { jobId: id };
    }
    if (!args.red)
      throw new UserError('no red plate given', 'give the red (POSS-I E) plate as a FITS file path, a POSS-I field number, or a sky position', 'bad-arguments');
    for (const f of [args.red, args.blue])
      if (f && !existsSync(f)) throw new UserError(`plate file ${f} does not exist`, 'check the path', 'not-found');
    this.launch(id, { ...request, red: resolve(args.red), ...(args.blue ? { blue: resolve(args.blue) } : {}) });
    return { jobId: id };
  }

  /** Run a cancelled or failed job again in its folder (the same command); finished stages come from checkpoints. */
  resume(jobId: string): MethodResult<'pipeline.resume'> {
    const old = this.get(jobId);
    if (old.state === 'running' || old.state === 'done')
      throw new UserError(`job ${jobId} is ${old.state}; only a cancelled or failed job can be resumed`, undefined, 'bad-state');
    const id = randomUUID();
    // Plates already fetched are on disk and pass their check again; a cut download resumes from its .part file.
    this.launch(id, old.request, old.request.red ? undefined : old.acquire, old.notes);
    return { jobId: id };
  }

  cancel(jobId: string): MethodResult<'pipeline.cancel'> {
    const job = this.get(jobId);
    if (job.state === 'running') job.controller.abort();
    return { ok: true };
  }

  status(jobId: string): MethodResult<'pipeline.status'> {
    const j = this.get(jobId);
    return {
      state: j.state,
      ...(j.runId !== undefined ? { runId: j.runId } : {}),
      ...(j.error ? { error: j.error } : {}),
      progress: j.progress,
    };
  }

  /** The run process of a running job (tests: its process group). */
  pidOf(jobId: string): number | undefined {
    return this.get(jobId).process?.pid;
  }

  /** Resolves when the job has finished (tests, CLI). */
  async wait(jobId: string): Promise<MethodResult<'pipeline.status'>> {
    await this.get(jobId).done;
    return this.status(jobId);
  }

  /** Cancel everything still running and wait for it to stop. */
  async close(): Promise<void> {
    for (const j of this.jobs.values()) if (j.state === 'running') j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private get(jobId: string): Job {
    const j = this.jobs.get(jobId);
    if (!j) throw notFound(`no pipeline job ${jobId}`, 'jobs live only as long as the workstation process; start the run again');
    return j;
  }

  private launch(id: string, request: JobRequest, acquire?: AcquireRequest, notes: string[] = []): void {
    const controller = new AbortController();
    const job: Job = { id, request, acquire, notes: [...notes], state: 'running', controller, progress: null, done: Promise.resolve() };
    this.jobs.set(id, job);
    const ctx: StageContext = {
      signal: controller.signal,
      onProgress: (p) => this.progress(job, { stage: p.stage, fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message }),
      log: (line) => this.opts.hub.emit({ event: 'pipeline.log', data: { jobId: id, line } }),
    };
    job.done = (async () => {
      try {
        if (acquire) {
          const got = await acquirePlates(acquire, join(request.out, 'plates'), ctx, this.opts.http ? { http: this.opts.http } : {});
          job.request = { ...request, red: got.red, ...(got.blue ? { blue: got.blue } : {}) };
          job.notes.push(...got.notes.map((n) => `acquire: ${n}`));
        }
        if (!job.request.red) throw new UserError('no red plate to run on', 'give a red plate file, a field number or a position');
        if (controller.signal.aborted) throw new CancelledError('the run');
        job.runId = this.opts.inProcess ? await this.runHere(job, ctx) : await this.runChild(job, ctx);
        job.state = 'done';
      } catch (err) {
        if (err instanceof CancelledError || controller.signal.aborted) {
          job.state = 'cancelled';
          job.error = 'cancelled';
        } else {
          job.state = 'failed';
          job.error = err instanceof UserError && err.hint ? `${err.message} (${err.hint})` : (err as Error).message;
        }
      }
      this.opts.hub.emit({
        event: 'pipeline.done',
        data: {
          jobId: id,
          state: job.state as Exclude<JobState, 'running'>,
          ...(job.runId !== undefined ? { runId: job.runId } : {}),
          ...(job.error ? { error: job.error } : {}),
        },
      });
    })();
  }

  private progress(job: Job, p: PipelineProgress): void {
    job.progress = p;
    this.opts.hub.emit({ event: 'pipeline.progress', data: { jobId: job.id, ...p } });
  }

  /** The old way: the pipeline in this process, recorded through the same store function. */
  private async runHere(job: Job, ctx: StageContext): Promise<number> {
    const { run, record } = this.opts.inProcess!;
    const r = job.request;
    const result = await run(
      {
        out: r.out, red: r.red!, ...(r.blue ? { blue: r.blue } : {}), redOnly: r.redOnly, offline: r.offline,
        ...paramsToOptions(r.params), resume: true, command: ['vasco-workstation', 'pipeline.start'],
      },
      ctx,
    );
    result.summary.notes.push(...job.notes);
    return record(result, r.out);
  }

  /** `vasco run --progress-json` as a process of its own (see ./run-launcher.ts); resolves with the run id it recorded. */
  private async runChild(job: Job, ctx: StageContext): Promise<number> {
    const r = job.request;
    const args = [
      '--red', r.red!, ...(r.blue ? ['--blue', r.blue] : []), '--out', r.out, '--db', resolve(this.opts.dbPath),
      '--progress-json', ...(r.redOnly ? ['--red-only'] : []), ...(r.offline ? ['--offline'] : []),
      ...paramArgs(r.params), ...job.notes.flatMap((n) => ['--note', n]),
    ];
    const child = this.launcher!(args, this.opts.priority ?? {});
    job.process = child;
    const stderrTail: string[] = [];
    let done: Extract<RunMessage, { type: 'done' }> | undefined;
    let failure: Extract<RunMessage, { type: 'error' }> | undefined;
    const lines = createInterface({ input: child.stdout });
    const stdoutClosed = new Promise<void>((ok) => lines.once('close', ok));
    lines.on('line', (line) => {
      const m = parseRunMessage(line);
      if (!m) ctx.log?.(line);
      else if (m.type === 'progress') this.progress(job, { stage: m.stage, fraction: m.fraction, etaSeconds: m.etaSeconds, message: m.message });
      else if (m.type === 'log') ctx.log?.(m.line);
      else if (m.type === 'done') done = m;
      else if (m.type === 'error') failure = m;
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 12) stderrTail.shift();
    });
    let killer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // SIGINT first: the run stops like Ctrl-C (tools cancelled, checkpoints intact); then no survivors.
      child.kill('SIGINT');
      killer = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS);
    };
    ctx.signal!.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await child.exited;
      // Its last lines (the run id) may still be on their way; a tool it left behind may hold the pipe open.
      await Promise.race([stdoutClosed, new Promise((ok) => setTimeout(ok, STDOUT_GRACE_MS))]);
      // Whatever the run process left behind (a tool it could not stop) goes with it.
      child.kill('SIGKILL');
      if (ctx.signal!.aborted) throw new CancelledError('the run');
      if (done) return done.runId;
      if (failure) throw new UserError(failure.message, failure.hint, failure.code);
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      throw new UserError(`the run process (vasco run) ${how}${stderrTail.length ? `:\n    ${stderrTail.join('\n    ')}` : ''}`, `see ${join(r.out, 'work')} for its log`, 'run-failed');
    } finally {
      clearTimeout(killer);
      ctx.signal!.removeEventListener('abort', onAbort);
      job.process = undefined;
    }
  }
}

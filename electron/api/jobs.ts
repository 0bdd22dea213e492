/**
 * Pipeline jobs run in-process: each has an AbortController, pushes progress,
 * log and done events, records its finished run in the workspace, and can be
 * cancelled and resumed (a resumed job re-runs in the same folder, so the
 * pipeline picks up after its last checkpointed stage).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CancelledError, UserError } from '../core/errors';
import type { RunOptions } from '../pipeline/parameters';
import { DEFAULT_EXTRACT } from '../pipeline/parameters';
import { DEFAULT_FILTERS } from '../pipeline/filters';
import { DEFAULT_RED_BLUE } from '../pipeline/red-vs-blue';
import type { RunResult } from '../pipeline/run';
import type { StageContext } from '../core/stage';
import type { JobState, MethodArgs, MethodResult, PipelineProgress } from './contract';
import { notFound, type EventHub } from './dispatch';

export type StartArgs = MethodArgs<'pipeline.start'>;
export type RunFn = (options: RunOptions, ctx: StageContext) => Promise<RunResult>;
/** Stores a finished run; returns its workspace run id. */
export type RecordFn = (result: RunResult, outDir: string) => number;

interface Job {
  id: string;
  options: RunOptions;
  state: JobState;
  controller: AbortController;
  progress: PipelineProgress | null;
  runId?: number;
  error?: string;
  done: Promise<void>;
}

const GROUPS = {
  filters: DEFAULT_FILTERS,
  redBlue: DEFAULT_RED_BLUE,
  extraction: DEFAULT_EXTRACT,
} as const;

type Nested = Record<string, unknown>;

/**
 * The UI's flat parameter map -> RunOptions groups. Keys are dotted paths into
 * the defaults ("filters.spreadModelMin", "extraction.detection.detectThresh")
 * or a bare name found in exactly one group ("spreadModelMin"). Unknown keys
 * and wrong types are refused, naming the key.
 */
export function paramsToOptions(params: Record<string, number | boolean | string>): Pick<RunOptions, 'filters' | 'redBlue' | 'extraction'> {
  const out: Nested = {};
  for (const [key, value] of Object.entries(params)) {
    let path = key.split('.');
    if (path.length === 1) {
      const owners = Object.entries(GROUPS).filter(([, d]) => key in d);
      const nestedOwner = key in DEFAULT_EXTRACT.detection ? [['extraction', 'detection']] : [];
      const found = [...owners.map(([g]) => [g]), ...nestedOwner];
      if (found.length !== 1)
        throw new UserError(`pipeline.start: unknown parameter "${key}"`, 'use a dotted name such as filters.spreadModelMin', 'bad-arguments');
      path = [...found[0], key];
    }
    let defaults: unknown = GROUPS as unknown;
    for (const p of path) defaults = (defaults as Nested | undefined)?.[p];
    if (defaults === undefined || typeof defaults === 'object')
      throw new UserError(`pipeline.start: unknown parameter "${key}"`, 'see electron/pipeline/parameters.ts for the parameter names', 'bad-arguments');
    if (typeof defaults !== typeof value)
      throw new UserError(`pipeline.start: parameter "${key}" must be a ${typeof defaults}, got ${JSON.stringify(value)}`, undefined, 'bad-arguments');
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Nested;
    node[path[path.length - 1]] = value;
  }
  return out as Pick<RunOptions, 'filters' | 'redBlue' | 'extraction'>;
}

export class JobManager {
  private jobs = new Map<string, Job>();

  constructor(
    private readonly hub: EventHub,
    private readonly run: RunFn,
    private readonly record: RecordFn,
    /** Where new runs get their folder. */
    private readonly runsDir: string,
  ) {}

  start(args: StartArgs): MethodResult<'pipeline.start'> {
    if (!args.red) {
      throw new UserError(
        args.plate || args.ra !== undefined
          ? 'fetching plates by field or position is not available in the workstation yet'
          : 'no red plate given',
        'give the red (POSS-I E) plate as a FITS file path, and the blue one if you have it; `vasco fetch` downloads plates',
        'bad-arguments',
      );
    }
    for (const f of [args.red, args.blue])
      if (f && !existsSync(f)) throw new UserError(`plate file ${f} does not exist`, 'check the path', 'not-found');
    const id = randomUUID();
    const options: RunOptions = {
      red: resolve(args.red),
      ...(args.blue ? { blue: resolve(args.blue) } : {}),
      out: join(this.runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id.slice(0, 8)}`),
      redOnly: args.redOnly,
      offline: args.offline,
      ...paramsToOptions(args.params),
      command: ['vasco-workstation', 'pipeline.start'],
    };
    this.launch(id, options);
    return { jobId: id };
  }

  /** Re-run a cancelled or failed job in its folder; finished stages come from checkpoints. */
  resume(jobId: string): MethodResult<'pipeline.resume'> {
    const old = this.get(jobId);
    if (old.state === 'running' || old.state === 'done')
      throw new UserError(`job ${jobId} is ${old.state}; only a cancelled or failed job can be resumed`, undefined, 'bad-state');
    const id = randomUUID();
    this.launch(id, { ...old.options, resume: true });
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

  private launch(id: string, options: RunOptions): void {
    const controller = new AbortController();
    const job: Job = { id, options, state: 'running', controller, progress: null, done: Promise.resolve() };
    this.jobs.set(id, job);
    const ctx: StageContext = {
      signal: controller.signal,
      onProgress: (p) => {
        job.progress = { stage: p.stage, fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message };
        this.hub.emit({ event: 'pipeline.progress', data: { jobId: id, ...job.progress } });
      },
      log: (line) => this.hub.emit({ event: 'pipeline.log', data: { jobId: id, line } }),
    };
    job.done = (async () => {
      try {
        const result = await this.run(options, ctx);
        job.runId = this.record(result, options.out);
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
      this.hub.emit({
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
}

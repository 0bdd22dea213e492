/**
 * Pipeline jobs run in-process: each has an AbortController, pushes progress,
 * log and done events, records its finished run in the workspace, and can be
 * cancelled and resumed (a resumed job re-runs in the same folder, so the
 * pipeline picks up after its last checkpointed stage). A job started with a
 * field number or a sky position first downloads its plates into the run's
 * folder (plates/), with progress; a missing blue plate makes it red-only.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { acquirePlates, type AcquireRequest } from '../acquire/plates';
import type { HttpClient } from '../catalogs/http';
import { CancelledError, UserError } from '../core/errors';
import type { RunOptions } from '../pipeline/parameters';
import { DEFAULT_CATALOGUE, DEFAULT_EXTRACT } from '../pipeline/parameters';
import { isCatalogId } from '../catalogs/catalogs';
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

/** Pipeline options before the plates are known (red is filled in by acquisition). */
type JobOptions = Omit<RunOptions, 'red'> & { red?: string };

interface Job {
  id: string;
  options: JobOptions;
  /** Plates still to download before the run (field number or position). */
  acquire?: AcquireRequest;
  /** What acquisition said (e.g. no blue plate): added to the run's notes. */
  notes: string[];
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
  catalogue: DEFAULT_CATALOGUE,
} as const;

/** Values a string parameter may take where the pipeline expects one of a few words. */
const CHOICES: Record<string, readonly string[]> = {
  'catalogue.veto': ['xmatch', 'cone', 'local', 'none'],
};

type Nested = Record<string, unknown>;

/**
 * The UI's flat parameter map -> RunOptions groups. Keys are dotted paths into
 * the defaults ("filters.spreadModelMin", "extraction.detection.detectThresh")
 * or a bare name found in exactly one group ("spreadModelMin"). Unknown keys
 * and wrong types are refused, naming the key.
 */
export function paramsToOptions(params: Record<string, number | boolean | string>): Pick<RunOptions, 'filters' | 'redBlue' | 'extraction' | 'catalogue'> {
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
    const dotted = path.join('.');
    if (path.length === 3 && path[0] === 'catalogue' && path[1] === 'localFiles') {
      // An offline catalogue file: catalogue.localFiles.gaia = /path/to/gaia.csv
      if (!isCatalogId(path[2]) || typeof value !== 'string' || !value)
        throw new UserError(`pipeline.start: "${key}" must name a catalogue and a file`, 'e.g. catalogue.localFiles.gaia = /data/gaia.csv', 'bad-arguments');
    } else {
      let defaults: unknown = GROUPS as unknown;
      for (const p of path) defaults = (defaults as Nested | undefined)?.[p];
      const nullable = defaults === null && typeof value === 'string'; // e.g. catalogue.vasco, a file path
      if (defaults === undefined || (typeof defaults === 'object' && !nullable))
        throw new UserError(`pipeline.start: unknown parameter "${key}"`, 'see electron/pipeline/parameters.ts for the parameter names', 'bad-arguments');
      if (!nullable && typeof defaults !== typeof value)
        throw new UserError(`pipeline.start: parameter "${key}" must be a ${typeof defaults}, got ${JSON.stringify(value)}`, undefined, 'bad-arguments');
      if (CHOICES[dotted] && !CHOICES[dotted].includes(String(value)))
        throw new UserError(`pipeline.start: parameter "${key}" must be one of ${CHOICES[dotted].join(', ')}, got ${JSON.stringify(value)}`, undefined, 'bad-arguments');
    }
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Nested;
    node[path[path.length - 1]] = value;
  }
  return out as Pick<RunOptions, 'filters' | 'redBlue' | 'extraction' | 'catalogue'>;
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

  constructor(
    private readonly hub: EventHub,
    private readonly run: RunFn,
    private readonly record: RecordFn,
    /** Where new runs get their folder. */
    private readonly runsDir: string,
    /** HTTP client for plate downloads (default: the shared one; VASCO_IRSA_URL / VASCO_STSCI_URL point it elsewhere). */
    private readonly http?: HttpClient,
  ) {}

  start(args: StartArgs): MethodResult<'pipeline.start'> {
    const id = randomUUID();
    const out = join(this.runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id.slice(0, 8)}`);
    const common = {
      out,
      redOnly: args.redOnly,
      offline: args.offline,
      ...paramsToOptions(args.params),
      command: ['vasco-workstation', 'pipeline.start'],
    };
    const acquire = acquireRequest(args);
    if (acquire) {
      if (args.offline)
        throw new UserError(
          'plates by field number or sky position are downloaded from IRSA / STScI, and this run is offline',
          'untick "offline" to download them, or give local FITS files',
          'bad-arguments',
        );
      this.launch(id, common, acquire);
      return { jobId: id };
    }
    if (!args.red)
      throw new UserError('no red plate given', 'give the red (POSS-I E) plate as a FITS file path, a POSS-I field number, or a sky position', 'bad-arguments');
    for (const f of [args.red, args.blue])
      if (f && !existsSync(f)) throw new UserError(`plate file ${f} does not exist`, 'check the path', 'not-found');
    this.launch(id, { ...common, red: resolve(args.red), ...(args.blue ? { blue: resolve(args.blue) } : {}) });
    return { jobId: id };
  }

  /** Re-run a cancelled or failed job in its folder; finished stages come from checkpoints. */
  resume(jobId: string): MethodResult<'pipeline.resume'> {
    const old = this.get(jobId);
    if (old.state === 'running' || old.state === 'done')
      throw new UserError(`job ${jobId} is ${old.state}; only a cancelled or failed job can be resumed`, undefined, 'bad-state');
    const id = randomUUID();
    // Plates already fetched are on disk and pass their check again; a cut download resumes from its .part file.
    this.launch(id, { ...old.options, resume: true }, old.options.red ? undefined : old.acquire);
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

  private launch(id: string, options: JobOptions, acquire?: AcquireRequest): void {
    const controller = new AbortController();
    const job: Job = { id, options, acquire, notes: [], state: 'running', controller, progress: null, done: Promise.resolve() };
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
        if (acquire) {
          const got = await acquirePlates(acquire, join(options.out, 'plates'), ctx, this.http ? { http: this.http } : {});
          job.options = { ...options, red: got.red, ...(got.blue ? { blue: got.blue } : {}) };
          job.notes.push(...got.notes);
        }
        const { red } = job.options;
        if (!red) throw new UserError('no red plate to run on', 'give a red plate file, a field number or a position');
        const result = await this.run({ ...job.options, red }, ctx);
        if (job.notes.length) result.summary.notes.push(...job.notes.map((n) => `acquire: ${n}`));
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

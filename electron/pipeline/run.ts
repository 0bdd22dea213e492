/**
 * runPipeline: one red plate (and its blue twin) from FITS to candidates,
 * stage by stage, each finished stage checkpointed so a cancelled or crashed
 * run resumes after the last finished stage. Used by `vasco run` and the UI.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwIfAborted, UserError } from '../core/errors';
import type { Progress, StageContext } from '../core/stage';
import { findNativeTools, toolVersions } from '../../native-tools/find';
import { chainKey, CheckpointStore, fileSha256, sha256, stableJson } from './checkpoint';
import { extractionFilesPresent } from './extraction-stages';
import { writeAtomically, writeCandidatesCsv, writeJson, writeSourcesCsv } from './outputs';
import { publishedCsv } from './published-audit';
import { resolveParameters, type RunOptions, type RunParameters } from './parameters';
import { initialState, PIPELINE_STAGES } from './stages';
import type { PipelineContext, PipelineState, PlateState, Stage } from './state';
import type { SourceTable } from './source-table';
import type { PlateSummary, RunSummary, StageCount, TrackedSource } from './types';

export type { RunOptions } from './parameters';

export interface RunResult {
  summary: RunSummary;
  /** Red sources no stage dropped, as row objects (made on first use and kept: prefer candidateRows() on large runs). */
  readonly candidates: TrackedSource[];
  /** Every red source with its ledger, as row objects (made on first use and kept: prefer sourceRows() on large runs). */
  readonly sources: TrackedSource[];
  /** Every red source with its ledger, one fresh row object at a time (nothing kept), in id order. */
  sourceRows(): Iterable<TrackedSource>;
  /** The red sources no stage dropped, one fresh row object at a time. */
  candidateRows(): Iterable<TrackedSource>;
  sourceCount: number;
  candidateCount: number;
  files: { candidates: string; sources: string; summary: string; workDir: string; log: string };
  /** Name of the last stage taken from a checkpoint, null when every stage ran. */
  resumedAfter: string | null;
  /**
   * Every stage came from checkpoints of a finished run with the same inputs
   * and parameters (summary.runKey), whose summary.json is kept: nothing was redone.
   */
  unchanged: boolean;
}

/** The RunResult over the red table: rows made on demand, the arrays only when asked for. */
function runResult(table: SourceTable, rest: Pick<RunResult, 'summary' | 'files' | 'resumedAfter' | 'unchanged'>): RunResult {
  let sources: TrackedSource[] | undefined;
  let candidates: TrackedSource[] | undefined;
  return {
    ...rest,
    sourceCount: table.length,
    candidateCount: table.aliveCount(),
    sourceRows: () => table.rows(),
    candidateRows: () => table.rows(table.aliveIndices()),
    get sources() {
      return (sources ??= [...table.rows()]);
    },
    get candidates() {
      return (candidates ??= [...table.rows(table.aliveIndices())]);
    },
  };
}

function appInfo(): { name: string; version: string } {
  try {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    return { name: String(pkg.name), version: String(pkg.version) };
  } catch {
    return { name: 'vasco-workstation', version: 'unknown' };
  }
}

function plateSummary(p: PlateState): PlateSummary {
  return {
    ...p.info,
    solution: p.solution?.kind ?? 'fits',
    ...(p.solution?.offset ? { solutionOffset: p.solution.offset } : {}),
    sourcesExtracted: p.sources.length,
    headerSha256: p.headerSha256,
    sha256: p.sha256,
    ...(p.extraction?.psf ? { psfFwhmPx: p.extraction.psf.fwhmPx } : {}),
  };
}

/** The root of the checkpoint key chain: the plates by content (never path or date), the mode, the tools. */
function baseKey(state: PipelineState, tools: Record<string, string>): string {
  return sha256(
    stableJson({
      red: { sha256: state.red.sha256, hdu: state.red.hdu },
      blue: state.blue ? { sha256: state.blue.sha256, hdu: state.blue.hdu } : null,
      mode: state.mode,
      tools,
    }),
  );
}

/**
 * Content digests of the files a stage's inputs name (a local catalogue, the
 * published catalogue), so that an edited file re-runs the stage even under
 * the same name. Folders (--dedup-dir) are keyed by name only.
 */
async function namedFileDigests(inputs: unknown): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (v: unknown): Promise<void> => {
    if (typeof v === 'string') {
      if (isAbsolute(v) && !(v in out) && existsSync(v) && statSync(v).isFile()) out[v] = await fileSha256(v);
    } else if (Array.isArray(v)) for (const x of v) await walk(x);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) await walk(x);
  };
  await walk(inputs);
  return out;
}

/** What a run without DATE-OBS cannot do (said in summary.json and as a warning). */
export function missingEpochNote(state: PipelineState): string | null {
  if (state.red.info.epochJulian !== null) return null;
  return (
    `the red plate ${state.red.info.file} has no DATE-OBS, so its epoch is unknown: Gaia positions cannot be carried to the plate epoch ` +
    '(matched at their catalogue epoch without proper motion, so fast-moving stars may fail to veto) and no SkyBoT asteroid check can be made'
  );
}

function runNotes(params: RunParameters, state: PipelineState): string[] {
  const notes: string[] = [];
  if (state.mode === 'red-only') notes.push(`red-only mode: ${state.modeReason}; no red-vs-blue comparison, expect more false positives`);
  if (params.offline) notes.push('offline: no network used; catalogue veto only from local files, no asteroid check');
  const epoch = missingEpochNote(state);
  if (epoch) notes.push(epoch);
  return notes;
}

/**
 * DIR/work, created, after making sure DIR is a folder we can write: refused
 * here with a clear message rather than as a raw error from deep inside.
 */
export function prepareOutDir(out: string): string {
  const refuse = (why: string, hint = 'choose a folder you can write to (it is created when missing)') =>
    new UserError(`cannot write the run's output into --out ${out}: ${why}`, hint, 'bad-out');
  // The nearest part of the path that exists must be a folder.
  let existing = out;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory())
    throw refuse(existing === out ? 'it is a file, not a folder' : `${existing} is a file, not a folder`, 'give a folder path for --out');
  const work = join(out, 'work');
  try {
    // One level at a time: recursive mkdir never returns under some pseudo file systems (/proc).
    const missing: string[] = [];
    for (let p = work; !existsSync(p); p = dirname(p)) missing.unshift(p);
    for (const p of missing) mkdirSync(p);
    const probe = join(work, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw refuse(`${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim());
  }
  return work;
}

/** A checkpointed state with the plate paths of this run (same content by key, maybe found under another name now). */
function withFilesOf(saved: PipelineState, now: PipelineState): PipelineState {
  const files = (s: PlateState, n: PlateState | undefined): PlateState => (n ? { ...s, file: n.file, info: { ...s.info, file: n.info.file } } : s);
  return { ...saved, red: files(saved.red, now.red), ...(saved.blue ? { blue: files(saved.blue, now.blue) } : {}) };
}

/** summary.json of an earlier run in DIR when it was this very run (same runKey), else null. */
function finishedSummary(file: string, runKey: string): RunSummary | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
    return s.runKey === runKey ? s : null;
  } catch {
    return null;
  }
}

/** Per-stage progress with an ETA from the stage's own pace when the stage gives none. */
function stageProgress(ctx: StageContext, stage: string, index: number, total: number) {
  const started = performance.now();
  return (p: Progress) => {
    const elapsed = (performance.now() - started) / 1000;
    const eta = p.etaSeconds ?? (p.fraction > 0.02 && p.fraction < 1 ? (elapsed * (1 - p.fraction)) / p.fraction : undefined);
    ctx.onProgress?.({
      ...p,
      stage,
      etaSeconds: eta,
      message: `[${index + 1}/${total}]${p.message ? ` ${p.message}` : ''}`,
    });
  };
}

export async function runPipeline(options: RunOptions, ctx: StageContext = {}, stages: Stage[] = PIPELINE_STAGES): Promise<RunResult> {
  const startedUtc = new Date().toISOString();
  const params = resolveParameters(options);
  const workDir = prepareOutDir(params.out);
  const logFile = join(workDir, 'run.log');
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    ctx.log?.(line);
  };
  const warn = (line: string) => {
    log(`warning: ${line}`);
    ctx.warn?.(line);
  };
  log(`vasco run: ${stableJson({ red: params.red, blue: params.blue, out: params.out })}`);

  // Refuse early: unusable plates (plate-input.ts) or missing tools before any long work.
  let state = await initialState(params);
  const epoch = missingEpochNote(state);
  if (epoch) warn(epoch);
  const tools = await findNativeTools();
  const versions = toolVersions(tools);
  const checkpoints = new CheckpointStore(join(workDir, 'checkpoints'));
  if (options.resume === false) checkpoints.clear();

  const keys: string[] = [];
  let key = baseKey(state, versions);
  for (const s of stages) {
    const inputs = s.inputs(params);
    keys.push((key = chainKey(key, s.name, { inputs, files: await namedFileDigests(inputs) })));
  }
  // Same plates (by content), same parameters, same tools: the same run.
  const runKey = key;

  let counts: StageCount[] = [];
  let first = 0;
  let resumedAfter: string | null = null;
  // Each checkpoint holds what its stage changed: apply them in order while they are this run's.
  let resumed = state;
  for (let i = 0; i < stages.length && options.resume !== false; i++) {
    const cp = checkpoints.load(i, stages[i].name, keys[i], resumed);
    if (!cp) break;
    resumed = cp.state;
    counts = cp.counts.map((c) => ({ ...c, fromCheckpoint: true }));
    first = i + 1;
  }
  if (first > 0 && !extractionFilesPresent(resumed)) {
    log(`checkpoints up to ${stages[first - 1].name} not used: the extraction files they need are gone from ${workDir}`);
    counts = [];
    first = 0;
  } else if (first > 0) {
    state = withFilesOf(resumed, state);
    resumedAfter = stages[first - 1].name;
    log(`resuming after stage ${resumedAfter} (checkpoints ${checkpoints.dir})`);
  }

  const pctx: PipelineContext = { ...ctx, log, params, workDir, tools, toolVersions: versions };
  for (let i = first; i < stages.length; i++) {
    const stage = stages[i];
    throwIfAborted(ctx.signal, 'run');
    const onProgress = stageProgress(ctx, stage.name, i, stages.length);
    onProgress({ stage: stage.name, fraction: 0 });
    log(`stage ${stage.name}: started`);
    const t0 = performance.now();
    const result = await stage.run(state, { ...pctx, onProgress });
    const seconds = (performance.now() - t0) / 1000;
    state = result.state;
    const count: StageCount = { name: stage.name, ...result.count, seconds: Number(seconds.toFixed(3)) };
    counts = [...counts.filter((c) => c.name !== stage.name), count];
    const outcome = count.skipped
      ? `skipped (${count.skipped})`
      : `${count.input} -> ${count.output}${count.blue ? `; blue ${count.blue.input} -> ${count.blue.output}` : ''}`;
    log(`stage ${stage.name}: ${outcome} in ${count.seconds} s`);
    // The count rides on the stage's last progress report, so a watcher (vasco demo, the run view) can show it as it goes.
    onProgress({ stage: stage.name, fraction: 1, etaSeconds: 0, outcome });
    const saved = checkpoints.save({ key: keys[i], stage: stage.name, index: i, counts: counts.map(({ fromCheckpoint: _, ...c }) => c), state });
    log(`checkpoint ${basename(saved.file)}: ${(saved.bytes / 2 ** 20).toFixed(2)} MiB`);
  }

  const table = state.red.sources;
  const files = {
    candidates: resolve(params.out, 'candidates.csv'),
    sources: resolve(params.out, 'sources.csv'),
    summary: resolve(params.out, 'summary.json'),
    workDir,
    log: logFile,
  };
  writeCandidatesCsv(files.candidates, table.rows(table.aliveIndices()));
  writeSourcesCsv(files.sources, table.rows());
  // The published-source audit (--vasco): one row per published source on the plate.
  if (state.published) writeAtomically(resolve(params.out, 'published.csv'), publishedCsv(state.published.rows));
  else rmSync(resolve(params.out, 'published.csv'), { force: true });
  const rows = (summary: RunSummary, unchanged: boolean) => runResult(table, { summary, files, resumedAfter, unchanged });
  // Nothing redone: the finished run's summary (its times, its command) still tells what happened.
  const finished = first === stages.length ? finishedSummary(files.summary, runKey) : null;
  if (finished) {
    log(`same inputs and parameters as the run finished at ${finished.finishedUtc}: nothing to do`);
    return rows(finished, true);
  }
  const summary: RunSummary = {
    app: appInfo(),
    startedUtc,
    finishedUtc: new Date().toISOString(),
    command: options.command ?? [],
    runKey,
    parameters: params as unknown as Record<string, unknown>,
    tools: Object.keys(state.tools).length ? state.tools : versions,
    mode: state.mode,
    ...(state.modeReason ? { modeReason: state.modeReason } : {}),
    plates: { red: plateSummary(state.red), ...(state.blue ? { blue: plateSummary(state.blue) } : {}) },
    stages: counts,
    candidates: table.aliveCount(),
    notes: [...runNotes(params, state), ...state.notes],
    ...(state.score ? { score: state.score } : {}),
    ...(state.blueCoverage ? { blueCoverage: state.blueCoverage } : {}),
    ...(state.published ? { published: state.published.summary } : {}),
    ...(state.astrometry ? { astrometry: state.astrometry } : {}),
  };
  writeJson(files.summary, summary);
  log(`done: ${summary.candidates} candidates of ${table.length} red sources`);
  return rows(summary, false);
}

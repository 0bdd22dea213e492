/**
 * runPipeline: one red plate (and its blue twin) from FITS to candidates,
 * stage by stage, each finished stage checkpointed so a cancelled or crashed
 * run resumes after the last finished stage. Used by `vasco run` and the UI.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwIfAborted } from '../core/errors';
import type { Progress, StageContext } from '../core/stage';
import { findNativeTools, toolVersions } from '../../native-tools/find';
import { chainKey, CheckpointStore, fileIdentity, sha256, stableJson } from './checkpoint';
import { writeCandidatesCsv, writeJson, writeSourcesCsv } from './outputs';
import { resolveParameters, type RunOptions, type RunParameters } from './parameters';
import { initialState, PIPELINE_STAGES } from './stages';
import { aliveSources, type PipelineContext, type PipelineState, type PlateState, type Stage } from './state';
import type { PlateSummary, RunSummary, StageCount, TrackedSource } from './types';

export type { RunOptions } from './parameters';

export interface RunResult {
  summary: RunSummary;
  /** Red sources no stage dropped. */
  candidates: TrackedSource[];
  /** Every red source with its ledger. */
  sources: TrackedSource[];
  files: { candidates: string; sources: string; summary: string; workDir: string; log: string };
  /** Name of the last stage taken from a checkpoint, null when every stage ran. */
  resumedAfter: string | null;
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
    ...(p.extraction?.psf ? { psfFwhmPx: p.extraction.psf.fwhmPx } : {}),
  };
}

function baseKey(state: PipelineState, params: RunParameters, tools: Record<string, string>): string {
  return sha256(
    stableJson({
      red: { ...fileIdentity(params.red), header: state.red.headerSha256 },
      blue: state.blue ? { ...fileIdentity(state.blue.file), header: state.blue.headerSha256 } : null,
      mode: state.mode,
      tools,
    }),
  );
}

function runNotes(params: RunParameters, state: PipelineState): string[] {
  const notes: string[] = [];
  if (state.mode === 'red-only') notes.push(`red-only mode: ${state.modeReason}; no red-vs-blue comparison, expect more false positives`);
  if (params.offline) notes.push('offline: no network used; catalogue veto only from local files, no asteroid check');
  return notes;
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
  const workDir = join(params.out, 'work');
  mkdirSync(workDir, { recursive: true });
  const logFile = join(workDir, 'run.log');
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    ctx.log?.(line);
  };
  log(`vasco run: ${stableJson({ red: params.red, blue: params.blue, out: params.out })}`);

  // Refuse early: wrong bands or missing tools before any long work.
  let state = await initialState(params);
  const tools = await findNativeTools();
  const versions = toolVersions(tools);
  const checkpoints = new CheckpointStore(join(workDir, 'checkpoints'));
  if (options.resume === false) checkpoints.clear();

  const keys: string[] = [];
  let key = baseKey(state, params, versions);
  for (const s of stages) keys.push((key = chainKey(key, s.name, s.inputs(params))));

  let counts: StageCount[] = [];
  let first = 0;
  let resumedAfter: string | null = null;
  for (let i = stages.length - 1; i >= 0 && options.resume !== false; i--) {
    const cp = checkpoints.load(i, stages[i].name, keys[i]);
    if (!cp) continue;
    state = cp.state;
    counts = cp.counts.map((c) => ({ ...c, fromCheckpoint: true }));
    first = i + 1;
    resumedAfter = stages[i].name;
    log(`resuming after stage ${resumedAfter} (checkpoint ${checkpoints.dir})`);
    break;
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
    log(`stage ${stage.name}: ${count.skipped ? `skipped (${count.skipped})` : `${count.input} -> ${count.output}`} in ${count.seconds} s`);
    onProgress({ stage: stage.name, fraction: 1, etaSeconds: 0 });
    checkpoints.save({ key: keys[i], stage: stage.name, index: i, counts: counts.map(({ fromCheckpoint: _, ...c }) => c), state });
  }

  const sources = state.red.sources;
  const candidates = aliveSources(sources);
  const files = {
    candidates: resolve(params.out, 'candidates.csv'),
    sources: resolve(params.out, 'sources.csv'),
    summary: resolve(params.out, 'summary.json'),
    workDir,
    log: logFile,
  };
  writeCandidatesCsv(files.candidates, candidates);
  writeSourcesCsv(files.sources, sources);
  const summary: RunSummary = {
    app: appInfo(),
    startedUtc,
    finishedUtc: new Date().toISOString(),
    command: options.command ?? [],
    parameters: params as unknown as Record<string, unknown>,
    tools: Object.keys(state.tools).length ? state.tools : versions,
    mode: state.mode,
    ...(state.modeReason ? { modeReason: state.modeReason } : {}),
    plates: { red: plateSummary(state.red), ...(state.blue ? { blue: plateSummary(state.blue) } : {}) },
    stages: counts,
    candidates: candidates.length,
    notes: [...runNotes(params, state), ...state.notes],
    ...(state.score ? { score: state.score } : {}),
    ...(state.blueCoverage ? { blueCoverage: state.blueCoverage } : {}),
  };
  writeJson(files.summary, summary);
  log(`done: ${candidates.length} candidates of ${sources.length} red sources`);
  return { summary, candidates, sources, files, resumedAfter };
}

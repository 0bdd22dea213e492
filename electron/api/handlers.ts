/**
 * Every method of the contract, in plain Node: the review store, the pipeline
 * (each run a `vasco run` process started by the job manager), and the
 * pictures cut from the plates.
 * Arguments arrive already validated by the dispatcher.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors';
import { findNativeTools, toolVersions } from '../../native-tools/find';
import { fwhmLimitsPx, DEFAULT_FILTERS, type FilterParams } from '../pipeline/filters';
import { runPipeline, type RunResult } from '../pipeline/run';
import { openWorkspace, recordPipelineRun, type Workspace } from '../store/workspace';
import { CATALOGS, type CatalogId } from '../catalogs/catalogs';
import { exportCatalogue } from '../export/catalogue';
import { EXPORT_FORMATS } from '../export/formats';
import { EventHub, notFound, type Api, type Handlers } from './dispatch';
import { blinkGrid, makeBlinkFrame, makeCutout, makeSkyContext, PlateCache } from '../cutouts/images';
import { JobManager, type RunFn, type RunPriority } from './jobs';
import type { RunLauncher } from './run-launcher';
import { SampSession } from '../samp/session';
import type { SurveyOverview } from '../store/survey';
import { listDataFolder } from './data-folder';

export interface ApiOptions {
  dbPath: string;
  offline?: boolean;
  /** Default reviewer shown by app.info (else $VASCO_REVIEWER). */
  reviewer?: string | null;
  /**
   * Run the pipeline in this process with this runner instead of a `vasco run`
   * process (tests pass a shorter stage list through it).
   */
  run?: RunFn;
  /** Run the pipeline in this process (the old way; the latency bench compares). */
  inProcess?: boolean;
  /** Priority of run processes (the latency bench compares; default in api/run-launcher.ts). */
  runPriority?: RunPriority;
  /** How run processes start (Electron's main.ts: its utility process); default api/run-launcher.ts's choice. */
  runLauncher?: RunLauncher;
  /** Where pipeline.start puts run folders; default runs/ next to the workspace. */
  runsDir?: string;
  /** The folder files.list offers (`--data-dir`); default the current folder. */
  dataDir?: string;
  hub?: EventHub;
  /**
   * Serves survey.overview when the store is a survey's DIR/survey.sqlite (the hosts pass
   * electron/survey/overview.ts's surveyOverviewSource: the survey folder is above this layer).
   */
  surveyOverview?: (ws: Workspace, opts: { reviewer?: string; blind?: boolean }) => Promise<SurveyOverview>;
}

/**
 * A run process records a plate in short transactions (store/ingest.ts,
 * ~8 ms each) with the lock left free between them. SQLite's busy wait sleeps
 * inside the call, holding this process's event loop, so a write here waits
 * for the lock a short slice at a time and lets other calls in between (each
 * slice delays every other answer by as much: at 100 ms it made the tail of
 * the API's latency during a run), trying again every LOCK_RETRY_MS so it
 * lands in the recorder's next pause.
 */
const LOCK_SLICE_MS = 5;
const LOCK_RETRY_MS = 3;
const LOCK_PATIENCE_MS = 120_000;

/** Run a store write, retrying while another process holds the write lock (nothing is written by a refused attempt). */
export async function whenUnlocked<T>(write: () => T, patienceMs = LOCK_PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return write();
    } catch (err) {
      if (!(err instanceof UserError && err.code === 'db-locked') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
    }
  }
}

/** Largest sky-context cutout, pixels per side. */
const MAX_SKY_PX = 2048;

/** A catalogue's name for people (e.g. "Gaia EDR3"); the ledger reason itself when it names no known catalogue. */
function catalogueLabel(reason: string): string {
  return Object.prototype.hasOwnProperty.call(CATALOGS, reason) ? CATALOGS[reason as CatalogId].label : reason;
}

export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/** Equal-width histogram over [lo, hi]; values outside are counted in the end bins. */
export function histogram(values: number[], lo: number, hi: number, bins: number): { edges: number[]; counts: number[] } {
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  }
  return { edges, counts };
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** Range covering the bulk of the values (0.5-99.5 %) and the given marks. */
function plotRange(values: number[], marks: number[]): [number, number] {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const lo = Math.min(quantile(s, 0.005), ...marks);
  const hi = Math.max(quantile(s, 0.995), ...marks);
  const pad = (hi - lo) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

export async function createApi(opts: ApiOptions): Promise<Api> {
  mkdirSync(dirname(opts.dbPath), { recursive: true });
  const ws: Workspace = openWorkspace(opts.dbPath, { busyTimeoutMs: LOCK_SLICE_MS });
  const hub = opts.hub ?? new EventHub();
  const plates = new PlateCache();
  const version = appVersion();
  const runsDir = opts.runsDir ?? join(dirname(opts.dbPath), 'runs');
  const inProcess = opts.run || opts.inProcess;
  const jobs = new JobManager({
    hub,
    dbPath: ws.file,
    runsDir,
    ...(opts.runPriority ? { priority: opts.runPriority } : {}),
    ...(opts.runLauncher ? { launcher: opts.runLauncher } : {}),
    ...(inProcess
      ? { inProcess: { run: opts.run ?? runPipeline, record: async (result: RunResult, outDir: string) => (await recordPipelineRun(ws, result, outDir)).runId } }
      : {}),
  });
  let tools: Promise<Record<string, string>> | null = null;
  const toolList = () =>
    (tools ??= findNativeTools().then(toolVersions, (err: Error) => ({ missing: err.message })));

  const detail = (candidateId: number) => ws.getCandidate(candidateId);
  // Connected on demand (the first SAMP call); what other tools pick comes back as events.
  const samp = new SampSession({
    ws,
    plates,
    appVersion: version,
    onSelect: (data) => hub.emit({ event: 'samp.select', data }),
    onStatus: (data) => hub.emit({ event: 'samp.status', data }),
  });

  const handlers: Handlers = {
    async 'app.info'() {
      return {
        version,
        offline: opts.offline ?? false,
        dbPath: ws.file,
        tools: await toolList(),
        reviewer: opts.reviewer ?? process.env.VASCO_REVIEWER ?? null,
      };
    },
    async 'runs.list'() {
      return ws.listRuns();
    },
    async 'runs.get'({ runId }) {
      return ws.getRun(runId);
    },
    async 'runs.histograms'({ runId }) {
      const { summary } = ws.getRun(runId);
      const filters: FilterParams = {
        ...DEFAULT_FILTERS,
        ...((summary.parameters as { filters?: Partial<FilterParams> }).filters ?? {}),
      };
      const red = summary.plates.red;
      const [fmin, fmax] = fwhmLimitsPx(filters, red);
      const sources = ws.runSources(runId, ['x', 'y', 'fwhm', 'spreadModel']);
      const spread = sources.map((s) => s.spreadModel).filter((v): v is number => v !== null);
      const fwhm = sources.map((s) => s.fwhm).filter((v): v is number => v !== null);
      const placed = sources.filter((s) => s.x !== null && s.y !== null) as { x: number; y: number }[];
      const [s0, s1] = plotRange(spread, [filters.spreadModelMin]);
      const [f0, f1] = plotRange(fwhm, [fmin, fmax]);
      return {
        spreadModel: { ...histogram(spread, s0, s1, 60), cut: filters.spreadModelMin },
        fwhm: { ...histogram(fwhm, Math.max(0, f0), f1, 60), min: fmin, max: fmax },
        positions: { x: placed.map((s) => s.x), y: placed.map((s) => s.y), width: red.naxis1, height: red.naxis2 },
      };
    },
    async 'pipeline.start'(args) {
      return jobs.start(args);
    },
    async 'pipeline.cancel'({ jobId }) {
      return jobs.cancel(jobId);
    },
    async 'pipeline.resume'({ jobId }) {
      return jobs.resume(jobId);
    },
    async 'pipeline.status'({ jobId }) {
      return jobs.status(jobId);
    },
    async 'candidates.list'(q) {
      return ws.listCandidates(q);
    },
    async 'survey.overview'({ reviewer, blind }) {
      return opts.surveyOverview ? opts.surveyOverview(ws, { reviewer, blind }) : null;
    },
    async 'candidates.get'({ candidateId, reviewer, blind }) {
      return ws.getCandidate(candidateId, { reviewer, blind });
    },
    async 'cutout.get'({ candidateId, band, sizePx }) {
      const d = detail(candidateId);
      const ref = band === 'red' ? d.plates.red : d.plates.blue;
      if (!ref) throw notFound(`candidate ${candidateId} has no blue plate (red-only run)`, 'show the red cutout only');
      const plate = await plates.get(ref.file);
      const [x, y] = band === 'red' ? [d.row.x, d.row.y] : plate.solution.skyToPix(d.row.ra, d.row.dec);
      const c = await makeCutout(plate, x, y, sizePx);
      return { fitsBase64: c.fits.toString('base64'), width: c.width, height: c.height, centerX: c.centerX, centerY: c.centerY };
    },
    async 'blink.get'({ candidateId, sizeArcsec, pixelArcsec }) {
      const d = detail(candidateId);
      const red = await plates.get(d.plates.red.file);
      const g = blinkGrid(d.row.ra, d.row.dec, sizeArcsec, pixelArcsec ?? red.scaleArcsec);
      const redFrame = await makeBlinkFrame(red, g, 'red');
      const blueFrame = d.plates.blue ? await makeBlinkFrame(await plates.get(d.plates.blue.file), g, 'blue') : null;
      return { red: redFrame.toString('base64'), blue: blueFrame?.toString('base64') ?? null, width: g.size, height: g.size };
    },
    async 'skycontext.get'({ candidateId, sizeArcmin }) {
      const d = detail(candidateId);
      const plate = await plates.get(d.plates.red.file);
      const sizePx = Math.round((sizeArcmin * 60) / plate.scaleArcsec);
      if (sizePx > MAX_SKY_PX)
        throw new UserError(
          `a ${sizeArcmin}' sky context is ${sizePx} px of this plate (limit ${MAX_SKY_PX})`,
          `ask for at most ${Math.floor((MAX_SKY_PX * plate.scaleArcsec) / 60)}'`,
          'bad-arguments',
        );
      const sky = await makeSkyContext(plate, d.row.x, d.row.y, sizePx);
      const half = (sizeArcmin / 60) * 0.75; // the square's half-diagonal, with a margin
      // Candidates and the catalogue counterparts the run recorded (schema v6), picked by position in SQL.
      const field = ws.fieldContents(d.row.runId, d.row.ra, d.row.dec, half);
      const counterparts = field.counterparts.map((c) => ({
        ra: c.ra,
        dec: c.dec,
        catalog: catalogueLabel(c.catalogue),
        ...(c.catalogueObject !== null ? { id: c.catalogueObject } : {}),
        sourceNumber: c.sourceNumber,
        ...(c.distanceArcsec !== null ? { distanceArcsec: c.distanceArcsec } : {}),
      }));
      return {
        fitsBase64: sky.fits.toString('base64'),
        overlays: { candidates: field.candidates, counterparts },
      };
    },
    async 'reviewers.list'() {
      return ws.listReviewers();
    },
    async 'reviewers.add'({ name }) {
      await whenUnlocked(() => ws.addReviewer(name));
      return ws.listReviewers();
    },
    async 'reviews.add'(r) {
      return whenUnlocked(() => ws.addReview({ ...r, appVersion: version }));
    },
    async 'reviews.undo'({ candidateId, reviewer, idempotencyKey }) {
      return whenUnlocked(() => ws.undoReview(candidateId, reviewer, version, idempotencyKey));
    },
    async 'comments.add'(c) {
      return whenUnlocked(() => ws.addComment({ ...c, appVersion: version }));
    },
    async 'comments.list'({ candidateId, reviewer, blind }) {
      return ws.listComments(candidateId, { reviewer, blind });
    },
    async 'reviews.agreement'({ runId }) {
      return ws.agreement(runId);
    },
    async 'export.run'({ runId, scope, labels, format }) {
      const { row } = ws.getRun(runId);
      const dir = join(row.outDir, 'exports');
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const out = join(dir, `run${runId}-${scope}-${stamp}.${EXPORT_FORMATS[format].extension}`);
      const r = exportCatalogue(ws, { runId, scope, labels, format, out, appVersion: version });
      if (statSync(r.file).size > 200 * 1024 * 1024)
        throw new UserError(`export ${r.file} is too large to hand to the window`, 'open the file from disk instead');
      return { rows: r.rows, file: r.file, contentBase64: readFileSync(r.file).toString('base64') };
    },
    async 'samp.status'() {
      return samp.status();
    },
    async 'samp.connect'() {
      return samp.connect();
    },
    async 'samp.disconnect'() {
      return samp.disconnect();
    },
    async 'samp.sendTable'({ runId, scope }) {
      return samp.sendTable(runId, scope);
    },
    async 'samp.sendCutouts'({ candidateId, sizePx }) {
      return samp.sendCutouts(candidateId, sizePx);
    },
    async 'samp.pointAt'({ candidateId }) {
      return samp.pointAt(candidateId);
    },
    async 'samp.highlight'({ candidateId }) {
      return samp.highlight(candidateId);
    },
    async 'published.list'({ runId }) {
      const rows = ws.publishedSources(runId);
      if (!rows.length) return { rows: [], plate: null };
      const red = await plates.get(ws.publishedSource(rows[0].id)!.plates.red);
      return {
        rows: rows.map((r) => {
          const [x, y] = red.solution.skyToPix(r.ra, r.dec);
          return { ...r, x, y };
        }),
        plate: { width: red.width, height: red.height },
      };
    },
    async 'published.blink'({ publishedId, sizeArcsec }) {
      const p = ws.publishedSource(publishedId);
      if (!p) throw notFound(`no published source ${publishedId} in this workspace`, 'list them again with published.list');
      const red = await plates.get(p.plates.red);
      const g = blinkGrid(p.row.ra, p.row.dec, sizeArcsec, red.scaleArcsec);
      const redFrame = await makeBlinkFrame(red, g, 'red');
      const blueFrame = p.plates.blue ? await makeBlinkFrame(await plates.get(p.plates.blue), g, 'blue') : null;
      return { red: redFrame.toString('base64'), blue: blueFrame?.toString('base64') ?? null, width: g.size, height: g.size };
    },
    async 'files.list'({ dir }) {
      return listDataFolder(opts.dataDir ?? process.cwd(), dir);
    },
  };

  return {
    handlers,
    hub,
    async close() {
      await jobs.close();
      await samp.close();
      await plates.close();
      ws.close();
    },
  };
}

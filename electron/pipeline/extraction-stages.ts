/**
 * Extraction in both orders: the extract stages, and the fast order's pass 2.
 *
 * straightforward: every source of each plate measured with SPREAD_MODEL
 *   (SExtractor pass 2 over everything), then all filters - the reference.
 * fast (default): SPREAD_MODEL only where it can change the answer.
 *   extract-red (prepareFast): pass 1 + PSF of red and blue at once on one
 *     pool; extract-blue has nothing left to do.
 *   first filter stage (measureFast, called from stages.ts): pass 2 of the red
 *     sources that pass every PSF-free cut (FLAGS, FWHM, ELONGATION, symmetry,
 *     SNR): only those can be candidates, and the MAD reference population is
 *     drawn from them too. Then blue: a red source is persistent when the
 *     NEAREST blue source passing all filters lies within the match radius,
 *     and every compared red source reports that nearest distance
 *     (nearest_blue_arcsec, up to the search radius). So for every red source
 *     that passes all red filters we measure its PSF-free-passing blue
 *     neighbours nearest first, round by round, until the nearest one that
 *     passes SPREAD_MODEL too is known (or none within the search radius is
 *     left). With MAD on, every PSF-free-passing blue source is measured (MAD's
 *     reference population needs them).
 *
 * What stays identical (tested in test/electron/pipeline/fast-extraction.test.ts):
 * the candidates, every value of theirs, every red source's status and its
 * PSF-free drop reasons. What differs, by construction: a red source dropped
 * by a PSF-free cut has no SPREAD_MODEL (nor CLASS_STAR, which needs the
 * PSF's seeing), so its ledger says
 * "spread_model: not measured (dropped earlier by X)" (a note, not a drop)
 * where the straightforward order may add a spread_model drop; and blue
 * sources no red candidate needed stay unmeasured and out of the comparison.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors';
import { chooseSolution } from '../astro/plate-solution';
import { matchAll } from '../match/sky-match';
import type { PsfStats } from '../../native-tools/psfex';
import {
  combinedPsfStats, measurePlate, plateJobKey, preparePlate, removeTileImages,
  type PlateJob, type PreparedPlate, type PreparedTile, type ToolTally,
} from './extract';
import { claimKeyedFolder, folderHoldsKey, keyedFolderPath } from './checkpoint';
import { applyFilters, hardCutFailures } from './filters';
import type { RunParameters } from './parameters';
import { JobPool } from './pool';
import { SourceTable } from './source-table';
import type { ExtractionRecord, PipelineContext, PipelineState, PlateState, StageCountBody } from './state';
import type { Source, TrackedSource } from './types';

/** What the extract stages keep of a plate's extraction (JSON, in the checkpoint). */
export interface TiledExtractionRecord extends ExtractionRecord {
  mode: 'fast' | 'straightforward';
  /** Key of the folder (workDir) holding this extraction's files (see plateJob). */
  key: string;
  psfSample: 'all' | 'lean';
  tiles: PreparedTile[];
  /** Sources measured with SPREAD_MODEL, and in how many pass-2 rounds. */
  measured: number;
  rounds: number;
  /** Blue sources that pass every PSF-free cut but that no red candidate needed: left unmeasured. */
  notNeeded?: number[];
  /** PSF stars given to PSFEx (summed over tiles). */
  psfStamps: number;
  tally: { pass1: ToolTally; stamps: ToolTally; psfex: ToolTally; pass2: ToolTally };
  /** Wall seconds of preparation (pass 1 + PSF) and of pass 2, for this plate (fast: shared with the other plate). */
  wall: { prepare: number; pass2: number };
}

/**
 * The extraction job of a plate. Its files go to a keyed folder,
 * DIR/work/BAND/<key>, named by the digest of the plate's content, the
 * settings and the tool versions (plateJobKey), so another plate or setting
 * never meets these files; claimPlateFolder empties a folder whose key.json
 * disagrees before anything is written.
 */
export function plateJob(plate: PlateState, ctx: Pick<PipelineContext, 'params' | 'workDir' | 'toolVersions'>): PlateJob {
  const ex = ctx.params.extraction;
  const scale = ctx.params.filters.referencePixelScaleArcsec / plate.info.pixelScaleArcsec;
  const settings = {
    hdu: plate.hdu,
    width: plate.info.naxis1,
    height: plate.info.naxis2,
    pixelScaleArcsec: plate.info.pixelScaleArcsec,
    saturLevel: plate.saturLevel,
    detection: ex.detection,
    psfDegrees: ex.psfDegrees,
    psfFwhmRangePx: [ex.psfFwhmRangePx[0] * scale, ex.psfFwhmRangePx[1] * scale] as [number, number],
    psfSample: ex.psfSample,
    tiles: { tileSizePx: ex.tileSizePx, overlapPx: ex.tileOverlapPx, alignPx: ex.detection.backSize },
  };
  const key = plateJobKey(plate.sha256, settings, ctx.toolVersions);
  return { ...settings, image: plate.file, workDir: keyedFolderPath(join(ctx.workDir, plate.band), key), key };
}

/** Claim a plate job's keyed folder before extracting into it (removing other inputs' folders beside it). */
function claimPlateFolder(job: PlateJob): void {
  claimKeyedFolder(dirname(job.workDir), job.key, job);
}

/**
 * Can a checkpointed state go on from where it stopped? Until its pass 2 has
 * run, the fast order still needs extract-red's catalogues and PSF models:
 * they must still be in their keyed folders, made for the same key.
 */
export function extractionFilesPresent(state: PipelineState): boolean {
  for (const plate of [state.red, state.blue]) {
    const rec = plate?.extraction as TiledExtractionRecord | undefined;
    if (!rec || rec.mode !== 'fast' || rec.rounds > 0) continue;
    if (!rec.key || !folderHoldsKey(rec.workDir, rec.key)) return false;
    if (rec.tiles.some((t) => !existsSync(join(t.dir, 'pass1.cat')) || !existsSync(t.psfFile))) return false;
  }
  return true;
}

/** Passes every cut that needs no PSF. */
export function passesPsfFree(s: Source, params: RunParameters, plate: PlateState): boolean {
  return hardCutFailures({ ...s, ledger: [] }, params.filters, plate.info).every((e) => e.reason === 'spread_model');
}

/** The plate's sources (as measured) that pass every PSF-free cut. */
function psfFreePassing(plate: PlateState, params: RunParameters): Source[] {
  const out: Source[] = [];
  for (let i = 0; i < plate.sources.length; i++) {
    const s = plate.sources.source(i);
    if (passesPsfFree(s, params, plate)) out.push(s);
  }
  return out;
}

function withSky(sources: Source[], plate: PlateState): Source[] {
  const { solution } = chooseSolution(plate.header);
  return sources.map((s) => {
    const [ra, dec] = solution.pixToSky(s.x, s.y);
    return { ...s, ra, dec };
  });
}

/** Pass-2 rows replace their pass-1 measures in the table; sky positions and ledgers (same pixels, so same values) are kept. */
function merge(table: SourceTable, measured: Source[]): void {
  const indexOf = new Map<number, number>();
  for (let i = 0; i < table.length; i++) indexOf.set(table.ints.id[i], i);
  for (const m of measured) {
    const i = indexOf.get(m.id);
    if (i !== undefined) table.setMeasures(i, { ...m, ra: table.floats.ra[i], dec: table.floats.dec[i] });
  }
}

const emptyTally = (): ToolTally => ({ runs: 0, seconds: 0, peakRssMiB: null });
function sumTally(a: ToolTally, b: ToolTally): ToolTally {
  const peaks = [a.peakRssMiB, b.peakRssMiB].filter((v): v is number => v !== null);
  return { runs: a.runs + b.runs, seconds: a.seconds + b.seconds, peakRssMiB: peaks.length ? Math.max(...peaks) : null };
}

function record(prepared: PreparedPlate, mode: TiledExtractionRecord['mode'], pass2: ToolTally, extra: Partial<TiledExtractionRecord> & { wall: TiledExtractionRecord['wall'] }): TiledExtractionRecord {
  const psf: PsfStats | null = combinedPsfStats(prepared.tiles);
  const t = prepared.tally;
  return {
    workDir: prepared.job.workDir,
    key: prepared.job.key,
    psf,
    seconds: { pass1: t.pass1.seconds + t.stamps.seconds, psfex: t.psfex.seconds, pass2: pass2.seconds },
    mode,
    psfSample: prepared.job.psfSample,
    tiles: prepared.tiles,
    measured: 0,
    rounds: 0,
    psfStamps: prepared.tiles.reduce((a, p) => a + p.stamps, 0),
    tally: { ...t, pass2 },
    ...extra,
  };
}

type Report = (fraction: number, message: string) => void;
function reporter(ctx: PipelineContext, stage: string): Report {
  return (fraction, message) => ctx.onProgress?.({ stage, fraction: Math.min(1, fraction), message });
}

/** The straightforward order on one plate: stamps -> PSFEx -> pass 2 of everything. */
export async function extractStraightforward(plate: PlateState, ctx: PipelineContext, stage: string): Promise<PlateState> {
  const job = plateJob(plate, ctx);
  claimPlateFolder(job);
  const pool = new JobPool(ctx.params.workers);
  const report = reporter(ctx, stage);
  const t0 = performance.now();
  const prepared = await preparePlate(ctx.tools, job, pool, { needPass1: false, onProgress: (d, n, w) => report(0.15 * (d / n), w) }, ctx);
  const t1 = performance.now();
  const measured = await measurePlate(ctx.tools, prepared, 'all', pool, { onProgress: (d, n, w) => report(0.15 + 0.85 * (d / n), w) }, ctx);
  const wall = { prepare: (t1 - t0) / 1000, pass2: (performance.now() - t1) / 1000 };
  removeTileImages(job);
  const sources = measured.sources.sort((a, b) => a.id - b.id);
  return {
    ...plate,
    sources: SourceTable.from(sources),
    extraction: record(prepared, 'straightforward', measured.tally, { measured: sources.length, rounds: 1, wall }),
  };
}

/**
 * Fast extract-red: pass 1 and the PSF of both plates at once on one pool
 * (red and blue tiles side by side); no SPREAD_MODEL yet (see spreadModelStage).
 */
export async function prepareFast(state: PipelineState, ctx: PipelineContext, stage: string): Promise<PipelineState> {
  const pool = new JobPool(ctx.params.workers);
  const report = reporter(ctx, stage);
  const plates = [state.red, ...(state.blue ? [state.blue] : [])];
  const jobs = plates.map((p) => plateJob(p, ctx));
  jobs.forEach(claimPlateFolder);
  const done = new Map<string, [number, number]>();
  const t0 = performance.now();
  const prepared = await Promise.all(
    jobs.map((job, i) =>
      preparePlate(ctx.tools, job, pool, {
        needPass1: true,
        onProgress: (d, n) => {
          done.set(plates[i].band, [d, n]);
          const [a, b] = [...done.values()].reduce(([x, y], [d2, n2]) => [x + d2, y + n2], [0, 0]);
          report((a / b) * (done.size / jobs.length), 'pass 1 and PSFEx' + (jobs.length > 1 ? ' (red and blue together)' : ''));
        },
      }, ctx),
    ),
  );
  const wall = { prepare: (performance.now() - t0) / 1000, pass2: 0 };
  const next: PipelineState = { ...state };
  prepared.forEach((p, i) => {
    next[plates[i].band] = {
      ...plates[i],
      sources: SourceTable.from(p.sources.sort((a, b) => a.id - b.id)),
      extraction: record(p, 'fast', emptyTally(), { wall }),
    };
  });
  return next;
}

function preparedFrom(plate: PlateState, ctx: PipelineContext): PreparedPlate {
  const rec = plate.extraction as TiledExtractionRecord;
  const job = plateJob(plate, ctx);
  // run.ts resumes only when these files are present (extractionFilesPresent); this guards the assumption.
  if (job.workDir !== rec.workDir || !folderHoldsKey(job.workDir, job.key))
    throw new UserError(`${rec.workDir} no longer holds the extraction of ${plate.info.file}`, 'run the same command again with --fresh');
  return {
    job,
    tiles: rec.tiles,
    // Pass 2 reads the tiles' catalogues, not these.
    sources: [],
    tally: { pass1: rec.tally.pass1, stamps: rec.tally.stamps, psfex: rec.tally.psfex },
  };
}

/**
 * The fast order's pass 2, after positions: red sources passing every
 * PSF-free cut, then the blue rounds (see the file comment).
 */
export async function measureFast(state: PipelineState, ctx: PipelineContext, stage: string): Promise<PipelineState> {
  const params = ctx.params;
  const pool = new JobPool(params.workers);
  const report = reporter(ctx, stage);
  const t0 = performance.now();
  const redPlate = preparedFrom(state.red, ctx);
  const wanted = new Set(psfFreePassing(state.red, params).map((s) => s.id));
  const m = await measurePlate(ctx.tools, redPlate, wanted, pool, { onProgress: (d, n) => report(0.6 * (d / n), 'pass 2 (SPREAD_MODEL) of red sources that pass the PSF-free cuts') }, ctx);
  removeTileImages(redPlate.job);
  const redRec = state.red.extraction as TiledExtractionRecord;
  const extraction: TiledExtractionRecord = {
    ...redRec,
    seconds: { ...redRec.seconds, pass2: m.tally.seconds },
    tally: { ...redRec.tally, pass2: m.tally },
    measured: m.sources.length,
    rounds: 1,
    wall: { ...redRec.wall, pass2: (performance.now() - t0) / 1000 },
  };
  merge(state.red.sources, m.sources);
  let next: PipelineState = { ...state, red: { ...state.red, extraction } };
  if (state.blue) next = await measureFastBlue(next, ctx, pool, (f, msg) => report(0.6 + 0.4 * f, msg));
  return next;
}

/**
 * Red sources that pass every red filter (the same filters the filters stage
 * applies later). Only PSF-free-passing sources can, and only they enter the
 * MAD reference population, so the others are left out from the start.
 */
function redSurvivors(state: PipelineState, params: RunParameters): Source[] {
  const red = withSky(psfFreePassing(state.red, params), state.red).map((s) => ({ ...s, ledger: [] }) as TrackedSource);
  applyFilters(red, params.filters, state.red.info);
  return red.filter((s) => !s.ledger.some((e) => e.dropped));
}

/** Pass 2 rounds over the blue sources that red candidates need (see the file comment). */
async function measureFastBlue(state: PipelineState, ctx: PipelineContext, pool: JobPool, report: Report): Promise<PipelineState> {
  const plate = state.blue!;
  const rec = plate.extraction as TiledExtractionRecord;
  const params = ctx.params;
  const prepared = preparedFrom(plate, ctx);
  const job = prepared.job;
  const t0 = performance.now();

  const blueFree = withSky(psfFreePassing(plate, params), plate);
  const measuredById = new Map<number, Source>();
  let tally = emptyTally();
  let rounds = 0;
  const measure = async (ids: Set<number>) => {
    rounds++;
    report(Math.min(0.9, 0.3 * rounds), `blue pass 2 (SPREAD_MODEL) round ${rounds}: ${ids.size} blue sources`);
    const m = await measurePlate(ctx.tools, prepared, ids, pool, { round: `r${rounds}` }, ctx);
    tally = sumTally(tally, m.tally);
    for (const s of m.sources) measuredById.set(s.id, s);
  };
  const passesAll = (s: Source) => hardCutFailures({ ...s, ledger: [] }, params.filters, plate.info).length === 0;

  if (params.filters.mad.enabled) {
    await measure(new Set(blueFree.map((s) => s.id)));
  } else {
    const red = redSurvivors(state, params);
    const search = Math.max(params.redBlue.nearestSearchArcsec, params.redBlue.radiusArcsec);
    const pairs = matchAll({ ra: red.map((s) => s.ra), dec: red.map((s) => s.dec) }, { ra: blueFree.map((s) => s.ra), dec: blueFree.map((s) => s.dec) }, search);
    // Each red survivor's PSF-free-passing blue neighbours, nearest first.
    const neighbours: { id: number; sep: number }[][] = red.map(() => []);
    for (let k = 0; k < pairs.left.length; k++) neighbours[pairs.left[k]].push({ id: blueFree[pairs.right[k]].id, sep: pairs.separationArcsec[k] });
    for (const list of neighbours) list.sort((a, b) => a.sep - b.sep || a.id - b.id);
    let open = neighbours.map((_, i) => i).filter((i) => neighbours[i].length > 0);
    let first = true;
    while (open.length) {
      const ids = new Set<number>();
      const stillOpen: number[] = [];
      for (const i of open) {
        let resolved = false;
        let added = 0;
        for (const n of neighbours[i]) {
          const m = measuredById.get(n.id);
          if (m) {
            if (passesAll(m)) {
              resolved = true;
              break;
            }
            continue;
          }
          // First round: everything within the match radius and the nearest beyond; later: two more at a time.
          if (first ? n.sep <= params.redBlue.radiusArcsec || added < 1 : added < 2) {
            ids.add(n.id);
            added++;
          } else break;
        }
        if (!resolved && added > 0) stillOpen.push(i);
      }
      if (!ids.size) break;
      await measure(ids);
      open = stillOpen;
      first = false;
    }
  }
  const wall = { prepare: rec.wall.prepare, pass2: (performance.now() - t0) / 1000 };
  removeTileImages(job);
  const measured = [...measuredById.values()];
  const notNeeded = blueFree.filter((s) => !measuredById.has(s.id)).map((s) => s.id);
  const extraction: TiledExtractionRecord = {
    ...rec, seconds: { ...rec.seconds, pass2: tally.seconds }, tally: { ...rec.tally, pass2: tally }, measured: measured.length, rounds, notNeeded, wall,
  };
  merge(plate.sources, measured);
  return { ...state, blue: { ...plate, extraction } };
}

/**
 * After applyFilters in the fast order: a source never measured with
 * SPREAD_MODEL gets a note instead of a spread_model drop when a PSF-free cut
 * dropped it anyway; a blue source no red candidate needed keeps its drop,
 * saying why (it must not take part in the comparison unmeasured).
 */
export function explainUnmeasured(sources: TrackedSource[], stage: string, notNeeded: Set<number>): void {
  for (const s of sources) {
    if (s.spreadModel !== null) continue;
    const entry = s.ledger.find((e) => e.stage === stage && e.reason === 'spread_model' && e.dropped);
    if (!entry) continue;
    const others = [...new Set(s.ledger.filter((e) => e.stage === stage && e.dropped && e.reason !== 'spread_model').map((e) => e.reason))];
    if (others.length) {
      entry.dropped = false;
      entry.detail = `not measured (dropped earlier by ${others.join(', ')})`;
    } else if (notNeeded.has(s.id)) {
      entry.detail = 'not measured (fast extraction: no red candidate has it as nearest blue source)';
    }
  }
}

export function extractionCount(plate: PlateState | undefined): StageCountBody {
  const n = plate?.sources.length ?? 0;
  return { input: n, output: n, dropped: {} };
}


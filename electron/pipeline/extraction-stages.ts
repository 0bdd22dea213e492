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
import { matchAll, matchNearest } from '../match/sky-match';
import type { PsfStats } from '../../native-tools/psfex';
import {
  combinedPsfStats, measurePlate, plateJobKey, preparePlate, removeTileImages,
  type PlateJob, type PreparedPlate, type PreparedTile, type ToolTally,
} from './extract';
import { claimKeyedFolder, folderHoldsKey, keyedFolderPath } from './checkpoint';
import { applyFilters, hardCutFailures, type EntryHook } from './filters';
import type { RunParameters } from './parameters';
import { JobPool } from './pool';
import { SourceTable } from './source-table';
import type { ExtractionRecord, PipelineContext, PipelineState, PlateState, StageCountBody } from './state';
import { blueComparedWith, RED_BLUE_STAGE, type BlueMatch } from './red-vs-blue';
import type { Source } from './types';

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
  /** Why: the blue cuts decide nothing (--blue-match detected), or no red candidate had them as nearest blue source. */
  notNeededWhy?: BlueMatch;
  /** Red sources (PSF-free passing) that red vs blue settled as persistent from pass 1: left unmeasured. */
  settledByBlue?: number[];
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
    // A blue tile's PSF may not be made yet (made on first need); one that was made must still be there.
    if (rec.tiles.some((t) => !existsSync(join(t.dir, 'pass1.cat')) || (t.psfFile !== '' && !existsSync(t.psfFile)))) return false;
  }
  return true;
}

/** Passes every cut that needs no PSF. */
export function passesPsfFree(s: Source, params: RunParameters, plate: PlateState): boolean {
  return hardCutFailures(s, params.filters, plate.info).every((e) => e.reason === 'spread_model');
}

/** The plate's alive sources (as measured, with their sky positions) that pass every PSF-free cut. */
function psfFreePassing(plate: PlateState, params: RunParameters): Source[] {
  const out: Source[] = [];
  for (let i = 0; i < plate.sources.length; i++) {
    if (!plate.sources.isAlive(i)) continue;
    const s = plate.sources.source(i);
    if (passesPsfFree(s, params, plate)) out.push(s);
  }
  return out;
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
        // Blue's PSF only where a blue source turns out to need SPREAD_MODEL (measurePlate makes it then).
        psf: plates[i].band === 'red',
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
    // Copies: a PSF made now (measurePlate, on first need) fills them in.
    tiles: rec.tiles.map((t) => ({ ...t })),
    // Pass 2 reads the tiles' catalogues, not these.
    sources: [],
    tally: { pass1: { ...rec.tally.pass1 }, stamps: { ...rec.tally.stamps }, psfex: { ...rec.tally.psfex } },
  };
}

/**
 * How far the plate solutions may still move sources after the filters: the
 * Gaia refit (between the filters and red vs blue) corrects each plate's
 * positions when Gaia rows are at hand. A red source is settled as persistent
 * before its pass 2 only when its blue counterpart lies this much inside the
 * radius, so no correction can take the counterpart out of it.
 */
export function refitMarginArcsec(params: RunParameters): number {
  const refit = (params.catalogue as { gaiaRefit?: string }).gaiaRefit === 'on';
  const gaiaAtHand = !params.offline || params.catalogue.localFiles.gaia !== undefined;
  return refit && gaiaAtHand ? Math.min(2, params.redBlue.radiusArcsec / 2) : 0;
}

interface Neighbour { id: number; sep: number }

/**
 * The fast order's pass 2 (SPREAD_MODEL), at the start of the first filter
 * stage (see the file comment): what red versus blue settles from pass 1
 * first, then red pass 2 only of the red sources still open, then the blue
 * sources red candidates need for their nearest blue source.
 */
export async function measureFast(state: PipelineState, ctx: PipelineContext, stage: string): Promise<PipelineState> {
  const params = ctx.params;
  const pool = new JobPool(params.workers);
  const report = reporter(ctx, stage);
  const t0 = performance.now();
  const red = preparedFrom(state.red, ctx);
  const redFree = psfFreePassing(state.red, params);
  const blue = state.blue ? new BlueRounds(state.blue, ctx, pool, report) : null;

  // Red sources a blue counterpart settles as persistent before their own pass 2.
  let settled = new Set<number>();
  if (blue && params.filters.mad.enabled) {
    // MAD's reference population is every source passing the other cuts: measure them all.
    if (params.redBlue.blueMatch === 'filtered') await blue.measure(new Set(blue.free.map((s) => s.id)));
  } else if (blue) {
    settled = params.redBlue.blueMatch === 'detected' ? settledByDetection(redFree, state.blue!, params) : await blue.settleFiltered(redFree, refitMarginArcsec(params));
  }
  const wanted = new Set(redFree.filter((s) => !settled.has(s.id)).map((s) => s.id));
  report(0.3, `pass 2 (SPREAD_MODEL) of ${wanted.size} red sources still open`);
  const m = await measurePlate(ctx.tools, red, wanted, pool, { onProgress: (d, n) => report(0.3 + 0.4 * (d / n), `pass 2 (SPREAD_MODEL) of ${wanted.size} red sources still open`) }, ctx);
  removeTileImages(red.job);
  merge(state.red.sources, m.sources);
  const redRec = state.red.extraction as TiledExtractionRecord;
  const extraction: TiledExtractionRecord = {
    ...redRec,
    tiles: red.tiles,
    psfStamps: red.tiles.reduce((a, p) => a + p.stamps, 0),
    seconds: { ...redRec.seconds, psfex: red.tally.psfex.seconds, pass2: m.tally.seconds },
    tally: { ...red.tally, pass2: m.tally },
    measured: m.sources.length,
    rounds: 1,
    settledByBlue: [...settled].sort((a, b) => a - b),
    wall: { ...redRec.wall, pass2: (performance.now() - t0) / 1000 },
  };
  let next: PipelineState = { ...state, red: { ...state.red, extraction } };
  if (blue) {
    // Red candidates (every red filter passed) need their nearest blue source passing every cut.
    if (params.redBlue.blueMatch === 'filtered' && !params.filters.mad.enabled) await blue.nearestFor(redSurvivors(next, params, settled));
    next = { ...next, blue: blue.finish(params.redBlue.blueMatch) };
  }
  return next;
}

/** Red sources (PSF-free passing) with a blue detection of any kind within the radius: persistent whatever their SPREAD_MODEL. */
function settledByDetection(redFree: Source[], bluePlate: PlateState, params: RunParameters): Set<number> {
  const blue = bluePlate.sources;
  const rows = blueComparedWith(blue, 'detected');
  const nearest = matchNearest(
    { ra: redFree.map((s) => s.ra), dec: redFree.map((s) => s.dec) },
    { ra: rows.map((i) => blue.floats.ra[i]), dec: rows.map((i) => blue.floats.dec[i]) },
    Math.max(params.redBlue.nearestSearchArcsec, params.redBlue.radiusArcsec),
  );
  const limit = params.redBlue.radiusArcsec - refitMarginArcsec(params);
  return new Set(redFree.filter((_, i) => nearest.right[i] >= 0 && nearest.separationArcsec[i] <= limit).map((s) => s.id));
}

/**
 * The blue plate's pass 2, round by round: each round measures, on the tiles
 * that need it (their PSF made on first need), the blue sources asked for.
 */
class BlueRounds {
  readonly free: Source[];
  private readonly measured = new Map<number, Source>();
  private readonly prepared: PreparedPlate;
  private tally = emptyTally();
  private rounds = 0;
  private readonly t0 = performance.now();
  private readonly params: RunParameters;

  constructor(private readonly plate: PlateState, private readonly ctx: PipelineContext, private readonly pool: JobPool, private readonly report: Report) {
    this.params = ctx.params;
    this.prepared = preparedFrom(plate, ctx);
    this.free = psfFreePassing(plate, ctx.params);
  }

  async measure(ids: Set<number>): Promise<void> {
    if (!ids.size) return;
    this.rounds++;
    this.report(Math.min(0.95, 0.7 + 0.05 * this.rounds), `blue pass 2 (SPREAD_MODEL) round ${this.rounds}: ${ids.size} blue sources`);
    const m = await measurePlate(this.ctx.tools, this.prepared, ids, this.pool, { round: `r${this.rounds}` }, this.ctx);
    this.tally = sumTally(this.tally, m.tally);
    for (const s of m.sources) this.measured.set(s.id, s);
  }

  private passesAll(s: Source): boolean {
    return hardCutFailures(s, this.params.filters, this.plate.info).length === 0;
  }

  /** Each red source's PSF-free-passing blue neighbours within `searchArcsec`, nearest first. */
  private neighbours(red: Source[], searchArcsec: number): Neighbour[][] {
    const pairs = matchAll({ ra: red.map((s) => s.ra), dec: red.map((s) => s.dec) }, { ra: this.free.map((s) => s.ra), dec: this.free.map((s) => s.dec) }, searchArcsec);
    const out: Neighbour[][] = red.map(() => []);
    for (let k = 0; k < pairs.left.length; k++) out[pairs.left[k]].push({ id: this.free[pairs.right[k]].id, sep: pairs.separationArcsec[k] });
    for (const list of out) list.sort((a, b) => a.sep - b.sep || a.id - b.id);
    return out;
  }

  /**
   * The nearest neighbour passing every blue cut, for each list: measured
   * nearest first, `perRound` unmeasured ones per list and round (the first
   * round: `firstRound`), until it is known or the list is used up.
   */
  private async nearestPassing(lists: Neighbour[][], firstRound: (n: Neighbour, added: number) => boolean, perRound: number): Promise<(Neighbour | null)[]> {
    const found: (Neighbour | null)[] = lists.map(() => null);
    let open = lists.map((_, i) => i).filter((i) => lists[i].length > 0);
    let first = true;
    while (open.length) {
      const ids = new Set<number>();
      const stillOpen: number[] = [];
      for (const i of open) {
        let added = 0;
        let done = false;
        for (const n of lists[i]) {
          const m = this.measured.get(n.id);
          if (m) {
            if (this.passesAll(m)) {
              found[i] = n;
              done = true;
              break;
            }
            continue;
          }
          if (first ? firstRound(n, added) : added < perRound) {
            ids.add(n.id);
            added++;
          } else break;
        }
        if (!done && added > 0) stillOpen.push(i);
      }
      if (!ids.size) break;
      await this.measure(ids);
      open = stillOpen;
      first = false;
    }
    return found;
  }

  /**
   * --blue-match filtered: the red sources whose nearest blue source passing
   * every cut lies within the radius (less `marginArcsec`): persistent
   * whatever their own SPREAD_MODEL. Only blue neighbours within the radius
   * are measured, nearest first.
   */
  async settleFiltered(redFree: Source[], marginArcsec: number): Promise<Set<number>> {
    const radius = this.params.redBlue.radiusArcsec;
    const lists = this.neighbours(redFree, radius);
    const found = await this.nearestPassing(lists, (_, added) => added < 1, 2);
    return new Set(redFree.filter((_, i) => found[i] !== null && found[i]!.sep <= radius - marginArcsec).map((s) => s.id));
  }

  /** The nearest blue source passing every cut (up to the search radius) of each red candidate. */
  async nearestFor(red: Source[]): Promise<void> {
    const radius = this.params.redBlue.radiusArcsec;
    const lists = this.neighbours(red, Math.max(this.params.redBlue.nearestSearchArcsec, radius));
    // First round: everything within the match radius and the nearest beyond; later: two more at a time.
    await this.nearestPassing(lists, (n, added) => n.sep <= radius || added < 1, 2);
  }

  /** The blue plate with its pass-2 rows merged in and its record updated. */
  finish(mode: BlueMatch): PlateState {
    const rec = this.plate.extraction as TiledExtractionRecord;
    removeTileImages(this.prepared.job);
    const measured = [...this.measured.values()];
    const notNeeded = this.free.filter((s) => !this.measured.has(s.id)).map((s) => s.id);
    const tally = this.prepared.tally;
    const extraction: TiledExtractionRecord = {
      ...rec,
      tiles: this.prepared.tiles,
      psf: combinedPsfStats(this.prepared.tiles),
      psfStamps: this.prepared.tiles.reduce((a, p) => a + p.stamps, 0),
      seconds: { pass1: tally.pass1.seconds + tally.stamps.seconds, psfex: tally.psfex.seconds, pass2: this.tally.seconds },
      tally: { ...tally, pass2: this.tally },
      measured: measured.length,
      rounds: Math.max(1, this.rounds),
      notNeeded,
      notNeededWhy: mode === 'detected' ? 'detected' : 'filtered',
      wall: { prepare: rec.wall.prepare, pass2: (performance.now() - this.t0) / 1000 },
    };
    merge(this.plate.sources, measured);
    return { ...this.plate, extraction };
  }
}

/**
 * Red sources that pass every red filter (the same filters the filters stage
 * applies later), leaving out those blue settled before their pass 2. Only
 * PSF-free-passing sources can pass, and only they enter the MAD reference
 * population, so the others are left out from the start.
 */
function redSurvivors(state: PipelineState, params: RunParameters, settled: Set<number>): Source[] {
  const red = psfFreePassing(state.red, params).filter((s) => !settled.has(s.id));
  const table = SourceTable.from(red);
  applyFilters(table, params.filters, state.red.info);
  return red.filter((_, i) => table.isAlive(i));
}

/**
 * In the fast order, applyFilters' hook (EntryHook) on a source's filter
 * entries before they are appended: a source never measured with
 * SPREAD_MODEL gets a note instead of a spread_model drop when something
 * dropped it before it was measured - a PSF-free cut, or (red) a blue
 * counterpart that settled it as persistent, which the red-vs-blue stage
 * then records; a blue source no red candidate needed keeps its drop, saying
 * why (it must not take part in the comparison unmeasured).
 */
export function explainUnmeasured(table: SourceTable, stage: string, rec: TiledExtractionRecord): EntryHook {
  const notNeeded = new Set(rec.notNeeded ?? []);
  const settled = new Set(rec.settledByBlue ?? []);
  return (i, entries) => {
    if (table.getOptional('spreadModel', i) != null) return;
    // The source is alive, so these (this stage's) are its only drops.
    const entry = entries.find((e) => e.stage === stage && e.reason === 'spread_model' && e.dropped);
    if (!entry) return;
    const others = [...new Set(entries.filter((e) => e.stage === stage && e.dropped && e.reason !== 'spread_model').map((e) => e.reason))];
    const id = table.ints.id[i];
    if (others.length) {
      entry.dropped = false;
      entry.detail = `not measured (dropped earlier by ${others.join(', ')})`;
    } else if (settled.has(id)) {
      entry.dropped = false;
      entry.detail = `not measured (dropped earlier by ${RED_BLUE_STAGE})`;
    } else if (notNeeded.has(id)) {
      entry.detail = rec.notNeededWhy === 'detected'
        ? 'not measured (fast extraction, --blue-match detected: blue cuts decide no red source)'
        : 'not measured (fast extraction: no red candidate has it as nearest blue source)';
    }
  };
}

/**
 * Red sources settled as persistent before their pass 2 must have been
 * dropped by red vs blue; one still standing would be a candidate without
 * SPREAD_MODEL (only a position correction larger than refitMarginArcsec
 * between the filters and red vs blue could do that).
 */
export function assertSettledDropped(plate: PlateState, marginArcsec: number): void {
  const settled = new Set((plate.extraction as TiledExtractionRecord | undefined)?.settledByBlue ?? []);
  if (!settled.size) return;
  const t = plate.sources;
  let left = 0;
  for (let i = 0; i < t.length; i++) if (t.isAlive(i) && settled.has(t.ints.id[i])) left++;
  if (left)
    throw new UserError(
      `fast extraction: ${left} red source(s) settled as persistent before their SPREAD_MODEL was measured have no blue counterpart within the radius after the position correction (it moved them more than ${marginArcsec}")`,
      'run again with --extraction straightforward, or with --gaia-refit off',
    );
}

export function extractionCount(plate: PlateState | undefined): StageCountBody {
  const n = plate?.sources.length ?? 0;
  return { input: n, output: n, dropped: {} };
}


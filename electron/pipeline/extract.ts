/**
 * Extraction of one plate, tile by tile (tiles.ts), tool jobs on a shared
 * pool (pool.ts). Two steps, so that a caller can decide in between which
 * sources need the PSF:
 *
 *   preparePlate: per tile, SExtractor pass 1 (detection and every PSF-free
 *     measurement) -> PSF stamps -> PSFEx. Stamps come from every detection
 *     (psfSample 'all', the reference method) or only from a lean sample of
 *     isolated bright stars, taken by an ASSOC run (psfSample 'lean').
 *   measurePlate: per tile, SExtractor pass 2 with the tile's PSF model
 *     (SPREAD_MODEL): of every source ('all', the straightforward order) or
 *     only of listed ones through an ASSOC list (the fast order). Can be
 *     called again for more sources; every pass detects the same objects, so
 *     an ASSOC row is the very measurement a full pass 2 would have made.
 *
 * Source ids: SExtractor's NUMBER on an untiled plate; tile * 1e6 + NUMBER on
 * a tiled one (NUMBER is per tile), the same in every pass and either order.
 * Positions are plate pixels (x_plate = x_tile + x1 - 1).
 *
 * Sky positions are not SExtractor's business here (it cannot read the DSS
 * plate solution); see positions in stages.ts.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../core/errors';
import type { StageContext } from '../core/stage';
import { FitsFile, type FitsTable } from '../fits';
import { runPsfex, type PsfStats } from '../../native-tools/psfex';
import { runSextractor, writeAssocList, type DetectionSettings, type SextractorResult } from '../../native-tools/sextractor';
import { toolVersions, type NativeTools } from '../../native-tools/find';
import type { ToolRun } from '../../native-tools/spawn';
import { fileSha256, sha256, stableJson } from './checkpoint';
import { DEFAULT_LEAN_SAMPLE, selectPsfStars } from './lean-psf';
import { JobPool, mapPool } from './pool';
import { planTiles, tileOwns, writeTileImage, type Tile, type TilePlan } from './tiles';
import type { Source } from './types';

export type PsfSample = 'all' | 'lean';

export interface PlateJob {
  image: string;
  hdu: number;
  /** Folder for tile images, configs, catalogues, PSF models. */
  workDir: string;
  /** Digest of everything those files depend on (plateJobKey); tile images carry it and are reused only with it. */
  key: string;
  width: number;
  height: number;
  pixelScaleArcsec: number;
  saturLevel: number;
  detection: DetectionSettings;
  psfDegrees: number;
  /** Pixels of this image. */
  psfFwhmRangePx: [number, number];
  psfSample: PsfSample;
  tiles: TilePlan;
}

/** Tool seconds (summed over tiles) and the largest child's peak memory. */
export interface ToolTally {
  runs: number;
  seconds: number;
  peakRssMiB: number | null;
}

export interface PreparedTile {
  tile: Tile;
  dir: string;
  psfFile: string;
  psf: PsfStats | null;
  /** Rows of the tile's pass-1 (or pass-2 in the straightforward order) catalogue. */
  detected: number;
  /** Stars whose stamps PSFEx got (every detection for psfSample 'all'). */
  stamps: number;
}

export interface PreparedPlate {
  job: PlateJob;
  tiles: PreparedTile[];
  /** Owned sources with PSF-free measurements (spreadModel null), by id; empty in the straightforward order until measured. */
  sources: Source[];
  tally: { pass1: ToolTally; stamps: ToolTally; psfex: ToolTally };
}

/**
 * The key of a plate job's artefacts: the image's content digest, every
 * setting that shapes the tools' output (never the folder or the worker
 * count), and the tool versions.
 */
export function plateJobKey(imageSha256: string, job: Omit<PlateJob, 'image' | 'workDir' | 'key'>, toolVersions: Record<string, string>): string {
  return sha256(stableJson({ imageSha256, job, toolVersions }));
}

const emptyTally = (): ToolTally => ({ runs: 0, seconds: 0, peakRssMiB: null });
export function addRun(t: ToolTally, run: ToolRun): void {
  t.runs++;
  t.seconds += run.seconds;
  if (run.peakRssMiB !== null) t.peakRssMiB = Math.max(t.peakRssMiB ?? 0, run.peakRssMiB);
}

const TILE_ID = 1_000_000;

/** The LDAC_OBJECTS table of a SExtractor FITS_LDAC catalogue. */
export async function readLdacObjects(catalog: string): Promise<FitsTable> {
  const f = await FitsFile.open(catalog);
  try {
    const hdu = f.byName('LDAC_OBJECTS')[0];
    if (!hdu) throw new UserError(`${catalog} has no LDAC_OBJECTS table`, 'the SExtractor run did not finish; run again with --fresh');
    return await f.readTable(hdu.index);
  } finally {
    await f.close();
  }
}

const has = (t: FitsTable, name: string) => t.columns.some((c) => c.name === name);

/**
 * Sources from a pass-1 or pass-2 catalogue. SExtractor pixels are already
 * FITS 1-based; `dx`, `dy` shift tile pixels to plate pixels. Columns a pass
 * does not measure (SPREAD_MODEL, CLASS_STAR in pass 1) stay null/absent.
 * `ids` gives each row's id (default NUMBER).
 */
export function sourcesFromCatalog(t: FitsTable, dx = 0, dy = 0, ids?: ArrayLike<number>): Source[] {
  const col = (name: string) => (has(t, name) ? t.numeric(name) : null);
  const req = (name: string) => t.numeric(name);
  const [x, y, flux, fluxErr, mag, magErr, fwhm, elong, flags, xmin, xmax, ymin, ymax, bg] = [
    'XWIN_IMAGE', 'YWIN_IMAGE', 'FLUX_AUTO', 'FLUXERR_AUTO', 'MAG_AUTO', 'MAGERR_AUTO', 'FWHM_IMAGE',
    'ELONGATION', 'FLAGS', 'XMIN_IMAGE', 'XMAX_IMAGE', 'YMIN_IMAGE', 'YMAX_IMAGE', 'BACKGROUND',
  ].map(req);
  const [cls, spread, spreadErr] = ['CLASS_STAR', 'SPREAD_MODEL', 'SPREADERR_MODEL'].map(col);
  const id = ids ?? req('NUMBER');
  const out: Source[] = new Array(t.rows);
  for (let i = 0; i < t.rows; i++) {
    const s: Source = {
      id: id[i],
      x: x[i] + dx,
      y: y[i] + dy,
      ra: NaN,
      dec: NaN,
      flux: flux[i],
      fluxErr: fluxErr[i],
      mag: mag[i],
      magErr: magErr[i],
      snr: fluxErr[i] > 0 ? flux[i] / fluxErr[i] : 0,
      fwhm: fwhm[i],
      elongation: elong[i],
      flags: flags[i],
      spreadModel: spread && Number.isFinite(spread[i]) ? spread[i] : null,
      spreadModelErr: spreadErr && Number.isFinite(spreadErr[i]) ? spreadErr[i] : null,
      xmin: xmin[i] + dx,
      xmax: xmax[i] + dx,
      ymin: ymin[i] + dy,
      ymax: ymax[i] + dy,
      background: bg[i],
    };
    if (cls) s.classStar = cls[i];
    out[i] = s;
  }
  return out;
}

function tileDir(job: PlateJob, tile: Tile): string {
  return tile.whole ? job.workDir : join(job.workDir, `tile-${String(tile.index).padStart(3, '0')}`);
}

/** The image SExtractor reads for a tile (written on first use, and again if it was cleaned away). */
async function tileImage(job: PlateJob, tile: Tile): Promise<{ file: string; hdu: number }> {
  if (tile.whole) return { file: job.image, hdu: job.hdu };
  const file = join(tileDir(job, tile), 'tile.fits');
  mkdirSync(tileDir(job, tile), { recursive: true });
  await writeTileImage(job.image, job.hdu, tile, file, { key: job.key });
  return { file, hdu: 0 };
}

/** Remove the tile images of a plate (the catalogues and PSF models stay). */
export function removeTileImages(job: PlateJob): void {
  for (const tile of planTiles(job.width, job.height, job.tiles)) {
    if (!tile.whole) rmSync(join(tileDir(job, tile), 'tile.fits'), { force: true });
  }
}

export function idOf(tile: Tile, number: number): number {
  return tile.whole ? number : tile.index * TILE_ID + number;
}

function sexCommon(job: PlateJob, img: { file: string; hdu: number }, dir: string, tile: Tile) {
  return {
    image: img.file,
    hdu: img.hdu,
    workDir: dir,
    detection: job.detection,
    pixelScaleArcsec: job.pixelScaleArcsec,
    saturLevel: job.saturLevel,
    imageHeight: tile.height,
  };
}

/** Owned rows of a catalogue as plate sources; ids from NUMBER or from VECTOR_ASSOC. */
function ownedSources(job: PlateJob, tile: Tile, t: FitsTable, assoc: boolean): Source[] {
  const numbers = assoc ? Float64Array.from(t.vector('VECTOR_ASSOC'), (v) => v[0]) : t.numeric('NUMBER');
  const ids = Float64Array.from(numbers, (n) => idOf(tile, n));
  return sourcesFromCatalog(t, tile.x1 - 1, tile.y1 - 1, ids).filter((s) => tileOwns(tile, s.x, s.y, job.width, job.height));
}

type Progress = (done: number, total: number, what: string) => void;

/**
 * Pass 1, PSF stamps and PSFEx on every tile. In the straightforward order
 * with stamps of every detection, the stamp run is the only detection pass
 * and `sources` stays empty (pass 2 gives them). With `psf: false` (the fast
 * order's blue plate) only pass 1 runs: preparePsf makes a tile's model later,
 * if ever a source there needs SPREAD_MODEL.
 */
export async function preparePlate(
  tools: NativeTools,
  job: PlateJob,
  pool: JobPool,
  opts: { needPass1: boolean; psf?: boolean; onProgress?: Progress },
  ctx: StageContext = {},
): Promise<PreparedPlate> {
  mkdirSync(job.workDir, { recursive: true });
  const withPsf = opts.psf ?? true;
  const tiles = planTiles(job.width, job.height, job.tiles);
  const tally = { pass1: emptyTally(), stamps: emptyTally(), psfex: emptyTally() };
  const perTileSources: Source[][] = [];
  let done = 0;
  // Steps a tile (pass 1, stamps, PSFEx; pass 1 alone without the PSF), each an equal share.
  const steps = withPsf ? 3 : 1;
  const step = () => opts.onProgress?.((done += 1 / steps), tiles.length, withPsf ? 'pass 1 and PSFEx' : 'pass 1');
  const prepared = await mapPool(pool, tiles, async (tile) => {
    const dir = tileDir(job, tile);
    mkdirSync(dir, { recursive: true });
    const pt: PreparedTile = { tile, dir, psfFile: '', psf: null, detected: 0, stamps: 0 };
    if (job.psfSample === 'lean' || opts.needPass1) {
      const t = await pass1Tile(tools, job, pt, tally, ctx);
      pt.detected = t.rows;
      perTileSources[tile.index] = ownedSources(job, tile, t, false);
      step();
    } else {
      perTileSources[tile.index] = [];
      step(); // the stamp run is this order's detection pass too
    }
    if (withPsf) await psfTile(tools, job, pt, tally, () => step(), ctx);
    else if (!(job.psfSample === 'lean' || opts.needPass1)) throw new Error('preparePlate: without the PSF there must be a pass 1');
    return pt;
  });
  // A cancel that came after the last tool finished must not let the stage complete.
  throwIfAborted(ctx.signal, 'extraction');
  return { job, tiles: prepared, sources: perTileSources.flat(), tally };
}

/** Pass 1 and the stamp run need only a rough seeing (CLASS_STAR, which neither reports). */
const roughSeeing = (job: PlateJob) => 2.5 * job.pixelScaleArcsec;

/** SExtractor pass 1 of a tile (detection and every PSF-free measurement); returns its catalogue. */
async function pass1Tile(tools: NativeTools, job: PlateJob, pt: PreparedTile, tally: PreparedPlate['tally'], ctx: StageContext): Promise<FitsTable> {
  const common = sexCommon(job, await tileImage(job, pt.tile), pt.dir, pt.tile);
  const p1 = await runSextractor(tools.sextractor, { ...common, pass: 'pass1', seeingFwhmArcsec: roughSeeing(job) }, ctx);
  addRun(tally.pass1, p1.run);
  return readLdacObjects(p1.catalog);
}

/**
 * PSF stamps and PSFEx of a tile, filling in its psfFile, psf and stamps.
 * Lean sample: stamps of the stars chosen from its pass-1 catalogue; else of
 * every detection (in the straightforward order that run is also the
 * detection pass).
 */
async function psfTile(tools: NativeTools, job: PlateJob, pt: PreparedTile, tally: PreparedPlate['tally'], step: () => void, ctx: StageContext): Promise<void> {
  const common = sexCommon(job, await tileImage(job, pt.tile), pt.dir, pt.tile);
  const seeing = roughSeeing(job);
  let stamps: SextractorResult;
  if (job.psfSample === 'lean') {
    const t = await readLdacObjects(join(pt.dir, 'pass1.cat'));
    const stars = selectPsfStars(t, pt.tile.width, pt.tile.height, { ...DEFAULT_LEAN_SAMPLE, fwhmRangePx: job.psfFwhmRangePx });
    const list = writeAssocList(join(pt.dir, 'psf-stars.list'), stars.map((s) => ({ x: s.x, y: s.y, id: s.number })));
    stamps = await runSextractor(tools.sextractor, { ...common, pass: 'stamps', seeingFwhmArcsec: seeing, assoc: list }, ctx);
    pt.stamps = stars.length;
  } else {
    stamps = await runSextractor(tools.sextractor, { ...common, pass: 'stamps', seeingFwhmArcsec: seeing }, ctx);
    pt.stamps = pt.detected;
  }
  addRun(tally.stamps, stamps.run);
  step();
  const psf = await runPsfex(tools.psfex, { catalog: stamps.catalog, workDir: pt.dir, degrees: job.psfDegrees, fwhmRangePx: job.psfFwhmRangePx }, ctx);
  addRun(tally.psfex, psf.run);
  pt.psfFile = psf.psfFile;
  pt.psf = psf.stats;
  step();
}

/**
 * Give the listed tiles of a plate prepared without its PSF (or with some
 * tiles still lacking one) their PSF models, on the pool. Returns the tiles
 * that got one now.
 */
export async function preparePsf(tools: NativeTools, plate: PreparedPlate, tiles: Set<number>, pool: JobPool, ctx: StageContext = {}): Promise<number> {
  const todo = plate.tiles.filter((pt) => tiles.has(pt.tile.index) && !hasPsf(pt));
  await mapPool(pool, todo, (pt) => psfTile(tools, plate.job, pt, plate.tally, () => {}, ctx));
  throwIfAborted(ctx.signal, 'extraction');
  return todo.length;
}

/** Has this tile its PSF model (made now or by an earlier stage)? */
export function hasPsf(pt: PreparedTile): boolean {
  return pt.psfFile !== '' && existsSync(pt.psfFile);
}

export interface Measured {
  /** Pass-2 measurements (every column, SPREAD_MODEL included) of the sources measured. */
  sources: Source[];
  tally: ToolTally;
}

/**
 * SExtractor pass 2 with each tile's PSF model (made first where missing,
 * into `plate`): of every owned source (`ids` 'all') or only of the given ids
 * (ASSOC list of their pass-1 barycentres; tiles with none are skipped).
 * `round` names the files.
 */
export async function measurePlate(
  tools: NativeTools,
  plate: PreparedPlate,
  ids: 'all' | Set<number>,
  pool: JobPool,
  opts: { round?: string; onProgress?: Progress },
  ctx: StageContext = {},
): Promise<Measured> {
  const { job } = plate;
  const tally = emptyTally();
  const name = opts.round ? `pass2-${opts.round}` : 'pass2';

  // The ASSOC lists, per tile: the pass-1 barycentres (tile pixels) of the ids wanted.
  interface Work { pt: PreparedTile; rows: { x: number; y: number; id: number }[] | null }
  const work: Work[] = [];
  for (const pt of plate.tiles) {
    if (ids === 'all') {
      work.push({ pt, rows: null });
      continue;
    }
    if (![...ids].some((id) => ownerTile(id, pt.tile))) continue;
    const t = await readLdacObjects(join(pt.dir, 'pass1.cat'));
    const num = t.numeric('NUMBER');
    const x = t.numeric('X_IMAGE');
    const y = t.numeric('Y_IMAGE');
    const rows: { x: number; y: number; id: number }[] = [];
    for (let i = 0; i < t.rows; i++) if (ids.has(idOf(pt.tile, num[i]))) rows.push({ x: x[i], y: y[i], id: num[i] });
    if (rows.length) work.push({ pt, rows });
  }
  // A tile prepared without its PSF (the fast order's blue plate) gets it now, on first need.
  await preparePsf(tools, plate, new Set(work.map((w) => w.pt.tile.index)), pool, ctx);
  // Fewer tiles than workers: split a tile's list into chunks measured by
  // separate SExtractor runs (each detects the whole tile again, so only worth
  // it for long lists). A source's measurement does not depend on which other
  // sources are listed, so chunking never changes the answer.
  const jobs: { pt: PreparedTile; rows: Work['rows']; chunk: string }[] = [];
  for (const w of work) {
    const k = w.rows ? Math.max(1, Math.min(Math.ceil(pool.size / work.length), Math.floor(w.rows.length / MIN_CHUNK))) : 1;
    for (let j = 0; j < k; j++) {
      jobs.push({ pt: w.pt, rows: w.rows && w.rows.filter((_, i) => i % k === j), chunk: k > 1 ? `${name}-c${j + 1}` : name });
    }
  }
  let done = 0;
  const parts = await mapPool(pool, jobs, async ({ pt, rows, chunk }) => {
    const { tile, dir } = pt;
    const img = await tileImage(job, tile);
    const common = sexCommon(job, img, dir, tile);
    const seeing = (pt.psf?.fwhmPx ?? 2.5) * job.pixelScaleArcsec;
    const assoc = rows ? writeAssocList(join(dir, `${chunk}.list`), rows) : undefined;
    const p2 = await runSextractor(tools.sextractor, { ...common, pass: 'pass2', name: chunk, seeingFwhmArcsec: seeing, psfFile: pt.psfFile, assoc }, ctx);
    addRun(tally, p2.run);
    const t = await readLdacObjects(p2.catalog);
    const all = ownedSources(job, tile, t, assoc !== undefined);
    // ASSOC lists hold only owned sources, but an ASSOC row is checked against the list anyway.
    if (assoc) assertOnePerListed(sourcesFromCatalog(t, 0, 0, Float64Array.from(t.vector('VECTOR_ASSOC'), (v) => v[0])), assoc.count, p2.catalog);
    opts.onProgress?.(++done, jobs.length, 'pass 2 (SPREAD_MODEL)');
    return ids === 'all' ? all : all.filter((s) => ids.has(s.id));
  });
  throwIfAborted(ctx.signal, 'extraction');
  return { sources: parts.flat(), tally };
}

/** Shortest ASSOC list worth its own SExtractor run (SPREAD_MODEL ~10 ms a source vs a detection pass). */
const MIN_CHUNK = 500;

function ownerTile(id: number, tile: Tile): boolean {
  return tile.whole || Math.floor(id / TILE_ID) === tile.index;
}

/** An ASSOC pass must give back each listed object exactly once. */
function assertOnePerListed(rows: Source[], listed: number, catalog: string): void {
  const ids = new Set(rows.map((s) => s.id));
  if (ids.size !== rows.length || rows.length !== listed)
    throw new Error(`${catalog}: the association pass returned ${rows.length} rows (${ids.size} distinct) for ${listed} listed sources`);
}

/** PSF statistics of a tiled plate: tile models weighted by their accepted stars. */
export function combinedPsfStats(tiles: PreparedTile[]): PsfStats | null {
  const s = tiles.map((t) => t.psf).filter((p): p is PsfStats => p !== null);
  if (!s.length) return null;
  if (s.length === 1) return s[0];
  const w = s.reduce((a, p) => a + p.accepted, 0) || 1;
  const avg = (k: keyof PsfStats) => Number((s.reduce((a, p) => a + p[k] * p.accepted, 0) / w).toFixed(3));
  return {
    accepted: s.reduce((a, p) => a + p.accepted, 0),
    total: s.reduce((a, p) => a + p.total, 0),
    sampling: avg('sampling'), chi2: avg('chi2'), fwhmPx: avg('fwhmPx'),
    ellipticity: avg('ellipticity'), residuals: avg('residuals'), asymmetry: avg('asymmetry'),
  };
}

// ---------------------------------------------------------------------------
// The straightforward order on one image, as a single call (tests, the bench).

export interface ExtractJob {
  image: string;
  hdu: number;
  workDir: string;
  pixelScaleArcsec: number;
  saturLevel: number;
  imageHeight: number;
  imageWidth?: number;
  detection: DetectionSettings;
  psfDegrees: number;
  psfFwhmRangePx: [number, number];
  psfSample?: PsfSample;
  tiles?: TilePlan;
  workers?: number;
}

export interface ExtractResult {
  sources: Source[];
  psf: PsfStats | null;
  seconds: { pass1: number; psfex: number; pass2: number };
}

/** Every source measured with SPREAD_MODEL (stamps of every detection unless told otherwise). */
export async function extractSources(tools: NativeTools, job: ExtractJob, ctx: StageContext = {}): Promise<ExtractResult> {
  let width = job.imageWidth;
  if (width === undefined) {
    const f = await FitsFile.open(job.image);
    try {
      width = f.hdu(job.hdu).naxis[0];
    } finally {
      await f.close();
    }
  }
  const settings = {
    hdu: job.hdu, width, height: job.imageHeight,
    pixelScaleArcsec: job.pixelScaleArcsec, saturLevel: job.saturLevel, detection: job.detection,
    psfDegrees: job.psfDegrees, psfFwhmRangePx: job.psfFwhmRangePx, psfSample: job.psfSample ?? 'all',
    tiles: job.tiles ?? { tileSizePx: 0, overlapPx: 0, alignPx: job.detection.backSize },
  };
  const key = plateJobKey(await fileSha256(job.image), settings, toolVersions(tools));
  const plateJob: PlateJob = { ...settings, image: job.image, workDir: job.workDir, key };
  const pool = new JobPool(job.workers ?? 1);
  const prepared = await preparePlate(tools, plateJob, pool, { needPass1: false }, ctx);
  const measured = await measurePlate(tools, prepared, 'all', pool, {}, ctx);
  return {
    sources: measured.sources.sort((a, b) => a.id - b.id),
    psf: combinedPsfStats(prepared.tiles),
    seconds: { pass1: prepared.tally.pass1.seconds + prepared.tally.stamps.seconds, psfex: prepared.tally.psfex.seconds, pass2: measured.tally.seconds },
  };
}


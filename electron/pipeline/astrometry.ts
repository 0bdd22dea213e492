/**
 * The gaia-refit stage: each plate's solution refitted to Gaia at the plate
 * epoch (electron/astro/gaia-refit.ts), per extraction tile on tiled plates,
 * and the refitted positions written over ra/dec of every source, so every
 * later stage (red vs blue, masks, veto, asteroids, dedup, outputs) uses them.
 *
 * Gaia comes from --catalog gaia=FILE, or from one remote query made the way
 * the veto makes its own (same service and search radius) around the
 * reference stars and every red source still standing; those rows are kept
 * in the work folder and handed to the veto, which then asks nothing again.
 * A tile whose fit is refused keeps the header positions; summary.json says
 * why (state.astrometry).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { correctedPixToSky, DEFAULT_REFIT, refitPlateSolution, type RefitResult, type ResidualStats } from '../astro/gaia-refit';
import { chooseSolution } from '../astro/plate-solution';
import { CATALOGS, type CatalogRows } from '../catalogs/catalogs';
import { QueryCache } from '../catalogs/cache';
import { defaultHttpClient } from '../catalogs/http';
import { readLocalCatalog } from '../catalogs/local-files';
import { propagateAll } from '../catalogs/proper-motion';
import { plateFootprint } from './plate-footprint';
import type { TiledExtractionRecord } from './extraction-stages';
import type { PipelineContext, PipelineState, PlateState, Stage } from './state';
import { tileOwns, type Tile } from './tiles';
import type { AstrometrySummary, Band, PlateRefitSummary, TileRefitSummary } from './types';
import { queryCatalogRows, vetoSearchArcsec } from './veto';

export const GAIA_REFIT_STAGE = 'gaia-refit';

/** Reference stars a tile offers the fit at most (the highest SNR ones). */
const MAX_STARS_PER_TILE = 1500;

/** Stars fit to anchor a solution: unflagged, compact, well measured. */
function referenceStars(plate: PlateState): number[] {
  const t = plate.sources;
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t.ints.flags[i] === 0 && t.floats.snr[i] >= 20 && t.floats.elongation[i] < 1.5 && Number.isFinite(t.floats.x[i])) out.push(i);
  }
  return out;
}

function tilesOf(plate: PlateState): Tile[] {
  const rec = plate.extraction as TiledExtractionRecord | undefined;
  const tiles = rec?.tiles?.map((p) => p.tile) ?? [];
  if (tiles.length) return tiles;
  const { naxis1: w, naxis2: h } = plate.info;
  return [{ index: 0, x1: 1, y1: 1, width: w, height: h, coreX: { lo: 1, hi: w }, coreY: { lo: 1, hi: h }, whole: true }];
}

/** Gaia positions carried to the plate epoch (catalogue epoch when the plate has none). */
function atEpoch(rows: CatalogRows, epochJulian: number | null): { ra: Float64Array; dec: Float64Array } {
  if (epochJulian === null) return { ra: rows.ra, dec: rows.dec };
  return propagateAll({ ra: rows.ra, dec: rows.dec, pmra: rows.pmra ?? undefined, pmdec: rows.pmdec ?? undefined, epoch: rows.epoch ?? CATALOGS.gaia.epoch! }, epochJulian);
}

/** Refits one plate tile by tile and writes the accepted positions into its table. */
function refitPlate(plate: PlateState, gaia: CatalogRows): PlateRefitSummary {
  const t = plate.sources;
  const solution = chooseSolution(plate.header).solution;
  const refs = atEpoch(gaia, plate.info.epochJulian);
  const stars = referenceStars(plate);
  const { naxis1: w, naxis2: h } = plate.info;
  const tiles = tilesOf(plate);
  const summaries: TileRefitSummary[] = [];
  let corrected = 0;
  for (const tile of tiles) {
    // Stars of the whole tile image (core and overlap) steady the fit at the core's edges.
    const inTile = stars
      .filter((i) => t.floats.x[i] >= tile.x1 - 0.5 && t.floats.x[i] < tile.x1 + tile.width - 0.5 && t.floats.y[i] >= tile.y1 - 0.5 && t.floats.y[i] < tile.y1 + tile.height - 0.5)
      .sort((a, b) => t.floats.snr[b] - t.floats.snr[a])
      .slice(0, MAX_STARS_PER_TILE);
    const frame = { x0: tile.x1 + (tile.width - 1) / 2, y0: tile.y1 + (tile.height - 1) / 2, scale: Math.max(tile.width, tile.height) / 2 };
    const fit: RefitResult = refitPlateSolution(
      solution,
      { x: inTile.map((i) => t.floats.x[i]), y: inTile.map((i) => t.floats.y[i]) },
      refs,
      frame,
      DEFAULT_REFIT,
    );
    const { correction, ...rest } = fit;
    summaries.push({ tile: tile.index, ...rest });
    if (!fit.accepted || !correction) continue;
    for (let i = 0; i < t.length; i++) {
      if (!tileOwns(tile, t.floats.x[i], t.floats.y[i], w, h)) continue;
      const [ra, dec] = correctedPixToSky(solution, correction, t.floats.x[i], t.floats.y[i]);
      t.setFloat('ra', i, ra);
      t.setFloat('dec', i, dec);
      corrected++;
    }
  }
  const one = summaries.length === 1 ? summaries[0] : null;
  // Several tiles: the plate's figures are those of its tiles taken together (medians of their medians and the worst P90).
  // A refused tile keeps its header positions: "after" is then its "before".
  const used = (s: TileRefitSummary, pick: 'before' | 'after') => (pick === 'after' && !s.accepted ? s.before : s[pick]);
  const merged = (pick: 'before' | 'after'): ResidualStats | null => {
    if (one) return used(one, pick);
    const ok = summaries.map((s) => used(s, pick)).filter((r): r is ResidualStats => r !== null);
    if (!ok.length) return null;
    const med = ok.map((r) => r.medianArcsec).sort((a, b) => a - b);
    return { medianArcsec: med[med.length >> 1], p90Arcsec: Math.max(...ok.map((r) => r.p90Arcsec)) };
  };
  return { sourcesCorrected: corrected, sources: t.length, before: merged('before'), after: merged('after'), tiles: summaries };
}

function rowsToJson(rows: CatalogRows): string {
  const arr = (a: ArrayLike<number> | null) => (a ? Array.from(a, (v) => (Number.isFinite(v) ? v : null)) : null);
  return JSON.stringify({ ra: arr(rows.ra), dec: arr(rows.dec), pmra: arr(rows.pmra), pmdec: arr(rows.pmdec), epoch: arr(rows.epoch), id: rows.id, mag: arr(rows.mag) });
}

function rowsFromJson(text: string): CatalogRows {
  const o = JSON.parse(text) as Record<string, (number | null)[] | null> & { id: string[] };
  const f = (a: (number | null)[] | null) => (a ? Float64Array.from(a, (v) => (v === null ? NaN : v)) : null);
  return { ra: f(o.ra)!, dec: f(o.dec)!, pmra: f(o.pmra), pmdec: f(o.pmdec), epoch: f(o.epoch), id: o.id, mag: f(o.mag)! };
}

/** The Gaia rows the refit fetched for the veto, when this run's state names them and the file is intact. */
export function prefetchedGaia(state: PipelineState): { rows: CatalogRows; source: string } | null {
  const p = state.astrometry?.prefetched;
  if (!p || !existsSync(p.file)) return null;
  const text = readFileSync(p.file, 'utf8');
  if (createHash('sha256').update(text).digest('hex') !== p.sha256) return null;
  return { rows: rowsFromJson(text), source: p.source };
}

/** Sky positions the remote query is made around: each plate's reference stars and the red sources still standing. */
function queryPoints(state: PipelineState): { ra: number[]; dec: number[] } {
  const ra: number[] = [], dec: number[] = [];
  const seen = new Set<string>();
  const add = (plate: PlateState, i: number) => {
    const key = `${plate.band}:${i}`;
    if (seen.has(key)) return;
    seen.add(key);
    ra.push(plate.sources.floats.ra[i]);
    dec.push(plate.sources.floats.dec[i]);
  };
  for (const plate of [state.red, state.blue]) {
    if (!plate) continue;
    const t = plate.sources;
    referenceStars(plate)
      .sort((a, b) => t.floats.snr[b] - t.floats.snr[a])
      .slice(0, MAX_STARS_PER_TILE * tilesOf(plate).length)
      .forEach((i) => add(plate, i));
  }
  for (const i of state.red.sources.aliveIndices()) add(state.red, i);
  return { ra, dec };
}

/** The Gaia rows to fit to, or why there are none. */
async function gaiaRows(state: PipelineState, ctx: PipelineContext): Promise<{ rows: CatalogRows; gaia: string; prefetched?: AstrometrySummary['prefetched'] } | { skipped: string }> {
  const c = ctx.params.catalogue;
  const def = CATALOGS.gaia;
  const file = c.localFiles.gaia;
  if (file) return { rows: await readLocalCatalog(def, file), gaia: `local file ${file}` };
  if (ctx.params.offline || c.veto === 'local') return { skipped: `no Gaia rows: ${ctx.params.offline ? 'offline' : '--veto local'} without --catalog gaia=FILE` };
  if (c.veto === 'none' || !c.catalogs.includes('gaia')) return { skipped: 'no Gaia rows: the veto does not query Gaia (give --catalog gaia=FILE to refit anyway)' };
  const fp = plateFootprint(state);
  const log = ctx.log ?? (() => {});
  const points = queryPoints(state);
  const { rows, source } = await queryCatalogRows(def, points, vetoSearchArcsec(def, c.vetoRadiusArcsec), {
    mode: c.veto,
    http: defaultHttpClient(log),
    cache: new QueryCache(c.cacheDir ?? join(ctx.params.out, 'cache'), log),
    area: { ra: fp.centre.ra, dec: fp.centre.dec, radiusDeg: fp.radiusDeg + 0.1 },
    signal: ctx.signal,
    log,
  });
  const dir = join(ctx.workDir, GAIA_REFIT_STAGE);
  mkdirSync(dir, { recursive: true });
  const text = rowsToJson(rows);
  const out = join(dir, 'gaia-rows.json');
  writeFileSync(out, text);
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { rows, gaia: `${source} around ${points.ra.length} positions`, prefetched: { file: out, sha256, source } };
}

export const gaiaRefitStage: Stage = {
  name: GAIA_REFIT_STAGE,
  inputs: (p) => ({
    refit: p.catalogue.gaiaRefit,
    veto: p.catalogue.veto,
    gaia: p.catalogue.catalogs.includes('gaia'),
    file: p.catalogue.localFiles.gaia ?? null,
    radius: p.catalogue.vetoRadiusArcsec,
    offline: p.offline,
  }),
  async run(state, ctx) {
    const n = state.red.sources.aliveCount();
    const body = { input: n, output: n, dropped: {} };
    const skip = (why: string) => ({ state: { ...state, astrometry: { gaia: 'none', plateEpoch: { red: state.red.info.epochJulian }, skipped: why } }, count: { ...body, skipped: why } });
    if (ctx.params.catalogue.gaiaRefit === 'off') return skip('--gaia-refit off');
    const got = await gaiaRows(state, ctx);
    if ('skipped' in got) return skip(got.skipped);
    const summary: AstrometrySummary = { gaia: got.gaia, plateEpoch: { red: state.red.info.epochJulian }, ...(got.prefetched ? { prefetched: got.prefetched } : {}) };
    const notes: string[] = [];
    for (const band of ['red', 'blue'] as Band[]) {
      const plate = state[band];
      if (!plate) continue;
      if (band === 'blue') summary.plateEpoch.blue = plate.info.epochJulian;
      const s = refitPlate(plate, got.rows);
      summary[band] = s;
      const ok = s.tiles.filter((x) => x.accepted).length;
      const refused = s.tiles.filter((x) => !x.accepted).map((x) => `tile ${x.tile}: ${x.reason}`);
      const fig = (r: ResidualStats | null) => (r ? `median ${r.medianArcsec}", P90 ${r.p90Arcsec}"` : 'n/a');
      const line =
        `gaia-refit ${band}: ${ok} of ${s.tiles.length} tile(s) refitted, ${s.sourcesCorrected} of ${s.sources} positions corrected; ` +
        `residuals before ${fig(s.before)}, after ${fig(s.after)}${refused.length ? `; refused: ${refused.join('; ')}` : ''}`;
      ctx.log?.(line);
      notes.push(line);
    }
    return { state: { ...state, astrometry: summary, notes: [...state.notes, ...notes] }, count: body };
  },
};

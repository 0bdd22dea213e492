/**
 * The bright-star mask: a saturated star on a Schmidt plate throws
 * diffraction spikes along the plate axes (the plate holder's vanes) and a
 * halo round it; knots on them are detected as compact sources with no blue
 * counterpart, i.e. as false vanishing sources. Candidates on a spike or in
 * a halo are dropped or flagged (--bright-star-mask drop|flag|off) with the
 * star that masked them in the ledger (`mask/bright-star`).
 *
 * The masking stars are the red plate's own saturated sources (SExtractor
 * FLAGS bit 4, or a peak at the plate's ceiling), sized by their isophotal extent, and, when Gaia rows are at
 * hand (--catalog gaia=FILE, or the rows the Gaia refit fetched), Gaia stars
 * brighter than GAIA_MAG_LIMIT, sized by magnitude. Pixel positions are FITS
 * 1-based on the red plate.
 */
import { chooseSolution } from '../astro/plate-solution';
import { FitsFile, type ImageRect } from '../fits';
import { CATALOGS, type CatalogRows } from '../catalogs/catalogs';
import { readLocalCatalog } from '../catalogs/local-files';
import { propagateAll } from '../catalogs/proper-motion';
import { prefetchedGaia } from './astrometry';
import { ledgerCount, type PipelineState, type PlateState, type Stage } from './state';

export const MASK_STAGE = 'mask';
export const BRIGHT_STAR_REASON = 'bright-star';

/** SExtractor FLAGS bit: at least one pixel saturated. */
const SATURATED_FLAG = 4;

/**
 * Sizes from a saturated star's isophotal half-extent r (pixels, half the
 * larger side of its bounding box). A spike fades with the star's light, so
 * its length grows as sqrt(flux), while the isophote of saturated wings
 * (Moffat beta ~1.8) grows only as flux^(1/3.6): length ~ r^1.8. Spikes are
 * SPIKE_AT_UNIT_EXTENT r^1.8 px long (at most SPIKE_MAX_PX) and
 * SPIKE_HALF_WIDTH_PX wide either side; the halo reaches HALO_PER_SPIKE of the
 * spike, and at least HALO_PER_EXTENT r. The constants are calibrated on
 * synthetic plates (electron/synth/scene.ts draws spikes 12 FWHM
 * sqrt(overexposure) long); on real plates they are still to be checked.
 */
const SPIKE_AT_UNIT_EXTENT = 4.8;
const SPIKE_POWER = 1.8;
const SPIKE_MAX_PX = 600;
const SPIKE_HALF_WIDTH_PX = 4;
const HALO_PER_SPIKE = 0.25;
const HALO_PER_EXTENT = 3;
/** Gaia stars at least this bright mask; their halo radius is GAIA_HALO_ARCSEC at GAIA_REF_MAG, x1.58 per magnitude brighter. */
export const GAIA_MAG_LIMIT = 12;
const GAIA_HALO_ARCSEC = 25;
const GAIA_REF_MAG = 12;
const GAIA_SPIKE_PER_HALO = 2.5;

/** One masking star on the red plate. */
export interface MaskStar {
  x: number;
  y: number;
  haloRadiusPx: number;
  spikeLengthPx: number;
  spikeHalfWidthPx: number;
  /** Who it is, for the ledger: "saturated source 12" or "Gaia 1234 (G 9.3)". */
  label: string;
}

/** Sources at least this significant are looked at for a saturated core. */
const FLAT_CORE_SNR = 50;
/** Half-side of the window round the centroid searched for a flat core, pixels. */
const CORE_HALF = 3;
const SATURATED_AT_TOP = 3;

/**
 * Which sources are saturated: SExtractor's FLAGS bit 4 when SATUR_LEVEL was
 * reached, and - photographic scans saturate softly, below any level given to
 * SExtractor - a peak (above the local background) within 3 % of the highest
 * source peak on the plate, when at least SATURATED_AT_TOP sources reach it:
 * many stars sharing one ceiling is what saturation looks like, a single
 * brightest star is not.
 */
export async function saturatedSources(plate: PlateState): Promise<number[]> {
  const t = plate.sources;
  const { naxis1: w, naxis2: h } = plate.info;
  const bright: number[] = [];
  const flagged = new Set<number>();
  for (let i = 0; i < t.length; i++) {
    if (t.ints.flags[i] & SATURATED_FLAG) flagged.add(i);
    else if (t.floats.snr[i] >= FLAT_CORE_SNR && Number.isFinite(t.floats.x[i])) bright.push(i);
  }
  const windows: { i: number; rect: ImageRect }[] = [];
  for (const i of bright) {
    const x1 = Math.max(1, Math.round(t.floats.x[i]) - CORE_HALF), y1 = Math.max(1, Math.round(t.floats.y[i]) - CORE_HALF);
    const x2 = Math.min(w, Math.round(t.floats.x[i]) + CORE_HALF), y2 = Math.min(h, Math.round(t.floats.y[i]) + CORE_HALF);
    if (x2 >= x1 && y2 >= y1) windows.push({ i, rect: { x1, y1, width: x2 - x1 + 1, height: y2 - y1 + 1 } });
  }
  const cores = new Map<number, Float32Array>();
  const fits = await FitsFile.open(plate.file);
  try {
    // Thousands of stars on a full plate: one strip read serves every window in it.
    const pixels = await fits.readImageRects(windows.map((c) => c.rect), plate.hdu);
    windows.forEach((c, k) => cores.set(c.i, pixels[k]));
  } finally {
    await fits.close();
  }
  const background = (i: number) => t.getOptional('background', i) ?? 0;
  let top = -Infinity;
  for (const [i, px] of cores) for (const v of px) if (v - background(i) > top) top = v - background(i);
  const atTop: number[] = [];
  for (const [i, px] of cores) {
    let peak = -Infinity;
    for (const v of px) peak = Math.max(peak, v - background(i));
    if (peak >= 0.97 * top) atTop.push(i);
  }
  if (atTop.length >= SATURATED_AT_TOP) for (const i of atTop) flagged.add(i);
  return [...flagged].sort((a, b) => a - b);
}

/**
 * The masking stars from the red plate's own saturated sources. With a blue
 * plate only those already dropped (persistent stars, found on blue) mask: a
 * saturated source still standing as a candidate is itself in question (a
 * bright transient is the very thing sought), and must not mask its neighbours.
 */
export async function saturatedStars(plate: PlateState, onlyDropped: boolean): Promise<MaskStar[]> {
  const t = plate.sources;
  const out: MaskStar[] = [];
  for (const i of await saturatedSources(plate)) {
    if (onlyDropped && t.isAlive(i)) continue;
    const r = Math.max(t.ints.xmax[i] - t.ints.xmin[i] + 1, t.ints.ymax[i] - t.ints.ymin[i] + 1) / 2;
    const spike = Math.min(SPIKE_MAX_PX, SPIKE_AT_UNIT_EXTENT * r ** SPIKE_POWER);
    out.push({
      x: t.floats.x[i],
      y: t.floats.y[i],
      haloRadiusPx: Math.max(HALO_PER_EXTENT * r, HALO_PER_SPIKE * spike),
      spikeLengthPx: spike,
      spikeHalfWidthPx: Math.max(SPIKE_HALF_WIDTH_PX, 0.25 * r),
      label: `saturated source ${t.ints.id[i]}`,
    });
  }
  return out;
}

/** Halo radius of a Gaia star of magnitude G, arcsec (spikes are GAIA_SPIKE_PER_HALO times longer). */
export function gaiaHaloArcsec(g: number): number {
  return GAIA_HALO_ARCSEC * 10 ** (0.2 * (GAIA_REF_MAG - g));
}

/** The masking stars from Gaia rows brighter than GAIA_MAG_LIMIT that fall on (or near) the red plate. */
export function gaiaStars(plate: PlateState, rows: CatalogRows): MaskStar[] {
  const solution = chooseSolution(plate.header).solution;
  const scale = plate.info.pixelScaleArcsec;
  const bright: number[] = [];
  for (let i = 0; i < rows.ra.length; i++) if (rows.mag[i] <= GAIA_MAG_LIMIT) bright.push(i);
  const sub = (a: ArrayLike<number> | null) => (a ? Float64Array.from(bright, (i) => a[i]) : undefined);
  const epoch = plate.info.epochJulian;
  const pos = epoch === null
    ? { ra: sub(rows.ra)!, dec: sub(rows.dec)! }
    : propagateAll({ ra: sub(rows.ra)!, dec: sub(rows.dec)!, pmra: sub(rows.pmra), pmdec: sub(rows.pmdec), epoch: sub(rows.epoch) ?? CATALOGS.gaia.epoch! }, epoch);
  const out: MaskStar[] = [];
  bright.forEach((row, k) => {
    const [x, y] = solution.skyToPix(pos.ra[k], pos.dec[k]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const halo = gaiaHaloArcsec(rows.mag[row]) / scale;
    const reach = halo * GAIA_SPIKE_PER_HALO;
    if (x < -reach || y < -reach || x > plate.info.naxis1 + reach || y > plate.info.naxis2 + reach) return;
    out.push({
      x, y, haloRadiusPx: halo, spikeLengthPx: reach, spikeHalfWidthPx: Math.max(SPIKE_HALF_WIDTH_PX, 0.1 * halo),
      label: `Gaia ${rows.id[row]} (G ${rows.mag[row].toFixed(1)})`,
    });
  });
  return out;
}

/** Where (x, y) lies on a star's mask: 'halo', 'spike' or null. */
export function maskHit(s: MaskStar, x: number, y: number): 'halo' | 'spike' | null {
  const dx = x - s.x, dy = y - s.y;
  if (Math.hypot(dx, dy) <= s.haloRadiusPx) return 'halo';
  const onAxis = (along: number, across: number) => Math.abs(along) <= s.spikeLengthPx && Math.abs(across) <= s.spikeHalfWidthPx;
  return onAxis(dx, dy) || onAxis(dy, dx) ? 'spike' : null;
}

/** Masking stars by position, so each source is tested only against those that can reach it. */
class MaskIndex {
  private readonly cells = new Map<string, MaskStar[]>();
  constructor(stars: MaskStar[], private readonly cell = 256) {
    for (const s of stars) {
      const reach = Math.max(s.haloRadiusPx, s.spikeLengthPx) + s.spikeHalfWidthPx;
      for (let a = Math.floor((s.x - reach) / cell); a <= Math.floor((s.x + reach) / cell); a++)
        for (let b = Math.floor((s.y - reach) / cell); b <= Math.floor((s.y + reach) / cell); b++) {
          const k = `${a},${b}`;
          const list = this.cells.get(k);
          if (list) list.push(s);
          else this.cells.set(k, [s]);
        }
    }
  }
  /** The first masking star whose halo or spike holds (x, y), with which part. */
  find(x: number, y: number, self: (s: MaskStar) => boolean): { star: MaskStar; part: 'halo' | 'spike' } | null {
    for (const s of this.cells.get(`${Math.floor(x / this.cell)},${Math.floor(y / this.cell)}`) ?? []) {
      if (self(s)) continue;
      const part = maskHit(s, x, y);
      if (part) return { star: s, part };
    }
    return null;
  }
}

/** Gaia rows for the mask: a local file, else what the refit fetched, else none. */
async function maskGaiaRows(state: PipelineState, file: string | undefined): Promise<{ rows: CatalogRows; from: string } | null> {
  if (file) return { rows: await readLocalCatalog(CATALOGS.gaia, file), from: `--catalog gaia=${file}` };
  const pre = prefetchedGaia(state);
  return pre ? { rows: pre.rows, from: `${pre.source} rows of the Gaia refit` } : null;
}

export const brightStarMaskStage: Stage = {
  name: MASK_STAGE,
  inputs: (p) => ({ brightStar: p.catalogue.brightStarMask, gaia: p.catalogue.brightStarMask === 'off' ? null : (p.catalogue.localFiles.gaia ?? null) }),
  async run(state, ctx) {
    const mode = ctx.params.catalogue.brightStarMask;
    const table = state.red.sources;
    const before = table.aliveCount();
    const from = table.ledger.length;
    if (mode === 'off') return { state, count: { input: before, output: before, dropped: {}, skipped: '--bright-star-mask off' } };
    const own = await saturatedStars(state.red, state.mode === 'red+blue');
    const gaia = await maskGaiaRows(state, ctx.params.catalogue.localFiles.gaia);
    const fromGaia = gaia ? gaiaStars(state.red, gaia.rows) : [];
    const index = new MaskIndex([...own, ...fromGaia]);
    const scale = state.red.info.pixelScaleArcsec;
    for (const i of table.aliveIndices()) {
      const x = table.floats.x[i], y = table.floats.y[i];
      // A saturated source does not mask itself (its own centre lies in its halo).
      const hit = index.find(x, y, (s) => s.x === x && s.y === y);
      if (!hit) continue;
      const s = hit.star;
      const d = Math.hypot(x - s.x, y - s.y);
      const size = hit.part === 'halo' ? `halo radius ${(s.haloRadiusPx * scale).toFixed(0)}"` : `spike ${(s.spikeLengthPx * scale).toFixed(0)}" long`;
      table.append(i, {
        stage: MASK_STAGE,
        reason: BRIGHT_STAR_REASON,
        dropped: mode === 'drop',
        detail: `on the ${hit.part} of ${s.label} at (${s.x.toFixed(1)}, ${s.y.toFixed(1)}), ${(d * scale).toFixed(1)}" away (${size})`,
        distanceArcsec: d * scale,
      });
    }
    const note =
      `bright-star mask (${mode}): ${own.length} saturated star(s) on the red plate` +
      (gaia ? `, ${fromGaia.length} Gaia star(s) with G <= ${GAIA_MAG_LIMIT} (${gaia.from})` : ', no Gaia rows (the plate\'s own saturated stars only)');
    ctx.log?.(note);
    return { state: { ...state, notes: [...state.notes, note] }, count: ledgerCount(table, MASK_STAGE, from, before) };
  },
};

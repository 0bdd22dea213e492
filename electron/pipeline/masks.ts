/**
 * The bright-star mask: a saturated star on a Schmidt plate throws
 * diffraction spikes along the plate axes (the plate holder's vanes) and a
 * halo round it; knots on them are detected as compact sources with no blue
 * counterpart, i.e. as false vanishing sources. Candidates on a spike or in
 * a halo are dropped or flagged (--bright-star-mask drop|flag|off) with the
 * star that masked them in the ledger (`mask/bright-star`).
 *
 * The masking stars are the red plate's own saturated sources (SExtractor
 * FLAGS bit 4, or a peak at the plate's ceiling), each sized from its own
 * light on the plate (measureStarLight), and, when Gaia rows are at hand
 * (--catalog gaia=FILE, or the rows the Gaia refit fetched), Gaia stars
 * brighter than GAIA_MAG_LIMIT that are not one of those, sized by magnitude
 * (scaled to the measured stars when enough of them have a Gaia magnitude).
 * Pixel positions are FITS 1-based on the red plate.
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
 * Sizes of a saturated star's mask, from its own light on the plate
 * (measureStarLight): the spikes reach where a strip along a plate axis falls
 * to SPIKE_SIGMAS of the sky's noise, the halo where the azimuthal median
 * falls to HALO_SIGMAS; the mask is a margin times that plus MARGIN_PX, since
 * the faint end goes on below what can be measured: SPIKE_MARGIN for a spike
 * (fading slowly along its length, it is measured well short of its end),
 * less for a halo, which falls off steeply (a halo ring is measured to its
 * outer edge; a wider margin would mostly take sources beside it).
 * The sky is read in the annulus SKY_INNER_PX-SKY_OUTER_PX round the star;
 * halos are looked for out to HALO_SEARCH_PX[0], and when the halo or the
 * spikes reach that, again out to HALO_SEARCH_PX[1] (most saturated stars are
 * small: the first search reads a tenth of the pixels); spikes out to
 * SPIKE_SEARCH_PX.
 */
const SPIKE_SIGMAS = 0.5;
const HALO_SIGMAS = 1;
const SPIKE_MARGIN = 1.5;
const HALO_MARGIN = 1.2;
const MARGIN_PX = 4;
const HALO_SEARCH_PX = [30, 100];
const SKY_INNER_PX = 110;
const SKY_OUTER_PX = 160;
const SKY_STEP = 4;
const SPIKE_SEARCH_PX = 600;
/** The spike strip: this many px across (its mean), a running median over SPIKE_RUN px along (stars crossing it ignored). */
const SPIKE_ACROSS_HALF = 1;
const SPIKE_RUN = 21;
/** A spike has ended once its strip stays below the threshold this many px running. */
const SPIKE_GAP = 12;
const SPIKE_HALF_WIDTH_PX = 4;
/** Saturated stars are measured in bands of this many rows (each read whole, with SPIKE_SEARCH_PX rows either side). */
const BAND_ROWS = 512;
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
  /** How the sizes were got, for the ledger. */
  how: string;
  /** A Gaia star's G magnitude. */
  gaiaMag?: number;
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

/** A saturated star's light as measured on the plate (pixels). */
export interface StarLight {
  sky: number;
  /** The sky's pixel noise (1.4826 x MAD in the sky annulus). */
  skySigma: number;
  /** Outermost 2 px annulus whose median is still HALO_SIGMAS above the sky. */
  haloPx: number;
  /** Where each plate-axis strip (+x, -x, +y, -y) falls to SPIKE_SIGMAS; the spike is their median. */
  armsPx: number[];
  spikePx: number;
}

/** The k-th smallest of v[0..n) (Hoare's selection; reorders v). */
function select(v: Float64Array, n: number, k: number): number {
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

let scratch = new Float64Array(4096);

/** Median of the values (NaN if none), by selection in a scratch copy: tens of thousands a star. */
function medianOf(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (scratch.length < n) scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) scratch[i] = values[i];
  const upper = select(scratch, n, n >> 1);
  if (n % 2) return upper;
  let lower = -Infinity; // the largest below the upper middle, all of them now left of it
  for (let i = 0; i < n >> 1; i++) if (scratch[i] > lower) lower = scratch[i];
  return (lower + upper) / 2;
}

const PLATE_AXES: [number, number][] = [[1, 0], [-1, 0], [0, 1], [0, -1]];

/**
 * How far a star's light reaches, from the pixels round it: `at(ix, iy)`
 * gives pixel (ix, iy) (FITS 1-based), NaN where not read or off the image.
 * Sky and noise from the annulus SKY_INNER_PX-SKY_OUTER_PX (every
 * SKY_STEP-th row and column); the halo is the outermost annulus (2 px
 * wide, looked for out to the search, gaps allowed: a halo ring stands apart
 * from the star's wings; searched again farther if it reaches it) whose median is
 * HALO_SIGMAS above the sky; each spike arm is walked outward along a plate
 * axis (the mean of a strip 3 px across less the halo's azimuthal median at
 * that radius, a running median of SPIKE_RUN px along) from the halo's edge
 * until it stays below SPIKE_SIGMAS for SPIKE_GAP px.
 */
export function measureStarLight(x: number, y: number, at: (ix: number, iy: number) => number): StarLight {
  // The sky well outside any halo searched for, on every SKY_STEP-th row and column (a few thousand pixels).
  const cx = Math.round(x), cy = Math.round(y);
  const skyPx: number[] = [];
  for (let iy = cy - SKY_OUTER_PX; iy <= cy + SKY_OUTER_PX; iy += SKY_STEP)
    for (let ix = cx - SKY_OUTER_PX; ix <= cx + SKY_OUTER_PX; ix += SKY_STEP) {
      const d = Math.sqrt((ix - x) * (ix - x) + (iy - y) * (iy - y));
      const v = d >= SKY_INNER_PX && d <= SKY_OUTER_PX ? at(ix, iy) : NaN;
      if (!Number.isNaN(v)) skyPx.push(v);
    }
  const sky = medianOf(skyPx);
  const skySigma = 1.4826 * medianOf(skyPx.map((v) => Math.abs(v - sky)));
  const near = measureWithin(x, y, at, sky, skySigma, HALO_SEARCH_PX[0]);
  // Searched farther when the halo or a spike reaches past the first search: a star that bright may have a halo ring standing apart.
  const small = near.haloPx < HALO_SEARCH_PX[0] && near.spikePx < HALO_SEARCH_PX[0];
  return small ? near : measureWithin(x, y, at, sky, skySigma, HALO_SEARCH_PX[1]);
}

function measureWithin(x: number, y: number, at: (ix: number, iy: number) => number, sky: number, skySigma: number, search: number): StarLight {
  const cx = Math.round(x), cy = Math.round(y);
  const reach = search + 2; // every pixel nearer than search + 2
  const side = 2 * reach + 1;
  // Each pixel within the search by 1 px ring (the floor of its distance).
  const value = new Float64Array(side * side), bin = new Int16Array(side * side);
  const count = new Int32Array(search + 3);
  let n = 0;
  for (let iy = cy - reach; iy <= cy + reach; iy++)
    for (let ix = cx - reach; ix <= cx + reach; ix++) {
      const d = Math.sqrt((ix - x) * (ix - x) + (iy - y) * (iy - y));
      if (d >= search + 2) continue;
      const v = at(ix, iy);
      if (Number.isNaN(v)) continue;
      value[n] = v;
      bin[n++] = Math.floor(d);
      count[Math.floor(d) + 1]++;
    }
  // Rings side by side in `grouped`: ring r holds [start[r], start[r + 1]).
  const start = count;
  for (let r = 1; r < start.length; r++) start[r] += start[r - 1];
  const grouped = new Float64Array(n), fill = start.slice();
  for (let k = 0; k < n; k++) grouped[fill[bin[k]]++] = value[k];
  const ringMedian = (r0: number, r1: number) => medianOf(grouped.subarray(start[r0], start[r1 + 1]));
  let haloPx = 0;
  // The halo's level at each radius (above the sky), which the spike strips stand on.
  const haloLevel = Array.from({ length: search + 2 }, (_, r) => (start[r + 1] - start[r] >= 4 ? ringMedian(r, r) - sky : 0));
  for (let r = 1; r <= search; r++)
    if (start[r + 2] - start[r] >= 8 && ringMedian(r, r + 1) - sky >= HALO_SIGMAS * skySigma) haloPx = r + 1;
  const armsPx = PLATE_AXES.map(([dx, dy]) => {
    const strip: number[] = [];
    for (let t = 1; t <= SPIKE_SEARCH_PX; t++) {
      const across: number[] = [];
      for (let a = -SPIKE_ACROSS_HALF; a <= SPIKE_ACROSS_HALF; a++) {
        const v = at(cx + dx * t + dy * a, cy + dy * t + dx * a);
        if (!Number.isNaN(v)) across.push(v);
      }
      if (across.length === 0) break; // off the image or past what was read
      strip.push(across.reduce((p, q) => p + q, 0) / across.length - sky - (haloLevel[t] ?? 0));
    }
    const half = SPIKE_RUN >> 1;
    // Inside the halo the spike stands on the star's own light (flat where saturated): it counts as reached.
    let end = Math.min(haloPx, strip.length);
    for (let t = end + 1; t <= strip.length && t - end <= SPIKE_GAP; t++) {
      const level = medianOf(strip.slice(Math.max(0, t - 1 - half), t + half));
      if (level >= SPIKE_SIGMAS * skySigma) end = t;
    }
    return end;
  });
  const sorted = [...armsPx].sort((p, q) => p - q);
  return { sky, skySigma, haloPx, armsPx, spikePx: (sorted[1] + sorted[2]) / 2 };
}

/** A masking star sized from its measured light, with the ledger's account of how. */
export function measuredMaskStar(x: number, y: number, extentPx: number, light: StarLight, label: string): MaskStar {
  // The halo at least covers the star's own image (its isophotal half-extent).
  const halo = Math.max(extentPx, HALO_MARGIN * light.haloPx + MARGIN_PX);
  const spike = Math.min(SPIKE_SEARCH_PX, Math.max(halo, SPIKE_MARGIN * light.spikePx + MARGIN_PX));
  return {
    x,
    y,
    haloRadiusPx: halo,
    spikeLengthPx: spike,
    spikeHalfWidthPx: Math.max(SPIKE_HALF_WIDTH_PX, 0.25 * extentPx),
    label,
    how:
      `halo measured ${light.haloPx} px to ${HALO_SIGMAS}σ of the sky${light.haloPx > HALO_SEARCH_PX[1] ? ' (its search limit: more in truth; the sky read too high)' : ''} (x${HALO_MARGIN} + ${MARGIN_PX} px), ` +
      `spikes ${light.spikePx} px to ${SPIKE_SIGMAS}σ (arms ${light.armsPx.join('/')} px; x${SPIKE_MARGIN} + ${MARGIN_PX} px)`,
  };
}

/**
 * The masking stars from the red plate's own saturated sources, each sized
 * from its own light on the plate. With a blue plate only those already
 * dropped (persistent stars, found on blue) mask: a saturated source still
 * standing as a candidate is itself in question (a bright transient is the
 * very thing sought), and must not mask its neighbours.
 */
export async function saturatedStars(plate: PlateState, onlyDropped: boolean): Promise<{ stars: MaskStar[]; saturated: number }> {
  const t = plate.sources;
  const { naxis1: w, naxis2: h } = plate.info;
  const saturated = (await saturatedSources(plate)).filter((i) => !(onlyDropped && t.isAlive(i)));
  const extentOf = (i: number) => Math.max(t.ints.xmax[i] - t.ints.xmin[i] + 1, t.ints.ymax[i] - t.ints.ymin[i] + 1) / 2;
  // Only a star whose largest possible mask reaches a source still standing can mask anything: on a full
  // plate that is a few of thousands (measuring every one took 25 s and 200 MB of pixel bands).
  const alive = t.aliveIndices();
  const chosen = saturated.filter((i) => {
    const largest = largestMask(t.floats.x[i], t.floats.y[i], extentOf(i));
    return alive.some((j) => j !== i && maskHit(largest, t.floats.x[j], t.floats.y[j]) !== null);
  });
  const out: MaskStar[] = [];
  const byRow = [...chosen].sort((a, b) => t.floats.y[a] - t.floats.y[b]);
  const fits = await FitsFile.open(plate.file);
  const px = fits.pixelReader(plate.hdu);
  try {
    for (let k = 0; k < byRow.length; ) {
      // A band of stars, read with every row their windows and vertical spikes can reach.
      const first = t.floats.y[byRow[k]];
      let end = k;
      while (end < byRow.length && t.floats.y[byRow[end]] - first < BAND_ROWS) end++;
      const y1 = Math.max(1, Math.round(first) - SPIKE_SEARCH_PX - 1);
      const y2 = Math.min(h, Math.round(t.floats.y[byRow[end - 1]]) + SPIKE_SEARCH_PX + 1);
      // Kept as stored (16 bits a pixel on a plate scan, not 32) and decoded pixel by pixel: the measurement
      // reads a small part of a band that reaches 1200 rows past its stars.
      const band = await fits.readRawRows(y1, y2 - y1 + 1, plate.hdu);
      const at = (ix: number, iy: number) => (ix >= 1 && ix <= w && iy >= y1 && iy <= y2 ? px.read(band, ((iy - y1) * w + ix - 1) * px.bytesPerPixel) : NaN);
      for (; k < end; k++) {
        const i = byRow[k];
        const light = measureStarLight(t.floats.x[i], t.floats.y[i], at);
        out.push(measuredMaskStar(t.floats.x[i], t.floats.y[i], extentOf(i), light, `saturated source ${t.ints.id[i]}`));
      }
    }
  } finally {
    await fits.close();
  }
  return { stars: out, saturated: saturated.length };
}

/** The largest mask measuredMaskStar can give a star of this extent (its halo and spike searches bound it). */
export function largestMask(x: number, y: number, extentPx: number): MaskStar {
  const halo = Math.max(extentPx, HALO_MARGIN * (HALO_SEARCH_PX[1] + 1) + MARGIN_PX);
  return { x, y, haloRadiusPx: halo, spikeLengthPx: Math.max(halo, SPIKE_SEARCH_PX), spikeHalfWidthPx: Math.max(SPIKE_HALF_WIDTH_PX, 0.25 * extentPx), label: '', how: '' };
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
      how: `sized by magnitude`,
      gaiaMag: rows.mag[row],
    });
  });
  return out;
}

/** A Gaia star this close to a measured saturated star is that star, pixels. */
const SAME_STAR_PX = 5;
/** Measured stars with a Gaia magnitude needed before the Gaia sizes are scaled to them. */
const MIN_STARS_TO_SCALE = 3;

/**
 * The Gaia stars that add to the measured ones: those at a measured star's
 * place are that star (its measured size stands); the rest keep sizes by
 * magnitude, scaled (halo and spike apart, by the median ratio) to agree with
 * the measured stars when at least MIN_STARS_TO_SCALE of those have a Gaia
 * magnitude. Says what was done, for the stage note.
 */
export function gaiaOnlyStars(measured: MaskStar[], gaia: MaskStar[]): { stars: MaskStar[]; note: string } {
  const halo: number[] = [], spike: number[] = [];
  const only = gaia.filter((g) => {
    const same = measured.find((m) => Math.hypot(m.x - g.x, m.y - g.y) <= SAME_STAR_PX);
    if (same) {
      halo.push(same.haloRadiusPx / g.haloRadiusPx);
      spike.push(same.spikeLengthPx / g.spikeLengthPx);
    }
    return !same;
  });
  if (halo.length < MIN_STARS_TO_SCALE) {
    const note = `Gaia stars sized by magnitude (${halo.length} measured saturated star(s) with a Gaia magnitude, ${MIN_STARS_TO_SCALE} needed to scale them)`;
    return { stars: only, note };
  }
  const kh = medianOf(halo), ks = medianOf(spike);
  const how = `sized by magnitude, scaled x${kh.toFixed(2)} (halo) and x${ks.toFixed(2)} (spike) to the plate's ${halo.length} measured saturated stars`;
  const stars = only.map((g) => {
    const haloPx = g.haloRadiusPx * kh;
    return { ...g, haloRadiusPx: haloPx, spikeLengthPx: Math.max(haloPx, g.spikeLengthPx * ks), spikeHalfWidthPx: Math.max(SPIKE_HALF_WIDTH_PX, 0.1 * haloPx), how };
  });
  return { stars, note: `Gaia stars ${how}` };
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

/** " (halos 12-20", spikes 30-61")": the sizes' range, arcsec, for the stage note. */
function sizeRange(stars: MaskStar[], scale: number): string {
  if (stars.length === 0) return '';
  const range = (v: number[]) => `${(Math.min(...v) * scale).toFixed(0)}-${(Math.max(...v) * scale).toFixed(0)}"`;
  return ` (halos ${range(stars.map((s) => s.haloRadiusPx))}, spikes ${range(stars.map((s) => s.spikeLengthPx))})`;
}

/** Stars listed one by one in the note (the largest masks first). */
const LISTED_STARS = 12;

/** "bright-star mask sizes: saturated source 12 at (x, y) halo 20" spikes 40" (...); ...": each measured star's mask and how it was got, for review. */
function starSizes(stars: MaskStar[], scale: number): string | null {
  if (stars.length === 0) return null;
  const largest = [...stars].sort((a, b) => b.spikeLengthPx - a.spikeLengthPx).slice(0, LISTED_STARS);
  const each = largest.map((s) => `${s.label} at (${s.x.toFixed(2)}, ${s.y.toFixed(2)}) halo ${(s.haloRadiusPx * scale).toFixed(1)}", spikes ${(s.spikeLengthPx * scale).toFixed(1)}" (${s.how})`);
  return `bright-star mask sizes: ${each.join('; ')}${stars.length > LISTED_STARS ? `; and ${stars.length - LISTED_STARS} smaller` : ''}`;
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
    const { stars: own, saturated } = await saturatedStars(state.red, state.mode === 'red+blue');
    const gaia = await maskGaiaRows(state, ctx.params.catalogue.localFiles.gaia);
    const gaiaPart = gaia ? gaiaOnlyStars(own, gaiaStars(state.red, gaia.rows)) : null;
    const fromGaia = gaiaPart?.stars ?? [];
    const index = new MaskIndex([...own, ...fromGaia]);
    const scale = state.red.info.pixelScaleArcsec;
    for (const i of table.aliveIndices()) {
      const x = table.floats.x[i], y = table.floats.y[i];
      // A saturated source does not mask itself (its own centre lies in its halo).
      const hit = index.find(x, y, (s) => s.x === x && s.y === y);
      if (!hit) continue;
      const s = hit.star;
      const d = Math.hypot(x - s.x, y - s.y);
      const size = `halo radius ${(s.haloRadiusPx * scale).toFixed(1)}", spikes ${(s.spikeLengthPx * scale).toFixed(1)}" long: ${s.how}`;
      table.append(i, {
        stage: MASK_STAGE,
        reason: BRIGHT_STAR_REASON,
        dropped: mode === 'drop',
        detail: `on the ${hit.part} of ${s.label} at (${s.x.toFixed(1)}, ${s.y.toFixed(1)}), ${(d * scale).toFixed(1)}" away (${size})`,
        distanceArcsec: d * scale,
      });
    }
    const note =
      `bright-star mask (${mode}): ${saturated} saturated star(s) on the red plate, ${own.length} of them near enough a standing source to mask it,` +
      ` sized from their own light${sizeRange(own, scale)}` +
      (gaia ? `, ${fromGaia.length} Gaia star(s) with G <= ${GAIA_MAG_LIMIT} (${gaia.from}) not at a saturated star's place; ${gaiaPart!.note}` : ', no Gaia rows (the plate\'s own saturated stars only)');
    ctx.log?.(note);
    const sizes = starSizes(own, scale);
    return { state: { ...state, notes: [...state.notes, note, ...(sizes ? [sizes] : [])] }, count: ledgerCount(table, MASK_STAGE, from, before) };
  },
};

/**
 * Morphology filters of Solano et al. (2022) as reproduced in the reference
 * method. Every source is tested against every cut and keeps every reason it
 * fails (one LedgerEntry each), not just the first.
 */
import { parameterDefault as d } from './parameter-schema';
import type { LedgerEntry, TrackedSource } from './types';

export interface MadParams {
  /** Off by default: the reference found it removes real transients (outliers by nature). */
  enabled: boolean;
  /** Drop beyond this many robust sigmas (1.4826 MAD) from the cell median. */
  sigma: number;
  /** Side of the square cells the median and MAD are computed in. */
  cellArcmin: number;
  /** Below this many reference sources a cell uses the whole plate's statistics. */
  minSourcesPerCell: number;
}

export interface FilterParams {
  /** FLAGS bits that are tolerated; 0 = the reference FLAGS = 0. */
  allowedFlags: number;
  /** Keep SPREAD_MODEL > this (reference -0.01; published -0.002). */
  spreadModelMin: number;
  /** FWHM range in pixels at `referencePixelScaleArcsec`; scaled to each plate's pixels. */
  fwhmMinPx: number;
  fwhmMaxPx: number;
  referencePixelScaleArcsec: number;
  /** Keep ELONGATION < this. */
  elongationMax: number;
  /** Keep |(xmax-xmin)-(ymax-ymin)| < this, pixels. */
  symmetryMaxPx: number;
  /** Keep FLUX_AUTO / FLUXERR_AUTO >= this. */
  snrMin: number;
  /** Drop sources farther than this (degrees) from the plate centre; 0 = no cut (plate-edge.ts applies it). */
  maxCentreDeg: number;
  mad: MadParams;
}

export const DEFAULT_FILTERS: FilterParams = {
  allowedFlags: 0,
  spreadModelMin: d('filters.spreadModelMin'),
  fwhmMinPx: d('filters.fwhmMinPx'),
  fwhmMaxPx: d('filters.fwhmMaxPx'),
  referencePixelScaleArcsec: 1.7,
  elongationMax: d('filters.elongationMax'),
  symmetryMaxPx: d('filters.symmetryMaxPx'),
  snrMin: d('filters.snrMin'),
  maxCentreDeg: d('filters.maxCentreDeg'),
  mad: { enabled: d('filters.mad.enabled'), sigma: 2, cellArcmin: 30, minSourcesPerCell: 10 },
};

export interface PlateGeometry {
  pixelScaleArcsec: number;
}

export const FILTER_STAGE = 'filters';

const FLAG_NAMES: Record<number, string> = {
  1: 'neighbours or bad pixels',
  2: 'deblended',
  4: 'saturated',
  8: 'truncated at the image edge',
  16: 'aperture incomplete',
  32: 'isophote incomplete',
  64: 'deblending memory overflow',
  128: 'extraction memory overflow',
};

function describeFlags(flags: number): string {
  const names: string[] = [];
  for (let bit = 1; bit <= 128; bit <<= 1) if (flags & bit) names.push(FLAG_NAMES[bit]);
  return names.join(', ');
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)).toString() : String(v));

/** FWHM limits in this plate's pixels: the reference limits are for 1.7"/px scans. */
export function fwhmLimitsPx(params: FilterParams, plate: PlateGeometry): [number, number] {
  const scale = params.referencePixelScaleArcsec / plate.pixelScaleArcsec;
  return [params.fwhmMinPx * scale, params.fwhmMaxPx * scale];
}

/** Every hard cut the source fails (not MAD), as ledger entries. */
export function hardCutFailures(s: TrackedSource, params: FilterParams, plate: PlateGeometry, stage = FILTER_STAGE): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  const fail = (reason: string, detail: string) => out.push({ stage, reason, dropped: true, detail });

  const badFlags = s.flags & ~params.allowedFlags;
  if (badFlags !== 0) fail('flags', `FLAGS ${s.flags} (${describeFlags(badFlags)})`);

  if (s.spreadModel === null || !Number.isFinite(s.spreadModel)) fail('spread_model', 'SPREAD_MODEL not measured');
  else if (!(s.spreadModel > params.spreadModelMin))
    fail('spread_model', `SPREAD_MODEL ${fmt(s.spreadModel, 4)} <= ${params.spreadModelMin}`);

  const [fmin, fmax] = fwhmLimitsPx(params, plate);
  if (!(s.fwhm >= fmin)) fail('fwhm', `FWHM ${fmt(s.fwhm, 1)} px < ${fmt(fmin)}`);
  else if (!(s.fwhm <= fmax)) fail('fwhm', `FWHM ${fmt(s.fwhm, 1)} px > ${fmt(fmax)}`);

  if (!(s.elongation < params.elongationMax))
    fail('elongation', `ELONGATION ${fmt(s.elongation)} >= ${params.elongationMax}`);

  const asym = Math.abs(s.xmax - s.xmin - (s.ymax - s.ymin));
  if (!(asym < params.symmetryMaxPx))
    fail('symmetry', `bounding box ${s.xmax - s.xmin + 1}x${s.ymax - s.ymin + 1} px, |dx-dy| ${asym} >= ${params.symmetryMaxPx}`);

  if (!(s.snr >= params.snrMin)) fail('snr', `SNR ${fmt(s.snr, 1)} < ${params.snrMin}`);
  return out;
}

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

interface RobustStats { median: number; sigma: number }

function robust(values: number[]): RobustStats {
  const med = median(values);
  return { median: med, sigma: 1.4826 * median(values.map((v) => Math.abs(v - med))) };
}

/**
 * Local MAD clipping: in square cells of `cellArcmin`, the median and MAD of
 * FWHM and ELONGATION of the sources that pass the hard cuts (the stellar
 * population); a source beyond `sigma` robust sigmas of its cell fails.
 */
function madFailures(
  sources: TrackedSource[],
  passedHard: boolean[],
  params: FilterParams,
  plate: PlateGeometry,
  stage: string,
): LedgerEntry[][] {
  const cellPx = (params.mad.cellArcmin * 60) / plate.pixelScaleArcsec;
  const cellOf = (s: TrackedSource) => `${Math.floor((s.x - 0.5) / cellPx)},${Math.floor((s.y - 0.5) / cellPx)}`;
  const refs = new Map<string, TrackedSource[]>();
  const all: TrackedSource[] = [];
  sources.forEach((s, i) => {
    if (!passedHard[i]) return;
    all.push(s);
    const key = cellOf(s);
    refs.set(key, [...(refs.get(key) ?? []), s]);
  });
  const plateStats = { fwhm: robust(all.map((s) => s.fwhm)), elong: robust(all.map((s) => s.elongation)) };
  const cellStats = new Map<string, typeof plateStats>();
  for (const [key, list] of refs) {
    if (list.length >= params.mad.minSourcesPerCell)
      cellStats.set(key, { fwhm: robust(list.map((s) => s.fwhm)), elong: robust(list.map((s) => s.elongation)) });
  }
  const k = params.mad.sigma;
  return sources.map((s) => {
    const st = cellStats.get(cellOf(s)) ?? plateStats;
    const out: LedgerEntry[] = [];
    const test = (reason: string, label: string, v: number, r: RobustStats) => {
      if (!(r.sigma > 0) || !Number.isFinite(v)) return;
      const dev = Math.abs(v - r.median) / r.sigma;
      if (dev > k)
        out.push({ stage, reason, dropped: true, detail: `${label} ${fmt(v)} is ${fmt(dev, 1)} sigma from the local median ${fmt(r.median)} (> ${k})` });
    };
    test('mad_fwhm', 'FWHM', s.fwhm, st.fwhm);
    test('mad_elongation', 'ELONGATION', s.elongation, st.elong);
    return out;
  });
}

/**
 * Test every source that is still alive; append each failure to its ledger.
 * Sources already dropped by an earlier stage are left as they are.
 */
export function applyFilters(sources: TrackedSource[], params: FilterParams, plate: PlateGeometry, stage = FILTER_STAGE): void {
  const alive = sources.filter((s) => !s.ledger.some((e) => e.dropped));
  const hard = alive.map((s) => hardCutFailures(s, params, plate, stage));
  const mad = params.mad.enabled ? madFailures(alive, hard.map((h) => h.length === 0), params, plate, stage) : null;
  alive.forEach((s, i) => {
    s.ledger.push(...hard[i]);
    if (mad) s.ledger.push(...mad[i]);
  });
}

/** Distance (pixels) from a FITS 1-based position to the nearest edge of a width x height image (edges at 0.5 and N + 0.5). */
export function edgeDistancePx(x: number, y: number, width: number, height: number): number {
  return Math.min(x - 0.5, y - 0.5, width + 0.5 - x, height + 0.5 - y);
}

/**
 * Record every source's distance to the image edge, and flag (keep) the alive
 * ones closer than `marginPx`, SExtractor's background mesh (BACK_SIZE): there
 * the background is extrapolated from the meshes inside and objects may be cut
 * by the edge, so a reviewer should look twice.
 */
export function flagNearEdge(sources: TrackedSource[], image: { naxis1: number; naxis2: number }, marginPx: number, stage = FILTER_STAGE): void {
  for (const s of sources) {
    const d = edgeDistancePx(s.x, s.y, image.naxis1, image.naxis2);
    s.edgeDistancePx = d;
    if (d < marginPx && !s.ledger.some((e) => e.dropped))
      s.ledger.push({ stage, reason: 'near_edge', dropped: false, detail: `${fmt(d, 1)} px from the image edge (< ${marginPx} px background mesh)` });
  }
}

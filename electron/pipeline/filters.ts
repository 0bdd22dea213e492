/**
 * Morphology filters of Solano et al. (2022) as reproduced in the reference
 * method. Every source is tested against every cut and keeps every reason it
 * fails (one LedgerEntry each), not just the first.
 */
import { parameterDefault as d } from './parameter-schema';
import type { SourceTable } from './source-table';
import type { LedgerEntry, Source } from './types';

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

/** The measures the hard cuts read (a Source has them). */
export type CutMeasures = Pick<Source, 'flags' | 'spreadModel' | 'fwhm' | 'elongation' | 'xmin' | 'xmax' | 'ymin' | 'ymax' | 'snr'>;

type Fail = (reason: string, detail: string) => void;

/**
 * The hard cuts (not MAD) on one source: how many it fails. With `fail`, each
 * failure is reported too (its detail is only made then, so counting a whole
 * plate makes no strings).
 */
function hardCuts(s: CutMeasures, params: FilterParams, [fmin, fmax]: [number, number], fail?: Fail): number {
  let n = 0;
  const badFlags = s.flags & ~params.allowedFlags;
  if (badFlags !== 0) {
    n++;
    fail?.('flags', `FLAGS ${s.flags} (${describeFlags(badFlags)})`);
  }
  if (s.spreadModel === null || !Number.isFinite(s.spreadModel)) {
    n++;
    fail?.('spread_model', 'SPREAD_MODEL not measured');
  } else if (!(s.spreadModel > params.spreadModelMin)) {
    n++;
    fail?.('spread_model', `SPREAD_MODEL ${fmt(s.spreadModel, 4)} <= ${params.spreadModelMin}`);
  }
  if (!(s.fwhm >= fmin)) {
    n++;
    fail?.('fwhm', `FWHM ${fmt(s.fwhm, 1)} px < ${fmt(fmin)}`);
  } else if (!(s.fwhm <= fmax)) {
    n++;
    fail?.('fwhm', `FWHM ${fmt(s.fwhm, 1)} px > ${fmt(fmax)}`);
  }
  if (!(s.elongation < params.elongationMax)) {
    n++;
    fail?.('elongation', `ELONGATION ${fmt(s.elongation)} >= ${params.elongationMax}`);
  }
  const asym = Math.abs(s.xmax - s.xmin - (s.ymax - s.ymin));
  if (!(asym < params.symmetryMaxPx)) {
    n++;
    fail?.('symmetry', `bounding box ${s.xmax - s.xmin + 1}x${s.ymax - s.ymin + 1} px, |dx-dy| ${asym} >= ${params.symmetryMaxPx}`);
  }
  if (!(s.snr >= params.snrMin)) {
    n++;
    fail?.('snr', `SNR ${fmt(s.snr, 1)} < ${params.snrMin}`);
  }
  return n;
}

/** Every hard cut the source fails (not MAD), as ledger entries. */
export function hardCutFailures(s: CutMeasures, params: FilterParams, plate: PlateGeometry, stage = FILTER_STAGE): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  hardCuts(s, params, fwhmLimitsPx(params, plate), (reason, detail) => out.push({ stage, reason, dropped: true, detail }));
  return out;
}

/** Source i's cut measures read from the columns into `m` (one object reused over a plate, not one per source). */
function readCutMeasures(t: SourceTable, i: number, m: CutMeasures): CutMeasures {
  m.flags = t.ints.flags[i];
  m.spreadModel = t.getOptional('spreadModel', i) ?? null;
  m.fwhm = t.floats.fwhm[i];
  m.elongation = t.floats.elongation[i];
  m.xmin = t.ints.xmin[i];
  m.xmax = t.ints.xmax[i];
  m.ymin = t.ints.ymin[i];
  m.ymax = t.ints.ymax[i];
  m.snr = t.floats.snr[i];
  return m;
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

/** Adds a stage's own entries for source i to those the filters made (before they are appended). */
export type EntryHook = (i: number, entries: LedgerEntry[]) => void;

/**
 * Local MAD clipping: in square cells of `cellArcmin`, the median and MAD of
 * FWHM and ELONGATION of the `reference` sources (those passing the hard
 * cuts: the stellar population); a source beyond `sigma` robust sigmas of its
 * cell fails. Returns the test of one source.
 */
function madTest(t: SourceTable, reference: number[], params: FilterParams, plate: PlateGeometry, stage: string): EntryHook {
  const { x, y, fwhm, elongation } = t.floats;
  const cellPx = (params.mad.cellArcmin * 60) / plate.pixelScaleArcsec;
  const cellOf = (i: number) => `${Math.floor((x[i] - 0.5) / cellPx)},${Math.floor((y[i] - 0.5) / cellPx)}`;
  const statsOf = (rows: number[]) => ({ fwhm: robust(rows.map((i) => fwhm[i])), elong: robust(rows.map((i) => elongation[i])) });
  const cells = new Map<string, number[]>();
  for (const i of reference) {
    const key = cellOf(i);
    let rows = cells.get(key);
    if (!rows) cells.set(key, (rows = []));
    rows.push(i);
  }
  const plateStats = statsOf(reference);
  const cellStats = new Map<string, typeof plateStats>();
  for (const [key, rows] of cells) if (rows.length >= params.mad.minSourcesPerCell) cellStats.set(key, statsOf(rows));
  const k = params.mad.sigma;
  return (i, out) => {
    const st = cellStats.get(cellOf(i)) ?? plateStats;
    const test = (reason: string, label: string, v: number, r: RobustStats) => {
      if (!(r.sigma > 0) || !Number.isFinite(v)) return;
      const dev = Math.abs(v - r.median) / r.sigma;
      if (dev > k)
        out.push({ stage, reason, dropped: true, detail: `${label} ${fmt(v)} is ${fmt(dev, 1)} sigma from the local median ${fmt(r.median)} (> ${k})` });
    };
    test('mad_fwhm', 'FWHM', fwhm[i], st.fwhm);
    test('mad_elongation', 'ELONGATION', elongation[i], st.elong);
  };
}

/**
 * Test every source of the table that is still alive, reading its columns,
 * and append every cut it fails to its ledger, source by source. `more` may
 * change or add to a source's entries before they are appended (the stage's
 * own notes: see filtersStage). Sources already dropped by an earlier stage
 * are left as they are.
 */
export function applyFilters(table: SourceTable, params: FilterParams, plate: PlateGeometry, stage = FILTER_STAGE, more?: EntryHook): void {
  const limits = fwhmLimitsPx(params, plate);
  const alive = table.aliveIndices();
  const m = {} as CutMeasures;
  const mad = params.mad.enabled
    ? madTest(table, alive.filter((i) => hardCuts(readCutMeasures(table, i, m), params, limits) === 0), params, plate, stage)
    : null;
  // One list reused: a source's entries exist only until they are appended.
  const entries: LedgerEntry[] = [];
  const fail: Fail = (reason, detail) => entries.push({ stage, reason, dropped: true, detail });
  for (const i of alive) {
    entries.length = 0;
    hardCuts(readCutMeasures(table, i, m), params, limits, fail);
    mad?.(i, entries);
    more?.(i, entries);
    for (const e of entries) table.append(i, e);
  }
}

/** Distance (pixels) from a FITS 1-based position to the nearest edge of a width x height image (edges at 0.5 and N + 0.5). */
export function edgeDistancePx(x: number, y: number, width: number, height: number): number {
  return Math.min(x - 0.5, y - 0.5, width + 0.5 - x, height + 0.5 - y);
}

/** Record every source's distance to the image edge, dropped or not. */
export function recordEdgeDistances(table: SourceTable, image: { naxis1: number; naxis2: number }): void {
  for (let i = 0; i < table.length; i++) table.setOptional('edgeDistancePx', i, edgeDistancePx(table.floats.x[i], table.floats.y[i], image.naxis1, image.naxis2));
}

/**
 * An EntryHook for applyFilters: flag (keep) source i when the filters kept it
 * and it lies closer than `marginPx` to the image edge, SExtractor's
 * background mesh (BACK_SIZE): there the background is extrapolated from the
 * meshes inside and objects may be cut by the edge, so a reviewer should look
 * twice.
 */
export function flagNearEdge(table: SourceTable, image: { naxis1: number; naxis2: number }, marginPx: number, stage = FILTER_STAGE): EntryHook {
  return (i, entries) => {
    if (entries.some((e) => e.dropped)) return;
    const d = edgeDistancePx(table.floats.x[i], table.floats.y[i], image.naxis1, image.naxis2);
    if (d < marginPx) entries.push({ stage, reason: 'near_edge', dropped: false, detail: `${fmt(d, 1)} px from the image edge (< ${marginPx} px background mesh)` });
  };
}

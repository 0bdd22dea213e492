/**
 * Run options (what a caller may give) and run parameters (every value the
 * run used, defaults filled in; recorded in summary.json and hashed into the
 * checkpoint keys).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_DETECTION, type DetectionSettings } from '../../native-tools/sextractor';
import { defaultCatalogs, type CatalogId } from '../catalogs/catalogs';
import type { SupercosmosRole } from '../catalogs/tap-catalogs';
import { DEFAULT_FILTERS, type FilterParams } from './filters';
import { parameterDefault as d } from './parameter-schema';
import { DEFAULT_RED_BLUE, type RedBlueParams } from './red-vs-blue';
import type { VetoMode } from './veto';

/**
 * fast: SPREAD_MODEL (SExtractor pass 2, ~10 ms a source) only for sources
 * that can still become or unmake a candidate; straightforward: for every
 * source, then all filters (the reference order). Same candidates on the same
 * tiles with the same PSF model; see extraction-stages.ts.
 */
export type ExtractionMode = 'fast' | 'straightforward';

export interface ExtractParams {
  mode: ExtractionMode;
  /** PSF stamps of every detection ('all', the reference) or of a lean sample of isolated bright stars. */
  psfSample: 'all' | 'lean';
  /** Side of a tile's core, pixels; 0 = the whole plate in one piece. Tiles change the answer slightly (background at seams). */
  tileSizePx: number;
  /** Pixels each tile extends beyond its core (rounded up to whole background meshes). */
  tileOverlapPx: number;
  detection: DetectionSettings;
  /** Polynomial degree of PSFEx's spatial PSF variation (reference: 2). */
  psfDegrees: number;
  /** FWHM range (pixels at 1.7"/px, scaled like the filters) of stars PSFEx may use. */
  psfFwhmRangePx: [number, number];
}

/** Defaults of each order: the straightforward one is the reference method (one piece, stamps of everything). */
export const EXTRACTION_DEFAULTS: Record<ExtractionMode, Pick<ExtractParams, 'psfSample' | 'tileSizePx' | 'tileOverlapPx'>> = {
  fast: { psfSample: d('extraction.psfSample'), tileSizePx: d('extraction.tileSizePx'), tileOverlapPx: d('extraction.tileOverlapPx') },
  straightforward: { psfSample: 'all', tileSizePx: 0, tileOverlapPx: d('extraction.tileOverlapPx') },
};

export const DEFAULT_EXTRACT: ExtractParams = {
  mode: d('extraction.mode'),
  ...EXTRACTION_DEFAULTS[d('extraction.mode')],
  detection: DEFAULT_DETECTION,
  psfDegrees: 2,
  psfFwhmRangePx: [1.5, 10],
};

/** The stages after red vs blue (catalogue-stages.ts): veto, asteroids, dec cut, dedup, scoring. */
export interface CatalogueParams {
  /** How the veto reaches the catalogues: CDS XMatch upload (default), VizieR cones, local files only, or none. */
  veto: VetoMode;
  catalogs: CatalogId[];
  /** --catalog NAME=FILE: offline catalogue files. */
  localFiles: Partial<Record<CatalogId, string>>;
  vetoRadiusArcsec: number;
  asteroidRadiusArcsec: number;
  /** Southern limit of the published catalogue. */
  decMin: number;
  dedupRadiusArcsec: number;
  /** Folder of earlier runs' candidates.csv for cross-plate dedup; null: off. */
  dedupDir: string | null;
  /** Published catalogue CSV to score against; null: no scoring. */
  vasco: string | null;
  /** Query cache; default DIR/cache. */
  cacheDir: string | null;
  /** SuperCOSMOS keeps the candidates its scan of the same plate confirms (published) or drops those on later plates. */
  supercosmosRole: SupercosmosRole;
  /** PTF objects veto with at least this many good observations. */
  ptfMinGoodObs: number;
  /** Refit each plate's solution to Gaia at the plate epoch (astrometry.ts). */
  gaiaRefit: 'on' | 'off';
  /** Candidates on bright stars' halos and spikes: dropped, flagged or left alone (masks.ts). */
  brightStarMask: 'drop' | 'flag' | 'off';
}

export const DEFAULT_CATALOGUE: CatalogueParams = {
  veto: d('catalogue.veto'),
  catalogs: defaultCatalogs(),
  localFiles: {},
  vetoRadiusArcsec: d('catalogue.vetoRadiusArcsec'),
  asteroidRadiusArcsec: d('catalogue.asteroidRadiusArcsec'),
  decMin: d('catalogue.decMin'),
  dedupRadiusArcsec: 5,
  dedupDir: null,
  vasco: null,
  cacheDir: null,
  supercosmosRole: d('catalogue.supercosmosRole'),
  ptfMinGoodObs: d('catalogue.ptfMinGoodObs'),
  gaiaRefit: d('catalogue.gaiaRefit'),
  brightStarMask: d('catalogue.brightStarMask'),
};

export interface RunOptions {
  /** Red plate (POSS-I E) FITS file. */
  red: string;
  /** Blue plate (POSS-I O) FITS file; without it the run is red-only. */
  blue?: string;
  /** Output folder DIR. */
  out: string;
  /** Ignore the blue plate even when given. */
  redOnly?: boolean;
  /** Use no network at all. */
  offline?: boolean;
  extraction?: Partial<Omit<ExtractParams, 'detection'>> & { detection?: Partial<DetectionSettings> };
  filters?: Partial<FilterParams>;
  redBlue?: Partial<RedBlueParams>;
  /** The stages after red vs blue: veto, asteroids, dec cut, dedup, scoring. */
  catalogue?: Partial<CatalogueParams>;
  /** Tool processes at once (tiles, red and blue); default the core count. Never changes the answer. */
  workers?: number;
  /** Resume from the last finished stage (default true); false starts fresh. */
  resume?: boolean;
  /** The command line, for summary.json. */
  command?: string[];
}

export interface RunParameters {
  red: string;
  blue: string | null;
  out: string;
  redOnly: boolean;
  offline: boolean;
  extraction: ExtractParams;
  filters: FilterParams;
  redBlue: RedBlueParams;
  catalogue: CatalogueParams;
  workers: number;
}

export function resolveParameters(o: RunOptions): RunParameters {
  return {
    red: resolve(o.red),
    blue: o.blue ? resolve(o.blue) : null,
    out: resolve(o.out),
    redOnly: o.redOnly ?? false,
    offline: o.offline ?? false,
    extraction: {
      ...DEFAULT_EXTRACT,
      ...EXTRACTION_DEFAULTS[o.extraction?.mode ?? DEFAULT_EXTRACT.mode],
      ...dropUndefined(o.extraction ?? {}),
      detection: { ...DEFAULT_EXTRACT.detection, ...o.extraction?.detection },
    },
    filters: { ...DEFAULT_FILTERS, ...o.filters, mad: { ...DEFAULT_FILTERS.mad, ...o.filters?.mad } },
    redBlue: { ...DEFAULT_RED_BLUE, ...o.redBlue },
    catalogue: {
      ...DEFAULT_CATALOGUE,
      ...o.catalogue,
      localFiles: Object.fromEntries(Object.entries(o.catalogue?.localFiles ?? {}).map(([k, v]) => [k, resolve(v as string)])),
      dedupDir: o.catalogue?.dedupDir ? resolve(o.catalogue.dedupDir) : null,
      vasco: o.catalogue?.vasco ? resolve(o.catalogue.vasco) : null,
      cacheDir: o.catalogue?.cacheDir ? resolve(o.catalogue.cacheDir) : null,
    },
    workers: o.workers ?? availableParallelism(),
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Run options (what a caller may give) and run parameters (every value the
 * run used, defaults filled in; recorded in summary.json and hashed into the
 * checkpoint keys).
 */
import { resolve } from 'node:path';
import { DEFAULT_DETECTION, type DetectionSettings } from '../../native-tools/sextractor';
import { DEFAULT_CATALOGUE, type CatalogueParams } from './catalogue-stages';
import { DEFAULT_FILTERS, type FilterParams } from './filters';
import { DEFAULT_RED_BLUE, type RedBlueParams } from './red-vs-blue';

export interface ExtractParams {
  detection: DetectionSettings;
  /** Polynomial degree of PSFEx's spatial PSF variation (reference: 2). */
  psfDegrees: number;
  /** FWHM range (pixels at 1.7"/px, scaled like the filters) of stars PSFEx may use. */
  psfFwhmRangePx: [number, number];
}

export const DEFAULT_EXTRACT: ExtractParams = {
  detection: DEFAULT_DETECTION,
  psfDegrees: 2,
  psfFwhmRangePx: [1.5, 10],
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
  /** Parallel workers (used by the tiled extraction of a later version; recorded now). */
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
      ...o.extraction,
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
    workers: o.workers ?? 1,
  };
}

/**
 * The shapes every part of the pipeline exchanges. Pixel positions are FITS
 * 1-based; angles are degrees unless a name ends in Arcsec.
 *
 * Owned by the pipeline core; other parts may add optional fields, never change
 * or remove existing ones.
 */
import type { PlateInfo } from '../astro/plate-info';
import type { RefitResult, ResidualStats } from '../astro/gaia-refit';

// Shapes that belong to lower layers, re-exported so the pipeline's users find every shape here.
export type { HeaderValue, HeaderValues } from '../fits/header';
export type { Band, PlateInfo } from '../astro/plate-info';

/** One source measured by SExtractor, with our sky position. */
export interface Source {
  /** SExtractor NUMBER, unique within one plate's extraction. */
  id: number;
  /** Windowed centroid, FITS 1-based pixels. */
  x: number;
  y: number;
  ra: number;
  dec: number;
  flux: number;
  fluxErr: number;
  mag: number;
  magErr: number;
  snr: number;
  fwhm: number;
  elongation: number;
  flags: number;
  /** null when pass 2 was not run for this source (red-only shortcuts etc.). */
  spreadModel: number | null;
  spreadModelErr: number | null;
  /** Bounding box, FITS 1-based pixels inclusive. */
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
  classStar?: number;
  background?: number;
}

/**
 * Why a source left the candidate list, or a note that leaves it in. Every
 * stage appends here; nothing is removed silently.
 */
export interface LedgerEntry {
  /** Stage name, e.g. "filters", "red-vs-blue", "veto", "asteroids", "dedup". */
  stage: string;
  /** Short machine-readable reason, e.g. "fwhm", "spread_model", "blue_match", "gaia". */
  reason: string;
  /** true: the source was dropped here. false: flagged, kept. */
  dropped: boolean;
  /** Human-readable detail, e.g. "FWHM 8.3 px > 7". */
  detail?: string;
  /** Distance to the counterpart, when the reason is a match. */
  distanceArcsec?: number;
  /** Counterpart identifier / magnitude, when known. */
  counterpart?: string;
  counterpartMag?: number;
  /** Counterpart position (degrees; catalogues with proper motion: at the plate epoch). */
  counterpartRa?: number;
  counterpartDec?: number;
}

/**
 * The blue plate's nearest detection of any kind to a red source, whether or
 * not it passed the filters: why a red source without a *filtered* blue
 * counterpart may still be a star seen on blue.
 */
export interface BlueDetection {
  /** SExtractor NUMBER on the blue plate. */
  id: number;
  distanceArcsec: number;
  ra: number;
  dec: number;
  /** Blue plate pixel, FITS 1-based. */
  x: number;
  y: number;
  mag: number;
  snr: number;
  fwhm: number;
  /** The filter cuts it failed (ledger reasons, e.g. "snr", "flags"); empty when it passed them all. */
  failedCuts: string[];
}

/** A red source carried through the stages with its ledger. */
export interface TrackedSource extends Source {
  ledger: LedgerEntry[];
  /** Nearest filtered blue source, when a blue plate was used. */
  nearestBlueArcsec?: number | null;
  /** Nearest blue detection of any kind within the nearest-blue search radius (null: none), when a blue plate was used. */
  nearestBlueDetection?: BlueDetection | null;
  /** Distance from the centroid to the nearest edge of the red image, pixels. */
  edgeDistancePx?: number;
  /** Degrees from the plate's centre (the DSS plate centre when the header has one, else the image centre); plate-edge.ts. */
  centreDistanceDeg?: number;
  /** Degrees on the sky to the nearest edge of the red image; plate-edge.ts. */
  edgeDistanceDeg?: number;
}

export interface StageCount {
  name: string;
  input: number;
  output: number;
  /** Dropped counts per reason. */
  dropped: Record<string, number>;
  /** Flagged-but-kept counts per reason. */
  flagged?: Record<string, number>;
  /** A stage that works on both plates counts the red sources above and the blue ones here: never one sum of both. */
  blue?: { input: number; output: number };
  seconds: number;
  /** Set when the stage did not run, saying why (e.g. "offline: no catalogue files"). */
  skipped?: string;
  /** true when this run took the stage's result from a checkpoint of an earlier, interrupted run. */
  fromCheckpoint?: boolean;
}

/** Contents of DIR/summary.json. */
export interface RunSummary {
  app: { name: string; version: string };
  startedUtc: string;
  finishedUtc: string;
  command: string[];
  /**
   * Digest of everything the result depends on: the plates' content, every
   * stage's parameters and the files they name, the tool versions (not the
   * worker count). A run with the same runKey in the same folder is the same run.
   */
  runKey?: string;
  parameters: Record<string, unknown>;
  tools: Record<string, string>;
  mode: 'red+blue' | 'red-only';
  /** Why red-only, when it is. */
  modeReason?: string;
  plates: { red: PlateSummary; blue?: PlateSummary };
  stages: StageCount[];
  candidates: number;
  notes: string[];
  /** Recall, precision and F1 against the published catalogue (--vasco FILE). */
  score?: ScoreResult;
  /** red+blue: how much of the red plate the blue one covers (see red-vs-blue.ts). */
  blueCoverage?: BlueCoverage;
  /** The published-source audit (--vasco FILE; published-audit.ts): the counts; the rows are in DIR/published.csv. */
  published?: PublishedAuditSummary;
  /** The Gaia refit of the plate solutions: residuals before and after, per plate and tile, or why not (astrometry.ts). */
  astrometry?: AstrometrySummary;
}

/** One published source in the audit (a row of DIR/published.csv). */
export interface PublishedAuditRow {
  /** The published row's identifier (its row number when the file has no id column). */
  id: string;
  /** As published, degrees. */
  ra: number;
  dec: number;
  /** 'candidate', 'not-detected', or STAGE/REASON of the ledger entry that dropped the matched red source. */
  stage: string;
  /** That ledger entry's detail. */
  detail?: string;
  /** SExtractor NUMBER of the matched red source (a candidate within the radius, else the nearest red source), null when none is near. */
  sourceId: number | null;
  separationArcsec: number | null;
  /** The nearest blue detection of any kind (null: none within the search radius, or red-only). */
  blueDetectionId: number | null;
  blueDetectionArcsec: number | null;
  blueDetectionMag: number | null;
}

/** The audit's part of summary.json. */
export interface PublishedAuditSummary {
  file: string;
  format: 'csv' | 'votable';
  /** The file's columns used, as it names them (id null: rows numbered; plate null: chosen by footprint). */
  columns: { ra: string; dec: string; id: string | null; plate: string | null };
  selection: string;
  matchRadiusArcsec: number;
  nearestRedSearchArcsec: number;
  blueSearchArcsec: number | null;
  /** Published sources on the plate (distinct positions). */
  sources: number;
  /** Sources per stage value, most frequent first. */
  buckets: Record<string, number>;
  /** Sources with a red source within the match radius, and the fraction. */
  detected: number;
  detectedFraction: number | null;
  candidates: number;
  candidateFraction: number | null;
}

/** Scoring against the published catalogue (score.ts). */
export interface ScoreSource {
  ra: number;
  dec: number;
  /** Published row number / candidate id. */
  id: string;
}

/** Recall, precision and F1 of a run against the published catalogue. */
export interface ScoreResult {
  radiusArcsec: number;
  /** How the published rows were chosen: by plate column or by footprint. */
  selection: string;
  /** Published rows selected, and distinct positions among them (the catalogue repeats some sources). */
  vascoRows: number;
  vascoSources: number;
  candidates: number;
  recovered: number;
  confirmed: number;
  recall: number;
  precision: number;
  f1: number;
  missed: ScoreSource[];
  extra: ScoreSource[];
}

/** How the blue plate covers the red one, from both plate solutions. */
export interface BlueCoverage {
  /** Fraction (0..1) of the red image's area that lies on the blue image. */
  redFraction: number;
  /** POSS-I field numbers of the two plates (from REGION), null when not a POSS-I region. */
  redField: number | null;
  blueField: number | null;
  /** Red sources whose position falls off the blue image (set by the red-vs-blue stage). */
  redSourcesOutside?: number;
  /** Of those, the ones still candidates at red vs blue, dropped as no_blue_coverage. */
  droppedNoBlueCoverage?: number;
}

export interface PlateSummary extends PlateInfo {
  /** Which plate solution gave sky positions ("dss" GSSS polynomial or "fits" explicit TAN). */
  solution: 'dss' | 'fits';
  /** When both solutions are present: their measured disagreement. */
  solutionOffset?: { medianArcsec: number; maxArcsec: number; dxPx: number; dyPx: number };
  sourcesExtracted: number;
  /** Header digest (sha256 of the header block), ties a run to the exact file. */
  headerSha256: string;
  /** sha256 of the whole file as given (pixels included): what checkpoints and work files are keyed by. */
  sha256?: string;
  /** Mean FWHM of the PSFEx model, pixels. */
  psfFwhmPx?: number;
}

// ---- the Gaia refit of the plate solutions (astrometry.ts), as summary.json reports it

/** One tile's (or a whole cutout's) refit, as summary.json reports it: the fit's result without its coefficients. */
export interface TileRefitSummary extends Omit<RefitResult, 'correction'> {
  tile: number;
}

export interface PlateRefitSummary {
  /** Sources whose positions were refitted, of all on the plate. */
  sourcesCorrected: number;
  sources: number;
  /** Residuals over every matched star of the plate (all tiles), header solution and as used. */
  before: ResidualStats | null;
  after: ResidualStats | null;
  tiles: TileRefitSummary[];
}

export interface AstrometrySummary {
  /** Where the Gaia rows came from. */
  gaia: string;
  plateEpoch: { red: number | null; blue?: number | null };
  red?: PlateRefitSummary;
  blue?: PlateRefitSummary;
  /** Rows fetched for the veto to reuse (network only): file and its sha256. */
  prefetched?: { file: string; sha256: string; source: string };
  /** Why nothing was refitted, when nothing was. */
  skipped?: string;
}

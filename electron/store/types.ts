/**
 * What the review store hands out. Type-only and browser-safe. Angles in
 * degrees, pixels FITS 1-based, times ISO 8601 UTC.
 */
import type { BlueDetection, LedgerEntry, RunSummary } from '../pipeline/types';
import type { ReviewLabel } from './labels';

export interface RunRow {
  id: number;
  /** When the run was recorded in this workspace. */
  createdUtc: string;
  redRegion: string;
  blueRegion: string | null;
  mode: RunSummary['mode'];
  candidates: number;
  /** Candidates with at least one reviewer's current label. */
  reviewed: number;
  outDir: string;
}

export interface CandidateRow {
  id: number;
  runId: number;
  /** SExtractor NUMBER on the red plate. */
  sourceNumber: number;
  ra: number;
  dec: number;
  x: number;
  y: number;
  mag: number;
  magErr: number;
  snr: number;
  fwhm: number;
  elongation: number;
  spreadModel: number | null;
  flags: number;
  nearestBlueArcsec: number | null;
  /**
   * The nearest blue detection of any kind, filtered or not, with the cuts it
   * failed; null when none lies within the nearest-blue search radius, and for
   * red-only runs and runs recorded before schema v5.
   */
  nearestBlueDetection: BlueDetection | null;
  /** Pixels from the centroid to the nearest red image edge; null for runs recorded before schema v5. */
  edgeDistancePx: number | null;
  /** Degrees from the plate centre and to the nearest image edge (plate-edge.ts); null for runs recorded before schema v7. */
  centreDistanceDeg?: number | null;
  edgeDistanceDeg?: number | null;
  /** Red plate REGION, e.g. "XE687". */
  plate: string;
  ledger: LedgerEntry[];
  /**
   * Majority of the reviewers' current labels: the label held by more than half
   * of them; 'unsure' when no label has a majority (ties, splits); null when
   * nobody has labelled it. Always null in blind mode.
   */
  consensus: ReviewLabel | null;
  /** The requesting reviewer's current label. */
  myLabel: ReviewLabel | null;
  /** Reviewers with a current label (blind mode: 1 or 0, the requester only). */
  reviews: number;
}

export type ReviewAction = 'label' | 'undo';

export interface ReviewEvent {
  id: number;
  candidateId: number;
  reviewer: string;
  action: ReviewAction;
  /** The label set; for an undo, the label it withdrew. */
  label: ReviewLabel;
  /** 0..1, as the reviewer stated it. */
  confidence: number | null;
  note: string | null;
  createdUtc: string;
  appVersion: string;
  /** Display settings the reviewer saw (stretch, zoom, blink rate, ...). */
  display: Record<string, unknown> | null;
  /** On an undo: the id of the event it withdraws. */
  undoes: number | null;
}

/** A reviewer's remark on a candidate, on its own (not tied to a label). Append-only. */
export interface CommentEvent {
  id: number;
  candidateId: number;
  reviewer: string;
  body: string;
  createdUtc: string;
  appVersion: string;
}

export interface PlateFileRef {
  region: string;
  band: 'red' | 'blue';
  file: string;
  epochJulian: number | null;
  headerSha256: string;
}

export interface CandidateDetail {
  row: CandidateRow;
  plates: { red: PlateFileRef; blue: PlateFileRef | null };
  /** Oldest first. Blind mode: only the requesting reviewer's events. */
  history: ReviewEvent[];
  /** Oldest first. Blind mode: only the requesting reviewer's comments. */
  comments: CommentEvent[];
}

export interface Agreement {
  reviewers: string[];
  /** Candidates of the run labelled by every one of `reviewers`. */
  items: number;
  /** Two reviewers: Cohen's kappa over `items`. */
  cohenKappa?: number;
  /** Three or more reviewers: Fleiss' kappa over `items`. */
  fleissKappa?: number;
  /** Percentage (0-100) of `items` on which all reviewers gave the same label. */
  percentAgreement: number;
  /** Every pair of reviewers: Cohen's kappa over the items both labelled. */
  pairs: { a: string; b: string; n: number; agreed: number; kappa: number | null }[];
}

export type CandidateSortColumn =
  | 'id' | 'sourceNumber' | 'ra' | 'dec' | 'x' | 'y' | 'mag' | 'magErr' | 'snr' | 'fwhm' | 'elongation'
  | 'spreadModel' | 'flags' | 'nearestBlueArcsec' | 'blueDetectionArcsec' | 'edgeDistancePx' | 'consensus' | 'myLabel' | 'label' | 'reviews' | 'plate';

/** Measures a candidate list can be cut to a range of (a histogram's bin). */
export type RangeColumn = 'spreadModel' | 'fwhm' | 'mag' | 'snr' | 'elongation';

export interface CandidateQuery {
  /** The run whose candidates to list; or `runIds`: several runs at once (a survey's plates). */
  runId?: number;
  runIds?: number[];
  sort?: { column: CandidateSortColumn | string; desc?: boolean };
  filter?: {
    /** Ledger reasons (e.g. "gaia", "asteroid"): keep candidates with an entry carrying one of them. */
    reasons?: string[];
    /** Keep rows whose label is one of these ('unreviewed': none). See `reviewer`. */
    labels?: (ReviewLabel | 'unreviewed')[];
    /** Apply `labels` to this reviewer's current label instead of the consensus. */
    reviewer?: string;
    /** Matches candidate id or source number exactly, ledger reasons/details/counterparts, review notes and comments in part. */
    text?: string;
    magMin?: number;
    magMax?: number;
    snrMin?: number;
    /** A bin of a plot: rows with min <= column < max. */
    range?: { column: RangeColumn; min: number; max: number };
  };
  offset?: number;
  limit?: number;
  /** A candidate whose position in this query to report as `located` (null when the query leaves it out). */
  locate?: number;
  /** The requesting reviewer (fills myLabel). */
  reviewer?: string;
  /** Hide other reviewers' labels: consensus null, label filters and sorts use `reviewer`'s own label. */
  blind?: boolean;
}

/** A catalogue object a stage matched to a run's source (schema v6), at the plate epoch. */
export interface CounterpartRow {
  ra: number;
  dec: number;
  /** The ledger reason: the catalogue's id, e.g. "gaia". */
  catalogue: string;
  /** The catalogue's identifier of the object, when known. */
  catalogueObject: string | null;
  /** SExtractor NUMBER of the red source it matched. */
  sourceNumber: number;
  distanceArcsec: number | null;
  mag: number | null;
}

/** What the sky view draws over a field: the run's candidates and counterparts inside it. */
export interface FieldContents {
  candidates: { id: number; ra: number; dec: number }[];
  counterparts: CounterpartRow[];
}

/** A published source of a run's audit (electron/store/published.ts), as the published layer shows it. */
export interface PublishedSourceRow {
  /** published_sources.id. */
  id: number;
  /** The published row's identifier. */
  publishedId: string;
  /** As published, degrees. */
  ra: number;
  dec: number;
  /** 'candidate', 'not-detected' or the STAGE/REASON that dropped the matched red source. */
  stage: string;
  detail: string | null;
  /** The matched (or nearest) red source: SExtractor NUMBER, separation, red plate pixel (FITS 1-based). */
  sourceNumber: number | null;
  separationArcsec: number | null;
  sourceX: number | null;
  sourceY: number | null;
  /** The candidate the matched source is, when it is one: selecting the row opens it. */
  candidateId: number | null;
  blueDetectionNumber: number | null;
  blueDetectionArcsec: number | null;
  blueDetectionMag: number | null;
  /** The matched source's ledger, one "DROP stage/reason: detail" line an entry. */
  ledger: string[];
}

/**
 * The files a run leaves in DIR: candidates.csv (survivors), sources.csv
 * (every red source with its ledger) and summary.json (RunSummary).
 * CSV is RFC 4180 (electron/core/csv.ts), without comment lines so any CSV
 * reader takes it.
 */
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { formatCsv } from '../core/csv';
import type { LedgerEntry, TrackedSource } from './types';

export interface CsvColumn {
  name: string;
  value(s: TrackedSource): unknown;
}

/**
 * Columns of both CSV files: identity and position first (degrees, FITS
 * 1-based pixels), then the measurements. Later stages append their own
 * columns (e.g. catalogue distances) with addCsvColumns.
 */
export const CSV_COLUMNS: CsvColumn[] = [
  { name: 'id', value: (s) => s.id },
  { name: 'ra', value: (s) => s.ra },
  { name: 'dec', value: (s) => s.dec },
  { name: 'x', value: (s) => s.x },
  { name: 'y', value: (s) => s.y },
  { name: 'flux', value: (s) => s.flux },
  { name: 'flux_err', value: (s) => s.fluxErr },
  { name: 'mag', value: (s) => s.mag },
  { name: 'mag_err', value: (s) => s.magErr },
  { name: 'snr', value: (s) => s.snr },
  { name: 'fwhm', value: (s) => s.fwhm },
  { name: 'elongation', value: (s) => s.elongation },
  { name: 'flags', value: (s) => s.flags },
  { name: 'spread_model', value: (s) => s.spreadModel },
  { name: 'spread_model_err', value: (s) => s.spreadModelErr },
  { name: 'xmin', value: (s) => s.xmin },
  { name: 'xmax', value: (s) => s.xmax },
  { name: 'ymin', value: (s) => s.ymin },
  { name: 'ymax', value: (s) => s.ymax },
  { name: 'class_star', value: (s) => s.classStar },
  { name: 'background', value: (s) => s.background },
  { name: 'nearest_blue_arcsec', value: (s) => s.nearestBlueArcsec },
  // The nearest blue detection of any kind (filtered or not) and the cuts it failed (space-separated).
  { name: 'blue_detection_arcsec', value: (s) => s.nearestBlueDetection?.distanceArcsec },
  { name: 'blue_detection_id', value: (s) => s.nearestBlueDetection?.id },
  { name: 'blue_detection_ra', value: (s) => s.nearestBlueDetection?.ra },
  { name: 'blue_detection_dec', value: (s) => s.nearestBlueDetection?.dec },
  { name: 'blue_detection_snr', value: (s) => s.nearestBlueDetection?.snr },
  { name: 'blue_detection_fwhm', value: (s) => s.nearestBlueDetection?.fwhm },
  { name: 'blue_detection_failed_cuts', value: (s) => s.nearestBlueDetection?.failedCuts.join(' ') },
  { name: 'edge_distance_px', value: (s) => s.edgeDistancePx },
  // Degrees from the plate centre and to the nearest image edge (plate-edge.ts).
  { name: 'centre_distance_deg', value: (s) => s.centreDistanceDeg },
  { name: 'edge_distance_deg', value: (s) => s.edgeDistanceDeg },
];

const extraColumns: CsvColumn[] = [];

/** For later stages: more columns, written before the ledger column. */
export function addCsvColumns(...columns: CsvColumn[]): void {
  for (const c of columns) if (![...CSV_COLUMNS, ...extraColumns].some((k) => k.name === c.name)) extraColumns.push(c);
}

/** One line per entry: "DROP filters/fwhm: FWHM 8.3 px > 7" or "flag asteroids/skybot: ...". */
export function ledgerSummary(ledger: LedgerEntry[]): string {
  return ledger
    .map((e) => `${e.dropped ? 'DROP' : 'flag'} ${e.stage}/${e.reason}${e.detail ? `: ${e.detail}` : ''}`)
    .join('; ');
}

function droppedBy(ledger: LedgerEntry[]): string {
  return [...new Set(ledger.filter((e) => e.dropped).map((e) => `${e.stage}/${e.reason}`))].join(' ');
}

export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * A CSV file written a few thousand rows at a time (a large run's rows are
 * made one by one from the source table, never all held at once), atomically.
 */
function writeCsvInChunks<T>(path: string, header: string[], rows: Iterable<T>, cells: (row: T) => unknown[]): void {
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, formatCsv(header, []));
    let chunk: unknown[][] = [];
    const flush = () => {
      // formatCsv always starts with the header line: drop it.
      const text = formatCsv(header, chunk);
      writeSync(fd, text.slice(text.indexOf('\r\n') + 2));
      chunk = [];
    };
    for (const row of rows) {
      chunk.push(cells(row));
      if (chunk.length === 4096) flush();
    }
    if (chunk.length) flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function writeCandidatesCsv(path: string, candidates: Iterable<TrackedSource>): void {
  const cols = [...CSV_COLUMNS, ...extraColumns];
  writeCsvInChunks(path, [...cols.map((c) => c.name), 'ledger'], candidates, (s) => [...cols.map((c) => c.value(s)), ledgerSummary(s.ledger)]);
}

/** Every red source; `status` candidate|dropped and `dropped_by` (stage/reason list) follow the id. */
export function writeSourcesCsv(path: string, sources: Iterable<TrackedSource>): void {
  const cols = [...CSV_COLUMNS, ...extraColumns];
  const [idCol, ...rest] = cols;
  writeCsvInChunks(path, [idCol.name, 'status', 'dropped_by', ...rest.map((c) => c.name), 'ledger'], sources, (s) => {
    const by = droppedBy(s.ledger);
    return [idCol.value(s), by ? 'dropped' : 'candidate', by, ...rest.map((c) => c.value(s)), ledgerSummary(s.ledger)];
  });
}

export function writeJson(path: string, value: unknown): void {
  writeAtomically(path, JSON.stringify(value, null, 2) + '\n');
}

/** The candidate table's columns: header with units, width, sort key and cell text. */
import type { CandidateRow } from '../../api';
import type { CandidateSortColumn } from '../../../electron/store/types';
import { decDms, fmt, raHms } from '../../lib/format';
import { isSkipNote } from '../../lib/ledger';
import { plateOfRun } from '../../stores/survey';

export interface Column {
  id: string;
  header: string;
  title: string;
  width: number;
  sort?: CandidateSortColumn;
  align?: 'left' | 'right';
  /** Hidden in blind mode (other reviewers' opinions). */
  revealsOthers?: boolean;
  cell(row: CandidateRow): string;
}

/** Reasons a stage flagged (kept, not dropped): what a reviewer should look at (not the run-wide "skipped" notes). */
export function flaggedReasons(row: CandidateRow): string[] {
  return [...new Set(row.ledger.filter((e) => !e.dropped && !isSkipNote(e.reason)).map((e) => e.reason))];
}

/** "1.2 snr flags": distance to the nearest blue detection and the cuts it failed ("ok" when none). */
function blueDetectionCell(r: CandidateRow): string {
  const b = r.nearestBlueDetection;
  return b ? `${fmt(b.distanceArcsec, 1)} ${b.failedCuts.join(' ') || 'ok'}` : '';
}

// What a reviewer acts on (their label, the consensus) comes before the decimal
// positions, so it is on screen without scrolling on a 1600 px wide window.
export const COLUMNS: Column[] = [
  { id: 'id', header: 'id', title: 'candidate id', width: 64, sort: 'id', align: 'right', cell: (r) => String(r.id) },
  { id: 'src', header: 'src #', title: 'SExtractor NUMBER on the red plate', width: 60, sort: 'sourceNumber', align: 'right', cell: (r) => String(r.sourceNumber) },
  { id: 'ra', header: 'RA (h:m:s)', title: 'right ascension, ICRS', width: 104, sort: 'ra', align: 'right', cell: (r) => raHms(r.ra) },
  { id: 'dec', header: 'Dec (d:m:s)', title: 'declination, ICRS', width: 100, sort: 'dec', align: 'right', cell: (r) => decDms(r.dec) },
  { id: 'mag', header: 'mag', title: 'instrumental magnitude (MAG_AUTO)', width: 56, sort: 'mag', align: 'right', cell: (r) => fmt(r.mag, 2) },
  { id: 'snr', header: 'SNR', title: 'signal-to-noise ratio', width: 56, sort: 'snr', align: 'right', cell: (r) => fmt(r.snr, 1) },
  { id: 'fwhm', header: 'FWHM (px)', title: 'FWHM_IMAGE, pixels', width: 80, sort: 'fwhm', align: 'right', cell: (r) => fmt(r.fwhm, 2) },
  { id: 'elong', header: 'elong', title: 'ELONGATION (A/B)', width: 52, sort: 'elongation', align: 'right', cell: (r) => fmt(r.elongation, 2) },
  { id: 'spread', header: 'SPREAD', title: 'SPREAD_MODEL (PSF vs galaxy model)', width: 72, sort: 'spreadModel', align: 'right', cell: (r) => fmt(r.spreadModel, 4) },
  { id: 'blue', header: 'blue (")', title: 'distance to the nearest blue-plate source that passed the filters, arcsec', width: 64, sort: 'nearestBlueArcsec', align: 'right', cell: (r) => fmt(r.nearestBlueArcsec, 1) },
  { id: 'bluedet', header: 'blue det (")', title: 'distance to the nearest blue detection of any kind, arcsec, and the cuts it failed', width: 136, sort: 'blueDetectionArcsec', align: 'left', cell: blueDetectionCell },
  { id: 'edge', header: 'edge (px)', title: 'distance to the red image edge, pixels', width: 64, sort: 'edgeDistancePx', align: 'right', cell: (r) => fmt(r.edgeDistancePx, 0) },
  { id: 'flags', header: 'flags', title: 'stage flags (kept, not dropped)', width: 120, align: 'left', cell: (r) => flaggedReasons(r).join(' ') },
  { id: 'mine', header: 'my label', title: 'your current label', width: 128, sort: 'myLabel', align: 'left', cell: (r) => r.myLabel ?? '' },
  { id: 'consensus', header: 'consensus', title: "majority of reviewers' labels", width: 128, sort: 'consensus', align: 'left', revealsOthers: true, cell: (r) => r.consensus ?? '' },
  { id: 'reviews', header: 'rev', title: 'reviewers with a label', width: 36, sort: 'reviews', align: 'right', revealsOthers: true, cell: (r) => String(r.reviews) },
  { id: 'radeg', header: 'RA (deg)', title: 'right ascension, degrees', width: 88, sort: 'ra', align: 'right', cell: (r) => fmt(r.ra, 5) },
  { id: 'decdeg', header: 'Dec (deg)', title: 'declination, degrees', width: 84, sort: 'dec', align: 'right', cell: (r) => fmt(r.dec, 5) },
];

/** A survey's table spans plates: which one (its survey id) comes first. */
const PLATE_COLUMN: Column = {
  id: 'plate', header: 'plate', title: 'survey plate (sorts in plan order)', width: 92, sort: 'plate', align: 'left',
  cell: (r) => plateOfRun(r.runId)?.id ?? r.plate,
};

export function visibleColumns(blind: boolean, survey = false): Column[] {
  const cols = blind ? COLUMNS.filter((c) => !c.revealsOthers) : COLUMNS;
  return survey ? [cols[0], PLATE_COLUMN, ...cols.slice(1)] : cols;
}

export function gridTemplate(cols: Column[]): string {
  return cols.map((c) => `${c.width}px`).join(' ');
}

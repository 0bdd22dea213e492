/**
 * The columns of an exported catalogue, with units (VOUnits) and UCDs (IVOA
 * UCD1+), shared by the CSV and VOTable writers so both say the same thing.
 */
import type { CandidateRow } from '../store/types';

export interface ExportRow {
  candidate: CandidateRow;
  /** Julian epoch of the red plate's mid-exposure. */
  epoch: number | null;
  /** Current label of each reviewer, by name. */
  labels: Map<string, string>;
  /** Comments and notes on flags, oldest first. */
  remarks: { reviewer: string; createdUtc: string; text: string }[];
}

export interface ExportColumn {
  name: string;
  datatype: 'double' | 'int' | 'long' | 'char';
  unit?: string;
  ucd: string;
  description: string;
  value(row: ExportRow): string | number | null;
}

/** Ledger entries as `stage:reason`, `!` marking the ones that dropped the source. */
export function stageFlags(row: CandidateRow): string {
  return row.ledger.map((e) => `${e.dropped ? '!' : ''}${e.stage}:${e.reason}`).join(';');
}

/** Remarks as `reviewer UTC: text | ...`, each on one line (a catalogue cell holds no line breaks). */
export function remarksText(row: ExportRow): string {
  return row.remarks.map((r) => `${r.reviewer} ${r.createdUtc}: ${r.text.replace(/\s*[\r\n]+\s*/g, ' ')}`).join(' | ');
}

export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'id', datatype: 'long', ucd: 'meta.id;meta.main', description: 'Candidate id in the workspace', value: (r) => r.candidate.id },
  { name: 'run_id', datatype: 'long', ucd: 'meta.id', description: 'Pipeline run the candidate comes from', value: (r) => r.candidate.runId },
  { name: 'source_number', datatype: 'long', ucd: 'meta.id', description: 'SExtractor NUMBER on the red plate', value: (r) => r.candidate.sourceNumber },
  { name: 'ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension (ICRS) from the plate solution', value: (r) => r.candidate.ra },
  { name: 'dec', datatype: 'double', unit: 'deg', ucd: 'pos.eq.dec;meta.main', description: 'Declination (ICRS) from the plate solution', value: (r) => r.candidate.dec },
  { name: 'x', datatype: 'double', unit: 'pixel', ucd: 'pos.cartesian.x;instr.det', description: 'Red plate x, FITS 1-based', value: (r) => r.candidate.x },
  { name: 'y', datatype: 'double', unit: 'pixel', ucd: 'pos.cartesian.y;instr.det', description: 'Red plate y, FITS 1-based', value: (r) => r.candidate.y },
  { name: 'plate', datatype: 'char', ucd: 'meta.id;obs.image', description: 'Red plate REGION (POSS-I E plate)', value: (r) => r.candidate.plate },
  { name: 'epoch', datatype: 'double', unit: 'yr', ucd: 'time.epoch;obs', description: 'Julian epoch of the red plate mid-exposure', value: (r) => r.epoch },
  { name: 'mag', datatype: 'double', unit: 'mag', ucd: 'phot.mag;em.opt.R', description: 'SExtractor magnitude on the red plate (instrumental zero point)', value: (r) => r.candidate.mag },
  { name: 'mag_err', datatype: 'double', unit: 'mag', ucd: 'stat.error;phot.mag', description: 'Magnitude error', value: (r) => r.candidate.magErr },
  { name: 'snr', datatype: 'double', ucd: 'stat.snr', description: 'Signal-to-noise ratio', value: (r) => r.candidate.snr },
  { name: 'fwhm', datatype: 'double', unit: 'pixel', ucd: 'phys.angSize;src', description: 'FWHM of the image', value: (r) => r.candidate.fwhm },
  { name: 'elongation', datatype: 'double', ucd: 'src.ellipticity', description: 'A/B of the image', value: (r) => r.candidate.elongation },
  { name: 'spread_model', datatype: 'double', ucd: 'src.morph.param', description: 'SExtractor SPREAD_MODEL (empty when not measured)', value: (r) => r.candidate.spreadModel },
  { name: 'flags', datatype: 'int', ucd: 'meta.code.qual', description: 'SExtractor FLAGS', value: (r) => r.candidate.flags },
  { name: 'nearest_blue_arcsec', datatype: 'double', unit: 'arcsec', ucd: 'pos.angDistance', description: 'Distance to the nearest blue-plate source (empty: none or red-only)', value: (r) => r.candidate.nearestBlueArcsec },
  { name: 'centre_distance_deg', datatype: 'double', unit: 'deg', ucd: 'pos.angDistance', description: 'Distance from the plate centre (DSS plate centre, else image centre; empty: recorded before schema v7)', value: (r) => r.candidate.centreDistanceDeg ?? null },
  { name: 'edge_distance_deg', datatype: 'double', unit: 'deg', ucd: 'pos.angDistance', description: 'Distance to the nearest edge of the red image', value: (r) => r.candidate.edgeDistanceDeg ?? null },
  { name: 'stage_flags', datatype: 'char', ucd: 'meta.code', description: 'Pipeline ledger as stage:reason;... (! = dropped there)', value: (r) => stageFlags(r.candidate) },
  { name: 'consensus', datatype: 'char', ucd: 'meta.code.class', description: 'Majority of the reviewers\' current labels (unsure: no majority; empty: unreviewed)', value: (r) => r.candidate.consensus ?? '' },
  { name: 'n_reviews', datatype: 'int', ucd: 'meta.number', description: 'Reviewers with a current label', value: (r) => r.candidate.reviews },
  { name: 'labels', datatype: 'char', ucd: 'meta.note', description: 'Each reviewer\'s current label as reviewer=label;...', value: (r) => [...r.labels].map(([who, l]) => `${who}=${l}`).join(';') },
  { name: 'comments', datatype: 'char', ucd: 'meta.note', description: 'Reviewers\' comments and notes on flags, oldest first, as reviewer UTC: text, separated by " | "', value: remarksText },
];

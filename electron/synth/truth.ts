/**
 * The truth table of a synthetic pair: one CSV row per object with its sky
 * position, where it lies on each plate (empty when off that plate or absent
 * from it), its fluxes and the SNR it should have on red.
 */
import { open } from 'node:fs/promises';
import { formatCsv } from '../core/csv';
import { UserError } from '../core/errors';
import type { PlateTruth, TruthRow } from './scene';

export const TRUTH_COLUMNS = [
  'id',
  'kind',
  'ra',
  'dec',
  'red_x',
  'red_y',
  'blue_x',
  'blue_y',
  'red_flux',
  'blue_flux',
  'red_snr_expected',
  'blue_snr_expected',
  'red_fwhm_px',
  'blue_fwhm_px',
  'note',
] as const;

/** What each column means, for the JSON sidecar. */
export const TRUTH_COLUMN_NOTES: Record<(typeof TRUTH_COLUMNS)[number], string> = {
  id: 'row number, 1..N',
  kind: 'star | galaxy | transient (red only) | defect (one plate only) | artefact (a knot on a bright star\'s spike or halo ring, red only; brightStarArtefacts)',
  ra: 'degrees (ICRS); for a defect, the sky position of its plate pixel',
  dec: 'degrees',
  red_x: 'FITS 1-based pixel on the red image; empty when off the image or absent from red',
  red_y: 'FITS 1-based pixel',
  blue_x: 'FITS 1-based pixel on the blue image; empty when off the image or absent from blue',
  blue_y: 'FITS 1-based pixel',
  red_flux: 'total ADU above the sky on red, before saturation and noise',
  blue_flux: 'total ADU above the sky on blue',
  red_snr_expected: 'the SNR SExtractor should report on red (FLUX_AUTO/FLUXERR_AUTO, GAIN 0): light within 1.9 FWHM over the local sky noise',
  blue_snr_expected: 'the same on blue',
  red_fwhm_px: 'FWHM of the profile drawn on red, red pixels',
  blue_fwhm_px: 'FWHM on blue, blue pixels',
  note: 'saturated (star), speck | scratch | dust (defect), spike | halo (artefact)',
};

const round = (v: number, digits: number) => Number(v.toFixed(digits));

function plateCells(t: PlateTruth | null): { x: number | null; y: number | null; flux: number | null; snr: number | null; fwhm: number | null } {
  if (!t) return { x: null, y: null, flux: null, snr: null, fwhm: null };
  return {
    x: round(t.x, 4),
    y: round(t.y, 4),
    flux: round(t.flux, 1),
    snr: t.snr === null ? null : round(t.snr, 2),
    fwhm: t.fwhm === null ? null : round(t.fwhm, 3),
  };
}

function truthCells(row: TruthRow): unknown[] {
  const r = plateCells(row.red);
  const b = plateCells(row.blue);
  return [row.id, row.kind, round(row.ra, 9), round(row.dec, 9), r.x, r.y, b.x, b.y, r.flux, b.flux, r.snr, b.snr, r.fwhm, b.fwhm, row.note];
}

/** Writes the truth CSV in chunks (a full plate has a few hundred thousand rows). */
export async function writeTruthCsv(path: string, rows: TruthRow[]): Promise<void> {
  const header = [...TRUTH_COLUMNS];
  const headerText = formatCsv(header, []);
  let fh;
  try {
    fh = await open(path, 'w');
  } catch (err) {
    throw new UserError(`cannot write the truth table ${path}: ${(err as Error).message}`, 'check the folder exists and is writable');
  }
  try {
    await fh.write(headerText);
    const chunk = 5000;
    for (let i = 0; i < rows.length; i += chunk) {
      const text = formatCsv(header, rows.slice(i, i + chunk).map(truthCells));
      await fh.write(text.slice(headerText.length));
    }
  } finally {
    await fh.close();
  }
}

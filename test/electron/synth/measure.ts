/**
 * Test helpers for synthetic plates: the truth table as typed rows, file
 * digests, and independent measurements by measure_plate.py (astropy, numpy,
 * scipy under Debian's /usr/bin/python3).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../../electron/core/csv';
import { PYTHON } from '../../helpers/python';

export { haveAstropy } from '../../helpers/python';

const script = join(dirname(fileURLToPath(import.meta.url)), 'measure_plate.py');

export function measure<T>(request: Record<string, unknown>): T {
  const out = execFileSync(PYTHON, [script], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 << 20 });
  return JSON.parse(out) as T;
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface Truth {
  id: number;
  kind: string;
  note: string;
  ra: number;
  dec: number;
  red_x: number | null;
  red_y: number | null;
  blue_x: number | null;
  blue_y: number | null;
  red_flux: number | null;
  blue_flux: number | null;
  red_snr_expected: number | null;
  blue_snr_expected: number | null;
  red_fwhm_px: number | null;
  blue_fwhm_px: number | null;
}

export function readTruth(path: string): Truth[] {
  const t = parseCsv(readFileSync(path, 'utf8'), path);
  return t.rows.map((row) => {
    const o: Record<string, string | number | null> = {};
    t.header.forEach((name, i) => {
      const v = row[i];
      o[name] = name === 'kind' || name === 'note' ? v : v === '' ? null : Number(v);
    });
    return o as unknown as Truth;
  });
}

export type Band = 'red' | 'blue';

export function at(row: Truth, band: Band): { x: number; y: number; flux: number; snr: number | null; fwhm: number | null } | null {
  const x = band === 'red' ? row.red_x : row.blue_x;
  const y = band === 'red' ? row.red_y : row.blue_y;
  if (x === null || y === null) return null;
  return {
    x,
    y,
    flux: (band === 'red' ? row.red_flux : row.blue_flux) ?? 0,
    snr: band === 'red' ? row.red_snr_expected : row.blue_snr_expected,
    fwhm: band === 'red' ? row.red_fwhm_px : row.blue_fwhm_px,
  };
}

/**
 * True when nothing else on the plate could disturb a measurement of `row`:
 * nothing holding over 3% of its light within 4.5 FWHM or over 20% within
 * 8 FWHM, no defect within 30 px, no saturated star within 60 px (halos).
 */
export function isolated(row: Truth, all: Truth[], band: Band, width: number, height: number): boolean {
  const me = at(row, band);
  if (!me || me.fwhm === null) return false;
  const margin = 8 * me.fwhm;
  if (me.x < margin || me.y < margin || me.x > width - margin || me.y > height - margin) return false;
  for (const other of all) {
    if (other === row) continue;
    const o = at(other, band);
    if (!o) continue;
    const d = Math.hypot(o.x - me.x, o.y - me.y);
    if (other.kind === 'defect' && d < 30) return false;
    if (other.note === 'saturated' && d < 60) return false;
    if (d < 4.5 * me.fwhm && o.flux > 0.03 * me.flux) return false;
    if (d < 8 * me.fwhm && o.flux > 0.2 * me.flux) return false;
  }
  return true;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The POSS-I field list and the selections a survey plan takes: field numbers
 * ("582,583,600-610"), every field, or the fields whose centres lie within a
 * radius of a sky position.
 *
 * Field numbers are those of the DSS scans (IRSA's dss1red_XE<nnn>): in
 * VizieR VI/25 they are the `MLP` sequence number minus one (its rows 1 and 2
 * are both the pole field). Checked against the DSS red plate centres: for all
 * 642 plates of ../shared/data/catalogs/dss1red-plate-centres.csv, field nnn is
 * the field nearest to XEnnn's centre (within 0.34°).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors';
import { POSS1_FIELDS_TEXT } from './poss1-fields';

export interface SurveyField {
  field: number;
  /** Plate centre, ICRS degrees. */
  ra: number;
  dec: number;
}

const DEG = Math.PI / 180;

function sexagesimal(text: string, hours: boolean): number {
  const parts = text.trim().split(/\s+/);
  const sign = parts[0].startsWith('-') ? -1 : 1;
  const [a, b = '0', c = '0'] = parts.map((p) => p.replace(/^[+-]/, ''));
  const v = Number(a) + Number(b) / 60 + Number(c) / 3600;
  if (!Number.isFinite(v)) throw new Error(`not sexagesimal: "${text}"`);
  return sign * v * (hours ? 15 : 1);
}

/**
 * Fields of a VizieR VI/25 CSV (names, units and dashes lines, then data):
 * field number from MLP, centre from _RA.icrs/_DE.icrs. `file` names it in errors.
 */
export function parseVizierFieldList(text: string, file: string): SurveyField[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const names = (lines[0] ?? '').split(',').map((n) => n.trim());
  const col = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new UserError(`${file} is not a VizieR VI/25 field list: it has no ${name} column`, 'give the CSV of VizieR VI/25 (columns MLP, _RA.icrs, _DE.icrs)');
    return i;
  };
  const [mlp, ra, dec] = [col('MLP'), col('_RA.icrs'), col('_DE.icrs')];
  const out = new Map<number, SurveyField>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const seq = Number(cells[mlp]?.trim());
    if (!Number.isInteger(seq) || !cells[ra]?.trim()) continue; // the units and dashes lines
    const field = Math.max(1, seq - 1);
    if (!out.has(field)) out.set(field, { field, ra: sexagesimal(cells[ra], true), dec: sexagesimal(cells[dec], false) });
  }
  if (!out.size) throw new UserError(`${file} holds no fields`, 'give the CSV of VizieR VI/25');
  return [...out.values()].sort((a, b) => a.field - b.field);
}

/** The compact list shipped with the app (derived from VI/25 by parseVizierFieldList; see poss1-fields.ts). */
export function shippedFieldList(): SurveyField[] {
  return POSS1_FIELDS_TEXT.trim()
    .split('\n')
    .map((l) => {
      const [field, ra, dec] = l.split(' ').map(Number);
      return { field, ra, dec };
    });
}

/** `--field-list FILE` when given, otherwise the shipped list. */
export function loadFieldList(file?: string): SurveyField[] {
  if (!file) return shippedFieldList();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the field list ${file}: ${(err as Error).message}`, 'give an existing VizieR VI/25 CSV with --field-list');
  }
  return parseVizierFieldList(text, file);
}

/** "582,583,600-610" -> [582, 583, 600, ..., 610], sorted, each once. */
export function parseFieldNumbers(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:X[EO])?0*(\d+)(?:\s*-\s*(?:X[EO])?0*(\d+))?$/i.exec(part);
    const a = m ? Number(m[1]) : NaN;
    const b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!m || a < 1 || b < a || b - a > 10_000)
      throw new UserError(`--plates: "${part}" is not a field number or range`, 'give field numbers and ranges, e.g. --plates 582,583,600-610');
    for (let n = a; n <= b; n++) out.add(n);
  }
  if (!out.size) throw new UserError('--plates is empty', 'give field numbers, e.g. --plates 582,583,600-610');
  return [...out].sort((x, y) => x - y);
}

/** Angular distance in degrees (haversine: exact near zero too). */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const s = Math.sin(((dec2 - dec1) * DEG) / 2) ** 2 + Math.cos(dec1 * DEG) * Math.cos(dec2 * DEG) * Math.sin(((ra2 - ra1) * DEG) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / DEG;
}

/** "RA,DEC,RADIUS" in degrees. */
export function parseRegion(spec: string): { ra: number; dec: number; radiusDeg: number } {
  const [ra, dec, radiusDeg] = spec.split(',').map((s) => Number(s.trim()));
  const ok = spec.split(',').length === 3 && ra >= 0 && ra < 360 && dec >= -90 && dec <= 90 && radiusDeg > 0 && radiusDeg <= 180;
  if (!ok) throw new UserError(`--region: "${spec}" is not RA,DEC,RADIUS in degrees`, 'e.g. --region 259.95,-6.15,8 (RA 0-360, Dec -90..90, radius > 0)');
  return { ra, dec, radiusDeg };
}

export function fieldsInRegion(fields: SurveyField[], region: { ra: number; dec: number; radiusDeg: number }): SurveyField[] {
  return fields.filter((f) => separationDeg(f.ra, f.dec, region.ra, region.dec) <= region.radiusDeg);
}

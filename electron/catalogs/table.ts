/**
 * The one in-memory table shape every catalogue source is turned into
 * (VOTable, CSV, FITS, XMatch answers, the disk cache): column metadata and
 * rows of strings exactly as the service wrote them. Numbers are parsed only
 * for the columns a stage needs.
 */

export interface TableColumn {
  name: string;
  id?: string;
  unit?: string;
  ucd?: string;
  datatype?: string;
  arraysize?: string;
  /** VOTable VALUES null="..." marker. */
  nullValue?: string;
}

export interface SimpleTable {
  columns: TableColumn[];
  rows: string[][];
}

/** Index of the first column named like one of `names` (exact first, then case-insensitive); -1 if none. */
export function findColumn(table: SimpleTable | TableColumn[], names: readonly string[]): number {
  const cols = Array.isArray(table) ? table : table.columns;
  for (const n of names) {
    const i = cols.findIndex((c) => c.name === n || c.id === n);
    if (i >= 0) return i;
  }
  for (const n of names) {
    const l = n.toLowerCase();
    const i = cols.findIndex((c) => c.name.toLowerCase() === l || c.id?.toLowerCase() === l);
    if (i >= 0) return i;
  }
  return -1;
}

/** Parse one cell: empty, the column's null marker, or non-numeric text give NaN. */
export function parseNumber(cell: string | undefined, nullValue?: string): number {
  if (cell === undefined) return NaN;
  const s = cell.trim();
  if (s === '' || (nullValue !== undefined && s === nullValue)) return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

export function numericColumn(table: SimpleTable, index: number): Float64Array {
  const out = new Float64Array(table.rows.length);
  if (index < 0) return out.fill(NaN);
  const nul = table.columns[index].nullValue;
  for (let r = 0; r < table.rows.length; r++) out[r] = parseNumber(table.rows[r][index], nul);
  return out;
}

export function stringColumn(table: SimpleTable, index: number): string[] {
  if (index < 0) return table.rows.map(() => '');
  return table.rows.map((row) => (row[index] ?? '').trim());
}

/** Column names people and services use for position and motion, most specific first. */
export const RA_NAMES = ['ra', 'RA_ICRS', 'RAJ2000', 'RA_J2000', 'RAdeg', 'ra_deg', 'RA', 'ALPHA_J2000', 'ALPHAWIN_J2000', '_RAJ2000', 'mnras_ra', 'raj2000', 'ra_icrs'] as const;
export const DEC_NAMES = ['dec', 'DE_ICRS', 'DEJ2000', 'DEC_J2000', 'DEdeg', 'dec_deg', 'DEC', 'Dec', 'DELTA_J2000', 'DELTAWIN_J2000', '_DEJ2000', 'mnras_dec', 'dej2000', 'de_icrs'] as const;
export const PMRA_NAMES = ['pmra', 'pmRA', 'pm_ra', 'pmra_cosdec', 'PMRA'] as const;
export const PMDEC_NAMES = ['pmdec', 'pmDE', 'pm_dec', 'PMDEC'] as const;
export const EPOCH_NAMES = ['ref_epoch', 'Epoch', 'epoch', 'EPOCH'] as const;
export const ID_NAMES = ['source_id', 'Source', 'objID', 'id', 'ID', 'designation', 'name', 'Name'] as const;

export interface PositionColumns {
  ra: number;
  dec: number;
}

/** Find RA/Dec columns or explain which names were looked for. */
export function detectPositionColumns(table: SimpleTable): PositionColumns | { error: string } {
  const ra = findColumn(table, RA_NAMES);
  const dec = findColumn(table, DEC_NAMES);
  if (ra >= 0 && dec >= 0) return { ra, dec };
  const have = table.columns.map((c) => c.name).join(', ');
  return {
    error: `no ${ra < 0 ? 'RA' : 'Dec'} column found (looked for ${(ra < 0 ? RA_NAMES : DEC_NAMES).join('/')}; the file has: ${have})`,
  };
}

/** A parsed CSV (electron/core/csv) as a SimpleTable. */
export function tableFromCsv(csv: { header: string[]; rows: string[][] }): SimpleTable {
  return { columns: csv.header.map((name) => ({ name })), rows: csv.rows };
}

/**
 * Offline catalogue files: `--catalog gaia=FILE --catalog ps1=FILE ...`, each
 * a CSV, a VOTable or a FITS binary table holding RA/Dec (and for Gaia
 * pmra/pmdec/ref_epoch). Column names are recognised in their usual spellings
 * (ra/RA_ICRS/RAJ2000/..., pmra/pmRA, ref_epoch/Epoch). A folder of HEALPix
 * tiles (catalog-dir.ts) may stand for a file: only the tiles under the plate are read.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { UserError } from '../core/errors';
import { readCsvFile } from '../core/csv';
import { FitsFile } from '../fits';
import { isCatalogDirPart, readCatalogDir, type SkyDisc } from './catalog-dir';
import { CATALOG_IDS, type CatalogDef, type CatalogId, type CatalogRows, extractRows, isCatalogId } from './catalogs';
import type { SimpleTable } from './table';
import { tableFromCsv } from './table';
import { firstTable, parseVotable, VotableParseError } from './votable';

/** Parse repeated `NAME=FILE` values of --catalog. */
export function parseCatalogFileArgs(values: readonly string[]): Partial<Record<CatalogId, string>> {
  const out: Partial<Record<CatalogId, string>> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq > 0 ? v.slice(0, eq).trim().toLowerCase() : '';
    const file = eq > 0 ? v.slice(eq + 1).trim() : '';
    if (!name || !file) {
      throw new UserError(`--catalog "${v}" is not NAME=FILE`, `write e.g. --catalog gaia=gaia.csv (names: ${CATALOG_IDS.join(', ')})`);
    }
    if (!isCatalogId(name)) {
      throw new UserError(`--catalog: unknown catalogue "${name}"`, `use one of: ${CATALOG_IDS.join(', ')}`);
    }
    out[name] = file;
  }
  return out;
}

function sniff(file: string): 'fits' | 'votable' | 'csv' {
  const ext = extname(file.replace(/\.gz$/i, '')).toLowerCase();
  if (['.fits', '.fit', '.fts'].includes(ext)) return 'fits';
  if (['.vot', '.xml', '.votable'].includes(ext)) return 'votable';
  if (ext === '.csv') return 'csv';
  const head = Buffer.alloc(512);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
  } catch (e) {
    throw new UserError(`cannot read catalogue file ${file}: ${(e as Error).message}`, 'check the path given to --catalog');
  }
  const text = head.subarray(0, n).toString('latin1');
  if (text.startsWith('SIMPLE  =')) return 'fits';
  if (/^\s*(<\?xml|<VOTABLE|<\w+:VOTABLE)/i.test(text)) return 'votable';
  return 'csv';
}

/** Read any supported catalogue file into a SimpleTable. */
export async function readTableFile(file: string): Promise<SimpleTable> {
  const kind = sniff(file);
  if (kind === 'csv') return tableFromCsv(readCsvFile(file));
  if (kind === 'votable') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read catalogue file ${file}: ${(e as Error).message}`, 'check the path given to --catalog');
    }
    try {
      const t = firstTable(parseVotable(text));
      if (!t) throw new UserError(`${file} holds no VOTable TABLE with fields`, 'export the catalogue as a VOTable with data');
      return { columns: t.columns, rows: t.rows };
    } catch (e) {
      if (e instanceof VotableParseError) throw new UserError(`${file}: ${e.message}`, 'the file is damaged; export it again');
      throw e;
    }
  }
  const fits = await FitsFile.open(file);
  try {
    const hdu = fits.hdus.findIndex((h) => h.xtension === 'BINTABLE');
    if (hdu < 0) throw new UserError(`${file} has no binary table extension`, 'give a FITS table (BINTABLE) of the catalogue');
    const t = await fits.readTable(hdu);
    const columns = t.columns.filter((c) => c.repeat === 1 || (c.type === 'A' && c.repeat >= 1));
    const data = columns.map((c) =>
      c.type === 'A' ? t.strings(c.name) : Array.from(t.numeric(c.name), (v) => (Number.isNaN(v) ? '' : String(v))),
    );
    const rows: string[][] = [];
    for (let r = 0; r < t.rows; r++) rows.push(data.map((col) => col[r]));
    return { columns: columns.map((c) => ({ name: c.name, unit: c.unit })), rows };
  } finally {
    await fits.close();
  }
}

/**
 * A catalogue file as positions (+ motions for Gaia), with its columns found by name;
 * from a tiled mirror folder, the tiles overlapping `area` (the plate's footprint).
 */
export async function readLocalCatalog(def: CatalogDef, file: string, area?: SkyDisc): Promise<CatalogRows> {
  const table = isCatalogDirPart(file) ? readCatalogDir(file, area) : await readTableFile(file);
  const rows = extractRows(def, table);
  if ('error' in rows) {
    throw new UserError(`--catalog ${def.id}=${file}: ${rows.error}`, 'name the columns ra/dec (or RA_ICRS/DE_ICRS, RAJ2000/DEJ2000)');
  }
  return rows;
}


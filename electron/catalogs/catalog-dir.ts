/**
 * Local catalogue mirrors cut into HEALPix tiles, so a survey's veto reads
 * only the tiles under each plate instead of asking VizieR (`--catalog-dir DIR`).
 *
 * Layout (one folder per catalogue, named by its id: gaia, ps1, supercosmos, ...):
 *
 *   DIR/<catalog>/manifest.json       format, catalogue, HEALPix order (NESTED scheme,
 *                                     ICRS RA/Dec), columns, rows per tile, source file
 *   DIR/<catalog>/hpx<order>/<pixel>.csv   the rows whose position falls in that pixel,
 *                                     with the source's header line
 *
 * `vasco catalog-dir build DIR --catalog gaia=FILE` makes it (catalog-dir-build.ts).
 */
import { ang2pix_nest, order2nside, query_disc_inclusive_nest, type V3 } from '@hscmap/healpix';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors';
import { parseCsv } from '../core/csv';
import type { CatalogId } from './catalogs';
import { type SimpleTable, tableFromCsv } from './table';

export const CATALOG_DIR_FORMAT = 'vasco-catalog-dir/1';
/** Order 6: pixels of about 0.92 deg, about 100 under a POSS-I plate with the veto's margin. */
export const DEFAULT_ORDER = 6;

export interface CatalogDirManifest {
  format: string;
  catalog: CatalogId;
  label: string;
  order: number;
  scheme: 'nested';
  frame: 'ICRS';
  /** Header of every tile file. */
  columns: string[];
  raColumn: string;
  decColumn: string;
  /** Rows per tile, keyed by the NESTED pixel number. */
  tiles: Record<string, number>;
  rows: number;
  /** Rows without a usable position, left out. */
  skipped: number;
  source: { file: string; bytes: number };
  builtUtc: string;
}

export interface SkyDisc {
  ra: number;
  dec: number;
  radiusDeg: number;
}

const RAD = Math.PI / 180;

/** NESTED pixel of a position (degrees) at `order`. */
export function healpixNested(order: number, ra: number, dec: number): number {
  return ang2pix_nest(order2nside(order), (90 - dec) * RAD, ((((ra % 360) + 360) % 360) * RAD));
}

/** NESTED pixels at `order` that overlap a disc on the sky (every pixel touching it; a few more at most). */
export function healpixDisc(order: number, disc: SkyDisc): number[] {
  const th = (90 - disc.dec) * RAD;
  const ph = disc.ra * RAD;
  const v: V3 = [Math.sin(th) * Math.cos(ph), Math.sin(th) * Math.sin(ph), Math.cos(th)];
  const out: number[] = [];
  query_disc_inclusive_nest(order2nside(order), v, Math.min(disc.radiusDeg * RAD, Math.PI / 2 - 1e-9), (p) => out.push(p));
  return out.sort((a, b) => a - b);
}

export const manifestFile = (catalogDir: string) => join(catalogDir, 'manifest.json');
export const tileFile = (catalogDir: string, order: number, pixel: number) => join(catalogDir, `hpx${order}`, `${pixel}.csv`);

/** A folder holding one catalogue's tiles (it has a manifest). */
export function isCatalogDirPart(path: string): boolean {
  return existsSync(manifestFile(path));
}

export function readManifest(catalogDir: string): CatalogDirManifest {
  const file = manifestFile(catalogDir);
  let m: CatalogDirManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as CatalogDirManifest;
  } catch (e) {
    throw new UserError(`cannot read the catalogue mirror manifest ${file}: ${(e as Error).message}`, 'build the folder again with vasco catalog-dir build');
  }
  if (m.format !== CATALOG_DIR_FORMAT || m.scheme !== 'nested' || !Number.isInteger(m.order)) {
    throw new UserError(`${file} is not a catalogue mirror this version reads (format ${m.format})`, 'build the folder again with vasco catalog-dir build');
  }
  return m;
}

/**
 * The catalogues of `ids` that `--catalog-dir DIR` holds, as `--catalog` would name them
 * (the folder DIR/<id>). Catalogues it does not hold are left to the network.
 */
export function catalogDirFiles(dir: string, ids: readonly CatalogId[]): Partial<Record<CatalogId, string>> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UserError(`--catalog-dir ${dir} is not a folder`, 'give the folder made by vasco catalog-dir build (DIR/<catalogue>/manifest.json)');
  }
  const out: Partial<Record<CatalogId, string>> = {};
  for (const id of ids) if (isCatalogDirPart(join(root, id))) out[id] = join(root, id);
  if (!Object.keys(out).length) {
    throw new UserError(
      `--catalog-dir ${dir} holds none of the catalogues of this run (${ids.join(', ')})`,
      'build them into it: vasco catalog-dir build DIR --catalog gaia=FILE ...',
    );
  }
  return out;
}

/** The rows of the tiles overlapping `disc` (all tiles without one), as one table. */
export function readCatalogDir(catalogDir: string, disc?: SkyDisc): SimpleTable {
  const m = readManifest(catalogDir);
  const pixels = disc ? healpixDisc(m.order, disc) : Object.keys(m.tiles).map(Number);
  const rows: string[][] = [];
  for (const p of pixels) {
    if (!m.tiles[String(p)]) continue;
    const file = tileFile(catalogDir, m.order, p);
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (e) {
      throw new UserError(`catalogue mirror ${catalogDir}: tile ${file} is missing (${(e as Error).message})`, 'build the folder again with vasco catalog-dir build');
    }
    const t = parseCsv(text, file);
    if (t.rows.length !== m.tiles[String(p)]) {
      throw new UserError(`catalogue mirror ${catalogDir}: tile ${file} has ${t.rows.length} rows, the manifest says ${m.tiles[String(p)]}`, 'build the folder again with vasco catalog-dir build');
    }
    for (const r of t.rows) rows.push(r);
  }
  return tableFromCsv({ header: m.columns, rows });
}

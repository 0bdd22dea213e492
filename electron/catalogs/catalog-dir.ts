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
 * `vasco catalog-dir build DIR --catalog gaia=FILE` makes it from a CSV (read in
 * pieces, so it may be larger than memory), VOTable or FITS table.
 */
import { ang2pix_nest, order2nside, query_disc_inclusive_nest, type V3 } from '@hscmap/healpix';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors';
import { formatCsv, parseCsv } from '../core/csv';
import { CATALOGS, type CatalogId } from './catalogs';
import { DEC_NAMES, findColumn, RA_NAMES, type SimpleTable, tableFromCsv } from './table';

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
const tileFile = (catalogDir: string, order: number, pixel: number) => join(catalogDir, `hpx${order}`, `${pixel}.csv`);

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

/** Pieces of a CSV file of about `bytes` each, cut at line ends, with its header line. */
function* csvPieces(file: string, bytes = 16 << 20): Generator<{ header: string; body: string }> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    let carry = '';
    let header: string | null = null;
    for (;;) {
      const n = readSync(fd, buf, 0, bytes, null);
      let text = carry + buf.subarray(0, n).toString('latin1');
      const cut = n === 0 ? text.length : text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      text = text.slice(0, cut);
      if (header === null) {
        // Leading # comment lines, then the header line.
        const m = /^(?:#[^\n]*\n)*([^\n]*\n)/.exec(text);
        if (!m) {
          if (n === 0) return;
          carry = text + carry;
          continue;
        }
        header = m[1];
        text = text.slice(m[0].length);
      }
      if (text) yield { header, body: text };
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** Rows of a catalogue file, a piece at a time (CSV read in pieces; VOTable and FITS whole). */
async function* tablePieces(file: string, pieceBytes?: number): AsyncGenerator<SimpleTable> {
  if (/\.csv$/i.test(file)) {
    for (const p of csvPieces(file, pieceBytes)) yield tableFromCsv(parseCsv(p.header + p.body, file));
    return;
  }
  const { readTableFile } = await import('./local-files');
  yield await readTableFile(file);
}

export interface BuildResult {
  catalog: CatalogId;
  dir: string;
  rows: number;
  tiles: number;
  skipped: number;
}

/**
 * Cuts one catalogue file into DIR/<id>/hpx<order>/<pixel>.csv with its manifest.
 * Built in a temporary folder and renamed, so a half-built mirror is never used.
 */
export async function buildCatalogDir(
  dir: string,
  id: CatalogId,
  file: string,
  o: { order?: number; log?: (line: string) => void; /** CSV piece size (tests). */ pieceBytes?: number } = {},
): Promise<BuildResult> {
  const order = o.order ?? DEFAULT_ORDER;
  const log = o.log ?? (() => {});
  if (!Number.isInteger(order) || order < 0 || order > 12) throw new UserError(`--order ${order} is not a HEALPix order from 0 to 12`, 'use e.g. --order 6 (pixels of about 0.9 deg)');
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserError(`--catalog ${id}=${file}: no such file`, 'check the path');
  const def = CATALOGS[id];
  const target = join(resolve(dir), id);
  if (existsSync(target)) throw new UserError(`${target} already exists`, `remove it first to build ${def.label} again`);
  const tmp = `${target}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, `hpx${order}`), { recursive: true });
  const tiles: Record<string, number> = {};
  let columns: string[] | null = null;
  let raIdx = -1;
  let decIdx = -1;
  let skipped = 0;
  let rows = 0;
  try {
    for await (const t of tablePieces(file, o.pieceBytes)) {
      const names = t.columns.map((c) => c.name);
      if (!columns) {
        columns = names;
        raIdx = findColumn(t, [def.ra, ...RA_NAMES]);
        decIdx = findColumn(t, [def.dec, ...DEC_NAMES]);
        if (raIdx < 0 || decIdx < 0) throw new UserError(`${file}: no ${raIdx < 0 ? 'RA' : 'Dec'} column (columns: ${names.join(', ')})`, 'name the columns ra/dec (or RA_ICRS/DE_ICRS, RAJ2000/DEJ2000)');
      }
      const byTile = new Map<number, string[][]>();
      for (const r of t.rows) {
        const ra = Number(r[raIdx]);
        const dec = Number(r[decIdx]);
        if (r[raIdx] === '' || r[decIdx] === '' || !Number.isFinite(ra) || !Number.isFinite(dec) || dec < -90 || dec > 90) {
          skipped++;
          continue;
        }
        const p = healpixNested(order, ra, dec);
        let list = byTile.get(p);
        if (!list) byTile.set(p, (list = []));
        list.push(r);
      }
      for (const [p, list] of byTile) {
        const f = tileFile(tmp, order, p);
        const text = formatCsv(columns, list);
        // The header goes in once, when the tile file is started.
        appendFileSync(f, tiles[String(p)] ? text.slice(text.indexOf('\r\n') + 2) : text);
        tiles[String(p)] = (tiles[String(p)] ?? 0) + list.length;
        rows += list.length;
      }
      log(`catalog-dir: ${def.label}: ${rows} rows in ${Object.keys(tiles).length} tiles so far`);
    }
    if (!columns) throw new UserError(`${file} holds no rows`, 'give the catalogue file with its header line and rows');
    const manifest: CatalogDirManifest = {
      format: CATALOG_DIR_FORMAT,
      catalog: id,
      label: def.label,
      order,
      scheme: 'nested',
      frame: 'ICRS',
      columns,
      raColumn: columns[raIdx],
      decColumn: columns[decIdx],
      tiles,
      rows,
      skipped,
      source: { file: resolve(file), bytes: statSync(file).size },
      builtUtc: new Date().toISOString(),
    };
    writeFileSync(manifestFile(tmp), `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { catalog: id, dir: target, rows, tiles: Object.keys(tiles).length, skipped };
}

/**
 * `vasco catalog-dir build DIR --catalog gaia=FILE`: cuts a catalogue file
 * into the HEALPix layout of catalog-dir.ts, from a CSV (read in pieces, so it
 * may be larger than memory), VOTable or FITS table. Apart from the reading
 * side, because building reads files the way local-files.ts does, and
 * local-files.ts reads mirrors.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatCsv, parseCsv } from '../core/csv';
import { UserError } from '../core/errors';
import { CATALOG_DIR_FORMAT, type CatalogDirManifest, DEFAULT_ORDER, healpixNested, manifestFile, tileFile } from './catalog-dir';
import { CATALOGS, type CatalogId } from './catalogs';
import { readTableFile } from './local-files';
import { DEC_NAMES, findColumn, RA_NAMES, type SimpleTable, tableFromCsv } from './table';

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

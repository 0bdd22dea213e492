/**
 * The data folder a host offers for picking plates and catalogue files
 * (`vasco serve --data-dir DIR`, the Electron shell's --data-dir): files.list
 * shows its FITS plates, catalogue files and subfolders, each plate with what
 * its header says, and nothing outside it. A page of the browser host can list
 * only this folder; symlinks and `..` that lead out of it are refused (asked
 * for) or left out (met in a listing).
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors';
import { FitsFile } from '../fits/file';
import { plateInfoFromHeader, poss1Field } from '../astro/plate-info';
import type { DataFolderEntry, DataFolderListing, PlateSummary } from './contract';

export const FITS_EXTENSIONS = ['.fits', '.fit', '.fts', '.fits.gz', '.fit.gz', '.fts.gz'] as const;
export const CATALOGUE_EXTENSIONS = ['.csv', '.vot', '.xml', '.ecsv'] as const;

/** Gzipped plates are inflated in memory to read their header: larger ones are listed without it. */
const MAX_GZIP_HEADER_READ = 100 * 1024 * 1024;
/** Headers read per listing at most (a folder of thousands of scans stays quick). */
const MAX_HEADERS = 400;

/**
 * The data folder from the command line: `--data-dir DIR` (or `--data-dir=DIR`),
 * else $VASCO_DATA_DIR, else `fallback` (the current folder for `vasco serve`).
 */
export function dataFolderFromArgv(argv: string[], env: NodeJS.ProcessEnv, fallback: string): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data-dir' && argv[i + 1]) return resolve(argv[i + 1]);
    if (argv[i].startsWith('--data-dir=')) return resolve(argv[i].slice('--data-dir='.length));
  }
  return resolve(env.VASCO_DATA_DIR || fallback);
}

function kindOf(name: string): 'fits' | 'catalogue' | null {
  const lower = name.toLowerCase();
  if (FITS_EXTENSIONS.some((e) => lower.endsWith(e))) return 'fits';
  if (CATALOGUE_EXTENSIONS.some((e) => lower.endsWith(e))) return 'catalogue';
  return null;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/** The real (symlink-free) root, or a clear error when the data folder is missing. */
async function realRoot(root: string): Promise<string> {
  try {
    const real = await realpath(root);
    if (!(await stat(real)).isDirectory()) throw new Error('not a folder');
    return real;
  } catch (err) {
    throw new UserError(
      `the data folder ${root} cannot be listed (${(err as Error).message})`,
      'start the host with --data-dir pointing at the folder holding your plates',
      'not-found',
    );
  }
}

/**
 * `dir`, relative to the data folder, as a real path inside it; refused when
 * it is absolute, climbs out with `..`, or is a link leading outside.
 */
async function folderInside(root: string, dir: string): Promise<string> {
  const refuse = (why: string) =>
    new UserError(`files.list: "${dir}" ${why}; only the data folder ${root} and its subfolders can be listed`, 'pick a folder inside the data folder, or restart the host with another --data-dir', 'forbidden');
  if (isAbsolute(dir) || /^[a-zA-Z]:/.test(dir)) throw refuse('is an absolute path');
  if (dir.split(/[\\/]+/).includes('..')) throw refuse('climbs out with ".."');
  let real: string;
  try {
    real = await realpath(join(root, dir));
  } catch {
    throw new UserError(`files.list: no folder "${dir}" in the data folder ${root}`, 'list the data folder again; it may have been moved', 'not-found');
  }
  if (!inside(root, real)) throw refuse('is a link leading outside the data folder');
  if (!(await stat(real)).isDirectory()) throw new UserError(`files.list: "${dir}" is a file, not a folder`, undefined, 'bad-arguments');
  return real;
}

/** "XE198 red · POSS-I E · plate 07WS · 1957-12-20" and its parts, or the reason the header says nothing of the kind. */
export async function plateSummary(file: string, size: number): Promise<{ plate?: PlateSummary; note?: string }> {
  if (file.toLowerCase().endsWith('.gz') && size > MAX_GZIP_HEADER_READ)
    return { note: `gzip-compressed, ${Math.round(size / 1e6)} MB: header not read here` };
  let f: FitsFile;
  try {
    f = await FitsFile.open(file);
  } catch (err) {
    if (err instanceof UserError) return { note: err.message.split(file).join('this file') };
    throw err;
  }
  try {
    const hdu = f.imageHdu();
    const info = plateInfoFromHeader(hdu.header, file);
    const date = info.startUtc?.slice(0, 10) ?? null;
    const survey = info.survey.replace(/^POSSI-/, 'POSS-I ');
    const text = [`${info.region || '?'} ${info.band}`, survey, info.plateId ? `plate ${info.plateId}` : null, date].filter(Boolean).join(' · ');
    return {
      plate: {
        band: info.band,
        survey: info.survey,
        region: info.region,
        field: poss1Field(info.region),
        plateId: info.plateId,
        dateObs: info.startUtc,
        width: info.naxis1,
        height: info.naxis2,
        text,
      },
    };
  } catch (err) {
    if (err instanceof UserError) return { note: err.message.split(file).join('this file') };
    throw err;
  } finally {
    await f.close();
  }
}

/**
 * The plates, catalogue files and subfolders of `dir` (relative to the data
 * folder; '' for the folder itself), folders first, then by name. Links whose
 * target lies outside the data folder are left out and counted in `hiddenLinks`.
 */
export async function listDataFolder(dataDir: string, dir = ''): Promise<DataFolderListing> {
  const root = await realRoot(dataDir);
  const folder = await folderInside(root, dir);
  const rel = relative(root, folder).split(sep).join('/');
  const names = (await readdir(folder)).sort((a, b) => a.localeCompare(b));
  const entries: DataFolderEntry[] = [];
  let hiddenLinks = 0;
  let headers = 0;
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(folder, name);
    let real: string;
    try {
      real = (await lstat(path)).isSymbolicLink() ? await realpath(path) : path;
    } catch {
      continue; // a dangling link: nothing to pick
    }
    if (!inside(root, real)) {
      hiddenLinks++;
      continue;
    }
    const st = await stat(real).catch(() => null);
    if (!st) continue;
    const relPath = rel ? `${rel}/${name}` : name;
    const base = { name, path, relPath, size: st.size, mtime: st.mtime.toISOString() };
    if (st.isDirectory()) {
      entries.push({ ...base, kind: 'folder' });
      continue;
    }
    const kind = kindOf(name);
    if (!kind || !st.isFile()) continue;
    if (kind === 'catalogue') entries.push({ ...base, kind });
    else entries.push({ ...base, kind, ...(headers++ < MAX_HEADERS ? await plateSummary(real, st.size) : { note: 'header not read (too many plates in this folder)' }) });
  }
  entries.sort((a, b) => Number(b.kind === 'folder') - Number(a.kind === 'folder'));
  return {
    root,
    dir: rel,
    parent: rel === '' ? null : rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '',
    entries,
    hiddenLinks,
  };
}

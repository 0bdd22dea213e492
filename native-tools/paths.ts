/**
 * File names the tools can take. SExtractor splits its image argument and
 * list-valued configuration values at spaces and commas, reads "[...]" after
 * an image name as an extension number, and config values are not quoted; so
 * a plate in "My Plates, 1951 [v2]/red plate.fits" or an --out with a space
 * would break the run. Every tool runs with its work folder as the current
 * directory, and every file is given by a name relative to it made of safe
 * characters only: the file's own relative path when that is safe, else a
 * symbolic link in the work folder.
 */
import { createHash } from 'node:crypto';
import { readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

/** Characters no tool reads as a separator, list, extension or comment. */
const SAFE = /^[A-Za-z0-9_./+-]+$/;

/**
 * A name for `path` relative to `cwd` that the tools read as one file: its
 * relative path when every character is safe, else a symbolic link in `cwd`
 * named after the target ("link-<digest of the path>-red_plate.fits"), made
 * atomically so tool runs sharing a folder never see it half made.
 */
export function toolFileName(cwd: string, path: string): string {
  const target = resolve(path);
  const rel = relative(resolve(cwd), target);
  if (SAFE.test(rel)) return rel;
  const alias = `link-${createHash('sha256').update(target).digest('hex').slice(0, 12)}-${basename(target).replace(/[^A-Za-z0-9_.+-]/g, '_')}`;
  const link = join(cwd, alias);
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    current = null;
  }
  if (current !== target) {
    const temp = `${link}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    symlinkSync(target, temp);
    renameSync(temp, link);
  }
  return alias;
}

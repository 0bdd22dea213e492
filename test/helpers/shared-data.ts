/**
 * Real data lives in ../shared/data and is read in place, never copied. A test
 * that needs a file asks for it here; when it is absent the test is skipped and
 * the reason (which file, where it comes from) is printed.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDataDir = process.env.VASCO_SHARED_DATA ?? resolve(projectRoot, '..', 'shared', 'data');

/** Absolute path of a file under ../shared/data. */
export function sharedData(relative: string): string {
  return join(sharedDataDir, relative);
}

/**
 * True when every file exists. Otherwise prints why the caller will skip and
 * returns false; use as `describe.skipIf(!haveSharedData('dss/x.jsonl'))`.
 */
export function haveSharedData(...relatives: string[]): boolean {
  const missing = relatives.filter((r) => !existsSync(sharedData(r)));
  if (missing.length) {
    console.warn(
      `SKIP: missing ${missing.map(sharedData).join(', ')} (real data from ../shared/data, see its README.md)`,
    );
    return false;
  }
  return true;
}

/** True when a command is on PATH; prints the skip reason otherwise. */
export function haveCommand(cmd: string, install: string): boolean {
  const found = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
  if (!found) console.warn(`SKIP: \`${cmd}\` not found on PATH (install: ${install})`);
  return found;
}

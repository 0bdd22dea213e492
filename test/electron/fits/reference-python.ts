/**
 * Independent reference values for the FITS and astrometry tests: astropy run
 * by Debian's /usr/bin/python3 (another python3 may come first on PATH).
 * One process per call; the script reads JSON on stdin and prints JSON.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let astropyOk: boolean | undefined;

/** True when /usr/bin/python3 can import astropy; prints the skip reason otherwise. */
export function haveAstropy(): boolean {
  if (astropyOk === undefined) {
    astropyOk = existsSync(PYTHON) && (() => {
      try {
        execFileSync(PYTHON, ['-c', 'import astropy'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!astropyOk) console.warn('SKIP: astropy not importable by /usr/bin/python3 (install: apt-get install python3-astropy)');
  }
  return astropyOk;
}

/** Offline astropy: no IERS downloads (the machines have no internet). */
const PRELUDE = `
import json, sys, warnings
warnings.simplefilter('ignore')
from astropy.utils import iers
iers.conf.auto_download = False
`;

/** Run a python script (after the prelude) with `input` as JSON on stdin; parse its stdout as JSON. */
export function runPython<T>(script: string, input: unknown = null): T {
  const out = execFileSync(PYTHON, ['-c', PRELUDE + script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 << 20,
  });
  return JSON.parse(out) as T;
}

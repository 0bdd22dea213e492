/**
 * Runs a small astropy script with Debian's /usr/bin/python3 (the only python
 * that has astropy here) and returns its JSON output: the independent
 * reference for WCS tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export function haveAstropy(): boolean {
  const ok =
    existsSync(PYTHON) &&
    (() => {
      try {
        execFileSync(PYTHON, ['-c', 'import astropy.wcs'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  if (!ok) console.warn('SKIP: astropy not importable by /usr/bin/python3 (apt-get install python3-astropy)');
  return ok;
}

/** Run `script` with `input` as JSON on stdin; the script prints one JSON value. */
export function astropy<T>(script: string, input: unknown): T {
  const prelude = 'import sys, json, warnings\nwarnings.simplefilter("ignore")\nINPUT = json.load(sys.stdin)\n';
  const out = execFileSync(PYTHON, ['-c', prelude + script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}

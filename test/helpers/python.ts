/**
 * Independent reference values computed by astropy (and numpy) under Debian's
 * /usr/bin/python3, the only interpreter with astropy here (another python3
 * may come first on PATH). One process per call, JSON on stdin and stdout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let available: boolean | undefined;

/** True when /usr/bin/python3 can import astropy; prints the skip reason once otherwise. */
export function haveAstropy(): boolean {
  if (available === undefined) {
    try {
      available = existsSync(PYTHON) && (execFileSync(PYTHON, ['-c', 'import astropy.wcs, numpy'], { stdio: 'ignore' }), true);
    } catch {
      available = false;
    }
    if (!available) console.warn(`SKIP: astropy not importable by ${PYTHON} (install: sudo apt-get install python3-astropy)`);
  }
  return available;
}

/** Offline astropy: no IERS downloads (the machines have no internet), warnings kept off stdout. */
const PRELUDE = `
import json, sys, warnings
warnings.simplefilter('ignore')
from astropy.utils import iers
iers.conf.auto_download = False
`;

/** Run a python script as is, `stdin` on its standard input; its standard output. */
export function pythonText(script: string, stdin = ''): string {
  return execFileSync(PYTHON, ['-c', script], { input: stdin, encoding: 'utf8', maxBuffer: 512 << 20 });
}

/** Run `script` (after the prelude) with `input` as JSON on stdin; parse what it prints as JSON. */
export function runPython<T>(script: string, input: unknown = null): T {
  return JSON.parse(pythonText(PRELUDE + script, JSON.stringify(input))) as T;
}

/** Like runPython, with the input already parsed as `INPUT` and numpy as `np`. */
export function astropy<T>(script: string, input: unknown): T {
  return runPython<T>(`import numpy as np\nINPUT = json.load(sys.stdin)\n${script}`, input);
}

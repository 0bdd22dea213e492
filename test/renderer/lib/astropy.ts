/**
 * Run a short astropy/numpy script with Debian's /usr/bin/python3 (the only
 * interpreter that has astropy here) and read its JSON answer. Input arrays go
 * through a temporary JSON file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

export function haveAstropy(): boolean {
  if (!existsSync(PYTHON)) {
    console.warn(`SKIP: ${PYTHON} not found (install: apt-get install -y python3-astropy)`);
    return false;
  }
  try {
    execFileSync(PYTHON, ['-c', 'import astropy, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(`SKIP: astropy not importable by ${PYTHON} (install: apt-get install -y python3-astropy)`);
    return false;
  }
}

/** `script` reads `inp` (the parsed input JSON) and must print one JSON value. */
export function astropy<T>(script: string, input: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-renderer-'));
  try {
    const file = join(dir, 'in.json');
    writeFileSync(file, JSON.stringify(input));
    const code = `import json, sys\nimport numpy as np\ninp = json.load(open(sys.argv[1]))\n${script}`;
    const out = execFileSync(PYTHON, ['-c', code, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return JSON.parse(out) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

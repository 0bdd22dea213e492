/**
 * scripts/setup.sh must install every Debian package the tests and benches
 * use: on a fresh machine a missing one fails the suite (python3-scipy did,
 * while a package installed by hand hid it). This finds what the tests and
 * benches need — the commands they call, the Python modules their reference
 * scripts import — asks dpkg which package provides each, and checks that the
 * package is in setup.sh's list or among its dependencies (recommends not
 * counted: setup installs with --no-install-recommends).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/shared-data';
import { PYTHON } from '../helpers/python';

function sh(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  } catch {
    return null;
  }
}

function filesUnder(dir: string, exts: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), exts) : exts.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const setupPackages = (() => {
  const text = readFileSync(join(projectRoot, 'scripts', 'setup.sh'), 'utf8');
  const m = /^packages=\(([^)]*)\)/m.exec(text);
  return m ? m[1].trim().split(/\s+/) : [];
})();

/** setup.sh's packages with everything they depend on, or null when apt-cache cannot tell. */
function installedBySetup(): Set<string> | null {
  const out = sh('apt-cache', [
    'depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks',
    '--no-replaces', '--no-enhances', ...setupPackages,
  ]);
  if (!out) return null;
  const names = out.split('\n').filter((l) => /^[a-z0-9]/.test(l)).map((l) => l.replace(/:any$/, '').trim());
  return names.length ? new Set(names) : null;
}

const sources = [...filesUnder(join(projectRoot, 'test'), /\.(ts|tsx|py)$/), ...filesUnder(join(projectRoot, 'bench'), /\.(ts|py)$/)]
  .filter((f) => !f.endsWith('setup-packages.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));

/** Commands the tests ask for by name (haveCommand) or by absolute path. */
function commandsUsed(): string[] {
  const found = new Set<string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/haveCommand\('([^']+)'/g)) found.add(m[1]);
    for (const m of text.matchAll(/['"`](\/usr\/bin\/[\w.+-]+)['"`]/g)) found.add(m[1]);
  }
  return [...found].sort();
}

// Functions that import a module lazily, so no import line names it.
const LAZY_IMPORTS: Record<string, string> = { search_around_sky: 'scipy', match_to_catalog_sky: 'scipy', least_squares: 'scipy' };

/** Top-level Python modules imported by reference scripts (.py files and Python held in TypeScript strings). */
function pythonModulesUsed(): string[] {
  const found = new Set<string>();
  for (const { text } of sources) {
    for (const line of text.split('\n')) {
      if (/['"]/.test(line)) continue; // TypeScript imports always quote their module
      const m = /^\s*(?:from\s+([A-Za-z_]\w*)[\w.]*\s+import\s|import\s+([A-Za-z_]\w*)[\w.]*(\s+as\s+\w+)?\s*(,|$))/.exec(line);
      if (m) found.add(m[1] ?? m[2]);
    }
    for (const [fn, mod] of Object.entries(LAZY_IMPORTS)) if (text.includes(fn)) found.add(mod);
  }
  const stdlib = sh(PYTHON, ['-c', 'import sys; print("\\n".join(sys.stdlib_module_names))']);
  const std = new Set((stdlib ?? '').split('\n'));
  return [...found].filter((m) => !std.has(m)).sort();
}

/** The Debian package that owns a file, or null. */
function owner(path: string): string | null {
  const out = sh('dpkg', ['-S', path]);
  return out ? out.split(':')[0].trim() : null;
}

const closure = installedBySetup();
if (!closure) console.warn('SKIP: apt-cache cannot list the dependencies of setup.sh\'s packages (not Debian/Ubuntu, or apt lists missing: run apt-get update)');

describe.skipIf(!closure)('scripts/setup.sh installs what the tests use', () => {
  it('finds the commands and Python modules the tests need', () => {
    expect(commandsUsed()).toEqual(expect.arrayContaining(['source-extractor', 'psfex', '/usr/bin/chromium', '/usr/bin/python3']));
    expect(pythonModulesUsed()).toEqual(expect.arrayContaining(['astropy', 'numpy', 'scipy']));
  });

  it('every command the tests call comes from a package setup.sh installs', () => {
    const missing: string[] = [];
    for (const cmd of commandsUsed()) {
      const path = cmd.startsWith('/') ? cmd : sh('sh', ['-c', `command -v ${cmd}`])?.trim();
      const pkg = path ? owner(realpathSync(path)) ?? owner(path) : null;
      if (!pkg || !closure!.has(pkg)) missing.push(`${cmd} (${pkg ?? 'not installed here'})`);
    }
    expect(missing, 'add these packages to packages=(...) in scripts/setup.sh').toEqual([]);
  });

  it('every Python module the reference scripts import comes from a package setup.sh installs', () => {
    const missing: string[] = [];
    for (const mod of pythonModulesUsed()) {
      const origin = sh(PYTHON, ['-c', `import importlib.util as u; s = u.find_spec(${JSON.stringify(mod)}); print(s.origin if s else '')`])?.trim();
      const pkg = origin ? owner(origin) : null;
      if (!pkg || !closure!.has(pkg)) missing.push(`${mod} (${pkg ?? `not importable by ${PYTHON}`})`);
    }
    expect(missing, 'add these packages to packages=(...) in scripts/setup.sh').toEqual([]);
  });
});

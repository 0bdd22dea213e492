/**
 * Finding SExtractor and PSFEx on this machine and reading their versions.
 *
 * Search order: the environment override (VASCO_SEXTRACTOR / VASCO_PSFEX, a path
 * to the binary; when set it must work, we never fall back behind a person's
 * explicit choice), then the copies packaged with the app (resources/tools/bin,
 * staged by scripts/build-tools.mjs: the versions the app was tested with), then
 * PATH for the names packagers use.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../electron/core/errors';

export type ToolName = 'sextractor' | 'psfex';

export interface ToolInfo {
  name: ToolName;
  /** Absolute path of the executable. */
  path: string;
  /** e.g. "2.25.0". */
  version: string;
  /** The tool's own version line, e.g. "Source Extractor version 2.25.0 (2018-02-08)". */
  versionLine: string;
  /** Folder of the packaged defaults (default.conv, default.nnw, default.psfex ...), when found. */
  shareDir: string | null;
}

export const INSTALL_HINT = 'install them: sudo apt-get install source-extractor psfex';

interface ToolSpec {
  envVar: string;
  /** Binary names in the order we try them on PATH. */
  names: string[];
  /** What the version line must say, so an unrelated `sex` is not taken for SExtractor. */
  versionPattern: RegExp;
  /** Folder names under <prefix>/share holding the packaged defaults. */
  shareNames: string[];
  label: string;
}

const SPECS: Record<ToolName, ToolSpec> = {
  sextractor: {
    envVar: 'VASCO_SEXTRACTOR',
    names: ['source-extractor', 'sextractor', 'sex'],
    versionPattern: /(?:Source Extractor|SExtractor) version (\d+(?:\.\d+)+)/i,
    shareNames: ['source-extractor', 'sextractor'],
    label: 'SExtractor (source-extractor)',
  },
  psfex: {
    envVar: 'VASCO_PSFEX',
    names: ['psfex'],
    versionPattern: /PSFEx version (\d+(?:\.\d+)+)/i,
    shareNames: ['psfex'],
    label: 'PSFEx',
  },
};

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Inside the packaged Electron app, where process.resourcesPath is set: its bundled tools' folder. */
function bundledToolsDir(): string[] {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  return resources ? [join(resources, 'tools', 'bin')] : [];
}

function searchPath(names: string[]): string | null {
  const dirs = [...bundledToolsDir(), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return resolve(candidate);
    }
  }
  return null;
}

function findShareDir(binary: string, shareNames: string[]): string | null {
  // Debian: /usr/bin/x -> /usr/share/<name>; Homebrew and /usr/local alike.
  const prefixes = [resolve(dirname(binary), '..'), '/usr', '/usr/local'];
  for (const prefix of prefixes) {
    for (const name of shareNames) {
      const dir = join(prefix, 'share', name);
      if (existsSync(dir)) return dir;
    }
  }
  return null;
}

/** Locate one tool and read its version; throws UserError (code 'tool-missing') when absent or broken. */
export async function findTool(name: ToolName): Promise<ToolInfo> {
  const spec = SPECS[name];
  const override = process.env[spec.envVar];
  let path: string | null;
  if (override) {
    if (!isExecutableFile(override)) {
      throw new UserError(
        `${spec.label} not found at ${override} (set by ${spec.envVar})`,
        `point ${spec.envVar} at the executable, unset it to search PATH, or ${INSTALL_HINT}`,
        'tool-missing',
      );
    }
    path = resolve(override);
  } else {
    path = searchPath(spec.names);
    if (!path) {
      throw new UserError(
        `${spec.label} not found: looked for ${spec.names.join(', ')} on PATH`,
        `${INSTALL_HINT} (or set ${spec.envVar} to the executable)`,
        'tool-missing',
      );
    }
  }
  // Both tools print "<Name> version X (date)" for -v and exit 0.
  const r = await execa(path, ['-v'], { reject: false, all: true, timeout: 15_000 });
  const output = String(r.all ?? '');
  const m = spec.versionPattern.exec(output);
  if (!m) {
    throw new UserError(
      `${path} does not look like ${spec.label}: \`${path} -v\` printed ${JSON.stringify(output.slice(0, 200))}`,
      `${INSTALL_HINT} (or set ${spec.envVar} to the right executable)`,
      'tool-missing',
    );
  }
  return {
    name,
    path,
    version: m[1],
    versionLine: output.split('\n').find((l) => spec.versionPattern.test(l))?.trim() ?? m[0],
    shareDir: findShareDir(path, spec.shareNames),
  };
}

export interface NativeTools {
  sextractor: ToolInfo;
  psfex: ToolInfo;
}

/** Both tools, or one UserError naming every missing one. */
export async function findNativeTools(): Promise<NativeTools> {
  const results = await Promise.allSettled([findTool('sextractor'), findTool('psfex')]);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (errors.length) {
    if (errors.length === 1) throw errors[0];
    const users = errors.filter((e): e is UserError => e instanceof UserError);
    if (users.length !== errors.length) throw errors.find((e) => !(e instanceof UserError));
    throw new UserError(users.map((e) => e.message).join('; '), users[0].hint, 'tool-missing');
  }
  const [sextractor, psfex] = results.map((r) => (r as PromiseFulfilledResult<ToolInfo>).value);
  return { sextractor, psfex };
}

/** "source-extractor 2.25.0" style map for RunSummary.tools. */
export function toolVersions(tools: NativeTools): Record<string, string> {
  return {
    sextractor: `${tools.sextractor.version} (${tools.sextractor.path})`,
    psfex: `${tools.psfex.version} (${tools.psfex.path})`,
  };
}

#!/usr/bin/env node
/**
 * `node scripts/build-tools.mjs [DIR]`: stage SExtractor and PSFEx for the
 * packaged app (electron-builder.yml copies DIR, default dist/tools, to
 * resources/tools):
 *
 *   bin/source-extractor, bin/psfex   this machine's binaries, RPATH $ORIGIN/../lib
 *   lib/*.so.*                        every shared library they load except glibc's
 *   share/source-extractor, share/psfex   their packaged defaults (native-tools/find.ts looks in bin/../share)
 *   share/doc/<package>/copyright     their licences (GPL-3)
 *
 * The libraries are found with ldd and the binaries' RPATH set with patchelf
 * (Debian: apt-get install patchelf), so the tools run from the package on a
 * machine without them, with no LD_LIBRARY_PATH and no wrapper script. glibc
 * itself stays the system's: a library built against a newer glibc than the
 * target's would not load anyway.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsStageDir = join(root, 'dist', 'tools');

/** [binary name, Debian package] of each bundled tool. */
export const BUNDLED_TOOLS = [
  ['source-extractor', 'source-extractor'],
  ['psfex', 'psfex'],
];

/** glibc and the kernel's vDSO: always the target system's own. */
export const SYSTEM_LIBS = /^(linux-vdso|linux-gate|ld-linux[-.\w]*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libmvec)\.so/;

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`build-tools: ${name} is not installed (sudo apt-get install ${BUNDLED_TOOLS.find(([n]) => n === name)?.[1] ?? name})`);
}

/** soname -> resolved path of every shared library `binary` loads (ldd: the whole tree). */
export function sharedLibraries(binary) {
  const libs = new Map();
  for (const line of execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s*(\S+) => (\/\S+) \(0x[0-9a-f]+\)/.exec(line);
    if (m) libs.set(m[1], m[2]);
    else if (/not found/.test(line)) throw new Error(`build-tools: ${binary} needs ${line.trim()}`);
  }
  return libs;
}

export function stageNativeTools(outDir = toolsStageDir) {
  try {
    execFileSync('patchelf', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('build-tools: patchelf is needed to set the bundled tools\' RPATH (sudo apt-get install patchelf)');
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const sub of ['bin', 'lib', 'share/doc']) mkdirSync(join(outDir, sub), { recursive: true });
  const libs = new Map();
  for (const [name, pkg] of BUNDLED_TOOLS) {
    const src = realpathSync(which(name));
    const dest = join(outDir, 'bin', name);
    cpSync(src, dest);
    chmodSync(dest, 0o755);
    for (const [soname, path] of sharedLibraries(src)) if (!SYSTEM_LIBS.test(soname)) libs.set(soname, path);
    // DT_RPATH (not RUNPATH) so it also serves the libraries' own dependencies.
    execFileSync('patchelf', ['--force-rpath', '--set-rpath', '$ORIGIN/../lib', dest]);
    const share = join('/usr/share', pkg);
    if (existsSync(share)) cpSync(share, join(outDir, 'share', pkg), { recursive: true });
    const copyright = join('/usr/share/doc', pkg, 'copyright');
    if (existsSync(copyright)) cpSync(copyright, join(outDir, 'share', 'doc', pkg, 'copyright'));
  }
  for (const [soname, path] of libs) {
    const dest = join(outDir, 'lib', soname);
    cpSync(realpathSync(path), dest);
    chmodSync(dest, 0o755);
    execFileSync('patchelf', ['--force-rpath', '--set-rpath', '$ORIGIN', dest]);
  }
  console.log(`staged ${BUNDLED_TOOLS.map(([n]) => n).join(', ')} with ${libs.size} libraries in ${outDir}: ${[...libs.keys()].map((l) => basename(l)).sort().join(' ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  stageNativeTools(process.argv[2] ? resolve(process.argv[2]) : toolsStageDir);
}

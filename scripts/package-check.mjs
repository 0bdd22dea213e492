#!/usr/bin/env node
/**
 * Packaging, offline:
 *   node scripts/package-check.mjs               build main/preload (scripts/build-node.mjs), stage
 *                                                SExtractor/PSFEx (scripts/build-tools.mjs), then
 *                                                electron-builder --dir with a stub Electron, then check
 *                                                release/linux-unpacked: app.asar, the fuses, the bundled tools
 *   node scripts/package-check.mjs --icon-only   (re)draw resources/icon.png
 *
 * electron-builder cannot download Electron or rebuild native modules here, so
 * the check points electronDist at a folder holding a stub `electron` file and
 * turns npmRebuild off: what it verifies is the app's layout, not a runnable
 * Electron (real installers: `npm run package` on a networked machine). The
 * stub carries Electron's fuse wire (sentinel and default states), so the
 * electronFuses of electron-builder.yml are really flipped in it and read back.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { buildMain } from './build-node.mjs';
import { BUNDLED_TOOLS, sharedLibraries, stageNativeTools, SYSTEM_LIBS } from './build-tools.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

// ------------------------------------------------------------------ icon

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** RGBA pixels -> PNG bytes (8-bit, colour type 6, no filtering). */
export function encodePng(width, height, rgba) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The icon: a dark photographic plate (rounded square) with a field of faint
 * stars, one red star circled and its empty place on the blue side - the
 * vanishing source the workstation looks for.
 */
export function drawIcon(size = 512) {
  const px = Buffer.alloc(size * size * 4);
  const s = size / 512;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const stars = Array.from({ length: 70 }, () => [40 + rand() * 432, 40 + rand() * 432, 1 + rand() * 3.5])
    // the blue side stays empty where the red star was
    .filter(([x, y]) => Math.hypot(x - 330, y - 256) > 62 && Math.hypot(x - 200, y - 256) > 62);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const X = x / s, Y = y / s;
      // rounded square, corner radius 90
      const dx = Math.max(0, Math.abs(X - 256) - 166), dy = Math.max(0, Math.abs(Y - 256) - 166);
      const edge = 90 - Math.hypot(dx, dy);
      const alpha = Math.max(0, Math.min(1, edge + 0.5));
      const t = Y / 512;
      let r = 16 + 10 * t, g = 22 + 14 * t, b = 38 + 30 * t;
      for (const [sx, sy, sr] of stars) {
        const d = Math.hypot(X - sx, Y - sy);
        const v = 200 * Math.exp(-(d * d) / (2 * sr * sr));
        r += v; g += v; b += v;
      }
      const dRed = Math.hypot(X - 200, Y - 256);
      const glow = Math.exp(-(dRed * dRed) / (2 * 16 * 16));
      r += 255 * glow; g += 70 * glow; b += 60 * glow;
      // circles: solid red ring round the star, dashed blue ring where it is missing
      const ringRed = Math.abs(dRed - 52) < 5;
      const dBlue = Math.hypot(X - 330, Y - 256);
      const ang = Math.atan2(Y - 256, X - 330);
      const ringBlue = Math.abs(dBlue - 52) < 5 && Math.floor(((ang + Math.PI) / (2 * Math.PI)) * 16) % 2 === 0;
      if (ringRed) [r, g, b] = [235, 72, 64];
      if (ringBlue) [r, g, b] = [80, 140, 255];
      const i = (y * size + x) * 4;
      px[i] = Math.min(255, r);
      px[i + 1] = Math.min(255, g);
      px[i + 2] = Math.min(255, b);
      px[i + 3] = Math.round(255 * alpha);
    }
  return encodePng(size, size, px);
}

function writeIcon() {
  const file = join(root, 'resources', 'icon.png');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, drawIcon(512));
  console.log(`wrote ${file}`);
}

// ------------------------------------------------------------------ package

const EXPECTED_IN_ASAR = [
  '/package.json',
  '/dist/electron/main.js',
  '/dist/electron/preload.cjs',
  // what Electron's utility process runs for a pipeline run (electron/api/run-launcher.ts)
  '/dist/electron/run.mjs',
  '/dist/electron/config/vasco.sex',
  '/resources/icon.png',
  '/native-tools/config/vasco.sex',
];

// Electron's fuse wire (@electron/fuses): sentinel, version 1, length, one '0'/'1' a fuse.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own defaults in FuseV1Options order: what the stub starts with. */
const ELECTRON_DEFAULT_FUSES = '10110001';
/** What electron-builder.yml's electronFuses must leave in the packaged binary. */
const EXPECTED_FUSES = {
  RunAsNode: '0',
  EnableCookieEncryption: '1',
  EnableNodeOptionsEnvironmentVariable: '0',
  EnableNodeCliInspectArguments: '0',
  EnableEmbeddedAsarIntegrityValidation: '0',
  OnlyLoadAppFromAsar: '1',
  GrantFileProtocolExtraPrivileges: '0',
};

function writeStubElectron(dir) {
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES, 'latin1')]);
  const script = Buffer.from('#!/bin/sh\necho "stub electron for the offline packaging check" >&2\nexit 1\n# fuse wire: ');
  writeFileSync(join(dir, 'electron'), Buffer.concat([script, wire, Buffer.from('\n')]));
  chmodSync(join(dir, 'electron'), 0o755);
}

/** The fuses as electron-builder left them in the packaged binary, read back by @electron/fuses. */
async function checkFuses(binary) {
  const require = createRequire(import.meta.url);
  const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses');
  const wire = await getCurrentFuseWire(binary);
  const wrong = Object.entries(EXPECTED_FUSES)
    .filter(([name, state]) => String.fromCharCode(wire[FuseV1Options[name]]) !== state)
    .map(([name, state]) => `${name} is ${String.fromCharCode(wire[FuseV1Options[name]])}, expected ${state}`);
  if (wrong.length) throw new Error(`package check: fuses of ${binary}: ${wrong.join('; ')}`);
  return Object.keys(EXPECTED_FUSES).map((name) => `${name}=${EXPECTED_FUSES[name]}`).join(' ');
}

/** A 64x64 FITS image (BITPIX -32) of two Gaussian stars on a noisy sky; their FITS 1-based centres. */
function writeTwoStarFits(file) {
  const n = 64;
  const stars = [[20.25, 30.5], [45.5, 15.75]];
  let seed = 1;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const data = Buffer.alloc(n * n * 4 + ((2880 - ((n * n * 4) % 2880)) % 2880));
  for (let y = 1; y <= n; y++)
    for (let x = 1; x <= n; x++) {
      let v = 100 + noise();
      for (const [sx, sy] of stars) v += 500 * Math.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * 1.5 ** 2));
      data.writeFloatBE(v, ((y - 1) * n + (x - 1)) * 4);
    }
  const cards = ['SIMPLE  =                    T', 'BITPIX  =                  -32', 'NAXIS   =                    2', `NAXIS1  = ${String(n).padStart(20)}`, `NAXIS2  = ${String(n).padStart(20)}`, 'END'];
  const header = cards.map((c) => c.padEnd(80)).join('').padEnd(2880);
  writeFileSync(file, Buffer.concat([Buffer.from(header, 'latin1'), data]));
  return stars;
}

/**
 * The bundled SExtractor and PSFEx run from the unpacked folder with an EMPTY
 * PATH and no LD_LIBRARY_PATH: versions, every non-glibc library resolved inside
 * resources/tools/lib, and a real extraction finding two synthetic stars.
 */
function checkBundledTools(resources) {
  const bin = join(resources, 'tools', 'bin');
  const lib = join(resources, 'tools', 'lib');
  const bare = { env: { PATH: '' }, encoding: 'utf8' };
  const versions = [];
  for (const [name] of BUNDLED_TOOLS) {
    const tool = join(bin, name);
    if (!existsSync(tool)) throw new Error(`package check: ${tool} is missing`);
    const out = execFileSync(tool, ['-v'], bare);
    versions.push(out.trim());
    const outside = [...sharedLibraries(tool)].filter(([soname, path]) => !SYSTEM_LIBS.test(soname) && !resolve(path).startsWith(`${lib}/`));
    if (outside.length) throw new Error(`package check: ${name} loads libraries from outside the package: ${outside.map(([s, p]) => `${s} => ${p}`).join(', ')}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'vasco-package-tools-'));
  try {
    const stars = writeTwoStarFits(join(work, 'two-stars.fits'));
    writeFileSync(join(work, 'xy.param'), 'X_IMAGE\nY_IMAGE\nFLUX_AUTO\n');
    execFileSync(join(bin, 'source-extractor'), [
      'two-stars.fits', '-PARAMETERS_NAME', 'xy.param', '-CATALOG_NAME', 'two-stars.cat', '-CATALOG_TYPE', 'ASCII',
      '-FILTER_NAME', join(resources, 'tools', 'share', 'source-extractor', 'default.conv'), '-BACK_SIZE', '32', '-VERBOSE_TYPE', 'QUIET',
    ], { ...bare, cwd: work, stdio: 'pipe' });
    const found = readFileSync(join(work, 'two-stars.cat'), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    const ok = found.length === stars.length && stars.every(([x, y]) => found.some(([fx, fy]) => Math.hypot(fx - x, fy - y) < 0.1));
    if (!ok) throw new Error(`package check: the bundled source-extractor found ${JSON.stringify(found)}, expected stars at ${JSON.stringify(stars)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return `${versions.join('; ')}; two synthetic stars found with an empty PATH`;
}

/**
 * The run entry (dist/electron/run.mjs) is `vasco run` on its own: started
 * by Node here (the packaged app starts it as an Electron utility process,
 * its run-as-Node fuse being off), it prints the run command's usage and
 * refuses a missing plate with the run command's words, loading no other file
 * of the checkout's sources.
 */
function checkRunEntry() {
  const entry = join(root, 'dist', 'electron', 'run.mjs');
  const usage = execFileSync(process.execPath, [entry, '--help'], { encoding: 'utf8' });
  if (!usage.startsWith('usage: vasco run')) throw new Error(`package check: ${entry} --help printed ${JSON.stringify(usage.slice(0, 80))}`);
  let refused = '';
  const out = mkdtempSync(join(tmpdir(), 'vasco-run-entry-'));
  try {
    execFileSync(process.execPath, [entry], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, VASCO_RUN_ARGV: JSON.stringify(['--red', '/no such plate.fits', '--out', out]) } });
  } catch (err) {
    refused = String(err.stderr);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (!refused.includes('/no such plate.fits does not exist')) throw new Error(`package check: ${entry} did not refuse a missing plate as vasco run does: ${refused}`);
  return 'vasco run --help and a refused missing plate (arguments in VASCO_RUN_ARGV)';
}

async function packageCheck() {
  if (!existsSync(join(root, 'resources', 'icon.png'))) writeIcon();
  await buildMain();
  const runEntry = checkRunEntry();
  stageNativeTools();
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html')))
    console.warn('note: dist/renderer has no build (npm run build:renderer); packaging the shell without it');
  const stub = mkdtempSync(join(tmpdir(), 'vasco-electron-stub-'));
  writeStubElectron(stub);
  const release = join(root, 'release');
  rmSync(join(release, 'linux-unpacked'), { recursive: true, force: true });
  try {
    execFileSync(
      bin('electron-builder'),
      ['--linux', '--dir', '--config', 'electron-builder.yml', `-c.electronDist=${stub}`, '-c.npmRebuild=false', '--publish', 'never'],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_BUILDER_OFFLINE: 'true', CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
  } finally {
    rmSync(stub, { recursive: true, force: true });
  }
  const unpackedApp = join(release, 'linux-unpacked');
  const asar = join(unpackedApp, 'resources', 'app.asar');
  if (!existsSync(asar)) throw new Error(`package check: ${asar} was not produced`);
  const listing = execFileSync(process.execPath, [join(root, 'node_modules', '@electron', 'asar', 'bin', 'asar.js'), 'list', asar], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const missing = EXPECTED_IN_ASAR.filter((f) => !listing.includes(f));
  const unpacked = join(unpackedApp, 'resources', 'app.asar.unpacked');
  const sqliteUnpacked = existsSync(join(unpacked, 'node_modules', 'better-sqlite3', 'package.json'));
  if (!sqliteUnpacked) missing.push('app.asar.unpacked/node_modules/better-sqlite3');
  if (!existsSync(join(unpacked, 'native-tools', 'config', 'vasco.sex'))) missing.push('app.asar.unpacked/native-tools/config/vasco.sex');
  if (missing.length) throw new Error(`package check: missing from the package: ${missing.join(', ')}`);
  const strays = listing.filter((f) => f.startsWith('/dist/cli/') || f.startsWith('/dist/tools/'));
  if (strays.length) throw new Error(`package check: app.asar should not hold ${strays.slice(0, 3).join(', ')}`);
  console.log(`package check OK: ${asar} (${listing.length} entries; better-sqlite3 and native-tools unpacked)`);
  console.log(`package check OK: fuses ${await checkFuses(join(unpackedApp, 'vasco-workstation'))}`);
  console.log(`package check OK: bundled tools: ${checkBundledTools(join(unpackedApp, 'resources'))}`);
  console.log(`package check OK: run entry dist/electron/run.mjs: ${runEntry}`);
}

const arg = process.argv[2];
if (arg === '--icon-only') writeIcon();
else await packageCheck();

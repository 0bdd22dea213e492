#!/usr/bin/env node
/**
 * Packaging, offline:
 *   node scripts/package-check.mjs               build main/preload, then electron-builder --dir with a
 *                                                stub Electron, then check release/linux-unpacked/resources/app.asar
 *   node scripts/package-check.mjs --build-only  build dist/electron/main.js + preload.cjs only
 *   node scripts/package-check.mjs --icon-only   (re)draw resources/icon.png
 *
 * electron-builder cannot download Electron or rebuild native modules here, so
 * the check points electronDist at a folder holding a stub `electron` file and
 * turns npmRebuild off: what it verifies is the app's layout, not a runnable
 * binary (real installers: `npm run package` on a networked machine).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

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

// ------------------------------------------------------------------ build

function buildMain() {
  const out = join(root, 'dist', 'electron');
  rmSync(out, { recursive: true, force: true });
  const common = ['--bundle', '--platform=node', '--target=node20', '--external:electron', '--log-level=warning'];
  // main: ESM (our sources and execa are ESM); better-sqlite3 stays a real
  // node_modules package because of its native addon. A require shim lets
  // bundled CommonJS dependencies load Node built-ins.
  execFileSync(bin('esbuild'), [
    join(root, 'electron', 'main.ts'),
    ...common,
    '--format=esm',
    '--external:better-sqlite3',
    `--outfile=${join(out, 'main.js')}`,
    "--banner:js=import { createRequire as __vascoRequire } from 'node:module'; const require = __vascoRequire(import.meta.url);",
  ], { stdio: 'inherit' });
  // preload: sandboxed preloads must be CommonJS.
  execFileSync(bin('esbuild'), [join(root, 'electron', 'preload.ts'), ...common, '--format=cjs', `--outfile=${join(out, 'preload.cjs')}`], { stdio: 'inherit' });
  // native-tools/config.ts finds its templates next to its own module, which is main.js once bundled.
  cpSync(join(root, 'native-tools', 'config'), join(out, 'config'), { recursive: true });
  console.log(`built ${out}/main.js, preload.cjs, config/`);
}

// ------------------------------------------------------------------ package

const EXPECTED_IN_ASAR = [
  '/package.json',
  '/dist/electron/main.js',
  '/dist/electron/preload.cjs',
  '/dist/electron/config/vasco.sex',
  '/resources/icon.png',
  '/native-tools/config/vasco.sex',
];

function packageCheck() {
  if (!existsSync(join(root, 'resources', 'icon.png'))) writeIcon();
  buildMain();
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html')))
    console.warn('note: dist/renderer has no build (npm run build:renderer); packaging the shell without it');
  const stub = mkdtempSync(join(tmpdir(), 'vasco-electron-stub-'));
  writeFileSync(join(stub, 'electron'), '#!/bin/sh\necho "stub electron for the offline packaging check" >&2\nexit 1\n');
  chmodSync(join(stub, 'electron'), 0o755);
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
  const asar = join(release, 'linux-unpacked', 'resources', 'app.asar');
  if (!existsSync(asar)) throw new Error(`package check: ${asar} was not produced`);
  const listing = execFileSync(process.execPath, [join(root, 'node_modules', '@electron', 'asar', 'bin', 'asar.js'), 'list', asar], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const missing = EXPECTED_IN_ASAR.filter((f) => !listing.includes(f));
  const unpacked = join(release, 'linux-unpacked', 'resources', 'app.asar.unpacked');
  const sqliteUnpacked = existsSync(join(unpacked, 'node_modules', 'better-sqlite3', 'package.json'));
  if (!sqliteUnpacked) missing.push('app.asar.unpacked/node_modules/better-sqlite3');
  if (!existsSync(join(unpacked, 'native-tools', 'config', 'vasco.sex'))) missing.push('app.asar.unpacked/native-tools/config/vasco.sex');
  if (missing.length) throw new Error(`package check: missing from the package: ${missing.join(', ')}`);
  console.log(`package check OK: ${asar} (${listing.length} entries; better-sqlite3 and native-tools unpacked)`);
}

const arg = process.argv[2];
if (arg === '--icon-only') writeIcon();
else if (arg === '--build-only') buildMain();
else packageCheck();

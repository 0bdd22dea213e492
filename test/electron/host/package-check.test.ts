import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/shared-data';

// Offline electron-builder --dir with a stub Electron (see scripts/package-check.mjs): takes ~15 s.
describe('packaging check', () => {
  it('builds main/preload and an app.asar holding the app, with better-sqlite3 and native-tools unpacked, fuses set and the tools bundled', async () => {
    const out = execFileSync(process.execPath, [join(projectRoot, 'scripts', 'package-check.mjs')], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    expect(out).toMatch(/package check OK/);
    expect(existsSync(join(projectRoot, 'release', 'linux-unpacked', 'resources', 'app.asar'))).toBe(true);
    // The bundles: main is ESM importing electron, preload CommonJS requiring it; neither carries node-only app code paths to 'electron' elsewhere.
    const main = readFileSync(join(projectRoot, 'dist', 'electron', 'main.js'), 'utf8');
    const preload = readFileSync(join(projectRoot, 'dist', 'electron', 'preload.cjs'), 'utf8');
    expect(main).toMatch(/from "electron"/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/contextIsolation: true/);
    expect(preload).toMatch(/require\("electron"\)/);
    expect(preload).toMatch(/exposeInMainWorld\("vasco"/);
    // The icon is a 512x512 PNG.
    const png = readFileSync(join(projectRoot, 'resources', 'icon.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    // The fuses electron-builder flipped in the (stub) binary, read back here with @electron/fuses.
    expect(out).toMatch(/package check OK: fuses RunAsNode=0 /);
    const { getCurrentFuseWire, FuseV1Options } = createRequire(import.meta.url)('@electron/fuses');
    const wire = await getCurrentFuseWire(join(projectRoot, 'release', 'linux-unpacked', 'vasco-workstation'));
    const fuse = (name: string) => String.fromCharCode(wire[FuseV1Options[name]]);
    expect(['RunAsNode', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'OnlyLoadAppFromAsar'].map(fuse)).toEqual(['0', '0', '0', '1']);
    // SExtractor and PSFEx ship with their libraries and run with an empty PATH.
    expect(out).toMatch(/bundled tools: Source Extractor version [\d.]+.*PSFEx version [\d.]+.*two synthetic stars found with an empty PATH/);
    const tools = join(projectRoot, 'release', 'linux-unpacked', 'resources', 'tools');
    expect(execFileSync(join(tools, 'bin', 'source-extractor'), ['-v'], { env: { PATH: '' }, encoding: 'utf8' })).toMatch(/Source Extractor version/);
    expect(existsSync(join(tools, 'share', 'source-extractor', 'default.conv'))).toBe(true);
    // Runs under Electron are utility processes of dist/electron/run.mjs (the run-as-Node fuse is off): packed, and `vasco run` on its own.
    expect(out).toMatch(/package check OK: run entry dist\/electron\/run\.mjs: vasco run --help and a refused missing plate/);
    const listing = execFileSync(process.execPath, [join(projectRoot, 'node_modules', '@electron', 'asar', 'bin', 'asar.js'), 'list', join(projectRoot, 'release', 'linux-unpacked', 'resources', 'app.asar')], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('/dist/electron/run.mjs');
    expect(main).toMatch(/utilityProcess\.fork\(/);
  });
});

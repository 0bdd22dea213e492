import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findNativeTools, findTool } from '../../native-tools/find';
import { UserError } from '../../electron/core/errors';
import { haveCommand, projectRoot } from '../helpers/shared-data';

const saved = { s: process.env.VASCO_SEXTRACTOR, p: process.env.VASCO_PSFEX, path: process.env.PATH };
afterEach(() => {
  for (const [k, v] of [['VASCO_SEXTRACTOR', saved.s], ['VASCO_PSFEX', saved.p], ['PATH', saved.path]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('finding SExtractor and PSFEx', () => {
  it.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex'))(
    'finds source-extractor and psfex on PATH and reads versions matching their own -v line',
    async () => {
      const tools = await findNativeTools();
      expect(tools.sextractor.path).toMatch(/(source-extractor|sextractor|sex)$/);
      expect(tools.sextractor.versionLine).toContain(tools.sextractor.version);
      expect(tools.sextractor.version).toMatch(/^\d+\.\d+/);
      expect(tools.psfex.versionLine).toMatch(/^PSFEx version /);
      expect(tools.sextractor.shareDir).not.toBeNull();
    },
  );

  it('refuses with the install command when VASCO_SEXTRACTOR points at nothing', async () => {
    process.env.VASCO_SEXTRACTOR = '/nonexistent/source-extractor';
    const err = await findNativeTools().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe('tool-missing');
    expect(err.message).toContain('/nonexistent/source-extractor');
    expect(err.message).toContain('VASCO_SEXTRACTOR');
    expect(err.hint).toContain('sudo apt-get install source-extractor psfex');
  });

  it('names every missing tool when neither is on PATH', async () => {
    process.env.PATH = '/nonexistent-bin';
    const err = await findNativeTools().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/SExtractor.*source-extractor, sextractor, sex.*PSFEx/);
    expect(err.hint).toContain('sudo apt-get install source-extractor psfex');
  });

  it('refuses an override that is some other program', async () => {
    process.env.VASCO_PSFEX = '/bin/true';
    const err = await findTool('psfex').catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/does not look like PSFEx/);
  });

  it.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') || !haveCommand('patchelf', 'sudo apt-get install patchelf'))(
    'inside the packaged app, takes the bundled tools (resources/tools) before the ones on PATH',
    async () => {
      const resources = mkdtempSync(join(tmpdir(), 'vasco-resources-'));
      const process_ = process as { resourcesPath?: string };
      try {
        execFileSync(process.execPath, [join(projectRoot, 'scripts', 'build-tools.mjs'), join(resources, 'tools')], { stdio: 'pipe' });
        process_.resourcesPath = resources;
        const tools = await findNativeTools();
        expect(tools.sextractor.path).toBe(join(resources, 'tools', 'bin', 'source-extractor'));
        expect(tools.psfex.path).toBe(join(resources, 'tools', 'bin', 'psfex'));
        expect(tools.sextractor.shareDir).toBe(join(resources, 'tools', 'share', 'source-extractor'));
        expect(tools.psfex.version).toMatch(/^\d+\.\d+/);
        // An explicit choice still wins over the bundle.
        delete process_.resourcesPath;
        const onPath = (await findTool('psfex')).path;
        process_.resourcesPath = resources;
        process.env.VASCO_PSFEX = onPath;
        expect((await findTool('psfex')).path).toBe(onPath);
      } finally {
        delete process_.resourcesPath;
        rmSync(resources, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

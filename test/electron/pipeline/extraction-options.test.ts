/**
 * The extraction options of `vasco run` (--extraction, --psf-sample,
 * --tile-size, --tile-overlap, --workers) and how they resolve: malformed
 * values are refused before any work, each order has its own defaults, and
 * the worker count stays out of the extraction's checkpoint inputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveParameters } from '../../../electron/pipeline/parameters';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const RED = 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits';

function run(args: string[]) {
  return spawnSync(process.execPath, [vasco, 'run', ...args], { encoding: 'utf8', timeout: 300_000 });
}

describe('extraction parameters', () => {
  it('fast by default (lean PSF sample, tiles), straightforward with the reference defaults, explicit values kept', () => {
    const fast = resolveParameters({ red: 'r.fits', out: 'o' });
    expect(fast.extraction).toMatchObject({ mode: 'fast', psfSample: 'lean', tileSizePx: 7168, tileOverlapPx: 768 });
    expect(fast.workers).toBe(availableParallelism());
    const straight = resolveParameters({ red: 'r.fits', out: 'o', extraction: { mode: 'straightforward' } });
    expect(straight.extraction).toMatchObject({ mode: 'straightforward', psfSample: 'all', tileSizePx: 0 });
    const mixed = resolveParameters({ red: 'r.fits', out: 'o', workers: 3, extraction: { mode: 'straightforward', psfSample: 'lean', tileSizePx: 1024, tileOverlapPx: undefined } });
    expect(mixed.extraction).toMatchObject({ mode: 'straightforward', psfSample: 'lean', tileSizePx: 1024, tileOverlapPx: 768 });
    expect(mixed.workers).toBe(3);
  });

  it('keeps --workers out of every stage input, and the tile size in the extraction inputs', () => {
    const a = resolveParameters({ red: 'r.fits', out: 'o', workers: 1 });
    const b = resolveParameters({ red: 'r.fits', out: 'o', workers: 8 });
    const c = resolveParameters({ red: 'r.fits', out: 'o', workers: 8, extraction: { tileSizePx: 4096 } });
    for (const s of PIPELINE_STAGES) expect(JSON.stringify(s.inputs(b)), s.name).toBe(JSON.stringify(s.inputs(a)));
    const extract = PIPELINE_STAGES.find((s) => s.name === 'extract-red')!;
    expect(JSON.stringify(extract.inputs(c))).not.toBe(JSON.stringify(extract.inputs(b)));
  });
});

describe.skipIf(!haveSharedData(RED))('vasco run extraction options', () => {
  const out = mkdtempSync(join(tmpdir(), 'vasco-cli-extraction-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('refuses malformed values before any work', () => {
    const base = ['--red', sharedData(RED), '--out', join(out, 'x'), '--offline'];
    expect(run([...base, '--extraction', 'quick']).stderr).toMatch(/--extraction must be fast or straightforward, got "quick"/);
    expect(run([...base, '--psf-sample', 'some']).stderr).toMatch(/--psf-sample must be lean or all/);
    expect(run([...base, '--tile-size=-5']).stderr).toMatch(/--tile-size must be a whole number of pixels >= 0/);
    expect(run([...base, '--tile-overlap', '1.5']).stderr).toMatch(/--tile-overlap must be a whole number/);
    expect(run([...base, '--workers', '0']).stderr).toMatch(/--workers must be a whole number >= 1/);
  });

  it.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex'))(
    'records the chosen order and tiles in summary.json and says how each plate was extracted',
    () => {
      const dir = join(out, 'run');
      const r = run(['--red', sharedData(RED), '--out', dir, '--offline', '--psf-sample', 'all', '--tile-overlap', '512', '--workers', '2']);
      expect(r.status, r.stderr).toBe(0);
      const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(s.parameters.extraction).toMatchObject({ mode: 'fast', psfSample: 'all', tileSizePx: 7168, tileOverlapPx: 512 });
      expect(s.parameters.workers).toBe(2);
      const m = /red extraction: fast order, SPREAD_MODEL measured for (\d+) of (\d+) sources in 1 pass-2 round\(s\); 1 tile\(s\); PSF from stamps of every detection/.exec(s.notes.join('\n'));
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(Number(m![2]));
    },
  );
});

/**
 * SExtractor on a floating-point image, for real: the SATUR_LEVEL we give a
 * BITPIX -32 image must be one SExtractor accepts (old code gave 1e30, which
 * it refuses), and when the tool does refuse a setting the hint must point at
 * us, not at "a damaged FITS file or a full disk".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/core/errors';
import { writeFitsImage } from '../../electron/fits';
import { readLdacObjects } from '../../electron/pipeline/extract';
import { findNativeTools, type NativeTools } from '../../native-tools/find';
import { DEFAULT_DETECTION, formatCeiling, runSextractor, type SextractorJob } from '../../native-tools/sextractor';
import { failureHint } from '../../native-tools/spawn';
import { haveCommand } from '../helpers/shared-data';

describe.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor'))('SExtractor on a BITPIX -32 image', () => {
  let dir: string;
  let tools: NativeTools;
  let job: SextractorJob;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-float-tool-'));
    tools = await findNativeTools();
    // A noisy sky with a few Gaussian stars and a NaN hole.
    const w = 200, h = 200;
    const data = new Float32Array(w * h);
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < data.length; i++) data[i] = 1000 + 10 * (rand() + rand() + rand() - 1.5);
    for (const [cx, cy] of [[50, 50], [150, 60], [100, 150], [40, 160]])
      for (let y = cy - 8; y <= cy + 8; y++) for (let x = cx - 8; x <= cx + 8; x++) data[y * w + x] += 3000 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4.5);
    for (let y = 100; y < 110; y++) for (let x = 20; x < 30; x++) data[y * w + x] = NaN;
    const image = join(dir, 'float.fits');
    await writeFitsImage(image, w, h, data, {}, -32);
    job = {
      image, hdu: 0, workDir: dir, pass: 'pass1', detection: { ...DEFAULT_DETECTION, backSize: 64 },
      pixelScaleArcsec: 1.7, seeingFwhmArcsec: 4, saturLevel: formatCeiling(-32), imageHeight: h,
    };
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('runs with the ceiling we give a float image, finding the stars', async () => {
    const r = await runSextractor(tools.sextractor, job);
    expect((await readLdacObjects(r.catalog)).rows).toBe(4);
  });

  it('a refused setting is reported as our fault, with the tool\'s own words', async () => {
    const err = await runSextractor(tools.sextractor, { ...job, saturLevel: 1e30, name: 'refused' }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/SATUR_LEVEL keyword out of range/);
    expect(err.hint).toMatch(/bug in vasco/);
    expect(err.hint).not.toMatch(/damaged/);
  });

  it('hints follow what the tool said', () => {
    expect(failureHint(['*Error*: No space left on device'])).toMatch(/disk is full/);
    expect(failureHint(['*Error*: unexpected end of file in x.fits'])).toMatch(/could not read its input/);
    expect(failureHint(['something else'])).toMatch(/tool's own words are above/);
  });
});

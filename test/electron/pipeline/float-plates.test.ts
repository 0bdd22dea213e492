/**
 * Floating-point plates run, and answer like the integer plate they came
 * from. Old code stopped in SExtractor on any BITPIX -32 image ("SATUR_LEVEL
 * keyword out of range": we gave it 1e30) with a hint about damaged files.
 *
 * A synthetic 600x600 BITPIX 16 red plate is converted by astropy (not our
 * FITS writer) to BITPIX -32, once as it is and once with NaN holes punched
 * where the generator's truth table has no source within 15 px; the three
 * red plates run with the same blue plate, tiled.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type RunOptions, type RunResult } from '../../../electron/pipeline/run';
import { pythonText } from '../../helpers/python';
import { pythonCsv } from './astropy-reference';
import { haveSyntheticRunTools, syntheticPair } from './synthetic-plates';

describe.skipIf(!haveSyntheticRunTools())('float and NaN-holed plates (600x600 synthetic, 4 tiles)', () => {
  let dir: string;
  let integer: RunResult;
  let float: RunResult;
  let holed: RunResult;
  let holes: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-float-'));
    const pair = await syntheticPair(join(dir, 'synth'), 5);
    const floatFile = join(dir, 'red-float.fits');
    const holedFile = join(dir, 'red-float-holes.fits');
    holes = Number(
      pythonText(`
import csv, numpy as np
from astropy.io import fits
h = fits.open(${JSON.stringify(pair.red)})[0]
assert h.header['BITPIX'] == 16
data = h.data.astype(np.float32)  # physical values (BZERO/BSCALE applied)
hdr = h.header.copy()
for k in ('BZERO', 'BSCALE', 'BLANK'):
    hdr.remove(k, ignore_missing=True)
fits.PrimaryHDU(data, hdr).writeto(${JSON.stringify(floatFile)})
src = [(float(r['red_x']), float(r['red_y'])) for r in csv.DictReader(open(${JSON.stringify(pair.truth)})) if r['red_x']]
holed, n = data.copy(), 0
for y0 in range(20, 570, 50):
    for x0 in range(20, 570, 50):
        # a 10x10 hole (FITS pixels x0+1..x0+10) with no source of the truth table within 15 px of it
        if any(x0 - 15 <= x <= x0 + 25 and y0 - 15 <= y <= y0 + 25 for x, y in src): continue
        holed[y0:y0 + 10, x0:x0 + 10] = np.nan
        n += 1
fits.PrimaryHDU(holed, hdr).writeto(${JSON.stringify(holedFile)})
print(n)
`).trim(),
    );
    const base: Omit<RunOptions, 'red' | 'out'> = {
      blue: pair.blue, offline: true, workers: 2, extraction: { tileSizePx: 256, tileOverlapPx: 256 },
    };
    integer = await runPipeline({ ...base, red: pair.red, out: join(dir, 'int') });
    float = await runPipeline({ ...base, red: floatFile, out: join(dir, 'float') });
    holed = await runPipeline({ ...base, red: holedFile, out: join(dir, 'holes') });
  }, 900_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('a BITPIX -32 plate gives the candidates of the 16-bit plate, byte for byte', () => {
    expect(integer.candidates.length).toBeGreaterThan(5);
    expect(readFileSync(float.files.candidates, 'utf8')).toBe(readFileSync(integer.files.candidates, 'utf8'));
    expect(readFileSync(float.files.sources, 'utf8')).toBe(readFileSync(integer.files.sources, 'utf8'));
  });

  it('NaN holes away from sources leave the candidates as they were', () => {
    console.log(`${holes} NaN holes of 10x10 px; candidates: integer ${integer.candidates.length}, holed ${holed.candidates.length}`);
    expect(holes).toBeGreaterThanOrEqual(3);
    const a = pythonCsv(integer.files.candidates);
    const b = pythonCsv(holed.files.candidates);
    const col = (n: string) => a.header.indexOf(n);
    expect(b.rows.map((r) => r[col('id')])).toEqual(a.rows.map((r) => r[col('id')]));
    a.rows.forEach((ra, i) => {
      for (const c of ['x', 'y']) expect(Math.abs(Number(b.rows[i][col(c)]) - Number(ra[col(c)])), c).toBeLessThan(0.01);
    });
  });
});

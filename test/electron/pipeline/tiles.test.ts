/**
 * Tiles: every plate pixel in exactly one core, corners on background meshes,
 * each centroid owned by one tile, tile images equal to the plate's pixels
 * (read back by astropy), and the pool never runs more jobs than its size.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFitsImage } from '../../../electron/fits';
import { JobPool, mapPool } from '../../../electron/pipeline/pool';
import { planTiles, tileOwns, writeTileImage } from '../../../electron/pipeline/tiles';
import { haveAstropy } from './astropy-reference';

describe('planTiles', () => {
  it('cores cover every pixel exactly once and tiles start on whole background meshes', () => {
    for (const [w, h, size] of [[2000, 2000, 1024], [14000, 14000, 3584], [4000, 3000, 2048], [706, 706, 3584], [1300, 900, 256]]) {
      const tiles = planTiles(w, h, { tileSizePx: size, overlapPx: 200, alignPx: 256 });
      const cover = new Uint8Array(w * h);
      for (const t of tiles) {
        for (let y = t.coreY.lo; y <= t.coreY.hi; y++) for (let x = t.coreX.lo; x <= t.coreX.hi; x++) cover[(y - 1) * w + x - 1]++;
        expect((t.x1 - 1) % 256).toBe(0);
        expect((t.y1 - 1) % 256).toBe(0);
        // The overlap is rounded up to whole meshes and clipped at the image edge.
        if (t.coreX.lo > 1) expect(t.coreX.lo - t.x1).toBe(256);
        if (t.coreX.hi < w) expect(t.x1 + t.width - 1 - t.coreX.hi).toBe(256);
        expect(t.x1 + t.width - 1).toBeLessThanOrEqual(w);
        expect(t.y1 + t.height - 1).toBeLessThanOrEqual(h);
      }
      expect(cover.every((c) => c === 1)).toBe(true);
      expect(tiles.length === 1).toBe(size >= Math.max(w, h));
    }
  });

  it('assigns every centroid, including ones just outside the image, to exactly one tile', () => {
    const tiles = planTiles(2000, 1500, { tileSizePx: 700, overlapPx: 256, alignPx: 256 });
    let seed = 3;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 20000; i++) {
      const x = -1 + rnd() * 2003;
      const y = -1 + rnd() * 1503;
      expect(tiles.filter((t) => tileOwns(t, x, y, 2000, 1500)).length).toBe(1);
    }
    // Pixel edges: x = 768.5 is the first column of the next core (pixels cover [i-0.5, i+0.5)).
    const at = (x: number) => tiles.filter((t) => tileOwns(t, x, 10, 2000, 1500)).map((t) => t.coreX.lo);
    const boundary = tiles[0].coreX.hi;
    expect(at(boundary + 0.5)).toEqual([boundary + 1]);
    expect(at(boundary + 0.4999)).toEqual([1]);
  });
});

describe.skipIf(!haveAstropy())('writeTileImage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-tiles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the plate pixels of the tile, 16-bit scans staying 16-bit', async () => {
    const w = 300, h = 200;
    const data = Float32Array.from({ length: w * h }, (_, i) => ((i * 7919) % 60000) - 30000 + 32768);
    const plate = join(dir, 'plate.fits');
    await writeFitsImage(plate, w, h, data, { BZERO: 32768, BSCALE: 1 }, 16);
    const tile = planTiles(w, h, { tileSizePx: 128, overlapPx: 16, alignPx: 32 })[3];
    const out = join(dir, 'tile.fits');
    await writeTileImage(plate, 0, tile, out, { stripRows: 7 });
    const r = execFileSync('/usr/bin/python3', ['-c', `
from astropy.io import fits; import numpy as np
p = fits.getdata('${plate}').astype(float); t = fits.open('${out}')[0]
sl = p[${tile.y1 - 1}:${tile.y1 - 1 + tile.height}, ${tile.x1 - 1}:${tile.x1 - 1 + tile.width}]
print(t.header['BITPIX'], t.data.shape == sl.shape, bool(np.array_equal(t.data.astype(float), sl)), t.header['LTV1'], t.header['LTV2'])`], { encoding: 'utf8' }).trim();
    expect(r).toBe(`16 True True ${-(tile.x1 - 1)} ${-(tile.y1 - 1)}`);
    expect(tile.x1).toBeGreaterThan(1);
  });

  it.each([
    ['16-bit with BLANK holes', 16 as const, { BZERO: 32768, BSCALE: 1, BLANK: -32768 }],
    ['32-bit float with NaN holes', -32 as const, {}],
  ])('copies %s exactly (holes stay holes)', async (_name, bitpix, header) => {
    const w = 260, h = 190;
    const data = Float32Array.from({ length: w * h }, (_, i) => (i % 97 === 5 ? NaN : ((i * 7919) % 60000) - 30000 + 32768));
    const plate = join(dir, `holes${bitpix}.fits`);
    await writeFitsImage(plate, w, h, data, header, bitpix);
    const tile = planTiles(w, h, { tileSizePx: 128, overlapPx: 16, alignPx: 32 })[4];
    const out = join(dir, `holes${bitpix}-tile.fits`);
    await writeTileImage(plate, 0, tile, out, { stripRows: 11 });
    const r = execFileSync('/usr/bin/python3', ['-c', `
from astropy.io import fits; import numpy as np
# uint=False: BZERO 32768 scaled to float, so BLANK pixels read as NaN.
p = fits.open('${plate}', uint=False)[0].data.astype(float); t = fits.open('${out}', uint=False)[0]
sl = p[${tile.y1 - 1}:${tile.y1 - 1 + tile.height}, ${tile.x1 - 1}:${tile.x1 - 1 + tile.width}]
print(t.header['BITPIX'], bool(np.array_equal(t.data.astype(float), sl, equal_nan=True)), int(np.isnan(sl).sum()) > 0)`], { encoding: 'utf8' }).trim();
    expect(r).toBe(`${bitpix} True True`);
  });
});

describe('JobPool', () => {
  it('runs at most `size` jobs at once and returns results in order', async () => {
    const pool = new JobPool(3);
    let running = 0;
    let most = 0;
    const out = await mapPool(pool, Array.from({ length: 12 }, (_, i) => i), async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 11)));
      running--;
      return i * i;
    });
    expect(most).toBe(3);
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i * i));
  });

  it('stops starting jobs after a failure and rethrows the failure', async () => {
    const pool = new JobPool(1);
    const started: number[] = [];
    const err = await mapPool(pool, [0, 1, 2, 3], async (i) => {
      started.push(i);
      if (i === 1) throw new Error('tile 1 failed');
      return i;
    }).catch((e) => e);
    expect((err as Error).message).toBe('tile 1 failed');
    expect(started).toEqual([0, 1]);
  });
});

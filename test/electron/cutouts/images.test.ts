import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  blinkGrid,
  makeBlinkFrame,
  makeCutout,
  makeSkyContext,
  openPlate,
  rectAround,
  resampleToTan,
  type OpenPlate,
} from '../../../electron/cutouts/images';
import { FitsFile, writeFitsImage } from '../../../electron/fits';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { astropy, haveAstropy } from '../../helpers/python';

const RED = 'cutouts/poss1-red-XE687-20arcmin.fits';
const tmp = mkdtempSync(join(tmpdir(), 'vasco-images-'));
const opened: OpenPlate[] = [];
afterAll(async () => {
  await Promise.all(opened.map((p) => p.fits.close()));
  rmSync(tmp, { recursive: true, force: true });
});
async function plate(file: string): Promise<OpenPlate> {
  const p = await openPlate(file);
  opened.push(p);
  return p;
}

/** A plate carrying only the GSSS solution, made in tmp from the real cutout. */
async function dssOnlyPlate(): Promise<string> {
  const src = await FitsFile.open(sharedData(RED));
  const hdu = src.imageHdu();
  const header = Object.fromEntries(
    Object.entries(hdu.header).filter(([k]) => !/^(CTYPE|CRPIX|CRVAL|CUNIT|CD\d_|WCSAXES|WCSNAME)/.test(k)),
  );
  const file = join(tmp, 'dss-only.fits');
  await writeFitsImage(file, hdu.naxis[0], hdu.naxis[1], await src.readImage(), header, -32);
  await src.close();
  return file;
}

/** Pixel -> sky of FITS files by astropy (the independent reference). */
function astropySky(points: { file: string; x: number; y: number }[]): [number, number][] {
  return astropy<[number, number][]>(
    `
from astropy.io import fits
from astropy.wcs import WCS
out = []
for p in INPUT:
    w = WCS(fits.getheader(p['file']))
    out.append([float(v) for v in w.all_pix2world([[p['x'], p['y']]], 1)[0]])
print(json.dumps(out))
`,
    points,
  );
}
const sepArcsec = (a: [number, number], b: [number, number]) =>
  Math.hypot((a[0] - b[0]) * Math.cos((a[1] * Math.PI) / 180), a[1] - b[1]) * 3600;

describe('rectAround', () => {
  it('centres the rectangle and moves it inside the image at the edges', () => {
    expect(rectAround(50, 50, 20, 100, 100)).toEqual({ x1: 40, y1: 40, width: 20, height: 20 });
    expect(rectAround(3, 98, 20, 100, 100)).toEqual({ x1: 1, y1: 81, width: 20, height: 20 });
    expect(rectAround(10, 10, 64, 30, 40)).toEqual({ x1: 1, y1: 1, width: 30, height: 40 });
  });
});

describe.skipIf(!haveAstropy() || !haveSharedData(RED))('cutouts keep a correct WCS', () => {
  it('explicit TAN + DSS header: astropy on the cutout agrees with astropy on the plate', async () => {
    const p = await plate(sharedData(RED));
    const [x, y] = [211.4, 466.8];
    const c = await makeCutout(p, x, y, 64);
    const file = join(tmp, 'cut-tan.fits');
    writeFileSync(file, c.fits);
    const [onPlate, onCut] = astropySky([
      { file: sharedData(RED), x, y },
      { file, x: c.centerX, y: c.centerY },
    ]);
    expect(sepArcsec(onPlate, onCut)).toBeLessThan(0.001);
    // Our reader picks the explicit TAN (astropy the DSS one, ~0.1" apart here):
    // read back from the cutout, it must agree with itself on the plate.
    const cut = await plate(file);
    expect(sepArcsec(cut.solution.pixToSky(c.centerX, c.centerY), p.solution.pixToSky(x, y))).toBeLessThan(0.001);
    // pixels are the plate's own
    const back = await FitsFile.open(file);
    const pixels = await back.readImage();
    const orig = await p.fits.readImageRect(c.rect.x1, c.rect.y1, c.width, c.height);
    expect(Array.from(pixels.slice(0, 50))).toEqual(Array.from(orig.slice(0, 50)));
    await back.close();
  });

  it('DSS-only header: the shifted CNPIX keeps astropy (and our solution) right', async () => {
    const dssOnly = await dssOnlyPlate();
    const p = await plate(dssOnly);
    expect(p.solution.kind).toBe('dss');
    const [x, y] = [530.2, 122.9];
    const c = await makeCutout(p, x, y, 80);
    const file = join(tmp, 'cut-dss.fits');
    writeFileSync(file, c.fits);
    const [onPlate, onCut] = astropySky([
      { file: dssOnly, x, y },
      { file, x: c.centerX, y: c.centerY },
    ]);
    expect(sepArcsec(onPlate, onCut)).toBeLessThan(0.001);
    const cut = await plate(file);
    expect(sepArcsec(cut.solution.pixToSky(c.centerX, c.centerY), onPlate)).toBeLessThan(0.05);
  });

  it('sky context: a plain TAN header (no SIP, which Aladin Lite misdraws) that astropy reads in agreement with the DSS plate', async () => {
    const dssOnly = await dssOnlyPlate();
    const p = await plate(dssOnly);
    const [x, y] = [353.5, 353.5];
    const ctx = await makeSkyContext(p, x, y, 300);
    expect(ctx.resampled).toBe(false);
    const file = join(tmp, 'sky.fits');
    writeFileSync(file, ctx.fits);
    const { x1, y1 } = ctx.cutout.rect;
    const pts = [[ctx.cutout.centerX, ctx.cutout.centerY], [1, 1], [300, 1], [1, 300], [300, 300]];
    const got = astropy<{ ctype: string[]; sky: [number, number][]; dss: boolean; sip: boolean }>(
      `
from astropy.io import fits
from astropy.wcs import WCS
h = fits.getheader(INPUT['file'])
w = WCS(h)
print(json.dumps({'ctype': list(w.wcs.ctype), 'dss': 'AMDX1' in h or 'PLTRAH' in h,
  'sip': w.sip is not None or any(k.startswith(('A_', 'B_', 'AP_', 'BP_')) for k in h.keys()),
  'sky': w.all_pix2world(INPUT['pts'], 1).tolist()}))
`,
      { file, pts },
    );
    expect(got.ctype).toEqual(['RA---TAN', 'DEC--TAN']);
    expect(got.dss).toBe(false);
    expect(got.sip).toBe(false);
    const ref = astropySky(pts.map(([cx, cy]) => ({ file: dssOnly, x: cx + x1 - 1, y: cy + y1 - 1 })));
    got.sky.forEach((s, i) => expect(sepArcsec(s, ref[i])).toBeLessThan(0.05));
    // Not resampled: the pixels are the plate's own.
    const own = await (await plate(file)).fits.readImageRect(1, 1, 300, 300);
    const src = await p.fits.readImageRect(x1, y1, 300, 300);
    expect(Array.from(own.subarray(0, 1000))).toEqual(Array.from(src.subarray(0, 1000)));
  });

  it('sky context resampled onto its TAN grid when TAN alone is off: stars stay where the DSS plate puts them', async () => {
    const dssOnly = await dssOnlyPlate();
    const p = await plate(dssOnly);
    const [x, y] = [353.5, 353.5];
    // Tolerance 0 forces the resampling path on this small, nearly distortion-free field.
    const ctx = await makeSkyContext(p, x, y, 200, 0);
    expect(ctx.resampled).toBe(true);
    const file = join(tmp, 'sky-resampled.fits');
    writeFileSync(file, ctx.fits);
    const n = 200;
    const own = await (await plate(file)).fits.readImageRect(1, 1, n, n);
    const src = await p.fits.readImageRect(ctx.cutout.rect.x1, ctx.cutout.rect.y1, n, n);
    // The brightest stars well inside: centroid in each image, then both to the sky by astropy.
    const peaks: [number, number][] = [];
    for (let j = 20; j < n - 20; j++)
      for (let i = 20; i < n - 20; i++) {
        const v = src[j * n + i];
        let top = true;
        for (let dj = -3; dj <= 3 && top; dj++) for (let di = -3; di <= 3; di++) if ((di || dj) && src[(j + dj) * n + i + di] >= v) top = false;
        if (top) peaks.push([i, j]);
      }
    peaks.sort((a, b) => src[b[1] * n + b[0]] - src[a[1] * n + a[0]]);
    const stars = peaks.slice(0, 8);
    const onSrc = stars.map(([i, j]) => centroid(src, n, i, j));
    const onOwn = stars.map(([i, j]) => centroid(own, n, i, j));
    const { x1, y1 } = ctx.cutout.rect;
    const skySrc = astropySky(onSrc.map(([i, j]) => ({ file: dssOnly, x: i + x1, y: j + y1 })));
    const skyOwn = astropySky(onOwn.map(([i, j]) => ({ file, x: i + 1, y: j + 1 })));
    const seps = skySrc.map((s, k) => sepArcsec(s, skyOwn[k])).sort((a, b) => a - b);
    expect(seps[seps.length >> 1]).toBeLessThan(0.1);
  });
});

/** Flux-weighted centroid (0-based) in a box around the brightest pixel near (cx, cy). */
function centroid(img: Float32Array, n: number, cx: number, cy: number, r = 4): [number, number] {
  let best = -Infinity, bx = cx, by = cy;
  for (let j = cy - r; j <= cy + r; j++)
    for (let i = cx - r; i <= cx + r; i++) if (img[j * n + i] > best) [best, bx, by] = [img[j * n + i], i, j];
  const ring: number[] = [];
  for (let j = by - 6; j <= by + 6; j++)
    for (let i = bx - 6; i <= bx + 6; i++) if (Math.max(Math.abs(i - bx), Math.abs(j - by)) === 6) ring.push(img[j * n + i]);
  ring.sort((a, b) => a - b);
  const bg = ring[ring.length >> 1];
  let sw = 0, sx = 0, sy = 0;
  for (let j = by - 3; j <= by + 3; j++)
    for (let i = bx - 3; i <= bx + 3; i++) {
      const v = Math.max(0, img[j * n + i] - bg);
      sw += v; sx += v * i; sy += v * j;
    }
  return [sx / sw, sy / sw];
}

/**
 * A second "plate" of the same sky made by an exact pixel transformation of
 * the first: transposed (x <-> y, which also flips the sky's handedness on the
 * pixel grid) and cropped, with the TAN header transformed the same way.
 */
async function transposedPlate(): Promise<string> {
  const src = await FitsFile.open(sharedData(RED));
  const hdu = src.imageHdu();
  const h = hdu.header as Record<string, number>;
  const [nx, ny] = hdu.naxis;
  const img = await src.readImage();
  await src.close();
  const [ox, oy] = [20, 35]; // xB = yA - ox, yB = xA - oy
  const w = ny - ox, hh = nx - oy;
  const out = new Float32Array(w * hh);
  for (let yb = 1; yb <= hh; yb++)
    for (let xb = 1; xb <= w; xb++) {
      const xa = yb + oy, ya = xb + ox;
      out[(yb - 1) * w + (xb - 1)] = img[(ya - 1) * nx + (xa - 1)];
    }
  const header = {
    CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: h.CRVAL1, CRVAL2: h.CRVAL2,
    CRPIX1: h.CRPIX2 - ox, CRPIX2: h.CRPIX1 - oy,
    CD1_1: h.CD1_2, CD1_2: h.CD1_1, CD2_1: h.CD2_2, CD2_2: h.CD2_1,
  };
  const file = join(tmp, 'transposed.fits');
  await writeFitsImage(file, w, hh, out, header, -32);
  return file;
}

describe.skipIf(!haveSharedData(RED))('blink frames', () => {
  it('put every star at the same pixel for two differently oriented scans of one sky', async () => {
    const red = await plate(sharedData(RED));
    const other = await plate(await transposedPlate());
    expect(red.solution.kind).toBe('tan');
    const [ra, dec] = red.solution.pixToSky(353.5, 353.5);
    const g = blinkGrid(ra, dec, 400, 1.3);
    const a = await resampleToTan(red, g);
    const b = await resampleToTan(other, g);
    expect(a.length).toBe(b.length);
    // The brightest stars of the first frame, away from the edges.
    const n = g.size;
    const peaks: [number, number, number][] = [];
    for (let j = 10; j < n - 10; j++)
      for (let i = 10; i < n - 10; i++) {
        const v = a[j * n + i];
        let isMax = true;
        for (let dj = -5; dj <= 5 && isMax; dj++) for (let di = -5; di <= 5; di++) if ((di || dj) && a[(j + dj) * n + i + di] >= v) { isMax = false; break; }
        if (isMax) peaks.push([v, i, j]);
      }
    peaks.sort((p, q) => q[0] - p[0]);
    expect(peaks.length).toBeGreaterThan(10);
    for (const [, i, j] of peaks.slice(0, 10)) {
      const [ax, ay] = centroid(a, n, i, j);
      const [bx, by] = centroid(b, n, Math.round(ax), Math.round(ay));
      expect(Math.hypot(ax - bx, ay - by)).toBeLessThan(0.05);
    }
  });

  it('writes both frames on one TAN header of the asked size', async () => {
    const red = await plate(sharedData(RED));
    const [ra, dec] = red.solution.pixToSky(300, 300);
    const g = blinkGrid(ra, dec, 120, 1.5);
    const f = await makeBlinkFrame(red, g, 'red');
    const file = join(tmp, 'blink.fits');
    writeFileSync(file, f);
    const back = await FitsFile.open(file);
    const h = back.imageHdu().header;
    expect([h.NAXIS1, h.NAXIS2]).toEqual([80, 80]);
    expect([h.CTYPE1, h.CRVAL1, h.CRVAL2]).toEqual(['RA---TAN', ra, dec]);
    await back.close();
    expect(() => blinkGrid(ra, dec, 3600, 0.5)).toThrow(/limit/);
  });
});

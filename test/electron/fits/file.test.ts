import { mkdtempSync, openSync, closeSync, writeSync, ftruncateSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { FitsFile, FitsImageWriter, encodeFitsImage, headerBlock, formatCards, headerDigest, writeFitsImage, type Bitpix } from '../../../electron/fits';
import { haveAstropy, runPython } from '../../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'vasco-fits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 37;
const H = 23;

/** Compare Float32 pixels with reference values (null = NaN) to float32 precision. */
function expectPixels(ours: Float32Array, ref: (number | null)[]) {
  expect(ours.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    if (r === null) expect(Number.isNaN(ours[i]), `pixel ${i}`).toBe(true);
    else expect(ours[i], `pixel ${i}`).toBeCloseTo(Math.fround(r), Math.abs(r) > 1e4 ? 0 : 3);
  }
}

describe.skipIf(!haveAstropy())('reading FITS images astropy wrote', () => {
  // astropy writes one file per BITPIX with scaling and BLANK, and returns the
  // physical values it reads back (row-major from y = 1, NaN as null).
  const cases = runPython<{ bitpix: number; path: string; data: (number | null)[]; long: string }[]>(
    `
import numpy as np
from astropy.io import fits
d = json.load(sys.stdin)
out = []
rng = np.random.default_rng(5)
for bitpix, dtype, bzero, bscale, blank in [(8, np.uint8, 0, 1, None), (16, np.int16, 32768, 1, -32768), (16, np.int16, 100.0, 0.5, 7),
                                            (32, np.int32, 0, 1, -999), (-32, np.float32, 0, 1, None), (-64, np.float64, 0, 1, None)]:
    lo, hi = (0, 255) if bitpix == 8 else (-3000, 3000) if bitpix == 16 else (-2**30, 2**30)
    raw = rng.integers(lo, hi, size=(${H}, ${W})).astype(dtype) if bitpix > 0 else (rng.normal(size=(${H}, ${W})) * 1e3).astype(dtype)
    if blank is not None: raw[3, 5] = blank; raw[${H} - 1, ${W} - 1] = blank
    if bitpix < 0: raw[2, 2] = np.nan
    h = fits.Header()
    h['LONGSTR'] = 'a ' * 60 + 'end'
    h['HIERARCH ESO TEL AIRM START'] = 1.25
    hdu = fits.PrimaryHDU(raw, header=h)
    if bzero != 0 or bscale != 1:
        hdu.header['BZERO'] = bzero; hdu.header['BSCALE'] = bscale
    if blank is not None: hdu.header['BLANK'] = blank
    p = d['dir'] + '/astropy_%d_%s.fits' % (bitpix, str(bscale))
    hdu.writeto(p, overwrite=True)
    back = fits.getdata(p).astype(np.float64)
    if blank is not None: back[raw == blank] = np.nan
    out.append(dict(bitpix=bitpix, path=p, data=[None if np.isnan(v) else float(v) for v in back.ravel()], long=h['LONGSTR']))
print(json.dumps(out))
`,
    { dir },
  );

  it.each(cases.map((c) => [c.path.split('/').pop()!, c]))('%s: whole image, rectangles, header', async (_name, c) => {
    const f = await FitsFile.open(c.path);
    try {
      expect(f.hdus[0].bitpix).toBe(c.bitpix);
      expect(f.hdus[0].naxis).toEqual([W, H]);
      expect(f.hdus[0].header.LONGSTR).toBe(c.long);
      expect(f.hdus[0].header['ESO TEL AIRM START']).toBe(1.25);
      expectPixels(await f.readImage(), c.data);
      const rects = [[1, 1, 1, 1], [5, 3, 10, 7], [W - 4, H - 2, 5, 3], [1, 4, W, 6], [W, H, 1, 1], [2, 2, 3, 3], [30, 1, 7, 23]];
      const refOf = ([x1, y1, w, h]: number[]) => {
        const ref: (number | null)[] = [];
        for (let y = y1; y < y1 + h; y++) for (let x = x1; x < x1 + w; x++) ref.push(c.data[(y - 1) * W + (x - 1)]);
        return ref;
      };
      for (const r of rects) expectPixels(await f.readImageRect(r[0], r[1], r[2], r[3]), refOf(r));
      // Many at once (overlapping, out of order, sharing rows): each the same pixels, in the order asked.
      const many = await f.readImageRects(rects.map(([x1, y1, width, height]) => ({ x1, y1, width, height })));
      many.forEach((px, k) => expectPixels(px, refOf(rects[k])));
      await expect(f.readImageRects([{ x1: 1, y1: 1, width: 2, height: 2 }, { x1: W, y1: 1, width: 2, height: 1 }])).rejects.toThrow(/outside the 37x23 image/);
      await expect(f.readImageRect(0, 1, 2, 2)).rejects.toThrow(UserError);
      await expect(f.readImageRect(W - 1, 1, 3, 1)).rejects.toThrow(/outside the 37x23 image/);
    } finally {
      await f.close();
    }
  });
});

describe.skipIf(!haveAstropy())('writing FITS images astropy reads', () => {
  const data = Array.from({ length: W * H }, (_, i) => ((i * 7919) % 2000) - 1000 + (i % 3) * 0.25);
  data[10] = NaN;

  it('encodes every BITPIX with scaling and BLANK', async () => {
    const files: { path: string; bitpix: Bitpix }[] = [];
    for (const bitpix of [8, 16, 32, -32, -64] as Bitpix[]) {
      const path = join(dir, `ours_${bitpix}.fits`);
      const header: HeaderValues = bitpix === 8 ? { BZERO: -1008, BSCALE: 8, OBJECT: 'test' } : bitpix === 16 ? { BSCALE: 0.25, OBJECT: 'test' } : { OBJECT: 'test' };
      await writeFitsImage(path, W, H, data, header, bitpix);
      files.push({ path, bitpix });
    }
    const back = runPython<{ bitpix: number; data: (number | null)[]; object: string }[]>(
      `
import numpy as np
from astropy.io import fits
out = []
for p in json.load(sys.stdin):
    with fits.open(p) as hl:
        hl.verify('exception')
        bitpix = hl[0].header['BITPIX']  # before .data: astropy rewrites BITPIX when it scales
        blank = hl[0].header.get('BLANK')
        d = hl[0].data.astype(np.float64)
    if blank is not None:  # astropy ignores BLANK for BITPIX 8; the FITS standard does not
        d[fits.getdata(p, do_not_scale_image_data=True) == blank] = np.nan
        out.append(dict(bitpix=bitpix, object=hl[0].header['OBJECT'], data=[None if np.isnan(v) else float(v) for v in d.ravel()]))
print(json.dumps(out))
`,
      files.map((f) => f.path),
    );
    back.forEach((b, k) => {
      const bitpix = files[k].bitpix;
      expect(b.bitpix).toBe(bitpix);
      expect(b.object).toBe('test');
      const step = bitpix === 8 ? 8 : bitpix === 16 ? 0.25 : bitpix === 32 ? 1 : 0;
      for (let i = 0; i < data.length; i++) {
        if (Number.isNaN(data[i])) {
          expect(b.data[i], `NaN pixel, BITPIX ${bitpix}`).toBeNull();
          continue;
        }
        expect(Math.abs((b.data[i] as number) - data[i]), `pixel ${i}, BITPIX ${bitpix}`).toBeLessThanOrEqual(step / 2 + 1e-3);
      }
    });
  });

  it('streams a plate in strips (FitsImageWriter) that astropy reads', async () => {
    const w = 1000, h = 300, strip = 64;
    const path = join(dir, 'strips.fits');
    const writer = await FitsImageWriter.create(path, w, h, { OBJECT: 'strips' }, 16, { bzero: 32768 });
    for (let y0 = 0; y0 < h; y0 += strip) {
      const n = Math.min(strip, h - y0);
      const rows = new Float32Array(n * w);
      for (let r = 0; r < n; r++) for (let x = 0; x < w; x++) rows[r * w + x] = ((y0 + r) * 131 + x * 17) % 65536;
      await writer.writeRows(rows);
    }
    await writer.close();
    const probe = [[1, 1], [1000, 300], [500, 150], [37, 299]];
    const ref = runPython<number[]>(
      `
from astropy.io import fits
d = fits.getdata(${JSON.stringify(path)})
print(json.dumps([float(d[y - 1, x - 1]) for x, y in json.load(sys.stdin)]))
`,
      probe,
    );
    probe.forEach(([x, y], k) => expect(ref[k]).toBe(((y - 1) * 131 + (x - 1) * 17) % 65536));
    const f = await FitsFile.open(path);
    const px = await f.readImageRect(500, 150, 1, 1);
    expect(px[0]).toBe(ref[2]);
    await f.close();
  });

  it('refuses rows beyond the image and an early close', async () => {
    const writer = await FitsImageWriter.create(join(dir, 'short.fits'), 10, 2, {}, -32);
    await expect(writer.writeRows(new Float32Array(30))).rejects.toThrow(/3 rows written to an image of height 2/);
    await writer.writeRows(new Float32Array(10));
    await expect(writer.close()).rejects.toThrow(/closed after 1 of 2 rows/);
  });
});

describe('random access in a full-size plate', () => {
  it('reads a rectangle of a 14000x14000 BITPIX 16 file without reading the file', async () => {
    // A sparse 392 MB file: header, zeros, and a few known pixels near the far corner.
    const path = join(dir, 'plate.fits');
    const n = 14000;
    const head = headerBlock([...formatCards('SIMPLE', true), ...formatCards('BITPIX', 16), ...formatCards('NAXIS', 2), ...formatCards('NAXIS1', n), ...formatCards('NAXIS2', n), ...formatCards('BZERO', 32768)]);
    const fd = openSync(path, 'w');
    writeSync(fd, head, 0, head.length, 0);
    const put = (x: number, y: number, v: number) => {
      const b = Buffer.alloc(2);
      b.writeInt16BE(v - 32768);
      writeSync(fd, b, 0, 2, head.length + ((y - 1) * n + (x - 1)) * 2);
    };
    put(13990, 13995, 60000);
    put(13991, 13996, 12);
    ftruncateSync(fd, head.length + Math.ceil((n * n * 2) / 2880) * 2880);
    closeSync(fd);
    const t0 = performance.now();
    const f = await FitsFile.open(path);
    const rect = await f.readImageRect(13989, 13995, 4, 2);
    await f.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(Array.from(rect)).toEqual([32768, 60000, 32768, 32768, 32768, 32768, 12, 32768]);
  });
});

describe('damaged files', () => {
  const good = encodeFitsImage(8, 4, new Array(32).fill(1), { OBJECT: 'x' }, 16);
  const write = (name: string, buf: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, buf);
    return p;
  };

  it('names the file and the fault', async () => {
    await expect(FitsFile.open(write('magic.fits', Buffer.from('hello world'.padEnd(2880))))).rejects.toThrow(/magic\.fits is not a FITS file/);
    await expect(FitsFile.open(write('cut.fits', good.subarray(0, 1000)))).rejects.toThrow(/cut\.fits is truncated: the header/);
    const noEnd = Buffer.from(good);
    noEnd.write('XXX', good.indexOf('END     '), 'latin1');
    await expect(FitsFile.open(write('noend.fits', noEnd.subarray(0, 2880)))).rejects.toThrow(/noend\.fits.*(END|truncated)/);
    await expect(FitsFile.open(write('short.fits', good.subarray(0, 2880 + 40)))).rejects.toThrow(/short\.fits is truncated: HDU 0 declares 64 bytes/);
    await expect(FitsFile.open(join(dir, 'absent.fits'))).rejects.toThrow(/cannot open FITS file .*absent\.fits/);
    const e = await FitsFile.open(write('magic2.fits', Buffer.alloc(100))).catch((err) => err);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).hint).toBeTruthy();
  });

  it('reads a file without final block padding, and digests the raw header', async () => {
    const f = await FitsFile.open(write('nopad.fits', good.subarray(0, 2880 + 64)));
    expect(Array.from(await f.readImage())).toEqual(new Array(32).fill(1));
    const raw = readFileSync(join(dir, 'nopad.fits')).subarray(0, 2880);
    const { createHash } = await import('node:crypto');
    expect(headerDigest(f.hdus[0])).toBe(createHash('sha256').update(raw).digest('hex'));
    await f.close();
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FitsFile, ldacImageHeader, writeFitsImage } from '../../../electron/fits';
import { haveCommand } from '../../helpers/shared-data';
import { haveAstropy, runPython } from '../../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'vasco-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEX_SHARE = '/usr/share/source-extractor';
const PARAMS = ['NUMBER', 'X_IMAGE', 'Y_IMAGE', 'FLUX_AUTO', 'MAG_AUTO', 'FLAGS', 'ISOAREA_IMAGE', 'FWHM_IMAGE', 'VIGNET(5,5)'];

/** A small field of Gaussian stars on a noisy sky. */
function starField(w: number, h: number): Float32Array {
  const img = new Float32Array(w * h);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < img.length; i++) img[i] = 1000 + (rand() + rand() + rand() - 1.5) * 20;
  const stars = [[20.3, 30.7, 5e4], [60.1, 20.2, 2e4], [80.8, 75.5, 8e4], [40.5, 90.1, 1.2e4], [100.2, 50.6, 3e4], [15.9, 110.4, 6e4]];
  for (const [sx, sy, flux] of stars)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const r2 = (x + 1 - sx) ** 2 + (y + 1 - sy) ** 2;
        img[y * w + x] += (flux / (2 * Math.PI * 1.8 ** 2)) * Math.exp(-r2 / (2 * 1.8 ** 2));
      }
  return img;
}

describe.skipIf(!haveCommand('source-extractor', 'apt-get install source-extractor'))('SExtractor FITS_LDAC catalogues', () => {
  it('reads the same columns as the ASCII_HEAD catalogue of the same run', async () => {
    const image = join(dir, 'field.fits');
    await writeFitsImage(image, 128, 128, starField(128, 128), { OBJECT: 'ldac-test', GAIN: 1.0 }, -32);
    const param = join(dir, 'cat.param');
    writeFileSync(param, PARAMS.join('\n') + '\n');
    const run = (type: string, out: string) =>
      execFileSync(
        'source-extractor',
        [image, '-c', join(SEX_SHARE, 'default.sex'), '-PARAMETERS_NAME', param, '-FILTER_NAME', join(SEX_SHARE, 'default.conv'),
          '-STARNNW_NAME', join(SEX_SHARE, 'default.nnw'), '-CATALOG_TYPE', type, '-CATALOG_NAME', out, '-CHECKIMAGE_TYPE', 'NONE',
          '-WRITE_XML', 'N', '-VERBOSE_TYPE', 'QUIET', '-DETECT_THRESH', '5', '-BACK_SIZE', '32'],
        { cwd: dir, stdio: 'pipe' },
      );
    run('FITS_LDAC', join(dir, 'cat.ldac'));
    run('ASCII_HEAD', join(dir, 'cat.txt'));

    // ASCII_HEAD: "#   1 NUMBER ..." lines name the columns (VIGNET spans 25 columns).
    const lines = readFileSync(join(dir, 'cat.txt'), 'utf8').split('\n');
    const colIndex: Record<string, number> = {};
    for (const l of lines) {
      const m = /^#\s+(\d+)\s+(\S+)/.exec(l);
      if (m) colIndex[m[2]] = Number(m[1]) - 1;
    }
    const rows = lines.filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
    /** Half a unit in the last digit the ASCII catalogue printed. */
    const printed = (token: string) => {
      const m = /\.(\d+)(?:[eE]([+-]?\d+))?$/.exec(token);
      return m ? 0.5 * 10 ** (-m[1].length + Number(m[2] ?? 0)) : 0.5;
    };
    expect(rows.length).toBeGreaterThanOrEqual(5);

    const f = await FitsFile.open(join(dir, 'cat.ldac'));
    try {
      const names = f.hdus.map((h) => h.header.EXTNAME);
      expect(names).toEqual([undefined, 'LDAC_IMHEAD', 'LDAC_OBJECTS']);
      const imhead = ldacImageHeader(await f.readTable(f.byName('LDAC_IMHEAD')[0].index));
      expect(imhead.OBJECT).toBe('ldac-test');
      expect(imhead.NAXIS1).toBe(128);
      const objects = await f.readTable(f.byName('LDAC_OBJECTS')[0].index);
      expect(objects.rows).toBe(rows.length);
      expect(objects.columns.map((c) => c.name)).toEqual(PARAMS.map((p) => p.replace(/\(.*/, '')));
      const vignet = objects.columns.find((c) => c.name === 'VIGNET')!;
      expect(vignet.repeat).toBe(25);
      for (const name of ['NUMBER', 'X_IMAGE', 'Y_IMAGE', 'FLUX_AUTO', 'MAG_AUTO', 'FLAGS', 'ISOAREA_IMAGE', 'FWHM_IMAGE']) {
        const col = objects.numeric(name);
        rows.forEach((r, i) => {
          const token = r[colIndex[name]];
          expect(Math.abs(col[i] - Number(token)), `${name} row ${i}`).toBeLessThanOrEqual(printed(token) * 1.0001 + Math.abs(col[i]) * 1e-7);
        });
      }
      const vig = objects.vector('VIGNET');
      rows.forEach((r, i) => {
        for (let k = 0; k < 25; k++) {
          const token = r[colIndex.VIGNET + k];
          expect(Math.abs(vig[i][k] - Number(token)), `VIGNET row ${i} element ${k}`).toBeLessThanOrEqual(printed(token) * 1.0001 + Math.abs(vig[i][k]) * 1e-7);
        }
      });
      expect(() => objects.numeric('VIGNET')).toThrow(/vector\(\)/);
      expect(() => objects.numeric('NOPE')).toThrow(/has no column NOPE/);
    } finally {
      await f.close();
    }
  });
});

describe.skipIf(!haveAstropy())('binary tables astropy wrote', () => {
  it('reads L X B I J K A E D with repeats, TSCAL/TZERO and TNULL', async () => {
    const path = join(dir, 'formats.fits');
    const ref = runPython<Record<string, unknown[]>>(
      `
import numpy as np
from astropy.io import fits
p = json.load(sys.stdin)
n = 7
cols = [
  fits.Column(name='L', format='L', array=np.array([True, False, True, True, False, False, True])),
  fits.Column(name='X', format='11X', array=np.array([[i % 2 == 0, True] + [j == i for j in range(9)] for i in range(n)])),
  fits.Column(name='B', format='B', array=np.arange(n, dtype=np.uint8) * 30),
  fits.Column(name='I', format='I', array=np.arange(n, dtype=np.int16) * -1000, null=-32768),
  fits.Column(name='J', format='2J', array=np.arange(2 * n, dtype=np.int32).reshape(n, 2) * 100000),
  fits.Column(name='K', format='K', array=np.arange(n, dtype=np.int64) * 10**12),
  fits.Column(name='A', format='12A', array=np.array(['row %d' % i for i in range(n)])),
  fits.Column(name='E', format='E', unit='mag', array=np.linspace(-1.5, 20.25, n).astype(np.float32)),
  fits.Column(name='D', format='3D', array=np.linspace(0, 1, 3 * n).reshape(n, 3) * 1e-9 + 123.456),
  fits.Column(name='S', format='I', array=np.arange(n, dtype=np.int16) * 7 - 20),
]
t = fits.BinTableHDU.from_columns(cols, name='FORMATS')
t.data['I'][3] = -32768
t.header['TSCAL10'] = 0.5
t.header['TZERO10'] = 100.0
t.writeto(p, overwrite=True)
d = fits.getdata(p, 1)
out = {}
for c in cols:
    v = d[c.name]
    if c.name == 'A': out[c.name] = [str(s) for s in v]
    elif c.name == 'X': out[c.name] = [[int(b) for b in row] for row in v]
    elif c.name == 'I': out[c.name] = [None if raw == -32768 else int(raw) for raw in fits.getdata(p, 1)['I']]
    else: out[c.name] = np.asarray(v, dtype=np.float64).tolist()
print(json.dumps(out))
`,
      path,
    );
    const f = await FitsFile.open(path);
    const t = await f.readTable(1);
    await f.close();
    expect(t.rows).toBe(7);
    expect(t.columns.find((c) => c.name === 'E')?.unit).toBe('mag');
    expect(Array.from(t.numeric('L'))).toEqual((ref.L as number[]).map(Number));
    expect(t.vector('X').map((v) => Array.from(v))).toEqual(ref.X);
    expect(Array.from(t.numeric('B'))).toEqual(ref.B);
    expect(Array.from(t.numeric('I')).map((v) => (Number.isNaN(v) ? null : v))).toEqual(ref.I);
    expect(t.vector('J').map((v) => Array.from(v))).toEqual(ref.J);
    expect(Array.from(t.numeric('K'))).toEqual(ref.K);
    expect(t.strings('A')).toEqual(ref.A);
    expect(Array.from(t.numeric('E'))).toEqual(ref.E);
    expect(t.vector('D').map((v) => Array.from(v))).toEqual(ref.D);
    expect(Array.from(t.numeric('S'))).toEqual(ref.S);
  });
});

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dssSolution, fitsSolution, usableSolution } from '../../../electron/astro/plate-solution';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { astropy, haveAstropy } from '../../helpers/python';
import { haveCommand, haveSharedData, sharedData } from '../../helpers/shared-data';

const PIXELS: [number, number][] = [[1, 1], [35.5, 12.25], [353.5, 353.5], [700, 20], [706, 706], [-40, 800]];

function sepArcsec(a: [number, number], b: [number, number]): number {
  const r = Math.PI / 180;
  const d = Math.sin(((b[1] - a[1]) * r) / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(((b[0] - a[0]) * r) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(d))) / r * 3600;
}

/** The TAN header's solution agrees with astropy's all_pix2world at PIXELS to 1e-6 arcsec. */
function expectAstropyTan(header: HeaderValues): void {
  const ref = astropy<[number, number][]>(
    `from astropy.wcs import WCS
w = WCS(INPUT["h"])
print(json.dumps([[float(v) for v in w.all_pix2world(x, y, 1)] for x, y in INPUT["p"]]))`,
    { h: header, p: PIXELS },
  );
  const wcs = usableSolution(header)!;
  expect(wcs.kind).toBe('tan');
  PIXELS.forEach(([x, y], i) => expect(sepArcsec(wcs.pixToSky(x, y), ref[i])).toBeLessThan(1e-6));
}

describe.skipIf(!haveAstropy())('TAN pixel -> sky against astropy', () => {
  it('a rotated, skewed CD matrix near the pole and across RA 0', () => {
    expectAstropyTan({
      CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 50.5, CRPIX2: 40.25, CRVAL1: 0.3, CRVAL2: 84.2,
      CD1_1: -4.1e-4, CD1_2: 1.2e-4, CD2_1: 1.1e-4, CD2_2: 4.3e-4,
    });
  });

  it('CDELT with CROTA2', () => {
    expectAstropyTan({
      CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 10, CRPIX2: 12, CRVAL1: 259.95, CRVAL2: -6.15,
      CDELT1: -4.7e-4, CDELT2: 4.7e-4, CROTA2: 17.5,
    });
  });

  it.skipIf(!haveSharedData('cutouts/poss1-red-XE687-20arcmin.fits'))('the TAN header of a real STScI cutout', () => {
    const file = sharedData('cutouts/poss1-red-XE687-20arcmin.fits');
    const ref = astropy<{ h: HeaderValues; sky: [number, number][] }>(
      `from astropy.io import fits
from astropy.wcs import WCS
h = fits.getheader(INPUT["f"])
keep = {k: h[k] for k in ("CTYPE1","CTYPE2","CRPIX1","CRPIX2","CRVAL1","CRVAL2","CD1_1","CD1_2","CD2_1","CD2_2") if k in h}
w = WCS(fits.Header(keep))
print(json.dumps({"h": keep, "sky": [[float(v) for v in w.all_pix2world(x, y, 1)] for x, y in INPUT["p"]]}))`,
      { f: file, p: PIXELS },
    );
    const wcs = usableSolution(ref.h)!;
    expect(wcs.kind).toBe('tan');
    PIXELS.forEach(([x, y], i) => expect(sepArcsec(wcs.pixToSky(x, y), ref.sky[i])).toBeLessThan(1e-6));
  });
});

describe.skipIf(!haveSharedData('cutouts/poss1-red-XE687-20arcmin.fits') || !haveAstropy() || !haveCommand('xy2sky', 'apt-get install -y wcstools'))(
  'DSS plate solution against wcstools xy2sky',
  () => {
    it('a real cutout header with only the DSS solution (CNPIX corner)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vasco-dss-'));
      try {
        const file = join(dir, 'dss-only.fits');
        // Strip the explicit TAN so both sides must use the GSSS polynomial.
        const header = astropy<HeaderValues>(
          `from astropy.io import fits
h = fits.getheader(INPUT["src"])
for k in ("WCSAXES","WCSNAME","RADESYS","CTYPE1","CTYPE2","CRPIX1","CRPIX2","CRVAL1","CRVAL2","CUNIT1","CUNIT2","CD1_1","CD1_2","CD2_1","CD2_2"):
    h.remove(k, ignore_missing=True, remove_all=True)
fits.PrimaryHDU(np.zeros((h["NAXIS2"], h["NAXIS1"]), dtype=np.int16), header=h).writeto(INPUT["out"])
print(json.dumps({k: h[k] for k in h.keys() if k not in ("COMMENT", "HISTORY", "")}))`,
          { src: sharedData('cutouts/poss1-red-XE687-20arcmin.fits'), out: file },
        );
        expect(fitsSolution(header)).toBeNull();
        const wcs = usableSolution(header)!;
        expect(wcs.kind).toBe('dss');
        const args = PIXELS.filter(([x, y]) => x > 0 && y > 0).flatMap(([x, y]) => [String(x), String(y)]);
        const out = execFileSync('xy2sky', ['-d', '-n', '8', file, ...args], { encoding: 'utf8' });
        const lines = out.trim().split('\n');
        expect(lines.length).toBe(args.length / 2);
        lines.forEach((line, i) => {
          const [ra, dec] = line.trim().split(/\s+/).map(Number);
          const [x, y] = [Number(args[2 * i]), Number(args[2 * i + 1])];
          // wcstools prints 8 decimals of a degree (~0.04 mas).
          expect(sepArcsec(wcs.pixToSky(x, y), [ra, dec])).toBeLessThan(1e-3);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

it('a header without a usable WCS gives null, not a wrong position', () => {
  expect(usableSolution({ NAXIS1: 10, CTYPE1: 'RA---SIN', CTYPE2: 'DEC--SIN' })).toBeNull();
  expect(usableSolution({ NAXIS1: 10 })).toBeNull();
});

it('a SIP header is not read as plain TAN: the DSS solution is used when there is one, else none', () => {
  // What the renderer's own copy did (CTYPE starting RA---TAN) read RA---TAN-SIP as plain TAN and dropped the distortion.
  const dss: HeaderValues = {
    PLTRAH: 17, PLTRAM: 19, PLTRAS: 48.8, PLTDECSN: '-', PLTDECD: 6, PLTDECM: 8, PLTDECS: 51,
    PPO3: 177500, PPO6: 177500, XPIXELSZ: 25.28, YPIXELSZ: 25.28, AMDX1: 67.2, AMDX2: 0.01, AMDY1: 67.2, AMDY2: -0.01,
  };
  const sip: HeaderValues = {
    CTYPE1: 'RA---TAN-SIP', CTYPE2: 'DEC--TAN-SIP', CRPIX1: 50, CRPIX2: 50, CRVAL1: 259.95, CRVAL2: -6.15,
    CD1_1: -4.7e-4, CD1_2: 0, CD2_1: 0, CD2_2: 4.7e-4, A_ORDER: 2, A_2_0: 1e-3, B_ORDER: 2, B_0_2: 1e-3,
  };
  expect(usableSolution(sip)).toBeNull();
  expect(usableSolution({ ...sip, ...dss })!.kind).toBe('dss');
  expect(usableSolution({ ...sip, ...dss })!.pixToSky(3, 4)).toEqual(dssSolution(dss)!.pixToSky(3, 4));
});

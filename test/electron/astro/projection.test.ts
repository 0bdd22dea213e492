import { describe, expect, it } from 'vitest';
import { cdMatrix, gnomonicForward, gnomonicInverse, insideField, tanSkyToPix, type TanWcs } from '../../../electron/astro/projection';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { astropy, haveAstropy } from '../../helpers/python';

describe('gnomonic projection', () => {
  it('inverts itself, also across RA 0 and near the pole', () => {
    for (const [ra0, dec0, ra, dec] of [
      [0.1, 10, 359.8, 10.2],
      [200, 89.5, 20, 89.2],
      [259.95, -6.15, 260.1, -6.3],
    ]) {
      const [xi, eta] = gnomonicForward(ra, dec, ra0, dec0);
      const [r, d] = gnomonicInverse(xi, eta, ra0, dec0);
      expect(Math.abs(((r - ra + 540) % 360) - 180) * 3600).toBeLessThan(1e-6);
      expect(Math.abs(d - dec) * 3600).toBeLessThan(1e-6);
    }
  });

  it('the far hemisphere has no image (the antipode is not "inside" a field)', () => {
    expect(gnomonicForward(80, 6.15, 259.95, -6.15).every(Number.isNaN)).toBe(true);
    expect(gnomonicForward(259.95 - 100, 0, 259.95, 0).every(Number.isNaN)).toBe(true);
    // The old copy used by the overlay picker gave (0, 0) for the antipode of the field centre.
    expect(insideField(79.95, 6.15, 259.95, -6.15, 0.01)).toBe(false);
    expect(insideField(259.951, -6.151, 259.95, -6.15, 0.01)).toBe(true);
  });
});

describe.skipIf(!haveAstropy())('TAN sky -> pixel against astropy', () => {
  it('CD, PC and CROTA2 forms, near the pole and across RA 0', () => {
    const headers: (HeaderValues & { CRPIX1: number; CRPIX2: number; CRVAL1: number; CRVAL2: number })[] = [
      { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 50.5, CRPIX2: 40.25, CRVAL1: 0.3, CRVAL2: 84.2, CD1_1: -4.1e-4, CD1_2: 1.2e-4, CD2_1: 1.1e-4, CD2_2: 4.3e-4 },
      { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 10, CRPIX2: 12, CRVAL1: 259.95, CRVAL2: -6.15, CDELT1: -4.7e-4, CDELT2: 4.7e-4, CROTA2: 17.5 },
      { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 7, CRPIX2: 9, CRVAL1: 120, CRVAL2: 30, CDELT1: -5e-4, CDELT2: 5e-4, PC1_1: 0.9, PC1_2: 0.1, PC2_1: -0.2, PC2_2: 1.1 },
    ];
    const sky: [number, number][][] = [[[0.31, 84.21], [359.9, 84.3]], [[259.9, -6.1], [260.02, -6.22]], [[120.05, 29.97], [119.9, 30.1]]];
    const ref = astropy<number[][][]>(
      `from astropy.wcs import WCS
print(json.dumps([[[float(v) for v in WCS(h).all_world2pix(r, d, 1)] for r, d in s] for h, s in zip(INPUT["h"], INPUT["sky"])]))`,
      { h: headers, sky },
    );
    headers.forEach((h, i) => {
      const m = cdMatrix(h)!;
      const w: TanWcs = { crpix: [h.CRPIX1, h.CRPIX2], crval: [h.CRVAL1, h.CRVAL2], cd: m.cd };
      expect(m.source).toBe('CD1_1' in h ? 'CD' : 'CDELT');
      sky[i].forEach(([ra, dec], j) => {
        const [x, y] = tanSkyToPix(w, ra, dec);
        expect(Math.hypot(x - ref[i][j][0], y - ref[i][j][1])).toBeLessThan(1e-6);
      });
    });
  });
});

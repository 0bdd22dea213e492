import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gnomonicInverse } from '../../../electron/astro/projection';
import { fitTanSipSamples, tanSipHeader, type SkySample } from '../../../electron/astro/tan-sip-fit';
import { writeFitsImage } from '../../../electron/fits';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { astropy, haveAstropy } from '../../helpers/python';

const CUTOUT = 'cutouts/poss1-red-XE687-20arcmin.fits';
const tmp = mkdtempSync(join(tmpdir(), 'vasco-tansip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveAstropy() || !haveSharedData(CUTOUT))('TAN-SIP fit of a DSS plate solution, checked by astropy', () => {
  it('astropy reads the fitted SIP header and agrees with the DSS solution to < 0.05 arcsec', async () => {
    // Reference: astropy evaluates the real DSS plate solution of the XE687 cutout.
    const ref = astropy<{ grid: number[][]; centre: number[]; check: number[][]; width: number; height: number }>(
      `
from astropy.io import fits
from astropy.wcs import WCS
import numpy as np
h = fits.getheader(INPUT['file'])
w = WCS(h)
nx, ny = h['NAXIS1'], h['NAXIS2']
g = np.linspace(0.5, nx + 0.5, 12)
gy = np.linspace(0.5, ny + 0.5, 12)
pts = np.array([[x, y] for x in g for y in gy])
sky = w.all_pix2world(pts, 1)
c = [(nx + 1) / 2, (ny + 1) / 2]
rng = np.random.default_rng(7)
chk = np.column_stack([rng.uniform(1, nx, 200), rng.uniform(1, ny, 200)])
csky = w.all_pix2world(chk, 1)
print(json.dumps({'grid': np.column_stack([pts, sky]).tolist(), 'centre': [*c, *w.all_pix2world([c], 1)[0]],
  'check': np.column_stack([chk, csky]).tolist(), 'width': nx, 'height': ny}))
`,
      { file: sharedData(CUTOUT) },
    );
    const samples: SkySample[] = ref.grid.map(([x, y, ra, dec]) => ({ x, y, ra, dec }));
    const [cx, cy, cra, cdec] = ref.centre;
    const fit = fitTanSipSamples(samples, [cx, cy], [cra, cdec], 3);
    expect(fit.maxArcsec).toBeLessThan(0.05);

    const file = join(tmp, 'sip.fits');
    await writeFitsImage(file, ref.width, ref.height, new Float32Array(ref.width * ref.height), tanSipHeader(fit));
    const res = astropy<{ sip: boolean; ctype: string[]; maxArcsec: number }>(
      `
from astropy.io import fits
from astropy.wcs import WCS
from astropy.coordinates import SkyCoord
import astropy.units as u
import numpy as np
w = WCS(fits.getheader(INPUT['file']))
chk = np.array(INPUT['check'])
sky = w.all_pix2world(chk[:, :2], 1)
a = SkyCoord(sky[:, 0] * u.deg, sky[:, 1] * u.deg)
b = SkyCoord(chk[:, 2] * u.deg, chk[:, 3] * u.deg)
print(json.dumps({'sip': w.sip is not None, 'ctype': list(w.wcs.ctype), 'maxArcsec': float(a.separation(b).arcsec.max())}))
`,
      { file, check: ref.check },
    );
    expect(res.sip).toBe(true);
    expect(res.ctype).toEqual(['RA---TAN-SIP', 'DEC--TAN-SIP']);
    expect(res.maxArcsec).toBeLessThan(0.05);
  });

  it('a plain TAN (order 2 fit of a pure TAN sky) has negligible distortion terms', () => {
    // Independent of astropy: a synthetic pure TAN mapping must come back as CD with ~zero SIP.
    const cd = [[-4.7e-4, 1e-6], [2e-6, 4.7e-4]];
    const crval: [number, number] = [120, 30];
    const samples: SkySample[] = [];
    for (let x = 1; x <= 400; x += 40)
      for (let y = 1; y <= 400; y += 40) {
        const u = x - 200, v = y - 200;
        const [ra, dec] = gnomonicInverse(cd[0][0] * u + cd[0][1] * v, cd[1][0] * u + cd[1][1] * v, ...crval);
        samples.push({ x, y, ra, dec });
      }
    const fit = fitTanSipSamples(samples, [200, 200], crval, 2);
    expect(fit.cd[0][0]).toBeCloseTo(cd[0][0], 12);
    expect(fit.cd[1][1]).toBeCloseTo(cd[1][1], 12);
    for (const v of Object.values(fit.a)) expect(Math.abs(v)).toBeLessThan(1e-9);
    expect(fit.maxArcsec).toBeLessThan(1e-6);
  });
});

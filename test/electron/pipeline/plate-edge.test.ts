/**
 * Plate-edge distances on a real DSS cutout (XE687): the centre is the plate's
 * own (PLTRA/PLTDEC, the GSSS tangent point), not the cutout's, and the sky
 * distance to the image edge agrees with astropy's reading of the same header.
 */
import { describe, expect, it } from 'vitest';
import { chooseSolution } from '../../../electron/astro/plate-solution';
import { FitsFile } from '../../../electron/fits';
import { edgeDistanceDeg, plateCentre } from '../../../electron/pipeline/plate-edge';
import { astropy, haveAstropy } from '../../helpers/python';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const RED = 'cutouts/poss1-red-XE687-20arcmin.fits';

describe.skipIf(!haveSharedData(RED) || !haveAstropy())('plate-edge distances on a real DSS cutout', () => {
  it('centre from PLTRA/PLTDEC, and distances from it and to the image edge as astropy measures them', async () => {
    const f = await FitsFile.open(sharedData(RED));
    const header = f.imageHdu().header;
    await f.close();
    const { solution } = chooseSolution(header);
    const w = Number(header.NAXIS1), h = Number(header.NAXIS2);
    const centre = plateCentre(header, solution, w, h);
    expect(centre.from).toMatch(/DSS plate centre/);
    const pts = [[1, 1], [353.5, 353.5], [700, 20], [40, 690], [250, 600]].map(([x, y]) => [x, y, ...solution.pixToSky(x, y)]);
    const ref = astropy<{ centre: number[]; dist: number[]; edge: number[] }>(
      `from astropy.io import fits
from astropy.wcs import WCS
from astropy.coordinates import SkyCoord
import astropy.units as u
h = fits.getheader(INPUT['file'])
sign = -1 if str(h.get('PLTDECSN', '+')).strip().startswith('-') else 1
c = SkyCoord((h['PLTRAH'] + h['PLTRAM'] / 60 + h['PLTRAS'] / 3600) * 15 * u.deg, sign * (h['PLTDECD'] + h['PLTDECM'] / 60 + h['PLTDECS'] / 3600) * u.deg)
# The solution our positions use (chooseSolution: the explicit TAN when present), so both measure the same image.
wh = h.copy()
if INPUT['kind'] == 'tan':
    for k in list(wh.keys()):
        if k.startswith(('AMDX', 'AMDY', 'PLTRA', 'PLTDEC', 'PPO', 'CNPIX', 'XPIXELSZ', 'YPIXELSZ')):
            del wh[k]
w = WCS(wh)
W, H = h['NAXIS1'], h['NAXIS2']
p = np.array(INPUT['pts'])
src = SkyCoord(p[:, 2] * u.deg, p[:, 3] * u.deg)
edges = []
for fx, fy in [(0.5, None), (W + 0.5, None), (None, 0.5), (None, H + 0.5)]:
    xs = np.full(len(p), fx) if fx is not None else p[:, 0]
    ys = np.full(len(p), fy) if fy is not None else p[:, 1]
    sky = w.all_pix2world(np.column_stack([xs, ys]), 1)
    edges.append(src.separation(SkyCoord(sky[:, 0] * u.deg, sky[:, 1] * u.deg)).deg)
print(json.dumps({'centre': [c.ra.deg, c.dec.deg], 'dist': src.separation(c).deg.tolist(), 'edge': np.min(edges, axis=0).tolist()}))`,
      { file: sharedData(RED), pts, kind: solution.kind },
    );
    expect(centre.ra).toBeCloseTo(ref.centre[0], 9);
    expect(centre.dec).toBeCloseTo(ref.centre[1], 9);
    // The cutout's own centre (the 2nd point) lies 50" from its plate's: distances are from the plate's (1e-7 deg below).
    expect(ref.dist[1]).toBeGreaterThan(0.01);
    pts.forEach(([x, y, ra, dec], i) => {
      const [cra, cdec] = [centre.ra, centre.dec];
      const d = (Math.acos(Math.sin(dec * Math.PI / 180) * Math.sin(cdec * Math.PI / 180) + Math.cos(dec * Math.PI / 180) * Math.cos(cdec * Math.PI / 180) * Math.cos((ra - cra) * Math.PI / 180)) * 180) / Math.PI;
      expect(d).toBeCloseTo(ref.dist[i], 7);
      expect(edgeDistanceDeg(solution, w, h, x, y, ra, dec)).toBeCloseTo(ref.edge[i], 7);
    });
  });
});

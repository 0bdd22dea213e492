import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { propagateAll, propagatePosition } from '../../../electron/catalogs/proper-motion';
import { haveAstropy } from '../../helpers/python';

describe.skipIf(!haveAstropy())('proper motion back to the plate epoch', () => {
  // Without a distance ERFA's pmsafe invents one at which a star moves at ~1% of c, and its
  // light-time terms then shift positions by up to tens of mas. A nearby distance with zero
  // radial velocity gives astropy's rigorous answer for pure proper motion, which we compare to.
  it('agrees with astropy SkyCoord.apply_space_motion to < 1 mas (incl. Barnard-like and polar stars)', () => {
    const stars: [number, number, number, number][] = [
      [269.452, 4.6933, -801.551, 10362.394], // Barnard's star
      [10, 20, 100, -50],
      [359.99, -0.5, 300, 20],
      [0.01, 89.99, 500, -500], // near the pole
      [123.4, -29.9, -20, 5],
      [200, 45, 0, 0],
    ];
    for (let i = 0; i < 30; i++) {
      const a = (i * 137.5) % 360;
      const d = -30 + ((i * 53.3) % 119);
      stars.push([a, d, ((i * 97) % 400) - 200, ((i * 61) % 400) - 200]);
    }
    const to = 1953.7079;
    const py = execFileSync('/usr/bin/python3', ['-c', `
import json, sys, warnings
warnings.simplefilter('ignore')
from astropy.coordinates import SkyCoord
from astropy.time import Time
import astropy.units as u
s = json.loads(sys.argv[1])
n = len(s)
c = SkyCoord(ra=[x[0] for x in s]*u.deg, dec=[x[1] for x in s]*u.deg, pm_ra_cosdec=[x[2] for x in s]*u.mas/u.yr, pm_dec=[x[3] for x in s]*u.mas/u.yr,
             distance=[10]*n*u.pc, radial_velocity=[0]*n*u.km/u.s, obstime=Time(2016.0, format='jyear'))
n = c.apply_space_motion(new_obstime=Time(float(sys.argv[2]), format='jyear'))
print(json.dumps([list(map(float, n.ra.deg)), list(map(float, n.dec.deg))]))
`, JSON.stringify(stars), String(to)]).toString();
    const [ra, dec] = JSON.parse(py) as [number[], number[]];
    const ours = propagateAll(
      { ra: stars.map((s) => s[0]), dec: stars.map((s) => s[1]), pmra: stars.map((s) => s[2]), pmdec: stars.map((s) => s[3]), epoch: 2016.0 },
      to,
    );
    stars.forEach((_, i) => expect(separationArcsec(ours.ra[i], ours.dec[i], ra[i], dec[i]) * 1000).toBeLessThan(1));
    // Barnard's star really moved: ~10.4"/yr over 62 years.
    expect(separationArcsec(stars[0][0], stars[0][1], ours.ra[0], ours.dec[0])).toBeGreaterThan(600);
  });

  it('treats missing motion as no motion', () => {
    expect(propagatePosition(10, 20, NaN, NaN, 2016, 1951)).toEqual([10, 20]);
    const r = propagateAll({ ra: [10], dec: [20], pmra: [NaN], pmdec: [50], epoch: [NaN] }, 1951);
    expect([r.ra[0], r.dec[0]]).toEqual([10, 20]); // no epoch: nothing to carry
  });
});

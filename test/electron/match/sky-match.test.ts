import { describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { matchAll, matchNearest, SkyIndex } from '../../../electron/match/sky-match';
import { astropy, haveAstropy } from '../../helpers/python';

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points scattered in a cap around (ra0, dec0), radius in degrees, uniform on the sphere. */
function capPoints(n: number, ra0: number, dec0: number, radiusDeg: number, seed: number) {
  const r = rng(seed);
  const ra: number[] = [];
  const dec: number[] = [];
  const d0 = (dec0 * Math.PI) / 180;
  const a0 = (ra0 * Math.PI) / 180;
  for (let i = 0; i < n; i++) {
    const rho = (radiusDeg * Math.PI) / 180 * Math.sqrt(r());
    const theta = 2 * Math.PI * r();
    // Offset by angle rho in direction theta from the centre (exact spherical offset).
    const sinD = Math.sin(d0) * Math.cos(rho) + Math.cos(d0) * Math.sin(rho) * Math.cos(theta);
    const d = Math.asin(Math.max(-1, Math.min(1, sinD)));
    const a = a0 + Math.atan2(Math.sin(theta) * Math.sin(rho) * Math.cos(d0), Math.cos(rho) - Math.sin(d0) * sinD);
    ra.push((((a * 180) / Math.PI) % 360 + 360) % 360);
    dec.push((d * 180) / Math.PI);
  }
  return { ra, dec };
}

function bruteAll(l: { ra: number[]; dec: number[] }, r: { ra: number[]; dec: number[] }, radius: number) {
  const pairs: string[] = [];
  for (let i = 0; i < l.ra.length; i++)
    for (let j = 0; j < r.ra.length; j++)
      if (separationArcsec(l.ra[i], l.dec[i], r.ra[j], r.dec[j]) <= radius) pairs.push(`${i}-${j}`);
  return pairs.sort();
}

describe('sky match against brute force', () => {
  const fields: [string, number, number][] = [
    ['equator', 120, 0],
    ['RA 0/360 seam', 0.001, 10],
    ['north pole', 37, 89.999],
    ['south pole', 200, -89.9995],
    ['high dec across seam', 359.99, 84.8],
  ];
  for (const [name, ra0, dec0] of fields) {
    it(`finds exactly the brute-force pairs near the ${name}`, () => {
      const left = capPoints(400, ra0, dec0, 0.02, 1);
      const right = capPoints(600, ra0, dec0, 0.02, 2);
      const radius = 5;
      const got = matchAll(left, right, radius);
      const pairs = Array.from(got.left, (l, k) => `${l}-${got.right[k]}`).sort();
      expect(pairs).toEqual(bruteAll(left, right, radius));
      expect(pairs.length).toBeGreaterThan(20);
      for (let k = 0; k < got.left.length; k++) {
        const exact = separationArcsec(left.ra[got.left[k]], left.dec[got.left[k]], right.ra[got.right[k]], right.dec[got.right[k]]);
        expect(Math.abs(got.separationArcsec[k] - exact)).toBeLessThan(1e-6);
      }
      const nearest = matchNearest(left, right, radius);
      for (let i = 0; i < left.ra.length; i++) {
        let best = -1;
        let bestSep = Infinity;
        for (let j = 0; j < right.ra.length; j++) {
          const s = separationArcsec(left.ra[i], left.dec[i], right.ra[j], right.dec[j]);
          if (s <= radius && s < bestSep) [best, bestSep] = [j, s];
        }
        expect(nearest.right[i]).toBe(best);
      }
    });
  }

  it('nearest() and within() of the index agree with brute force for a large radius across the pole', () => {
    const pts = capPoints(500, 10, 89.5, 1.5, 3);
    const index = new SkyIndex(pts, 30);
    const radius = 3600; // 1 degree: the cap contains the pole
    const got = index.within(190, 89.8, radius).map((h) => h.index).sort((a, b) => a - b);
    const want = pts.ra.map((_, i) => i).filter((i) => separationArcsec(190, 89.8, pts.ra[i], pts.dec[i]) <= radius);
    expect(got).toEqual(want);
    expect(index.nearest(0, -10, 5)).toBeNull();
  });

  it('handles empty inputs', () => {
    expect(matchAll({ ra: [], dec: [] }, { ra: [1], dec: [1] }, 5).left.length).toBe(0);
    expect(matchNearest({ ra: [1], dec: [1] }, { ra: [], dec: [] }, 5).right[0]).toBe(-1);
  });
});

describe.skipIf(!haveAstropy())('sky match against astropy', () => {
  it('agrees with astropy search_around_sky, pairs and separations', () => {
    const left = capPoints(300, 359.995, -29.99, 0.03, 7);
    const right = capPoints(500, 359.995, -29.99, 0.03, 8);
    const radius = 6;
    const ref = astropy<[number, number, number][]>(
      `
import astropy.units as u
from astropy.coordinates import SkyCoord, search_around_sky
l = SkyCoord(INPUT['l']['ra'], INPUT['l']['dec'], unit='deg'); r = SkyCoord(INPUT['r']['ra'], INPUT['r']['dec'], unit='deg')
i, j, sep, _ = search_around_sky(l, r, INPUT['radius'] * u.arcsec)
print(json.dumps([[int(a), int(b), float(s.arcsec)] for a, b, s in zip(i, j, sep)]))
`,
      { l: left, r: right, radius },
    );
    const got = matchAll(left, right, radius);
    const mine = new Map(Array.from(got.left, (l, k) => [`${l}-${got.right[k]}`, got.separationArcsec[k]]));
    expect(mine.size).toBe(ref.length);
    for (const [i, j, s] of ref) {
      expect(mine.has(`${i}-${j}`)).toBe(true);
      expect(Math.abs(mine.get(`${i}-${j}`)! - s)).toBeLessThan(1e-6);
    }
  });
});

/**
 * Plate footprints and overlap against astropy: corners of the footprint
 * (WCS.calc_footprint at the pixel edges), the fraction of one plate another
 * covers (exact polygon clipping for TAN pairs, whose edges are great circles
 * and so straight lines in the other plate's pixels; a fine grid through
 * astropy's own DSS solution otherwise), and the real cutouts of two different
 * fields, which must not overlap.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { containsSky, coveredFraction, footprint, type PlateFrame } from '../../../electron/astro/footprint';
import { poss1Field } from '../../../electron/astro/plate-info';
import { chooseSolution, dssSolution, fitsSolution } from '../../../electron/astro/plate-solution';
import { separationArcsec } from '../../../electron/astro/sphere';
import { FitsFile } from '../../../electron/fits';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { astropy, haveAstropy } from '../../helpers/python';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const RED_CUTOUT = 'cutouts/poss1-red-XE687-20arcmin.fits';
const BLUE_CUTOUT = 'cutouts/poss1-blue-XO542-20arcmin.fits';
const HEADERS = 'dss/dss1red-plate-headers.jsonl';

/** A TAN header: centre, size, scale ("/px) and rotation (deg). */
function tan(ra: number, dec: number, width: number, height: number, scaleArcsec: number, rotDeg: number): HeaderValues {
  const c = Math.cos((rotDeg * Math.PI) / 180), s = Math.sin((rotDeg * Math.PI) / 180), d = scaleArcsec / 3600;
  return {
    NAXIS: 2, NAXIS1: width, NAXIS2: height, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN',
    CRPIX1: (width + 1) / 2, CRPIX2: (height + 1) / 2, CRVAL1: ra, CRVAL2: dec,
    CD1_1: -d * c, CD1_2: -d * s, CD2_1: -d * s, CD2_2: d * c,
  };
}

function frame(h: HeaderValues): PlateFrame {
  return { solution: chooseSolution(h).solution, width: Number(h.NAXIS1), height: Number(h.NAXIS2) };
}

const PRELUDE = `
from astropy.io import fits
from astropy.wcs import WCS
def wcs(h): return WCS(fits.Header(cards=[(k, v) for k, v in h.items() if v is not None]))
`;

/** astropy: the fraction of red's pixel area inside blue, by clipping blue's corner quadrilateral (TAN) in red's pixels. */
const EXACT_TAN_FRACTION = `${PRELUDE}
def clip(poly, inside, cut):
    out = []
    for i in range(len(poly)):
        p, q = poly[i - 1], poly[i]
        if inside(q):
            if not inside(p): out.append(cut(p, q))
            out.append(q)
        elif inside(p): out.append(cut(p, q))
    return out
def area(poly): return abs(sum(poly[i-1][0]*poly[i][1] - poly[i][0]*poly[i-1][1] for i in range(len(poly)))) / 2
out = []
for pair in INPUT:
    red, blue = wcs(pair['red']), wcs(pair['blue'])
    corners = blue.calc_footprint(center=False)
    x, y = red.all_world2pix(corners[:, 0], corners[:, 1], 1)
    poly = list(zip(x.tolist(), y.tolist()))
    W, H = pair['red']['NAXIS1'] + 0.5, pair['red']['NAXIS2'] + 0.5
    for axis, bound, keep_low in ((0, 0.5, False), (0, W, True), (1, 0.5, False), (1, H, True)):
        inside = (lambda p, a=axis, b=bound, k=keep_low: p[a] <= b if k else p[a] >= b)
        def cut(p, q, a=axis, b=bound):
            t = (b - p[a]) / (q[a] - p[a])
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
        poly = clip(poly, inside, cut) if poly else []
    out.append(area(poly) / ((W - 0.5) * (H - 0.5)) if len(poly) >= 3 else 0.0)
print(json.dumps(out))
`;

/** astropy: the same fraction on an n x n grid of red's pixels, through astropy's own solutions (DSS included). */
const GRID_FRACTION = `${PRELUDE}
out = []
for pair in INPUT['pairs']:
    red, blue = wcs(pair['red']), wcs(pair['blue'])
    n, W, H = INPUT['n'], pair['red']['NAXIS1'], pair['red']['NAXIS2']
    X, Y = np.meshgrid(0.5 + (np.arange(n) + 0.5) * W / n, 0.5 + (np.arange(n) + 0.5) * H / n)
    ra, dec = red.all_pix2world(X.ravel(), Y.ravel(), 1)
    bx, by = blue.all_world2pix(ra, dec, 1, quiet=True)
    inside = (bx >= 0.5) & (bx <= pair['blue']['NAXIS1'] + 0.5) & (by >= 0.5) & (by <= pair['blue']['NAXIS2'] + 0.5)
    out.append(float(np.mean(inside)))
print(json.dumps(out))
`;

/** astropy: footprint corners at the pixel edges. */
const CORNERS = `${PRELUDE}
print(json.dumps([wcs(h).calc_footprint(center=False).tolist() for h in INPUT]))
`;

/** The DSS keywords only, so astropy uses the plate polynomial (it is what chooseSolution takes for a plate scan). */
function dssOnly(h: HeaderValues): HeaderValues {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !/^(CTYPE|CRPIX|CRVAL|CDELT|CD\d_|PC|CROTA|CUNIT|WCSAXES|RADESYS|EQUINOX$)/.test(k)));
}

/** The explicit TAN only (astropy would prefer the DSS polynomial; chooseSolution prefers the TAN). */
function tanOnly(h: HeaderValues): HeaderValues {
  return Object.fromEntries(Object.entries(h).filter(([k]) => /^(NAXIS|CTYPE|CRPIX|CRVAL|CDELT|CD\d_|PC|CROTA|CUNIT|RADESYS|EQUINOX$)/.test(k)));
}

async function fileHeader(rel: string): Promise<HeaderValues> {
  const f = await FitsFile.open(sharedData(rel));
  try {
    return f.imageHdu().header;
  } finally {
    await f.close();
  }
}

function dssPlate(plate: string): HeaderValues {
  const line = readFileSync(sharedData(HEADERS), 'utf8').split('\n').find((l) => l.includes(`"plate": "${plate}"`))!;
  return dssOnly((JSON.parse(line) as { header: HeaderValues }).header);
}

describe('poss1Field', () => {
  it('reads the field number from a red or blue region name', () => {
    expect(poss1Field('XE687')).toBe(687);
    expect(poss1Field('XO687')).toBe(687);
    expect(poss1Field('xo042')).toBe(42);
    expect(poss1Field('XE000')).toBe(0);
    expect(poss1Field('')).toBeNull();
    expect(poss1Field('SERC-J')).toBeNull();
  });
});

describe('containsSky', () => {
  it('takes the image to span the pixel edges 0.5 .. N + 0.5', () => {
    const f = frame(tan(150, 20, 100, 80, 1.7, 0));
    const at = (x: number, y: number) => f.solution.pixToSky(x, y);
    expect(containsSky(f, ...at(0.51, 40))).toBe(true);
    expect(containsSky(f, ...at(0.49, 40))).toBe(false);
    expect(containsSky(f, ...at(100.49, 80.49))).toBe(true);
    expect(containsSky(f, ...at(50, 80.51))).toBe(false);
    // The far side of the sky has no gnomonic image at all.
    expect(containsSky(f, 330, -20)).toBe(false);
  });
});

describe.skipIf(!haveAstropy())('footprint and covered fraction against astropy', () => {
  const PAIRS: { name: string; red: HeaderValues; blue: HeaderValues }[] = [
    { name: 'blue (1.0"/px, turned 20 deg) on the east half', red: tan(150, 20, 706, 706, 1.7, 0), blue: tan(150.17, 20.05, 1188, 1190, 1.0, 20) },
    { name: 'blue a corner only, near the pole', red: tan(40, 84, 900, 700, 1.7, 0), blue: tan(42.2, 84.2, 900, 900, 1.7, -35) },
    { name: 'blue larger, all of red inside', red: tan(259.95, -6.15, 706, 706, 1.7, 0), blue: tan(259.951, -6.148, 1400, 1400, 1.0, 3) },
    { name: 'disjoint', red: tan(259.95, -6.15, 706, 706, 1.7, 0), blue: tan(109.93, 5.73, 1188, 1190, 1.0, 0) },
  ];

  it('covered fraction of TAN pairs: exact polygon clipping in astropy within 1/n', () => {
    const exact = astropy<number[]>(EXACT_TAN_FRACTION, PAIRS.map((p) => ({ red: p.red, blue: p.blue })));
    PAIRS.forEach((p, k) => {
      const ours = coveredFraction(frame(p.red), frame(p.blue), 256);
      console.log(`${p.name}: covered ${ours.toFixed(4)} (astropy exact ${exact[k].toFixed(4)})`);
      expect(Math.abs(ours - exact[k]), p.name).toBeLessThan(0.004);
      expect(Math.abs(coveredFraction(frame(p.red), frame(p.blue)) - exact[k]), `${p.name}, n = 64`).toBeLessThan(0.016);
    });
    expect(exact[0]).toBeGreaterThan(0.2);
    expect(exact[0]).toBeLessThan(0.8);
    expect(exact[1]).toBeGreaterThan(0.05);
    expect(exact[1]).toBeLessThan(0.5);
    expect(exact[2]).toBe(1);
    expect(exact[3]).toBe(0);
  });

  it('footprint corners of a TAN frame are astropy calc_footprint at the pixel edges', () => {
    const [corners] = astropy<[number, number][][]>(CORNERS, [PAIRS[0].blue]);
    const ours = footprint(frame(PAIRS[0].blue));
    expect(ours).toHaveLength(4);
    for (const [ra, dec] of corners) expect(Math.min(...ours.map((c) => separationArcsec(ra, dec, c[0], c[1])))).toBeLessThan(1e-6);
    // More points per side follow the same border: the corners are still among them.
    expect(footprint(frame(PAIRS[0].blue), 8)).toHaveLength(32);
  });

  it.skipIf(!haveSharedData(HEADERS))('a DSS full plate (XE582) and a TAN cutout across its corner: astropy grid through its DSS solution', () => {
    const plate = dssPlate('XE582');
    const s = dssSolution(plate)!;
    // A 1200x1000 cutout centred on the plate's pixel (300, 300): about 0.75 x 0.8 of it lies on the plate.
    const [ra, dec] = s.pixToSky(300, 300);
    const cut = tan(ra, dec, 1200, 1000, 1.7, 10);
    const pairs = [{ red: cut, blue: plate }, { red: plate, blue: cut }];
    const ref = astropy<number[]>(GRID_FRACTION, { n: 400, pairs });
    const covered = coveredFraction(frame(cut), frame(plate), 256);
    const reverse = coveredFraction(frame(plate), frame(cut), 256);
    console.log(`cutout on XE582's corner: ${covered.toFixed(4)} covered (astropy ${ref[0].toFixed(4)}); plate by cutout ${reverse.toExponential(3)} (astropy ${ref[1].toExponential(3)})`);
    expect(Math.abs(covered - ref[0])).toBeLessThan(0.006);
    expect(covered).toBeGreaterThan(0.5);
    expect(covered).toBeLessThan(0.7);
    expect(Math.abs(reverse - ref[1])).toBeLessThan(0.0005);
    const [corners] = astropy<[number, number][][]>(CORNERS, [plate]);
    const ours = footprint(frame(plate));
    for (const [r, d] of corners) expect(Math.min(...ours.map((c) => separationArcsec(r, d, c[0], c[1])))).toBeLessThan(0.001);
  });

  it.skipIf(!haveSharedData(RED_CUTOUT, BLUE_CUTOUT))('the real XE687 and XO542 cutouts do not overlap (astropy agrees)', async () => {
    const red = await fileHeader(RED_CUTOUT);
    const blue = await fileHeader(BLUE_CUTOUT);
    expect(chooseSolution(red).kind).toBe('fits');
    expect(fitsSolution(blue)).not.toBeNull();
    const ref = astropy<number[]>(GRID_FRACTION, { n: 100, pairs: [{ red: tanOnly(red), blue: tanOnly(blue) }, { red: tanOnly(blue), blue: tanOnly(red) }] });
    expect(ref).toEqual([0, 0]);
    expect(coveredFraction(frame(red), frame(blue))).toBe(0);
    expect(coveredFraction(frame(blue), frame(red))).toBe(0);
    // Each covers itself entirely.
    expect(coveredFraction(frame(red), frame(red))).toBe(1);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseSolution, dssSolution, fitsSolution } from '../../../electron/astro/plate-solution';
import { separationArcsec } from '../../../electron/astro/sphere';
import { FitsFile } from '../../../electron/fits';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { haveCommand, haveSharedData, sharedData } from '../../helpers/shared-data';
import { haveAstropy, runPython } from '../../helpers/python';

const HEADERS = 'dss/dss1red-plate-headers.jsonl';
const CUTOUTS = ['cutouts/poss1-red-XE687-20arcmin.fits', 'cutouts/poss1-blue-XO542-20arcmin.fits', 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits'];
const CORRECTION = 'dss/dss1red-crpix-correction.csv';
const MAS = 1 / 1000;
const dir = mkdtempSync(join(tmpdir(), 'vasco-wcs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** astropy: pixel->sky over an n x n grid (corners included) of every header given; 1-based pixels. */
const ASTROPY_GRID = `
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
req = json.load(sys.stdin)
out = []
for item in req['headers']:
    h = fits.Header(cards=[(k, v) for k, v in item.items() if v is not None])
    w = WCS(h)
    X, Y = np.meshgrid(np.linspace(1, h['NAXIS1'], req['n']), np.linspace(1, h['NAXIS2'], req['n']))
    ra, dec = w.all_pix2world(X.ravel(), Y.ravel(), 1)
    out.append(dict(x=X.ravel().tolist(), y=Y.ravel().tolist(), ra=ra.tolist(), dec=dec.tolist()))
print(json.dumps(out))
`;

interface Grid { x: number[]; y: number[]; ra: number[]; dec: number[] }

/** The DSS keywords only (no explicit WCS), so a reference tool cannot pick the other solution. */
function dssOnly(h: HeaderValues): HeaderValues {
  const out: HeaderValues = {};
  for (const [k, v] of Object.entries(h)) if (!/^(CTYPE|CRPIX|CRVAL|CDELT|CD\d_|PC|CROTA|CUNIT|WCSAXES|WCSNAME|RADESYS|LONPOLE|LATPOLE|EQUINOX$)/.test(k)) out[k] = v;
  return out;
}

/** The explicit WCS keywords only, for the same reason (astropy prefers the DSS solution when both are there). */
function tanOnly(h: HeaderValues): HeaderValues {
  const out: HeaderValues = {};
  for (const [k, v] of Object.entries(h)) if (/^(NAXIS|CTYPE|CRPIX|CRVAL|CDELT|CD\d_|PC|CROTA|CUNIT|RADESYS|EQUINOX$)/.test(k)) out[k] = v;
  return out;
}

async function cutoutHeader(rel: string): Promise<HeaderValues> {
  const f = await FitsFile.open(sharedData(rel));
  try {
    return f.hdus[0].header;
  } finally {
    await f.close();
  }
}

describe.skipIf(!haveAstropy() || !haveSharedData(HEADERS))('DSS plate solution on all 699 DSS1 red plate headers', () => {
  const plates = readFileSync(sharedData(HEADERS), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { plate: string; header: HeaderValues });
  const grids = runPython<Grid[]>(ASTROPY_GRID, { n: 7, headers: plates.map((p) => p.header) });

  it('matches astropy to 1 mas over each whole plate, corners included', () => {
    expect(plates.length).toBe(699);
    let worst = 0;
    plates.forEach((p, k) => {
      const s = dssSolution(p.header);
      expect(s, p.plate).not.toBeNull();
      const g = grids[k];
      for (let i = 0; i < g.x.length; i++) {
        const [ra, dec] = s!.pixToSky(g.x[i], g.y[i]);
        const sep = separationArcsec(ra, dec, g.ra[i], g.dec[i]);
        worst = Math.max(worst, sep);
        if (sep > MAS) expect.fail(`${p.plate} pixel (${g.x[i]}, ${g.y[i]}): ${(sep * 1000).toFixed(3)} mas from astropy`);
      }
    });
    console.log(`DSS pix->sky vs astropy, 699 plates x 49 points: worst ${(worst * 1000).toExponential(2)} mas`);
  });

  it('inverts: sky->pixel of astropy\'s positions lands on the pixel (1 mas), and round-trips', () => {
    let worstPx = 0;
    plates.forEach((p, k) => {
      const s = dssSolution(p.header)!;
      const scale = (Number(p.header.PLTSCALE) * Number(p.header.XPIXELSZ)) / 1000; // arcsec per pixel
      const g = grids[k];
      for (let i = 0; i < g.x.length; i++) {
        const [x, y] = s.skyToPix(g.ra[i], g.dec[i]);
        const dPx = Math.hypot(x - g.x[i], y - g.y[i]);
        worstPx = Math.max(worstPx, dPx);
        if (dPx * scale > MAS) expect.fail(`${p.plate}: sky2pix of (${g.ra[i]}, ${g.dec[i]}) is ${dPx} px from (${g.x[i]}, ${g.y[i]})`);
        const [ra, dec] = s.pixToSky(x, y);
        expect(separationArcsec(ra, dec, g.ra[i], g.dec[i])).toBeLessThan(1e-6);
      }
    });
    console.log(`DSS sky->pix vs astropy: worst ${worstPx.toExponential(2)} px`);
  });
});

describe.skipIf(!haveAstropy() || !haveCommand('xy2sky', 'apt-get install wcstools') || !haveSharedData(...CUTOUTS))('real STScI cutouts (DSS and explicit TAN)', () => {
  it.each(CUTOUTS)('%s: both solutions match astropy and xy2sky', async (rel) => {
    const header = await cutoutHeader(rel);
    const [nx, ny] = [Number(header.NAXIS1), Number(header.NAXIS2)];
    const [dssRef, tanRef] = runPython<Grid[]>(ASTROPY_GRID, { n: 9, headers: [dssOnly(header), tanOnly(header)] });
    const dss = dssSolution(header)!;
    const tan = fitsSolution(header)!;
    for (let i = 0; i < dssRef.x.length; i++) {
      const [ra, dec] = dss.pixToSky(dssRef.x[i], dssRef.y[i]);
      expect(separationArcsec(ra, dec, dssRef.ra[i], dssRef.dec[i]), `dss (${dssRef.x[i]}, ${dssRef.y[i]})`).toBeLessThan(MAS);
      const [ra2, dec2] = tan.pixToSky(tanRef.x[i], tanRef.y[i]);
      expect(separationArcsec(ra2, dec2, tanRef.ra[i], tanRef.dec[i]), `tan (${tanRef.x[i]}, ${tanRef.y[i]})`).toBeLessThan(MAS);
    }
    // wcstools on the file itself (it uses the explicit TAN when present), then sky2xy back.
    const pts = [[1, 1], [nx, 1], [1, ny], [nx, ny], [nx / 2, ny / 3], [17.25, 101.5]];
    const xyFile = join(dir, 'xy.txt');
    writeFileSync(xyFile, pts.map((p) => p.join(' ')).join('\n') + '\n');
    const sky = execFileSync('xy2sky', ['-d', '-n', '10', sharedData(rel), `@${xyFile}`], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
    pts.forEach(([x, y], k) => {
      const [ra, dec] = tan.pixToSky(x, y);
      expect(separationArcsec(ra, dec, sky[k][0], sky[k][1]), `xy2sky (${x}, ${y})`).toBeLessThan(MAS);
    });
    const rdFile = join(dir, 'rd.txt');
    writeFileSync(rdFile, sky.map((p) => p.join(' ')).join('\n') + '\n');
    const back = execFileSync('sky2xy', ['-n', '6', sharedData(rel), `@${rdFile}`], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split('->')[1].trim().split(/\s+/).map(Number));
    sky.forEach(([ra, dec], k) => {
      const [x, y] = tan.skyToPix(ra, dec);
      expect(Math.hypot(x - back[k][0], y - back[k][1]), `sky2xy (${ra}, ${dec})`).toBeLessThan(1e-3);
    });
  });

  it('prefers the explicit solution and measures how far the DSS one is (sub-arcsec within a cutout)', async () => {
    for (const rel of CUTOUTS) {
      const c = chooseSolution(await cutoutHeader(rel));
      expect(c.kind).toBe('fits');
      expect(c.solution.kind).toBe('tan');
      expect(c.offset!.medianArcsec).toBeLessThan(0.5);
      expect(c.offset!.maxArcsec).toBeGreaterThanOrEqual(c.offset!.medianArcsec);
    }
    const bare = dssOnly(await cutoutHeader(CUTOUTS[0]));
    expect(chooseSolution(bare).kind).toBe('dss');
    expect(() => chooseSolution({ NAXIS1: 10, NAXIS2: 10 })).toThrow(/no plate solution/);
  });
});

describe.skipIf(!haveSharedData(HEADERS, CORRECTION, ...CUTOUTS))('offset against the full plate, vs dss1red-crpix-correction.csv', () => {
  it('agrees with the listed offset for every cutout whose plate is listed', async () => {
    const plates = new Map(readFileSync(sharedData(HEADERS), 'utf8').trim().split('\n').map((l) => {
      const j = JSON.parse(l) as { plate: string; header: HeaderValues };
      return [j.plate, j.header] as const;
    }));
    const [head, ...rows] = readFileSync(sharedData(CORRECTION), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => head.indexOf(name);
    const listed = new Map(rows.map((r) => [r[col('plate')], { dx: Number(r[col('delta_x_px')]), dy: Number(r[col('delta_y_px')]), arcsec: Number(r[col('offset_arcsec')]) }]));
    let compared = 0;
    for (const rel of CUTOUTS) {
      const header = await cutoutHeader(rel);
      const region = String(header.REGION);
      const ref = listed.get(region);
      const plateHeader = plates.get(region);
      if (!ref || !plateHeader) continue;
      const { offset } = chooseSolution(header, { plateHeader });
      // The CSV's own scatter between tiles is ~0.03 px.
      expect(Math.abs(offset!.dxPx - ref.dx), `${region} dx`).toBeLessThan(0.1);
      expect(Math.abs(offset!.dyPx - ref.dy), `${region} dy`).toBeLessThan(0.1);
      expect(Math.abs(offset!.medianArcsec - ref.arcsec), `${region} arcsec`).toBeLessThan(0.15);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(1); // XE198
  });
});

describe('explicit TAN from CDELT + PC and CDELT + CROTA2', () => {
  it.skipIf(!haveAstropy())('matches astropy for each form', () => {
    const base = { NAXIS1: 200, NAXIS2: 150, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 100.5, CRPIX2: 75.5, CRVAL1: 359.9, CRVAL2: 62.3 };
    const forms: HeaderValues[] = [
      { ...base, CDELT1: -4.7e-4, CDELT2: 4.7e-4, PC1_1: 0.9993, PC1_2: -0.0346, PC2_1: 0.0362, PC2_2: 0.9994 },
      { ...base, CDELT1: -4.7e-4, CDELT2: 4.6e-4, CROTA2: 12.5 },
      { ...base, CD1_1: -4.7e-4, CD1_2: 1.6e-5, CD2_1: 1.7e-5, CD2_2: 4.7e-4 },
      { ...base, CRVAL2: -89.9, CDELT1: -1e-3, CDELT2: 1e-3 },
    ];
    const refs = runPython<Grid[]>(ASTROPY_GRID, { n: 5, headers: forms });
    forms.forEach((h, k) => {
      const s = fitsSolution(h)!;
      const g = refs[k];
      for (let i = 0; i < g.x.length; i++) {
        const [ra, dec] = s.pixToSky(g.x[i], g.y[i]);
        expect(separationArcsec(ra, dec, g.ra[i], g.dec[i]), `form ${k} (${g.x[i]}, ${g.y[i]})`).toBeLessThan(MAS / 10);
        const [x, y] = s.skyToPix(g.ra[i], g.dec[i]);
        expect(Math.hypot(x - g.x[i], y - g.y[i])).toBeLessThan(1e-6);
      }
    });
  });

  it('refuses projections it does not implement', () => {
    expect(() => fitsSolution({ CTYPE1: 'RA---SIN', CTYPE2: 'DEC--SIN', CRPIX1: 1, CRPIX2: 1, CRVAL1: 0, CRVAL2: 0, CDELT1: 1, CDELT2: 1 })).toThrow(/not plain TAN/);
    expect(() => fitsSolution({ CTYPE1: 'RA---TAN-SIP', CTYPE2: 'DEC--TAN-SIP' })).toThrow(/not plain TAN/);
    expect(fitsSolution({ NAXIS: 2 })).toBeNull();
  });
});

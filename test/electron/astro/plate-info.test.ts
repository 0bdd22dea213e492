import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertBand, julianEpoch, parseDateObs, plateInfoFromHeader } from '../../../electron/astro/plate-info';
import { UserError } from '../../../electron/core/errors';
import { FitsFile } from '../../../electron/fits';
import type { HeaderValues } from '../../../electron/pipeline/types';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { haveAstropy, runPython } from '../../helpers/python';

const HEADERS = 'dss/dss1red-plate-headers.jsonl';
const CUTOUTS = ['cutouts/poss1-red-XE687-20arcmin.fits', 'cutouts/poss1-blue-XO542-20arcmin.fits', 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits'];

async function header(rel: string): Promise<HeaderValues> {
  const f = await FitsFile.open(sharedData(rel));
  try {
    return f.hdus[0].header;
  } finally {
    await f.close();
  }
}

/**
 * Reference: python's datetime builds the instant from the header's fields
 * (minutes past 59 carry over, dd/mm/yy is 19yy, UT keyword adds the time),
 * astropy.time gives ISO UTC and the Julian epoch of start + exposure/2.
 */
const ASTROPY_TIMES = `
import datetime as dt, re
from astropy.time import Time
out = []
for h in json.load(sys.stdin):
    raw = h['DATE-OBS'].strip()
    m = re.match(r'^(\\d{4})-(\\d\\d)-(\\d\\d)(?:T(\\d\\d):(\\d\\d)(?::(\\d\\d(?:\\.\\d*)?))?)?$', raw)
    if m:
        d = dt.datetime(int(m[1]), int(m[2]), int(m[3])) + dt.timedelta(hours=int(m[4] or 0), minutes=int(m[5] or 0), seconds=float(m[6] or 0))
    else:
        dd, mm, yy = raw.split('/')
        d = dt.datetime(1900 + int(yy), int(mm), int(dd))
        if 'UT' in h:
            hh, mi, ss = h['UT'].strip().split(':')
            d += dt.timedelta(hours=int(hh), minutes=int(mi), seconds=float(ss))
    start = Time(d, scale='utc')
    mid = Time(d + dt.timedelta(minutes=h['EXPOSURE'] / 2), scale='utc')
    end = Time(d + dt.timedelta(minutes=h['EXPOSURE']), scale='utc')
    out.append(dict(start=start.isot, mid=mid.isot, end=end.isot, epoch=mid.jyear))
print(json.dumps(out))
`;

const iso = (s: string) => new Date(s + 'Z').getTime();

describe('DATE-OBS forms', () => {
  it('reads ISO, minutes past 59, dd/mm/yy; refuses nonsense with a UserError', () => {
    expect(parseDateObs('1951-07-05T04:95:00').toISOString()).toBe('1951-07-05T05:35:00.000Z');
    expect(parseDateObs('20/12/57').toISOString()).toBe('1957-12-20T00:00:00.000Z');
    expect(parseDateObs('1954-03-05').toISOString()).toBe('1954-03-05T00:00:00.000Z');
    expect(() => parseDateObs('last tuesday')).toThrow(UserError);
    expect(() => parseDateObs('1951-13-05T00:00:00')).toThrow(/no such month/);
  });

  it('gives the Julian epoch of published instants (J2000.0, and B1950.0 = JD 2433282.4235)', () => {
    expect(julianEpoch(new Date(Date.UTC(2000, 0, 1, 12)))).toBe(2000);
    // B1950.0 is JD 2433282.4235 (Lieske 1979), i.e. Julian epoch 1949.99979 (Standish 1982).
    const b1950 = new Date((2433282.4235 - 2440587.5) * 86_400_000);
    expect(julianEpoch(b1950)).toBeCloseTo(1949.99979, 5);
  });
});

describe.skipIf(!haveAstropy() || !haveSharedData(HEADERS, ...CUTOUTS))('plate times against astropy.time, for every real DATE-OBS', () => {
  it('start, mid, end and Julian epoch agree (1 ms, 1e-9 yr)', async () => {
    const headers = readFileSync(sharedData(HEADERS), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { header: HeaderValues }).header);
    for (const rel of CUTOUTS) headers.push(await header(rel));
    const ref = runPython<{ start: string; mid: string; end: string; epoch: number }[]>(ASTROPY_TIMES, headers);
    headers.forEach((h, k) => {
      const info = plateInfoFromHeader(h, `header ${k}`);
      const what = `${String(h.REGION)} DATE-OBS ${String(h['DATE-OBS'])}`;
      expect(Math.abs(new Date(info.startUtc!).getTime() - iso(ref[k].start)), what).toBeLessThanOrEqual(1);
      expect(Math.abs(new Date(info.midUtc!).getTime() - iso(ref[k].mid)), what).toBeLessThanOrEqual(1);
      expect(Math.abs(new Date(info.endUtc!).getTime() - iso(ref[k].end)), what).toBeLessThanOrEqual(1);
      expect(Math.abs(info.epochJulian! - ref[k].epoch), what).toBeLessThan(1e-9);
    });
  });
});

describe.skipIf(!haveSharedData(...CUTOUTS))('plate identity of the real cutouts', () => {
  it('knows band, plate, pixel scale (published 1.70 and 1.009 arcsec/px) and exposure', async () => {
    const red = plateInfoFromHeader(await header(CUTOUTS[0]), 'XE687.fits');
    expect(red).toMatchObject({ region: 'XE687', survey: 'POSSI-E', band: 'red', plateId: '0E1W', exposureMinutes: 50, naxis1: 706, naxis2: 706 });
    expect(red.pixelSizeMicron).toBe(25.2845);
    expect(red.pixelScaleArcsec).toBeCloseTo(1.70, 2);
    expect(red.startUtc).toBe('1951-07-05T05:35:00.000Z');
    const blue = plateInfoFromHeader(await header(CUTOUTS[1]), 'XO542.fits');
    expect(blue).toMatchObject({ region: 'XO542', survey: 'POSSI-O', band: 'blue', exposureMinutes: 12 });
    expect(Math.abs(blue.pixelScaleArcsec - 1.009)).toBeLessThan(0.0015);
    // The 1995 cutout has no SURVEY keyword; its region XE198 identifies POSS-I E.
    const old = plateInfoFromHeader(await header(CUTOUTS[2]), 'XE198.fits');
    expect(old).toMatchObject({ region: 'XE198', survey: 'POSSI-E', band: 'red', startUtc: '1957-12-20T05:36:00.000Z' });
    assertBand(red, 'red');
    assertBand(blue, 'blue');
    expect(() => assertBand(blue, 'red')).toThrow(/XO542\.fits is a blue plate \(POSSI-O, XO542\) but a red plate was expected/);
  });

  it('refuses plates that are not POSS-I', async () => {
    const h = await header(CUTOUTS[0]);
    expect(() => plateInfoFromHeader({ ...h, SURVEY: 'SERC-J', REGION: 'S123' }, 'serc.fits')).toThrow(/serc\.fits is from survey SERC-J, not POSS-I/);
    const { SURVEY: _s, ...noSurvey } = h;
    expect(() => plateInfoFromHeader({ ...noSurvey, REGION: 'S123' }, 'nosurvey.fits')).toThrow(/nosurvey\.fits has no SURVEY keyword/);
    const err = (() => {
      try {
        plateInfoFromHeader({ ...h, SURVEY: 'POSSII-F' }, 'p2.fits');
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.code).toBe('not-poss1');
  });
});

describe('pixel scale without XPIXELSZ/PLTSCALE (a plain celestial WCS)', () => {
  const base: HeaderValues = { SURVEY: 'POSSI-E', REGION: 'XE582', NAXIS1: 100, NAXIS2: 80, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 50, CRPIX2: 40, CRVAL1: 259.95, CRVAL2: -6.15 };
  const forms: HeaderValues[] = [
    { CD1_1: -4.2e-4, CD1_2: 1.3e-4, CD2_1: 1.3e-4, CD2_2: 4.2e-4 },
    { CDELT1: -4.7e-4, CDELT2: 4.7e-4, CROTA2: 23 },
    { CDELT1: -5e-4, CDELT2: 5e-4, PC1_1: 0.96, PC1_2: 0.28, PC2_1: -0.28, PC2_2: 0.96 },
  ];

  it.skipIf(!haveAstropy())('is sqrt|det CD| as astropy measures it (proj_plane_pixel_area), and says where it came from', () => {
    const ref = runPython<number[]>(
      `import numpy as np
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_area
print(json.dumps([float(np.sqrt(proj_plane_pixel_area(WCS(h)))) * 3600 for h in json.load(sys.stdin)]))`,
      forms.map((f) => ({ ...base, ...f })),
    );
    forms.forEach((f, i) => {
      const info = plateInfoFromHeader({ ...base, ...f }, 'resolved.fits');
      expect(Math.abs(info.pixelScaleArcsec - ref[i])).toBeLessThan(1e-9);
      expect(info.pixelScaleSource).toBe('CD1_1' in f ? 'CD' : 'CDELT');
      expect(info.pixelSizeMicron).toBeNull();
    });
  });

  it('keeps XPIXELSZ x PLTSCALE when the header has them, and refuses a header with no scale at all', () => {
    const dss = plateInfoFromHeader({ ...base, ...forms[0], XPIXELSZ: 25.2845, PLTSCALE: 67.2 }, 'dss.fits');
    expect(dss.pixelScaleSource).toBe('XPIXELSZ*PLTSCALE');
    expect(dss.pixelScaleArcsec).toBeCloseTo((25.2845 * 67.2) / 1000, 12);
    expect(() => plateInfoFromHeader({ ...base, PLTSCALE: 67.2 }, 'bare.fits')).toThrow(
      /bare\.fits lacks XPIXELSZ and has no usable CD matrix or CDELT, so its pixel scale is unknown/,
    );
    expect(() => plateInfoFromHeader({ ...base, CD1_1: 0, CD2_2: 0 }, 'zero.fits')).toThrow(/zero\.fits lacks XPIXELSZ and PLTSCALE/);
  });
});

/**
 * Pixel -> sky for the cutouts the main process sends, in the browser. Two
 * header kinds occur: a TAN projection (CD matrix, or PC/CDELT, or
 * CDELT/CROTA2) and the DSS (GSSS) plate solution with the cutout's corner in
 * CNPIX1/2. Pixels are FITS 1-based; angles in degrees. The TAN formulae are
 * those of Calabretta & Greisen (2002) with LONPOLE 180; the DSS polynomial is
 * the one in the DSS header documentation (also used by wcstools).
 */

export type HeaderCards = Record<string, string | number | boolean | null | undefined>;

export interface PixelToSky {
  kind: 'TAN' | 'DSS';
  /** x, y FITS 1-based pixels -> [ra, dec] degrees. */
  toSky(x: number, y: number): [number, number];
}

const D2R = Math.PI / 180;
const ARCSEC_PER_RAD = 206264.80624709636;

function num(h: HeaderCards, key: string): number | undefined {
  const v = h[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function wrapRa(ra: number): number {
  const r = ra % 360;
  return r < 0 ? r + 360 : r;
}

/** Gnomonic deprojection: standard coordinates (radians) around (ra0, dec0) -> sky, degrees. */
function gnomonicToSky(xi: number, eta: number, ra0: number, dec0: number): [number, number] {
  const s0 = Math.sin(dec0 * D2R);
  const c0 = Math.cos(dec0 * D2R);
  const den = c0 - eta * s0;
  const ra = ra0 + Math.atan2(xi, den) / D2R;
  const dec = Math.atan2(s0 + eta * c0, Math.hypot(xi, den)) / D2R;
  return [wrapRa(ra), dec];
}

export function tanFromHeader(h: HeaderCards): PixelToSky | null {
  const c1 = String(h.CTYPE1 ?? '').trim();
  const c2 = String(h.CTYPE2 ?? '').trim();
  if (!c1.startsWith('RA---TAN') || !c2.startsWith('DEC--TAN')) return null;
  const crpix1 = num(h, 'CRPIX1'), crpix2 = num(h, 'CRPIX2');
  const crval1 = num(h, 'CRVAL1'), crval2 = num(h, 'CRVAL2');
  if (crpix1 === undefined || crpix2 === undefined || crval1 === undefined || crval2 === undefined) return null;
  let cd: [number, number, number, number];
  if (num(h, 'CD1_1') !== undefined || num(h, 'CD2_2') !== undefined) {
    cd = [num(h, 'CD1_1') ?? 0, num(h, 'CD1_2') ?? 0, num(h, 'CD2_1') ?? 0, num(h, 'CD2_2') ?? 0];
  } else {
    const cdelt1 = num(h, 'CDELT1'), cdelt2 = num(h, 'CDELT2');
    if (cdelt1 === undefined || cdelt2 === undefined) return null;
    if (num(h, 'PC1_1') !== undefined || num(h, 'PC2_2') !== undefined) {
      cd = [
        cdelt1 * (num(h, 'PC1_1') ?? 1), cdelt1 * (num(h, 'PC1_2') ?? 0),
        cdelt2 * (num(h, 'PC2_1') ?? 0), cdelt2 * (num(h, 'PC2_2') ?? 1),
      ];
    } else {
      const rot = (num(h, 'CROTA2') ?? 0) * D2R;
      cd = [cdelt1 * Math.cos(rot), -cdelt2 * Math.sin(rot), cdelt1 * Math.sin(rot), cdelt2 * Math.cos(rot)];
    }
  }
  return {
    kind: 'TAN',
    toSky(x, y) {
      const dx = x - crpix1, dy = y - crpix2;
      const xi = (cd[0] * dx + cd[1] * dy) * D2R;
      const eta = (cd[2] * dx + cd[3] * dy) * D2R;
      return gnomonicToSky(xi, eta, crval1, crval2);
    },
  };
}

export function dssFromHeader(h: HeaderCards): PixelToSky | null {
  const need = ['PLTRAH', 'PLTRAM', 'PLTRAS', 'PLTDECD', 'PLTDECM', 'PLTDECS', 'PPO3', 'PPO6', 'XPIXELSZ', 'YPIXELSZ', 'AMDX1', 'AMDY1'];
  if (need.some((k) => num(h, k) === undefined)) return null;
  const ra0 = (num(h, 'PLTRAH')! + num(h, 'PLTRAM')! / 60 + num(h, 'PLTRAS')! / 3600) * 15;
  const decSign = String(h.PLTDECSN ?? '+').trim().startsWith('-') ? -1 : 1;
  const dec0 = decSign * (num(h, 'PLTDECD')! + num(h, 'PLTDECM')! / 60 + num(h, 'PLTDECS')! / 3600);
  const a = Array.from({ length: 14 }, (_, i) => num(h, `AMDX${i}`) ?? 0);
  const b = Array.from({ length: 14 }, (_, i) => num(h, `AMDY${i}`) ?? 0);
  const cnpix1 = num(h, 'CNPIX1') ?? 0, cnpix2 = num(h, 'CNPIX2') ?? 0;
  const ppo3 = num(h, 'PPO3')!, ppo6 = num(h, 'PPO6')!;
  const xsz = num(h, 'XPIXELSZ')!, ysz = num(h, 'YPIXELSZ')!;
  return {
    kind: 'DSS',
    toSky(x, y) {
      // Cutout pixel -> plate pixel centre -> millimetres from the plate centre.
      const px = x + cnpix1 - 0.5;
      const py = y + cnpix2 - 0.5;
      const X = (ppo3 - px * xsz) / 1000;
      const Y = (py * ysz - ppo6) / 1000;
      const X2 = X * X, Y2 = Y * Y, R2 = X2 + Y2;
      const xi = a[1] * X + a[2] * Y + a[3] + a[4] * X2 + a[5] * X * Y + a[6] * Y2 + a[7] * R2
        + a[8] * X2 * X + a[9] * X2 * Y + a[10] * X * Y2 + a[11] * Y2 * Y + a[12] * X * R2 + a[13] * X * R2 * R2;
      const eta = b[1] * Y + b[2] * X + b[3] + b[4] * Y2 + b[5] * X * Y + b[6] * X2 + b[7] * R2
        + b[8] * Y2 * Y + b[9] * Y2 * X + b[10] * Y * X2 + b[11] * X2 * X + b[12] * Y * R2 + b[13] * Y * R2 * R2;
      return gnomonicToSky(xi / ARCSEC_PER_RAD, eta / ARCSEC_PER_RAD, ra0, dec0);
    },
  };
}

/**
 * The solution to show coordinates with. An explicit TAN is preferred when the
 * header has one (it is what the main process fitted or what STScI wrote for
 * the cutout); otherwise the DSS plate solution.
 */
export function pixelToSkyFromHeader(h: HeaderCards): PixelToSky | null {
  return tanFromHeader(h) ?? dssFromHeader(h);
}

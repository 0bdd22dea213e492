/**
 * The gnomonic (TAN) projection and the plain FITS TAN WCS: the one place the
 * sky projection is written down, for the main process and the renderer alike
 * (pure, no Node imports). Formulae of Calabretta & Greisen (2002) with
 * LONPOLE 180, where intermediate world coordinates are the standard
 * coordinates (xi, eta). Pixels are FITS 1-based; angles are degrees, RA in [0, 360).
 */
import type { HeaderValues } from '../fits/header';
import { DEG, wrapRa } from './sphere';

/** A plain TAN (gnomonic) WCS with a CD matrix. */
export interface TanWcs {
  crpix: [number, number];
  crval: [number, number];
  /** [[CD1_1, CD1_2], [CD2_1, CD2_2]], degrees per pixel. */
  cd: [[number, number], [number, number]];
}

/**
 * (ra, dec) -> standard coordinates (xi, eta) in degrees about the tangent
 * point (ra0, dec0). The hemisphere facing away from the tangent point has no
 * gnomonic image: NaN there.
 */
export function gnomonicForward(ra: number, dec: number, ra0: number, dec0: number): [number, number] {
  const d = dec * DEG, d0 = dec0 * DEG, da = (ra - ra0) * DEG;
  const cosc = Math.sin(d0) * Math.sin(d) + Math.cos(d0) * Math.cos(d) * Math.cos(da);
  if (!(cosc > 0)) return [NaN, NaN];
  const xi = (Math.cos(d) * Math.sin(da)) / cosc;
  const eta = (Math.cos(d0) * Math.sin(d) - Math.sin(d0) * Math.cos(d) * Math.cos(da)) / cosc;
  return [xi / DEG, eta / DEG];
}

/** Standard coordinates (degrees) about (ra0, dec0) -> (ra, dec) in degrees. */
export function gnomonicInverse(xiDeg: number, etaDeg: number, ra0: number, dec0: number): [number, number] {
  const xi = xiDeg * DEG, eta = etaDeg * DEG, d0 = dec0 * DEG;
  const den = Math.cos(d0) - eta * Math.sin(d0);
  const ra = ra0 * DEG + Math.atan2(xi, den);
  const dec = Math.atan2(Math.sin(d0) + eta * Math.cos(d0), Math.hypot(xi, den));
  return [wrapRa(ra / DEG), dec / DEG];
}

/** FITS 1-based pixel -> (ra, dec) degrees through a plain TAN WCS. */
export function tanPixToSky(w: TanWcs, x: number, y: number): [number, number] {
  const u = x - w.crpix[0], v = y - w.crpix[1];
  return gnomonicInverse(w.cd[0][0] * u + w.cd[0][1] * v, w.cd[1][0] * u + w.cd[1][1] * v, w.crval[0], w.crval[1]);
}

/** (ra, dec) degrees -> FITS 1-based pixel through a plain TAN WCS; NaN on the far hemisphere. */
export function tanSkyToPix(w: TanWcs, ra: number, dec: number): [number, number] {
  const [xi, eta] = gnomonicForward(ra, dec, w.crval[0], w.crval[1]);
  const [[m11, m12], [m21, m22]] = w.cd;
  const det = m11 * m22 - m12 * m21;
  return [w.crpix[0] + (m22 * xi - m12 * eta) / det, w.crpix[1] + (m11 * eta - m21 * xi) / det];
}

/** True when (ra, dec) lies inside the square of half-side halfSizeDeg (standard coordinates) about (ra0, dec0): picks overlays for a field. */
export function insideField(ra: number, dec: number, ra0: number, dec0: number, halfSizeDeg: number): boolean {
  const [xi, eta] = gnomonicForward(ra, dec, ra0, dec0);
  return Number.isFinite(xi) && Math.abs(xi) <= halfSizeDeg && Math.abs(eta) <= halfSizeDeg;
}

/** A header value as a finite number; numeric strings count (some writers quote numbers). */
export function headerNumber(h: HeaderValues, key: string): number | undefined {
  const v = h[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/**
 * Where a header's CD matrix came from: CDi_j itself, or CDELTi (with PCi_j or
 * CROTA2). Said in the plate summary when the pixel scale is taken from it.
 */
export type CdSource = 'CD' | 'CDELT';

/** The CD matrix of a header: CDi_j, else CDELTi with PCi_j (or old PC00i00j), else CDELTi with CROTA2; null when none. */
export function cdMatrix(h: HeaderValues): { cd: TanWcs['cd']; source: CdSource } | null {
  const n = (k: string) => headerNumber(h, k);
  const cd = ['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'].map(n);
  if (cd.some((v) => v !== undefined)) {
    const [a, b, c, d] = cd.map((v) => v ?? 0);
    return { cd: [[a, b], [c, d]], source: 'CD' };
  }
  const c1 = n('CDELT1'), c2 = n('CDELT2');
  if (c1 === undefined || c2 === undefined) return null;
  const pc = (i: number, j: number) => n(`PC${i}_${j}`) ?? n(`PC00${i}00${j}`);
  if ([pc(1, 1), pc(1, 2), pc(2, 1), pc(2, 2)].some((v) => v !== undefined)) {
    return { cd: [[c1 * (pc(1, 1) ?? 1), c1 * (pc(1, 2) ?? 0)], [c2 * (pc(2, 1) ?? 0), c2 * (pc(2, 2) ?? 1)]], source: 'CDELT' };
  }
  const rho = (n('CROTA2') ?? 0) * DEG;
  return { cd: [[c1 * Math.cos(rho), -c2 * Math.sin(rho)], [c1 * Math.sin(rho), c2 * Math.cos(rho)]], source: 'CDELT' };
}

/**
 * Pixel scale of a CD matrix, arcsec per pixel: sqrt(|det CD|), the side of a
 * pixel's square on the sky (astropy: sqrt(proj_plane_pixel_area); equal to
 * proj_plane_pixel_scales for square pixels).
 */
export function cdScaleArcsec(cd: TanWcs['cd']): number {
  return Math.sqrt(Math.abs(cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0])) * 3600;
}

/** FITS header cards of a plain TAN WCS. */
export function tanHeader(w: TanWcs): HeaderValues {
  return {
    WCSAXES: 2,
    CTYPE1: 'RA---TAN',
    CTYPE2: 'DEC--TAN',
    CUNIT1: 'deg',
    CUNIT2: 'deg',
    CRPIX1: w.crpix[0],
    CRPIX2: w.crpix[1],
    CRVAL1: w.crval[0],
    CRVAL2: w.crval[1],
    CD1_1: w.cd[0][0],
    CD1_2: w.cd[0][1],
    CD2_1: w.cd[1][0],
    CD2_2: w.cd[1][1],
    // DSS plate solutions are calibrated on GSC-II, i.e. in ICRS.
    RADESYS: 'ICRS',
  };
}

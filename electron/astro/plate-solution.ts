/**
 * Plate solutions: pixel <-> sky for POSS-I scans and cutouts.
 *
 * - 'dss': the GSSS plate solution of the Digitized Sky Survey (plate centre
 *   PLTRAH/M/S and PLTDECSN/D/M/S, scan origin PPO3/PPO6, pixel size XPIXELSZ/YPIXELSZ in
 *   microns, cutout corner CNPIX1/2, and the polynomials AMDX1..13/AMDY1..13
 *   from plate millimetres to standard coordinates in arcsec). The terms
 *   AMDX14..20 and AMDY14..20 multiply magnitude and colour, which are 0 for a position.
 * - 'tan': an explicit FITS gnomonic solution (CRPIX/CRVAL with CD, or CDELT
 *   with PC or CROTA2), as STScI cutouts also carry.
 *
 * Pixels are FITS 1-based pixels of the image the header belongs to; angles
 * are degrees, RA in [0, 360).
 */
import { UserError } from '../core/errors';
import type { HeaderValues } from '../fits/header';
import { cdMatrix, gnomonicForward, gnomonicInverse, headerNumber as num, tanPixToSky, tanSkyToPix, type TanWcs } from './projection';
import { separationArcsec } from './sphere';

export interface PlateSolution {
  kind: 'dss' | 'tan';
  pixToSky(x: number, y: number): [number, number];
  skyToPix(ra: number, dec: number): [number, number];
}

export interface SolutionOffset {
  /** Separation of the two solutions' sky positions over a grid of pixels. */
  medianArcsec: number;
  maxArcsec: number;
  /**
   * Median shift, in pixels, from where the explicit solution puts a sky
   * position to where the DSS solution puts it (dss minus fits).
   */
  dxPx: number;
  dyPx: number;
}

// ------------------------------------------------------------------ DSS

/** The 13 plate-polynomial terms of (x, y) in mm, and their x and y derivatives. */
function terms(x: number, y: number): number[] {
  const x2 = x * x, y2 = y * y, r2 = x2 + y2;
  return [x, y, 1, x2, x * y, y2, r2, x2 * x, x2 * y, x * y2, y2 * y, x * r2, x * r2 * r2];
}

/** xi polynomial uses terms(x, y); eta uses the same form with x and y swapped. */
function poly(c: number[], x: number, y: number): number {
  const t = terms(x, y);
  let s = 0;
  for (let i = 0; i < 13; i++) s += c[i] * t[i];
  return s;
}

/** d/dx and d/dy of poly(c, x, y). */
function polyGrad(c: number[], x: number, y: number): [number, number] {
  const x2 = x * x, y2 = y * y, r2 = x2 + y2;
  const dx =
    c[0] + 2 * c[3] * x + c[4] * y + 2 * c[6] * x + 3 * c[7] * x2 + 2 * c[8] * x * y + c[9] * y2 + c[11] * (r2 + 2 * x2) + c[12] * (r2 * r2 + 4 * x2 * r2);
  const dy =
    c[1] + c[4] * x + 2 * c[5] * y + 2 * c[6] * y + c[8] * x2 + 2 * c[9] * x * y + 3 * c[10] * y2 + c[11] * 2 * x * y + c[12] * 4 * x * y * r2;
  return [dx, dy];
}

/** The plate centre (PLTRAH/M/S, PLTDECSN/D/M/S: the tangent point of the GSSS solution) in degrees, or null when the header has none. */
export function dssPlateCentre(header: HeaderValues): { ra: number; dec: number } | null {
  if (['PLTRAH', 'PLTRAM', 'PLTRAS', 'PLTDECD', 'PLTDECM', 'PLTDECS'].some((k) => num(header, k) === undefined)) return null;
  const n = (k: string) => num(header, k) ?? 0;
  const sign = String(header.PLTDECSN ?? '+').trim().startsWith('-') ? -1 : 1;
  return { ra: (n('PLTRAH') + n('PLTRAM') / 60 + n('PLTRAS') / 3600) * 15, dec: sign * (n('PLTDECD') + n('PLTDECM') / 60 + n('PLTDECS') / 3600) };
}

/** The GSSS plate solution of a DSS header, or null when the header has none. */
export function dssSolution(header: HeaderValues): PlateSolution | null {
  const need = ['PPO3', 'PPO6', 'XPIXELSZ', 'YPIXELSZ', 'AMDX1', 'AMDY1'];
  const centre = dssPlateCentre(header);
  if (!centre || need.some((k) => num(header, k) === undefined)) return null;
  const n = (k: string) => num(header, k) ?? 0;
  const { ra: ra0, dec: dec0 } = centre;
  const a = Array.from({ length: 13 }, (_, i) => n(`AMDX${i + 1}`));
  const b = Array.from({ length: 13 }, (_, i) => n(`AMDY${i + 1}`));
  const ppo3 = n('PPO3'), ppo6 = n('PPO6');
  const xsz = n('XPIXELSZ'), ysz = n('YPIXELSZ');
  const cnpix1 = n('CNPIX1'), cnpix2 = n('CNPIX2');

  // Pixel centres: pixel (1,1) of a cutout is scan pixel (CNPIX1, CNPIX2) whose centre is at +0.5.
  const toMm = (x: number, y: number): [number, number] => {
    const sx = x + cnpix1 - 0.5;
    const sy = y + cnpix2 - 0.5;
    return [(ppo3 - sx * xsz) / 1000, (sy * ysz - ppo6) / 1000];
  };
  const fromMm = (xmm: number, ymm: number): [number, number] => [
    (ppo3 - xmm * 1000) / xsz - cnpix1 + 0.5,
    (ymm * 1000 + ppo6) / ysz - cnpix2 + 0.5,
  ];
  const standard = (xmm: number, ymm: number): [number, number] => [poly(a, xmm, ymm), poly(b, ymm, xmm)];

  return {
    kind: 'dss',
    pixToSky(x, y) {
      const [xmm, ymm] = toMm(x, y);
      // The polynomials give standard coordinates in arcsec.
      const [xi, eta] = standard(xmm, ymm);
      return gnomonicInverse(xi / 3600, eta / 3600, ra0, dec0);
    },
    skyToPix(ra, dec) {
      const [xiDeg, etaDeg] = gnomonicForward(ra, dec, ra0, dec0);
      if (!Number.isFinite(xiDeg)) return [NaN, NaN];
      const xi = xiDeg * 3600, eta = etaDeg * 3600;
      // Newton iteration on the plate polynomials, starting from their linear part.
      const det0 = a[0] * b[0] - a[1] * b[1];
      let xmm = ((xi - a[2]) * b[0] - (eta - b[2]) * a[1]) / det0;
      let ymm = ((eta - b[2]) * a[0] - (xi - a[2]) * b[1]) / det0;
      for (let it = 0; it < 50; it++) {
        const [fx, fy] = standard(xmm, ymm);
        const [ax, ay] = polyGrad(a, xmm, ymm); // dxi/dx, dxi/dy
        const [by, bx] = polyGrad(b, ymm, xmm); // deta/dy, deta/dx (eta takes (y, x))
        const det = ax * by - ay * bx;
        const rx = xi - fx, ry = eta - fy;
        const dx = (rx * by - ry * ay) / det;
        const dy = (ry * ax - rx * bx) / det;
        xmm += dx;
        ymm += dy;
        if (Math.abs(dx) + Math.abs(dy) < 1e-12) break; // mm: 1e-9 of a pixel
      }
      return fromMm(xmm, ymm);
    },
  };
}

// ------------------------------------------------------------------ TAN

/**
 * The explicit FITS gnomonic solution (RA---TAN / DEC--TAN), or null when the
 * header has none. Other projections and distortion keywords are refused.
 */
export function fitsSolution(header: HeaderValues): PlateSolution | null {
  const t1 = String(header.CTYPE1 ?? '').trim().toUpperCase();
  const t2 = String(header.CTYPE2 ?? '').trim().toUpperCase();
  if (!t1 && !t2) return null;
  if (!(t1.startsWith('RA--') && t2.startsWith('DEC-')))
    throw new UserError(`explicit WCS has CTYPE1 '${t1}', CTYPE2 '${t2}'; only RA---TAN / DEC--TAN is supported`, 'use the DSS plate solution (--solution dss)');
  if (!t1.endsWith('-TAN') || !t2.endsWith('-TAN'))
    throw new UserError(`explicit WCS projection ${t1}/${t2} is not plain TAN (SIP and other distortions are not supported)`, 'use the DSS plate solution (--solution dss)');
  const crpix1 = num(header, 'CRPIX1'), crpix2 = num(header, 'CRPIX2'), crval1 = num(header, 'CRVAL1'), crval2 = num(header, 'CRVAL2');
  const m = cdMatrix(header);
  if (crpix1 === undefined || crpix2 === undefined || crval1 === undefined || crval2 === undefined || !m) return null;
  const [[m11, m12], [m21, m22]] = m.cd;
  if (m11 * m22 - m12 * m21 === 0) throw new UserError('explicit WCS has a singular CD matrix', 'use the DSS plate solution (--solution dss)');
  const wcs: TanWcs = { crpix: [crpix1, crpix2], crval: [crval1, crval2], cd: m.cd };
  return {
    kind: 'tan',
    pixToSky: (x, y) => tanPixToSky(wcs, x, y),
    skyToPix: (ra, dec) => tanSkyToPix(wcs, ra, dec),
  };
}

// ------------------------------------------------------------------ choice

function median(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * How far apart two solutions put the pixels of an image: separations over an
 * n x n grid including the corners, and the median pixel shift (a minus b)
 * of the same sky positions.
 */
export function measureOffset(a: PlateSolution, b: PlateSolution, width: number, height: number, n = 11): SolutionOffset {
  const seps: number[] = [], dxs: number[] = [], dys: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = 1 + ((width - 1) * i) / (n - 1);
      const y = 1 + ((height - 1) * j) / (n - 1);
      const [ra, dec] = b.pixToSky(x, y);
      const [raA, decA] = a.pixToSky(x, y);
      seps.push(separationArcsec(ra, dec, raA, decA));
      const [xa, ya] = a.skyToPix(ra, dec);
      dxs.push(xa - x);
      dys.push(ya - y);
    }
  return { medianArcsec: median(seps), maxArcsec: Math.max(...seps), dxPx: median(dxs), dyPx: median(dys) };
}

/**
 * The solution to use for a header: the explicit FITS one when present (it is
 * what the cutout service computed for this image), else the DSS one. When both
 * exist, their disagreement is measured over the image so it can be reported;
 * with `plateHeader` (the full plate scan's header) the explicit solution is
 * measured against the full plate's DSS solution instead of the cutout's own.
 */
export function chooseSolution(
  header: HeaderValues,
  opts: { plateHeader?: HeaderValues } = {},
): { solution: PlateSolution; kind: 'dss' | 'fits'; offset?: SolutionOffset } {
  const dss = dssSolution(header);
  if (opts.plateHeader && fitsSolution(header)) {
    // Measure against the full plate's GSSS solution (as IRSA's plate scan
    // carries it), moved to this cutout's corner: this is the offset
    // dss1red-crpix-correction.csv lists per plate.
    const plate = dssSolution({ ...opts.plateHeader, CNPIX1: num(header, 'CNPIX1') ?? 0, CNPIX2: num(header, 'CNPIX2') ?? 0 });
    const fits = fitsSolution(header)!;
    if (plate) {
      const w = num(header, 'NAXIS1') ?? 1, h = num(header, 'NAXIS2') ?? 1;
      return { solution: fits, kind: 'fits', offset: measureOffset(plate, fits, Math.max(w, 2), Math.max(h, 2)) };
    }
  }
  const fits = fitsSolution(header);
  if (fits && dss) {
    const w = num(header, 'NAXIS1') ?? 1, h = num(header, 'NAXIS2') ?? 1;
    return { solution: fits, kind: 'fits', offset: measureOffset(dss, fits, Math.max(w, 2), Math.max(h, 2)) };
  }
  if (fits) return { solution: fits, kind: 'fits' };
  if (dss) return { solution: dss, kind: 'dss' };
  throw new UserError(
    'the header has no plate solution: neither DSS keywords (PLTRAH.., AMDX1.., PPO3..) nor a TAN WCS (CTYPE/CRPIX/CRVAL/CD)',
    'use a DSS plate scan or cutout with its original header',
  );
}

/** A named solution kind, or chooseSolution for 'auto'; refuses when the header lacks it. */
export function solutionByKind(header: HeaderValues, kind: 'dss' | 'fits' | 'auto'): PlateSolution {
  if (kind === 'auto') return chooseSolution(header).solution;
  const s = kind === 'dss' ? dssSolution(header) : fitsSolution(header);
  if (!s)
    throw new UserError(
      kind === 'dss' ? 'the header has no DSS plate solution (PLTRAH.., AMDX1.., PPO3.., XPIXELSZ)' : 'the header has no explicit TAN WCS (CTYPE/CRPIX/CRVAL/CD)',
      'use --solution auto to take whichever the header has',
    );
  return s;
}

/**
 * The solution chooseSolution would take, or null when the header has none it
 * can use (no WCS, another projection, SIP): for showing coordinates, where an
 * image without a usable solution shows none rather than failing. An explicit
 * WCS that cannot be used gives way to the DSS solution when there is one.
 */
export function usableSolution(header: HeaderValues): PlateSolution | null {
  let fits: PlateSolution | null = null;
  try {
    fits = fitsSolution(header);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
  }
  return fits ?? dssSolution(header);
}

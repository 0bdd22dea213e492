/**
 * Where a plate lies on the sky and how much of one plate another covers,
 * each from the plate's own solution (plate-solution.ts). Pure. Pixels are
 * FITS 1-based: an image of N pixels spans 0.5 .. N + 0.5 (pixel edges);
 * angles in degrees.
 */
import type { PlateSolution } from './plate-solution';
import { separationDeg } from './sphere';

/** A plate image: its solution and its size in pixels. */
export interface PlateFrame {
  solution: PlateSolution;
  width: number;
  height: number;
}

/**
 * The image border on the sky, counter-clockwise in pixels from the corner
 * (0.5, 0.5): `perSide` points along each side (corners included once), so a
 * distorted plate's curved edges are followed. perSide 1 gives the 4 corners.
 */
export function footprint(p: PlateFrame, perSide = 1): [number, number][] {
  const x0 = 0.5, y0 = 0.5, x1 = p.width + 0.5, y1 = p.height + 0.5;
  const corners: [number, number][] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  const out: [number, number][] = [];
  for (let c = 0; c < 4; c++) {
    const [ax, ay] = corners[c];
    const [bx, by] = corners[(c + 1) % 4];
    for (let i = 0; i < perSide; i++) {
      const t = i / perSide;
      out.push(p.solution.pixToSky(ax + (bx - ax) * t, ay + (by - ay) * t));
    }
  }
  return out;
}

/** The pixel position of (ra, dec) on the plate, or null when it falls off the image. */
export function pixelOnPlate(p: PlateFrame, ra: number, dec: number): [number, number] | null {
  const [x, y] = p.solution.skyToPix(ra, dec);
  // NaN (the far side of the tangent plane) fails every comparison.
  return x >= 0.5 && x <= p.width + 0.5 && y >= 0.5 && y <= p.height + 0.5 ? [x, y] : null;
}

/** True when (ra, dec) falls on the plate's pixels. */
export function containsSky(p: PlateFrame, ra: number, dec: number): boolean {
  return pixelOnPlate(p, ra, dec) !== null;
}

/** Centre of the image on the sky and the largest distance from it to the border (degrees). */
export function skyCircle(p: PlateFrame): { ra: number; dec: number; radiusDeg: number } {
  const [ra, dec] = p.solution.pixToSky((p.width + 1) / 2, (p.height + 1) / 2);
  const radiusDeg = Math.max(...footprint(p, 8).map(([r, d]) => separationDeg(ra, dec, r, d)));
  return { ra, dec, radiusDeg };
}

/**
 * Fraction (0..1) of plate `a`'s area that plate `b` covers: `a` cut into
 * n x n cells, each cell centre taken to the sky through a's solution and
 * back to b's pixels through b's. Exact to about 1/n of the overlap's
 * perimeter. Plates whose enclosing circles do not meet give 0 without
 * asking b's solution about far-away points (a plate polynomial is only
 * valid on its own plate).
 */
export function coveredFraction(a: PlateFrame, b: PlateFrame, n = 64): number {
  const ca = skyCircle(a), cb = skyCircle(b);
  if (separationDeg(ca.ra, ca.dec, cb.ra, cb.dec) > ca.radiusDeg + cb.radiusDeg) return 0;
  let inside = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = 0.5 + ((i + 0.5) * a.width) / n;
      const y = 0.5 + ((j + 0.5) * a.height) / n;
      const [ra, dec] = a.solution.pixToSky(x, y);
      if (containsSky(b, ra, dec)) inside++;
    }
  return inside / (n * n);
}

/**
 * How the survey map lays the sky flat: a gnomonic field about the survey's
 * centre when its plates span less than FIELD_LIMIT_DEG, else Hammer-Aitoff of
 * the whole sky. East is left, as on the sky; angles in degrees. Also the
 * graticule step and its labels.
 */
import { gnomonicForward } from '../../../electron/astro/projection';
import { separationDeg, unitVector } from '../../../electron/astro/sphere';

const DEG = Math.PI / 180;
/** Beyond this distance from the centre a gnomonic map stretches too much: the whole sky instead. */
const FIELD_LIMIT_DEG = 50;

export interface SkyProjection {
  kind: 'field' | 'allsky';
  centre: { ra: number; dec: number };
  /** (ra, dec) -> plane (x right, y up), in degrees of the plane; NaN where it has no image. */
  project(ra: number, dec: number): [number, number];
}

/** The mean direction of these points. */
function centreOf(points: [number, number][]): { ra: number; dec: number } {
  let [x, y, z] = [0, 0, 0];
  for (const [ra, dec] of points) {
    const u = unitVector(ra, dec);
    x += u[0];
    y += u[1];
    z += u[2];
  }
  const r = Math.hypot(x, y, z) || 1;
  return { ra: ((Math.atan2(y, x) / DEG) % 360 + 360) % 360, dec: Math.asin(z / r) / DEG };
}

export function chooseProjection(points: [number, number][]): SkyProjection {
  const centre = points.length ? centreOf(points) : { ra: 180, dec: 0 };
  const reach = Math.max(0, ...points.map(([ra, dec]) => separationDeg(centre.ra, centre.dec, ra, dec)));
  if (points.length && reach < FIELD_LIMIT_DEG) {
    return {
      kind: 'field',
      centre,
      project(ra, dec) {
        const [xi, eta] = gnomonicForward(ra, dec, centre.ra, centre.dec);
        return [-xi, eta];
      },
    };
  }
  return {
    kind: 'allsky',
    centre: { ra: 0, dec: 0 },
    project(ra, dec) {
      // Longitude in (-180, 180] about RA 0, east (larger RA) to the left.
      const lon = (((ra + 180) % 360) + 360) % 360 - 180;
      const [l, b] = [lon * DEG, dec * DEG];
      const k = Math.SQRT2 / Math.sqrt(1 + Math.cos(b) * Math.cos(l / 2));
      return [(-2 * k * Math.cos(b) * Math.sin(l / 2)) / DEG, (k * Math.sin(b)) / DEG];
    },
  };
}

const STEPS_DEG = [1 / 60, 2 / 60, 5 / 60, 10 / 60, 0.25, 0.5, 1, 2, 5, 10, 15, 30];

/** A graticule step giving about `lines` lines over `spanDeg`. */
export function gridStep(spanDeg: number, lines = 5): number {
  return STEPS_DEG.find((s) => spanDeg / s <= lines) ?? 30;
}

/** RA "10h", "10h04m" or "10h04m20s" and Dec "+20°" or "+20°15′", at the precision of the step. */
export function raLabel(ra: number, stepDeg: number): string {
  const sec = Math.round(((((ra % 360) + 360) % 360) / 15) * 3600) % 86400;
  const [h, m, s] = [Math.floor(sec / 3600), Math.floor((sec % 3600) / 60), sec % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  if (stepDeg >= 15 && m === 0) return `${h}h`;
  return stepDeg >= 0.25 && s === 0 ? `${h}h${two(m)}m` : `${h}h${two(m)}m${two(s)}s`;
}

export function decLabel(dec: number, stepDeg: number): string {
  const sign = dec < 0 ? '−' : '+';
  const arcmin = Math.round(Math.abs(dec) * 60);
  const d = Math.floor(arcmin / 60);
  const m = arcmin - d * 60;
  return stepDeg >= 1 || m === 0 ? `${sign}${d}°` : `${sign}${d}°${String(m).padStart(2, '0')}′`;
}

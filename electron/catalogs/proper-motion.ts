/**
 * Carry catalogue positions (Gaia, epoch 2016.0) back to a plate's epoch.
 *
 * Linear space motion with no parallax and no radial velocity (the standard
 * rigorous model of the Hipparcos/Gaia documentation with those two set to
 * zero): the star moves uniformly along the tangent plane at the reference
 * epoch, u(t) = normalise(r0 + (p*pmra + q*pmdec) * dt). Missing motions
 * count as zero. Angles in degrees, motions in mas/yr, epochs in Julian years.
 */
import { DEG } from '../astro/sphere';

const MAS = DEG / 3_600_000;

export function propagatePosition(
  ra: number,
  dec: number,
  pmraMasYr: number,
  pmdecMasYr: number,
  fromEpoch: number,
  toEpoch: number,
): [number, number] {
  const pa = Number.isFinite(pmraMasYr) ? pmraMasYr : 0;
  const pd = Number.isFinite(pmdecMasYr) ? pmdecMasYr : 0;
  const dt = toEpoch - fromEpoch;
  if ((pa === 0 && pd === 0) || !Number.isFinite(dt) || dt === 0) return [ra, dec];
  const a = ra * DEG;
  const d = dec * DEG;
  const sa = Math.sin(a), ca = Math.cos(a), sd = Math.sin(d), cd = Math.cos(d);
  // r0: position; p: towards +RA; q: towards +Dec (all unit vectors).
  const ka = pa * MAS * dt;
  const kd = pd * MAS * dt;
  const x = cd * ca - sa * ka - sd * ca * kd;
  const y = cd * sa + ca * ka - sd * sa * kd;
  const z = sd + cd * kd;
  const r = Math.hypot(x, y, z);
  let outRa = Math.atan2(y, x) / DEG;
  if (outRa < 0) outRa += 360;
  return [outRa, Math.asin(z / r) / DEG];
}

export interface MovingPositions {
  ra: ArrayLike<number>;
  dec: ArrayLike<number>;
  pmra?: ArrayLike<number>;
  pmdec?: ArrayLike<number>;
  /** Reference epoch per row, or one for all (Gaia EDR3: 2016.0). */
  epoch: number | ArrayLike<number>;
}

export function propagateAll(p: MovingPositions, toEpoch: number): { ra: Float64Array; dec: Float64Array } {
  const n = p.ra.length;
  const ra = new Float64Array(n);
  const dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ep = typeof p.epoch === 'number' ? p.epoch : p.epoch[i];
    const [r, d] = propagatePosition(
      p.ra[i],
      p.dec[i],
      p.pmra ? p.pmra[i] : 0,
      p.pmdec ? p.pmdec[i] : 0,
      Number.isFinite(ep) ? ep : toEpoch,
      toEpoch,
    );
    ra[i] = r;
    dec[i] = d;
  }
  return { ra, dec };
}

/**
 * Small exact spherical helpers. Degrees in and out; arcsec only where a name
 * says so. Separations use the haversine/Vincenty form, exact at the poles and
 * for tiny angles.
 */
export const DEG = Math.PI / 180;
export const ARCSEC_PER_DEG = 3600;

/** Angular separation in degrees (Vincenty formula: stable at all angles). */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const dra = (ra2 - ra1) * DEG;
  const d1 = dec1 * DEG;
  const d2 = dec2 * DEG;
  const s1 = Math.sin(d1), c1 = Math.cos(d1), s2 = Math.sin(d2), c2 = Math.cos(d2);
  const sdra = Math.sin(dra), cdra = Math.cos(dra);
  const num = Math.hypot(c2 * sdra, c1 * s2 - s1 * c2 * cdra);
  const den = s1 * s2 + c1 * c2 * cdra;
  return Math.atan2(num, den) / DEG;
}

export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  return separationDeg(ra1, dec1, ra2, dec2) * ARCSEC_PER_DEG;
}

/** Unit vector of (ra, dec) in degrees. */
export function unitVector(ra: number, dec: number): [number, number, number] {
  const a = ra * DEG, d = dec * DEG;
  const cd = Math.cos(d);
  return [cd * Math.cos(a), cd * Math.sin(a), Math.sin(d)];
}

/** RA wrapped into [0, 360). */
export function wrapRa(ra: number): number {
  const r = ra % 360;
  return r < 0 ? r + 360 : r;
}

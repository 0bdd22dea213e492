/** Synthetic candidates and exact sky offsets for the stage tests. */
import type { TrackedSource } from '../../../electron/pipeline/types';

const D = Math.PI / 180;

/** The point `sepArcsec` away from (ra, dec) towards position angle `paDeg` (east of north), exact on the sphere. */
export function offsetBy(ra: number, dec: number, sepArcsec: number, paDeg: number): [number, number] {
  const s = (sepArcsec / 3600) * D;
  const pa = paDeg * D;
  const d1 = dec * D;
  const d2 = Math.asin(Math.sin(d1) * Math.cos(s) + Math.cos(d1) * Math.sin(s) * Math.cos(pa));
  const a2 = ra * D + Math.atan2(Math.sin(pa) * Math.sin(s) * Math.cos(d1), Math.cos(s) - Math.sin(d1) * Math.sin(d2));
  return [(((a2 / D) % 360) + 360) % 360, d2 / D];
}

export function candidate(id: number, ra: number, dec: number, snr = 50): TrackedSource {
  return {
    id, x: 100 + id, y: 200 + id, ra, dec, flux: 1000, fluxErr: 10, mag: 17, magErr: 0.02, snr, fwhm: 3, elongation: 1.1, flags: 0,
    spreadModel: 0, spreadModelErr: 0.001, xmin: 98, xmax: 104, ymin: 198, ymax: 204, ledger: [],
  };
}

/**
 * The plate-edge mask: every red source's distance (degrees on the sky) from
 * its plate's centre and from the nearest edge of the image, and, with
 * --max-centre-deg, a cut on the first (the 2025 follow-up analyses keep
 * sources within 2 degrees of the centre, where a Schmidt plate's images are
 * best). Off by default: the published method has no such cut.
 *
 * The centre is the DSS plate centre (PLTRA/PLTDEC, the optical axis) when the
 * header carries the GSSS solution, so a cutout's sources are measured from
 * the plate's centre, not the cutout's; otherwise the image centre. The edge
 * distance is to the image edge: the plate's edge for a full-plate scan.
 */
import { chooseSolution, dssPlateCentre, type PlateSolution } from '../astro/plate-solution';
import { separationDeg } from '../astro/sphere';
import type { HeaderValues } from '../fits/header';
import { ledgerCount, type Stage } from './state';

export const PLATE_EDGE_STAGE = 'plate-edge';

export interface PlateCentre {
  ra: number;
  dec: number;
  /** Where the centre came from, said in summary.json. */
  from: 'DSS plate centre (PLTRA/PLTDEC)' | 'image centre';
}

/** The plate's centre on the sky (see the file comment). */
export function plateCentre(header: HeaderValues, solution: PlateSolution, width: number, height: number): PlateCentre {
  const dss = dssPlateCentre(header);
  if (dss) return { ...dss, from: 'DSS plate centre (PLTRA/PLTDEC)' };
  const [ra, dec] = solution.pixToSky((width + 1) / 2, (height + 1) / 2);
  return { ra, dec, from: 'image centre' };
}

/**
 * Degrees on the sky from pixel (x, y) to the nearest image edge: the least
 * separation to the four points straight across on each edge (x = 0.5,
 * x = W + 0.5, y = 0.5, y = H + 0.5; FITS 1-based pixel edges).
 */
export function edgeDistanceDeg(solution: PlateSolution, width: number, height: number, x: number, y: number, ra: number, dec: number): number {
  const feet: [number, number][] = [[0.5, y], [width + 0.5, y], [x, 0.5], [x, height + 0.5]];
  let best = Infinity;
  for (const [fx, fy] of feet) best = Math.min(best, separationDeg(ra, dec, ...solution.pixToSky(fx, fy)));
  // A source off the image (it cannot be) would still be said as 0, never as a distance inside.
  return x < 0.5 || y < 0.5 || x > width + 0.5 || y > height + 0.5 ? 0 : best;
}

const fmt = (v: number) => v.toFixed(3);

/** After positions: distances for every red source, and the centre cut when --max-centre-deg is given. */
export const plateEdgeStage: Stage = {
  name: PLATE_EDGE_STAGE,
  inputs: (p) => ({ maxCentreDeg: p.filters.maxCentreDeg }),
  async run(state, ctx) {
    const plate = state.red;
    const t = plate.sources;
    const before = t.aliveCount();
    const from = t.ledger.length;
    const { solution } = chooseSolution(plate.header);
    const { naxis1: w, naxis2: h } = plate.info;
    const centre = plateCentre(plate.header, solution, w, h);
    const max = ctx.params.filters.maxCentreDeg;
    for (let i = 0; i < t.length; i++) {
      const ra = t.floats.ra[i], dec = t.floats.dec[i];
      const d = separationDeg(centre.ra, centre.dec, ra, dec);
      t.setOptional('centreDistanceDeg', i, d);
      t.setOptional('edgeDistanceDeg', i, edgeDistanceDeg(solution, w, h, t.floats.x[i], t.floats.y[i], ra, dec));
      if (max > 0 && d > max && t.isAlive(i))
        t.append(i, { stage: PLATE_EDGE_STAGE, reason: 'max_centre', dropped: true, detail: `${fmt(d)} deg from the plate centre > ${max} deg (--max-centre-deg)` });
    }
    const note = `plate edge: distances from the ${centre.from} at RA ${centre.ra.toFixed(5)} Dec ${centre.dec.toFixed(5)}` +
      (max > 0 ? `; sources farther than ${max} deg dropped` : '; no centre cut (--max-centre-deg 0)');
    const count = ledgerCount(t, PLATE_EDGE_STAGE, from, before);
    return { state: { ...state, notes: [...state.notes.filter((n) => !n.startsWith('plate edge:')), note] }, count };
  },
};

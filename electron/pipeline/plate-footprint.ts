/**
 * Where the red plate lies on the sky: centre, enclosing radius and the exact
 * pixel footprint, for the stages that ask catalogues about the plate (veto,
 * Gaia refit, score, published audit) and for a survey's merge.
 */
import { chooseSolution, type PlateSolution } from '../astro/plate-solution';
import { separationDeg } from '../astro/sphere';
import type { HeaderValues } from '../fits';
import type { Footprint } from './score';
import type { PipelineState } from './state';

export interface PlateFootprint extends Footprint {
  centre: { ra: number; dec: number };
  radiusDeg: number;
}

/** Centre, enclosing radius and exact pixel footprint of the red plate. */
export function plateFootprint(state: PipelineState): PlateFootprint {
  const { header, info } = state.red;
  return footprintOfImage(header, info.naxis1, info.naxis2, info.region);
}

/** The footprint of a w x h image with this header (a survey merge reads it from the plate's file). */
export function footprintOfImage(header: HeaderValues, w: number, h: number, region: string): PlateFootprint {
  const solution: PlateSolution = chooseSolution(header).solution;
  const [ra, dec] = solution.pixToSky((w + 1) / 2, (h + 1) / 2);
  const corners: [number, number][] = [
    [0.5, 0.5],
    [w + 0.5, 0.5],
    [0.5, h + 0.5],
    [w + 0.5, h + 0.5],
  ];
  const radiusDeg = Math.max(...corners.map(([x, y]) => separationDeg(ra, dec, ...solution.pixToSky(x, y))));
  return {
    centre: { ra, dec },
    radiusDeg,
    plate: region,
    contains(r, d) {
      if (separationDeg(ra, dec, r, d) > radiusDeg * 1.01) return false;
      const [x, y] = solution.skyToPix(r, d);
      return x >= 0.5 && x <= w + 0.5 && y >= 0.5 && y <= h + 0.5;
    },
  };
}

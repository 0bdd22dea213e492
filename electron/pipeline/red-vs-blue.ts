/**
 * Red versus blue: a red source with a filtered blue source within the match
 * radius was on both exposures, so it is persistent and dropped; the rest stay
 * candidates. Every compared red source records its nearest filtered blue
 * source (null beyond `nearestSearchArcsec`).
 */
import { matchNearest } from '../match/sky-match';
import type { Source, TrackedSource } from './types';

export interface RedBlueParams {
  /** Match radius (reference: 5"). */
  radiusArcsec: number;
  /** How far to look for the nearest blue source that is reported for every candidate. */
  nearestSearchArcsec: number;
}

export const DEFAULT_RED_BLUE: RedBlueParams = { radiusArcsec: 5, nearestSearchArcsec: 60 };

export const RED_BLUE_STAGE = 'red-vs-blue';

/** Compare the alive red sources with the (already filtered) blue sources; ledgers are appended in place. */
export function compareRedBlue(red: TrackedSource[], blue: Source[], params: RedBlueParams, stage = RED_BLUE_STAGE): void {
  const alive = red.filter((s) => !s.ledger.some((e) => e.dropped));
  const nearest = matchNearest(
    { ra: alive.map((s) => s.ra), dec: alive.map((s) => s.dec) },
    { ra: blue.map((s) => s.ra), dec: blue.map((s) => s.dec) },
    Math.max(params.nearestSearchArcsec, params.radiusArcsec),
  );
  alive.forEach((s, i) => {
    const j = nearest.right[i];
    if (j < 0) {
      s.nearestBlueArcsec = null;
      return;
    }
    const sep = nearest.separationArcsec[i];
    s.nearestBlueArcsec = sep;
    if (sep <= params.radiusArcsec) {
      const b = blue[j];
      s.ledger.push({
        stage,
        reason: 'blue_match',
        dropped: true,
        detail: `blue source ${b.id} at ${sep.toFixed(2)}" (<= ${params.radiusArcsec}")`,
        distanceArcsec: sep,
        counterpart: `blue:${b.id}`,
        counterpartMag: b.mag,
      });
    }
  });
}

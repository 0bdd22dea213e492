/**
 * Red versus blue: a red source with a filtered blue source within the match
 * radius was on both exposures, so it is persistent and dropped; the rest stay
 * candidates. Every compared red source records its nearest filtered blue
 * source (null beyond `nearestSearchArcsec`), and every red source its nearest
 * blue detection of any kind, with the cuts that detection failed.
 *
 * Before any of it, the blue plate must belong to the red one: both plate
 * solutions must overlap on the sky (a disjoint pair is always refused) and
 * the POSS-I field numbers must agree unless allowOtherField. Red sources off
 * the blue image cannot vanish from it; they are dropped as no_blue_coverage.
 */
import { containsSky, coveredFraction, type PlateFrame } from '../astro/footprint';
import { poss1Field } from '../astro/plate-info';
import { chooseSolution } from '../astro/plate-solution';
import { UserError } from '../core/errors';
import { matchNearest } from '../match/sky-match';
import { parameterDefault } from './parameter-schema';
import type { SourceTable } from './source-table';
import type { BlueCoverage, HeaderValues, LedgerEntry, PlateInfo } from './types';

export interface RedBlueParams {
  /** Match radius (reference: 5"). */
  radiusArcsec: number;
  /** How far to look for the nearest blue source that is reported for every candidate. */
  nearestSearchArcsec: number;
  /**
   * Accept a blue plate of another POSS-I field that overlaps the red one
   * (only the overlap is compared). A pair that does not overlap is refused
   * regardless.
   */
  allowOtherField: boolean;
  /**
   * What makes a red source persistent: 'filtered', a blue source that passes
   * every blue cut within the radius (the published method); 'detected', any
   * blue detection within the radius (a star whose blue image is just under a
   * cut stays persistent). See README, Red versus blue.
   */
  blueMatch: BlueMatch;
}

export type BlueMatch = 'filtered' | 'detected';

export const DEFAULT_RED_BLUE: RedBlueParams = {
  radiusArcsec: parameterDefault('redBlue.radiusArcsec'),
  nearestSearchArcsec: 60,
  allowOtherField: parameterDefault('redBlue.allowOtherField'),
  blueMatch: parameterDefault('redBlue.blueMatch'),
};

export const RED_BLUE_STAGE = 'red-vs-blue';

/** What the comparison's result depends on: allowOtherField only decides whether the run may start. */
export function comparisonInputs(p: RedBlueParams): Omit<RedBlueParams, 'allowOtherField'> {
  const { allowOtherField: _, ...rest } = p;
  return rest;
}

/** A plate as the pair check needs it: file, header and identity. */
export interface PairPlate {
  file: string;
  header: HeaderValues;
  info: PlateInfo;
}

/** The plate's image on the sky, through the solution the positions stage uses. */
export function plateFrame(p: PairPlate): PlateFrame {
  return { solution: chooseSolution(p.header).solution, width: p.info.naxis1, height: p.info.naxis2 };
}

const percent = (f: number) => `${(100 * f).toFixed(f > 0 && f < 0.01 ? 2 : 0)} %`;

/**
 * Refuse a blue plate that is not the red one's twin, before any extraction:
 * one that does not overlap the red plate at all, or (unless allowOtherField)
 * one of another POSS-I field. Returns how much of the red plate it covers.
 */
export function checkPlatePair(red: PairPlate, blue: PairPlate, allowOtherField: boolean): BlueCoverage {
  const redFraction = coveredFraction(plateFrame(red), plateFrame(blue));
  const redField = poss1Field(red.info.region);
  const blueField = poss1Field(blue.info.region);
  const names = `red plate ${red.file} (${red.info.region || 'no REGION'}) and blue plate ${blue.file} (${blue.info.region || 'no REGION'})`;
  const twin = redField !== null ? `XO${String(redField).padStart(3, '0')}` : 'the blue plate of the same field';
  if (redFraction === 0)
    throw new UserError(
      `the ${names} do not overlap on the sky: no red source could be compared with blue, so every one would "vanish"`,
      `give the blue plate of the same field (${twin}), or run red-only with --red-only`,
      'plates-disjoint',
    );
  if (redField !== null && blueField !== null && redField !== blueField && !allowOtherField)
    throw new UserError(
      `the ${names} are of different POSS-I fields (${redField} and ${blueField}); the blue plate covers ${percent(redFraction)} of the red one`,
      `give the blue plate of field ${redField} (${twin}), or pass --allow-other-field (API: redBlue.allowOtherField) to compare the overlap anyway`,
      'other-field',
    );
  return { redFraction, redField, blueField };
}

/**
 * Drop the alive red sources that fall off the blue image (reason
 * no_blue_coverage): with no blue exposure there, not being on blue says
 * nothing. Returns how many red sources in all lie off it, and how many of
 * them were dropped here.
 */
export function dropWithoutBlueCoverage(red: SourceTable, blue: PlateFrame, stage = RED_BLUE_STAGE): { outside: number; dropped: number } {
  let outside = 0, dropped = 0;
  for (let i = 0; i < red.length; i++) {
    if (containsSky(blue, red.floats.ra[i], red.floats.dec[i])) continue;
    outside++;
    if (!red.isAlive(i)) continue;
    dropped++;
    red.append(i, { stage, reason: 'no_blue_coverage', dropped: true, detail: 'off the blue plate: no blue exposure to compare with' });
  }
  return { outside, dropped };
}

/** The blue sources a red source is compared with (blueComparedWith), as columns. */
export interface ComparedBlue {
  ra: Float64Array;
  dec: Float64Array;
  id: Int32Array;
  mag: Float64Array;
}

/**
 * Compare the alive red sources with the blue sources that count under the
 * blue-match mode (comparedBlue), reading and writing the red table's
 * columns: each one's nearest such blue source is set (nearestBlueArcsec,
 * null beyond the search radius), and blue_match appended to the ledger of
 * those within the match radius.
 */
export function compareRedBlue(red: SourceTable, blue: ComparedBlue, params: RedBlueParams, stage = RED_BLUE_STAGE): void {
  const alive = red.aliveIndices();
  const nearest = matchNearest(
    { ra: Float64Array.from(alive, (i) => red.floats.ra[i]), dec: Float64Array.from(alive, (i) => red.floats.dec[i]) },
    blue,
    Math.max(params.nearestSearchArcsec, params.radiusArcsec),
  );
  alive.forEach((i, k) => {
    const j = nearest.right[k];
    if (j < 0) {
      red.setOptional('nearestBlueArcsec', i, null);
      return;
    }
    const sep = nearest.separationArcsec[k];
    red.setOptional('nearestBlueArcsec', i, sep);
    if (sep <= params.radiusArcsec)
      red.append(i, {
        stage,
        reason: 'blue_match',
        dropped: true,
        detail: `blue ${params.blueMatch === 'detected' ? 'detection' : 'source'} ${blue.id[j]} at ${sep.toFixed(2)}" (<= ${params.radiusArcsec}")`,
        distanceArcsec: sep,
        counterpart: `blue:${blue.id[j]}`,
        counterpartMag: blue.mag[j],
      });
  });
}

/** The blue rows a red source is compared with: those alive after the blue filters, or every detection. */
export function blueComparedWith(blue: SourceTable, mode: BlueMatch): number[] {
  return mode === 'detected' ? Array.from({ length: blue.length }, (_, i) => i) : blue.aliveIndices();
}

/** The columns of the blue rows compared with (blueComparedWith); every detection's are the table's own, not copies. */
export function comparedBlue(blue: SourceTable, mode: BlueMatch): ComparedBlue {
  const { ra, dec, mag } = blue.floats;
  const id = blue.ints.id;
  if (mode === 'detected') return { ra, dec, id, mag };
  const rows = blueComparedWith(blue, mode);
  return { ra: Float64Array.from(rows, (i) => ra[i]), dec: Float64Array.from(rows, (i) => dec[i]), id: Int32Array.from(rows, (i) => id[i]), mag: Float64Array.from(rows, (i) => mag[i]) };
}

/** The summary's line saying which blue sources made a red source persistent. */
export function blueMatchNote(p: RedBlueParams): string {
  return p.blueMatch === 'detected'
    ? `red vs blue: --blue-match detected: any blue detection within ${p.radiusArcsec}" made a red source persistent (blue cuts not applied)`
    : `red vs blue: --blue-match filtered: only blue sources passing every blue cut within ${p.radiusArcsec}" made a red source persistent`;
}

/** Cuts measured without the PSF; SPREAD_MODEL is only measured past them in the fast order. */
const PSF_FREE_CUTS = new Set(['flags', 'fwhm', 'elongation', 'symmetry', 'snr']);

/**
 * The filter cuts a blue source failed, as its ledger says. When a PSF-free
 * cut failed, spread_model is left out: the fast order never measures it
 * there, and the answer must not depend on the order. A SPREAD_MODEL the fast
 * order left unmeasured (no red candidate needed it) is
 * "spread_model_unmeasured", not a failure.
 */
export function failedCuts(ledger: LedgerEntry[]): string[] {
  const reasons = [
    ...new Set(
      ledger
        .filter((e) => e.dropped)
        .map((e) => (e.reason === 'spread_model' && /not measured/i.test(e.detail ?? '') ? 'spread_model_unmeasured' : e.reason)),
    ),
  ];
  return reasons.some((r) => PSF_FREE_CUTS.has(r)) ? reasons.filter((r) => !r.startsWith('spread_model')) : reasons;
}

/**
 * Every red source's nearest blue detection of any kind (all blue sources,
 * filtered or not) within `searchArcsec`, or null: the published method
 * compares with filtered blue sources only, so a star whose blue image failed
 * a cut stays a candidate; this says so.
 */
export function recordNearestBlueDetection(red: SourceTable, blue: SourceTable, searchArcsec: number): void {
  const nearest = matchNearest(red.floats, blue.floats, searchArcsec);
  const cutsOf = new Map<number, string[]>();
  for (let i = 0; i < red.length; i++) {
    const j = nearest.right[i];
    if (j < 0) {
      red.setBlueDetection(i, null);
      continue;
    }
    let cuts = cutsOf.get(j);
    if (!cuts) cutsOf.set(j, (cuts = failedCuts(blue.ledgerOf(j))));
    const b = blue.floats;
    red.setBlueDetection(i, {
      id: blue.ints.id[j],
      distanceArcsec: nearest.separationArcsec[i],
      ra: b.ra[j],
      dec: b.dec[j],
      x: b.x[j],
      y: b.y[j],
      mag: b.mag[j],
      snr: b.snr[j],
      fwhm: b.fwhm[j],
      failedCuts: cuts,
    });
  }
}

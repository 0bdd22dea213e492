import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import {
  blueMatchNote, checkPlatePair, comparedBlue, comparisonInputs, compareRedBlue, DEFAULT_RED_BLUE, dropWithoutBlueCoverage, failedCuts, plateFrame,
  recordNearestBlueDetection, type BlueMatch, type PairPlate,
} from '../../../electron/pipeline/red-vs-blue';
import { SourceTable } from '../../../electron/pipeline/source-table';
import type { LedgerEntry, PlateInfo, Source, TrackedSource } from '../../../electron/pipeline/types';

function src(id: number, ra: number, dec: number): TrackedSource {
  return {
    id, x: 0, y: 0, ra, dec, flux: 1, fluxErr: 0.01, mag: 15, magErr: 0.01, snr: 100, fwhm: 3, elongation: 1,
    flags: 0, spreadModel: 0, spreadModelErr: 0, xmin: 0, xmax: 0, ymin: 0, ymax: 0, ledger: [],
  };
}
const ARCSEC = 1 / 3600;

/** The red sources, as rows, after comparing a table of them with every one of `blue`. */
function compared(red: TrackedSource[], blue: Source[], params = DEFAULT_RED_BLUE): TrackedSource[] {
  const table = SourceTable.from(red);
  compareRedBlue(table, comparedBlue(SourceTable.from(blue), 'detected'), params);
  return [...table.rows()];
}

describe('red vs blue', () => {
  // Offsets along a meridian: the separation is exactly the declination difference.
  const red = [src(1, 150, 30), src(2, 150, 31), src(3, 150, 32), src(4, 150, 33)];
  const blue: Source[] = [
    src(101, 150, 30 + 4.9 * ARCSEC), // within 5": persistent
    src(102, 150, 31 + 5.1 * ARCSEC), // just outside: candidate, nearest 5.1"
    src(103, 150, 32 + 90 * ARCSEC), // beyond the 60" nearest search: null
  ];

  it('drops red sources with a blue source within 5" and records the nearest blue distance for all', () => {
    const r = compared([...red.slice(0, 3), { ...red[3], ledger: [{ stage: 'filters', reason: 'snr', dropped: true }] }], blue);

    expect(r[0].ledger).toHaveLength(1);
    const e = r[0].ledger[0];
    expect(e).toMatchObject({ stage: 'red-vs-blue', reason: 'blue_match', dropped: true, counterpart: 'blue:101' });
    expect(e.distanceArcsec).toBeCloseTo(4.9, 6);
    expect(e.detail).toMatch(/4\.90"/);

    expect(r[1].ledger).toEqual([]);
    expect(r[1].nearestBlueArcsec).toBeCloseTo(5.1, 6);
    expect(r[2].ledger).toEqual([]);
    expect(r[2].nearestBlueArcsec).toBeNull();
    // Already dropped by the filters: not compared.
    expect(r[3].ledger.map((x) => x.reason)).toEqual(['snr']);
    expect(r[3].nearestBlueArcsec).toBeUndefined();
  });

  it('uses the configured radius', () => {
    const r = compared(red, blue, { ...DEFAULT_RED_BLUE, radiusArcsec: 6 });
    expect(r.filter((s) => s.ledger.length).map((s) => s.id)).toEqual([1, 2]);
  });
});

describe('the blue side of every red source (issue 9)', () => {
  const blueSrc = (id: number, ra: number, dec: number, ledger: LedgerEntry[] = [], over: Partial<TrackedSource> = {}): TrackedSource => ({
    ...src(id, ra, dec), x: 10 + id, y: 20 + id, snr: 12.5, fwhm: 3.4, mag: 18.2, ledger, ...over,
  });
  const failed = (stage: string, ...reasons: string[]): LedgerEntry[] => reasons.map((reason) => ({ stage, reason, dropped: true }));

  it('records the nearest blue detection of any kind while the comparison keeps using filtered blue sources', () => {
    const redTable = SourceTable.from([src(1, 150, 30), src(2, 150, 31), { ...src(3, 150, 32), ledger: [{ stage: 'filters', reason: 'fwhm', dropped: true }] }]);
    const blue = [
      blueSrc(201, 150, 30 + 1.2 * ARCSEC, failed('filters-blue', 'snr')), // a star whose blue image is too faint for the cut
      blueSrc(202, 150, 30 + 20 * ARCSEC, [], { snr: 80 }), // the nearest blue source that passed the filters
      blueSrc(203, 150, 32 + 3 * ARCSEC, failed('filters-blue', 'flags', 'spread_model')),
    ];
    const blueTable = SourceTable.from(blue);
    compareRedBlue(redTable, comparedBlue(blueTable, 'filtered'), DEFAULT_RED_BLUE);
    recordNearestBlueDetection(redTable, blueTable, DEFAULT_RED_BLUE.nearestSearchArcsec);
    const red = [...redTable.rows()];

    // The published method: no filtered blue source within 5", so red 1 stays a candidate ...
    expect(red[0].ledger).toEqual([]);
    expect(red[0].nearestBlueArcsec).toBeCloseTo(20, 6);
    // ... and now says why it may be a star after all.
    expect(red[0].nearestBlueDetection).toMatchObject({ id: 201, snr: 12.5, fwhm: 3.4, failedCuts: ['snr'], x: 211, y: 221 });
    expect(red[0].nearestBlueDetection!.distanceArcsec).toBeCloseTo(1.2, 6);
    expect(red[1].nearestBlueDetection).toBeNull();
    // Every red source, also one the filters dropped; SPREAD_MODEL is not listed next to a PSF-free failure.
    expect(red[2].nearestBlueDetection).toMatchObject({ id: 203, failedCuts: ['flags'] });
  });

  it('names the cuts a blue detection failed the same way in both extraction orders', () => {
    expect(failedCuts([])).toEqual([]);
    expect(failedCuts(failed('filters-blue', 'spread_model'))).toEqual(['spread_model']);
    expect(failedCuts([...failed('filters-blue', 'snr', 'spread_model', 'snr'), { stage: 'filters-blue', reason: 'near_edge', dropped: false }])).toEqual(['snr']);
    const unmeasured: LedgerEntry = { stage: 'filters-blue', reason: 'spread_model', dropped: true, detail: 'not measured (fast extraction: no red candidate has it as nearest blue source)' };
    expect(failedCuts([unmeasured])).toEqual(['spread_model_unmeasured']);
  });

  // Two TAN plates of 100 x 100 px at 1.7"/px; blue is moved 60 px (102") west, along red's +x, so it covers red's x 60.5 .. 100.5.
  const tan = (region: string, file: string, ra: number): PairPlate => ({
    file,
    header: { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 50.5, CRPIX2: 50.5, CRVAL1: ra, CRVAL2: 0, CD1_1: -1.7 / 3600, CD2_2: 1.7 / 3600, NAXIS1: 100, NAXIS2: 100 },
    info: { region, naxis1: 100, naxis2: 100 } as PlateInfo,
  });
  const redPlate = tan('XE687', '/plates/red.fits', 10);
  const westBlue = (region: string) => tan(region, '/plates/blue.fits', 10 - (60 * 1.7) / 3600);

  it('drops red sources off the blue plate as no_blue_coverage, not as vanished', () => {
    const frame = plateFrame(westBlue('XO687'));
    const redFrame = plateFrame(redPlate);
    const at = (id: number, x: number) => {
      const [ra, dec] = redFrame.solution.pixToSky(x, 50);
      return src(id, ra, dec);
    };
    const red = [at(1, 20), at(2, 80), at(3, 59), at(4, 62)];
    red.push({ ...at(5, 10), ledger: [{ stage: 'filters', reason: 'snr', dropped: true }] });
    const table = SourceTable.from(red);
    const off = dropWithoutBlueCoverage(table, frame);
    expect(off).toEqual({ outside: 3, dropped: 2 });
    expect([...table.rows()].map((s) => s.ledger.map((e) => `${e.reason}:${e.dropped}`).join())).toEqual([
      'no_blue_coverage:true', '', 'no_blue_coverage:true', '', 'snr:true',
    ]);
  });

  it('refuses a blue plate that does not overlap, even when another field is allowed, naming both plates', () => {
    const far = tan('XO542', '/plates/other.fits', 110);
    for (const allow of [false, true]) {
      let err: UserError | undefined;
      try {
        checkPlatePair(redPlate, far, allow);
      } catch (e) {
        err = e as UserError;
      }
      expect(err).toBeInstanceOf(UserError);
      expect(err!.code).toBe('plates-disjoint');
      expect(err!.message).toContain('/plates/red.fits (XE687)');
      expect(err!.message).toContain('/plates/other.fits (XO542)');
      expect(err!.hint).toMatch(/XO687/);
    }
  });

  it('refuses an overlapping plate of another field unless allowed; the same field may cover part of red', () => {
    expect(() => checkPlatePair(redPlate, westBlue('XO688'), false)).toThrow(/different POSS-I fields \(687 and 688\); the blue plate covers (39|40|41) % of the red one/);
    const allowed = checkPlatePair(redPlate, westBlue('XO688'), true);
    expect(allowed).toMatchObject({ redField: 687, blueField: 688 });
    expect(Math.abs(allowed.redFraction - 0.4)).toBeLessThan(0.016); // 1/64 of the width
    expect(checkPlatePair(redPlate, westBlue('XO687'), false).redFraction).toBe(allowed.redFraction);
  });

  it('keeps allowOtherField out of what the comparison result depends on', () => {
    expect(comparisonInputs({ ...DEFAULT_RED_BLUE, allowOtherField: true })).toEqual(comparisonInputs(DEFAULT_RED_BLUE));
    expect(comparisonInputs(DEFAULT_RED_BLUE)).toEqual({ radiusArcsec: 5, nearestSearchArcsec: 60, blueMatch: DEFAULT_RED_BLUE.blueMatch });
  });
});

describe('--blue-match: which blue sources make a red source persistent (issue 11)', () => {
  // Red 1: a persistent star whose blue image fails the SNR cut (SNR 29 in blue, 1.2" away); red 2: a transient, the nearest blue 30" away.
  const red = () => [src(1, 150, 30), src(2, 150, 31)];
  const blueTable = () => {
    const t = SourceTable.from([{ ...src(201, 150, 30 + 1.2 * ARCSEC), snr: 29 }, src(202, 150, 31 + 30 * ARCSEC)]);
    t.append(0, { stage: 'filters-blue', reason: 'snr', dropped: true, detail: 'SNR 29.0 < 30' });
    return t;
  };
  const compare = (mode: BlueMatch) => {
    const r = SourceTable.from(red());
    compareRedBlue(r, comparedBlue(blueTable(), mode), { ...DEFAULT_RED_BLUE, blueMatch: mode });
    return [...r.rows()];
  };

  it('filtered (the published method): the star whose blue image failed a cut becomes a candidate', () => {
    const r = compare('filtered');
    expect(r.map((s) => s.ledger.length)).toEqual([0, 0]);
    expect(r[0].nearestBlueArcsec).toBeNull();
    expect(r[1].nearestBlueArcsec).toBeCloseTo(30, 6);
  });

  it('detected: any blue detection within the radius makes it persistent, and the ledger says it was a detection', () => {
    const r = compare('detected');
    expect(r[0].ledger).toHaveLength(1);
    expect(r[0].ledger[0]).toMatchObject({ stage: 'red-vs-blue', reason: 'blue_match', dropped: true, counterpart: 'blue:201' });
    expect(r[0].ledger[0].distanceArcsec).toBeCloseTo(1.2, 6);
    expect(r[0].ledger[0].detail).toMatch(/^blue detection 201 at 1\.20"/);
    // The transient stays a candidate either way.
    expect(r[1].ledger).toEqual([]);
    expect(r[1].nearestBlueArcsec).toBeCloseTo(30, 6);
  });

  it('is a run parameter with a default, part of what the comparison depends on, and said in the summary notes', () => {
    expect(['detected', 'filtered']).toContain(DEFAULT_RED_BLUE.blueMatch);
    expect(comparisonInputs({ ...DEFAULT_RED_BLUE, blueMatch: 'filtered' })).not.toEqual(comparisonInputs({ ...DEFAULT_RED_BLUE, blueMatch: 'detected' }));
    expect(blueMatchNote({ ...DEFAULT_RED_BLUE, blueMatch: 'detected' })).toMatch(/^red vs blue: --blue-match detected: any blue detection within 5"/);
    expect(blueMatchNote({ ...DEFAULT_RED_BLUE, blueMatch: 'filtered' })).toMatch(/^red vs blue: --blue-match filtered: only blue sources passing every blue cut/);
  });
});

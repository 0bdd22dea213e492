import { describe, expect, it } from 'vitest';
import { compareRedBlue, DEFAULT_RED_BLUE } from '../../../electron/pipeline/red-vs-blue';
import type { LedgerEntry, Source, TrackedSource } from '../../../electron/pipeline/types';

function src(id: number, ra: number, dec: number): TrackedSource {
  return {
    id, x: 0, y: 0, ra, dec, flux: 1, fluxErr: 0.01, mag: 15, magErr: 0.01, snr: 100, fwhm: 3, elongation: 1,
    flags: 0, spreadModel: 0, spreadModelErr: 0, xmin: 0, xmax: 0, ymin: 0, ymax: 0, ledger: [],
  };
}
const ARCSEC = 1 / 3600;

describe('red vs blue', () => {
  // Offsets along a meridian: the separation is exactly the declination difference.
  const red = [src(1, 150, 30), src(2, 150, 31), src(3, 150, 32), src(4, 150, 33)];
  const blue: Source[] = [
    src(101, 150, 30 + 4.9 * ARCSEC), // within 5": persistent
    src(102, 150, 31 + 5.1 * ARCSEC), // just outside: candidate, nearest 5.1"
    src(103, 150, 32 + 90 * ARCSEC), // beyond the 60" nearest search: null
  ];

  it('drops red sources with a blue source within 5" and records the nearest blue distance for all', () => {
    const r = red.map((s) => ({ ...s, ledger: [] as LedgerEntry[] }));
    r[3].ledger.push({ stage: 'filters', reason: 'snr', dropped: true });
    compareRedBlue(r, blue, DEFAULT_RED_BLUE);

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
    const r = red.map((s) => ({ ...s, ledger: [] as LedgerEntry[] }));
    compareRedBlue(r, blue, { ...DEFAULT_RED_BLUE, radiusArcsec: 6 });
    expect(r.filter((s) => s.ledger.length).map((s) => s.id)).toEqual([1, 2]);
  });
});

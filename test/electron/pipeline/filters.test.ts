import { describe, expect, it } from 'vitest';
import { applyFilters, DEFAULT_FILTERS, edgeDistancePx, flagNearEdge, fwhmLimitsPx, recordEdgeDistances, type FilterParams, type PlateGeometry } from '../../../electron/pipeline/filters';
import { SourceTable } from '../../../electron/pipeline/source-table';
import type { TrackedSource } from '../../../electron/pipeline/types';

/** A clean, bright, round stellar source at 1.7"/px; tests change one property at a time. */
function star(over: Partial<TrackedSource> = {}): TrackedSource {
  return {
    id: 1, x: 100, y: 100, ra: 10, dec: 20,
    flux: 50_000, fluxErr: 1_000, mag: -11.7, magErr: 0.02, snr: 50,
    fwhm: 3, elongation: 1.05, flags: 0, spreadModel: 0.001, spreadModelErr: 0.0005,
    xmin: 96, xmax: 104, ymin: 96, ymax: 104, ledger: [],
    ...over,
  };
}

const red = { pixelScaleArcsec: 1.7 };
const reasons = (s: TrackedSource) => s.ledger.map((e) => e.reason);

/** The sources after the filters ran on a table of them (read back as rows). */
function filtered(sources: TrackedSource[], params: FilterParams = DEFAULT_FILTERS, plate: PlateGeometry = red): TrackedSource[] {
  const table = SourceTable.from(sources);
  applyFilters(table, params, plate);
  return [...table.rows()];
}

describe('morphology filters (reference defaults)', () => {
  it('keeps a clean star and records nothing for it', () => {
    const [s] = filtered([star()]);
    expect(s.ledger).toEqual([]);
  });

  it('records every reason a source fails, each with a readable detail', () => {
    const [s] = filtered([star({ flags: 3, spreadModel: -0.05, fwhm: 8.3, elongation: 1.6, xmin: 90, xmax: 110, ymin: 98, ymax: 102, snr: 12.5 })]);
    expect(reasons(s).sort()).toEqual(['elongation', 'flags', 'fwhm', 'snr', 'spread_model', 'symmetry']);
    expect(s.ledger.every((e) => e.dropped && e.stage === 'filters')).toBe(true);
    const detail = Object.fromEntries(s.ledger.map((e) => [e.reason, e.detail]));
    expect(detail.fwhm).toBe('FWHM 8.3 px > 7');
    expect(detail.snr).toBe('SNR 12.5 < 30');
    expect(detail.flags).toMatch(/^FLAGS 3 \(neighbours or bad pixels, deblended\)$/);
    expect(detail.symmetry).toMatch(/\|dx-dy\| 16 >= 2/);
  });

  it('applies the published inequalities at their boundaries', () => {
    // keep: SPREAD_MODEL > -0.01, 2 <= FWHM <= 7, ELONGATION < 1.3, |dx-dy| < 2, SNR >= 30
    const cases: [Partial<TrackedSource>, string | null][] = [
      [{ spreadModel: -0.01 }, 'spread_model'],
      [{ spreadModel: -0.0099 }, null],
      [{ spreadModel: null }, 'spread_model'],
      [{ fwhm: 2 }, null],
      [{ fwhm: 1.99 }, 'fwhm'],
      [{ fwhm: 7 }, null],
      [{ fwhm: 7.01 }, 'fwhm'],
      [{ elongation: 1.3 }, 'elongation'],
      [{ elongation: 1.299 }, null],
      [{ xmin: 96, xmax: 105, ymin: 96, ymax: 104 }, null], // |9-8| = 1
      [{ xmin: 96, xmax: 106, ymin: 96, ymax: 104 }, 'symmetry'], // |10-8| = 2
      [{ snr: 30 }, null],
      [{ snr: 29.99 }, 'snr'],
      [{ flags: 0 }, null],
      [{ flags: 16 }, 'flags'],
      [{ fwhm: NaN }, 'fwhm'],
    ];
    for (const [over, expected] of cases) {
      const [s] = filtered([star(over)]);
      expect(reasons(s), JSON.stringify(over)).toEqual(expected ? [expected] : []);
    }
  });

  it('scales the FWHM limits, given for 1.7"/px, to a 1.0"/px blue scan', () => {
    const blue = { pixelScaleArcsec: 1.0 };
    const [lo, hi] = fwhmLimitsPx(DEFAULT_FILTERS, blue);
    expect(lo).toBeCloseTo(3.4, 10);
    expect(hi).toBeCloseTo(11.9, 10);
    // 8.3 px on a 1.0"/px scan is 8.3" -- within 7 px x 1.7" = 11.9"; 3 px (3") is below 3.4".
    const [a, b] = filtered([star({ fwhm: 8.3 }), star({ fwhm: 3 })], DEFAULT_FILTERS, blue);
    expect(reasons(a)).toEqual([]);
    expect(reasons(b)).toEqual(['fwhm']);
  });

  it('honours configured thresholds and leaves already dropped sources alone', () => {
    const params: FilterParams = { ...DEFAULT_FILTERS, spreadModelMin: -0.002, snrMin: 10 };
    const [s, gone] = filtered([star({ spreadModel: -0.005, snr: 12 }), star({ fwhm: 50, ledger: [{ stage: 'earlier', reason: 'x', dropped: true }] })], params);
    expect(reasons(s)).toEqual(['spread_model']);
    expect(s.ledger[0].detail).toBe('SPREAD_MODEL -0.005 <= -0.002');
    expect(reasons(gone)).toEqual(['x']);
  });

  it('MAD clipping is off by default and, when on, drops FWHM/elongation outliers of their cell', () => {
    // 40 stars with FWHM 2.9..3.1 and one at 5.5 (inside the 2-7 px hard cut).
    const field = Array.from({ length: 40 }, (_, i) => star({ id: i + 1, x: 50 + 10 * i, fwhm: 2.9 + 0.2 * ((i * 7) % 10) / 9, elongation: 1.05 + 0.01 * (i % 5) }));
    const odd = star({ id: 99, x: 300, fwhm: 5.5 });
    const off = filtered([...field, odd]);
    expect(off.every((s) => s.ledger.length === 0)).toBe(true);

    const on = filtered([...field, odd], { ...DEFAULT_FILTERS, mad: { ...DEFAULT_FILTERS.mad, enabled: true } });
    const flagged = on.filter((s) => s.ledger.length > 0);
    expect(flagged.map((s) => s.id)).toEqual([99]);
    expect(reasons(flagged[0])).toEqual(['mad_fwhm']);
    expect(flagged[0].ledger[0].detail).toMatch(/^FWHM 5\.5 is [\d.]+ sigma from the local median 3/);
  });
});

describe('distance to the image edge (near_edge)', () => {
  it('is measured from the pixel edges 0.5 and N + 0.5, whichever side is nearest', () => {
    expect(edgeDistancePx(1, 250, 706, 500)).toBe(0.5);
    expect(edgeDistancePx(353.5, 250.5, 706, 500)).toBe(250);
    expect(edgeDistancePx(700, 300, 706, 500)).toBe(6.5);
    expect(edgeDistancePx(400, 480.25, 706, 500)).toBe(20.25);
  });

  it('records it for every source and flags (keeps) the alive ones within the background mesh', () => {
    const image = { naxis1: 1000, naxis2: 1000 };
    const table = SourceTable.from([
      star({ id: 1, x: 500.5, y: 500.5 }),
      star({ id: 2, x: 30, y: 970 }),
      star({ id: 3, x: 255, y: 500 }),
      star({ id: 4, x: 256.5, y: 500 }),
      star({ id: 5, x: 3, y: 3, ledger: [{ stage: 'filters', reason: 'flags', dropped: true }] }),
    ]);
    applyFilters(table, DEFAULT_FILTERS, red, 'filters', flagNearEdge(table, image, 256));
    recordEdgeDistances(table, image);
    const all = [...table.rows()];
    const [inner, corner, edge, justIn, dropped] = all;
    expect(all.map((s) => s.edgeDistancePx)).toEqual([500, 29.5, 254.5, 256, 2.5]);
    expect(reasons(inner)).toEqual([]);
    expect(corner.ledger).toEqual([{ stage: 'filters', reason: 'near_edge', dropped: false, detail: '29.5 px from the image edge (< 256 px background mesh)' }]);
    expect(reasons(edge)).toEqual(['near_edge']);
    expect(reasons(justIn)).toEqual([]);
    // A dropped source keeps only what dropped it; its distance is still recorded.
    expect(reasons(dropped)).toEqual(['flags']);
  });
});

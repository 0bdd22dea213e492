/**
 * The fast order settles red sources as persistent from pass 1 (before their
 * SPREAD_MODEL). When the Gaia refit may still move positions between the
 * filters and red vs blue, it settles only counterparts well inside the
 * radius, and red vs blue refuses a run where a settled source survived.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { assertSettledDropped, refitMarginArcsec, type TiledExtractionRecord } from '../../../electron/pipeline/extraction-stages';
import { resolveParameters } from '../../../electron/pipeline/parameters';
import { SourceTable } from '../../../electron/pipeline/source-table';
import type { PlateState } from '../../../electron/pipeline/state';
import type { Source } from '../../../electron/pipeline/types';

const src = (id: number): Source => ({
  id, x: 10, y: 10, ra: 150, dec: 20, flux: 1, fluxErr: 0.01, mag: 15, magErr: 0.01, snr: 100, fwhm: 3, elongation: 1,
  flags: 0, spreadModel: null, spreadModelErr: null, xmin: 8, xmax: 12, ymin: 8, ymax: 12,
});

describe('settling red vs blue before SPREAD_MODEL', () => {
  it('keeps a margin inside the radius only when the Gaia refit can still move positions', () => {
    const p = (o: Partial<Parameters<typeof resolveParameters>[0]>) => resolveParameters({ red: 'r.fits', out: 'o', ...o });
    expect(refitMarginArcsec(p({ offline: true }))).toBe(0);
    expect(refitMarginArcsec(p({ offline: true, catalogue: { localFiles: { gaia: 'gaia.csv' } } }))).toBe(2);
    expect(refitMarginArcsec(p({ offline: false }))).toBe(2);
    expect(refitMarginArcsec(p({ offline: false, catalogue: { gaiaRefit: 'off' } }))).toBe(0);
    expect(refitMarginArcsec(p({ offline: false, redBlue: { radiusArcsec: 3 } }))).toBe(1.5);
  });

  it('refuses, naming what to do, when a settled red source was not dropped by red vs blue', () => {
    const table = SourceTable.from([src(1), src(2)]);
    const plate = { sources: table, extraction: { settledByBlue: [1] } as unknown as TiledExtractionRecord } as unknown as PlateState;
    expect(() => assertSettledDropped(plate, 2)).toThrow(UserError);
    expect(() => assertSettledDropped(plate, 2)).toThrow(/1 red source\(s\) settled as persistent/);
    table.append(0, { stage: 'red-vs-blue', reason: 'blue_match', dropped: true });
    expect(() => assertSettledDropped(plate, 2)).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { circleFootprint, scoreAgainstVasco } from '../../../electron/pipeline/score';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { candidate, offsetBy } from './synthetic';

const SUBSET = 'catalogs/vanish-possi-audit-subset.csv';

describe.skipIf(!haveSharedData(SUBSET))('scoring against the published VASCO catalogue (audit subset)', () => {
  it('recall, precision and F1 at 5" over the rows inside the footprint', () => {
    const file = sharedData(SUBSET);
    const rows = parseCsv(readFileSync(file, 'utf8')).rows.map((r) => ({ row: r[0], ra: Number(r[1]), dec: Number(r[2]) }));
    // A 3-degree circle around the first published source; which rows fall inside, by plain trigonometry.
    const centre = { ra: rows[0].ra, dec: rows[0].dec };
    const D = Math.PI / 180;
    const inside = rows.filter((r) => Math.acos(Math.min(1, Math.sin(centre.dec * D) * Math.sin(r.dec * D) + Math.cos(centre.dec * D) * Math.cos(r.dec * D) * Math.cos((r.ra - centre.ra) * D))) / D <= 3);
    const distinct = [...new Map(inside.map((r) => [`${r.ra}|${r.dec}`, r])).values()];
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    // Recover all but one of them (4" off), add one 5.5" off the last one (a miss) and two unrelated extras.
    const cands = distinct.slice(0, -1).map((r, i) => candidate(i + 1, ...offsetBy(r.ra, r.dec, 4, 10 * i)));
    const last = distinct[distinct.length - 1];
    cands.push(candidate(900, ...offsetBy(last.ra, last.dec, 5.5, 0)));
    cands.push(candidate(901, ...offsetBy(centre.ra, centre.dec, 600, 45)), candidate(902, ...offsetBy(centre.ra, centre.dec, 900, 200)));
    const s = scoreAgainstVasco(cands, file, circleFootprint(centre, 3));
    expect(s.vascoRows).toBe(inside.length);
    expect(s.vascoSources).toBe(distinct.length);
    expect(s.recovered).toBe(distinct.length - 1);
    expect(s.confirmed).toBe(distinct.length - 1);
    expect(s.recall).toBeCloseTo((distinct.length - 1) / distinct.length, 12);
    expect(s.precision).toBeCloseTo((distinct.length - 1) / (distinct.length + 2), 12);
    expect(s.f1).toBeCloseTo((2 * s.recall * s.precision) / (s.recall + s.precision), 12);
    expect(s.missed.map((m) => m.id)).toEqual([last.row]);
    expect(s.extra.map((e) => e.id).sort()).toEqual(['900', '901', '902']);
    expect(s.selection).toMatch(/footprint/);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../electron/core/errors';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { circleFootprint, readPublishedCatalogue, scoreAgainstVasco } from '../../../electron/pipeline/score';
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

describe('reading the published catalogue as SVO exports it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-published-read-'));
  const everywhere = { contains: () => true };

  it('a VOTable with RA/DEC fields (sexagesimal too) and a CSV with RA/Dec give the same sources, naming the columns used', () => {
    writeFileSync(join(dir, 'v.csv'), 'recno,Name,RA,Dec\r\n1,XE001,259.95,-6.15\r\n2,XE001,260.0,-6.2\r\n');
    writeFileSync(
      join(dir, 'v.vot'),
      `<?xml version="1.0"?><VOTABLE version="1.3"><RESOURCE><TABLE><FIELD name="recno" datatype="int"/><FIELD name="RA" datatype="char" arraysize="*"/><FIELD name="DEC" datatype="char" arraysize="*"/>
<DATA><TABLEDATA><TR><TD>1</TD><TD>17 19 48.0</TD><TD>-06 09 00</TD></TR><TR><TD>2</TD><TD>260.0</TD><TD>-6.2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`,
    );
    const csv = readPublishedCatalogue(join(dir, 'v.csv'), everywhere);
    const vot = readPublishedCatalogue(join(dir, 'v.vot'), everywhere);
    expect(csv.columns).toEqual({ ra: 'RA', dec: 'Dec', id: 'recno', plate: null });
    expect(vot.columns).toEqual({ ra: 'RA', dec: 'DEC', id: 'recno', plate: null });
    expect(vot.format).toBe('votable');
    expect(vot.sources.map((s) => s.id)).toEqual(['1', '2']);
    vot.sources.forEach((s, i) => {
      expect(s.ra).toBeCloseTo(csv.sources[i].ra, 9);
      expect(s.dec).toBeCloseTo(csv.sources[i].dec, 9);
    });
    // A plate column naming this plate selects by plate.
    expect(readPublishedCatalogue(join(dir, 'v.csv'), { plate: 'XE001', contains: () => false }).columns.plate).toBe('Name');
  });

  it('refuses a file without RA/Dec, a damaged VOTable and a missing file, naming the file and --vasco', () => {
    writeFileSync(join(dir, 'bad.csv'), 'a,b\r\n1,2\r\n');
    writeFileSync(join(dir, 'bad.vot'), '<?xml version="1.0"?><VOTABLE><RESOURCE><TABLE><FIELD name="RA"/>');
    expect(() => readPublishedCatalogue(join(dir, 'bad.csv'), everywhere)).toThrow(/--vasco .*bad\.csv: no RA column \(columns: a, b\)/);
    expect(() => readPublishedCatalogue(join(dir, 'bad.vot'), everywhere)).toThrow(UserError);
    expect(() => readPublishedCatalogue(join(dir, 'none.csv'), everywhere)).toThrow(/cannot read the published catalogue --vasco .*none\.csv/);
  });
});

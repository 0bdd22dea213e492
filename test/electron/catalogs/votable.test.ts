import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { findColumn, numericColumn } from '../../../electron/catalogs/table';
import {
  assertVotableOk,
  firstTable,
  parseSexagesimal,
  parseVotable,
  VotableParser,
  VotableParseError,
} from '../../../electron/catalogs/votable';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const FILES = [
  'responses/imcce-skybot_query.vot',
  'responses/gaia-1710099405832VAL-result.vot',
  'responses/vizier-viz.xml',
  'responses/vizier-kang2010.xml',
  'responses/vizier-no_server_error.xml',
];

describe('XML details', () => {
  it('decodes entities, character references and CDATA, strips namespace prefixes', () => {
    const doc = parseVotable(`<?xml version="1.0"?>
<!DOCTYPE VOTABLE>
<v:VOTABLE xmlns:v="x" version="1.4"><!-- a comment with <TD> inside -->
 <v:RESOURCE name="r&amp;d"><v:TABLE name="t">
  <v:FIELD name="a" datatype="char" arraysize="*"/><v:FIELD name="b" datatype="double" unit="deg"><v:VALUES null="-999"/></v:FIELD>
  <v:DATA><v:TABLEDATA>
   <v:TR><v:TD>x &lt; y &#x41;&#66; &quot;q&quot;</v:TD><v:TD>1.5</v:TD></v:TR>
   <v:TR><v:TD><![CDATA[<raw> & stuff]]></v:TD><v:TD>-999</v:TD></v:TR>
   <v:TR><v:TD/><v:TD></v:TD></v:TR>
  </v:TABLEDATA></v:DATA></v:TABLE></v:RESOURCE></v:VOTABLE>`);
    const t = firstTable(doc)!;
    expect(t.resource).toBe('r&d');
    expect(t.rows.map((r) => r[0])).toEqual(['x < y AB "q"', '<raw> & stuff', '']);
    expect(Array.from(numericColumn(t, 1))).toEqual([1.5, NaN, NaN]);
    expect(t.columns[1].unit).toBe('deg');
  });

  it('rejects documents that are cut short, mismatched or not VOTables', () => {
    expect(() => parseVotable('<VOTABLE><RESOURCE><TABLE>')).toThrow(/ended inside <TABLE>/);
    expect(() => parseVotable('<VOTABLE><RESOURCE></TABLE></VOTABLE>')).toThrow(VotableParseError);
    expect(() => parseVotable('<html><body>Service down</body></html>')).toThrow(/not a VOTable/);
    expect(() => parseVotable('')).toThrow(VotableParseError);
    expect(() => parseVotable('<VOTABLE><RESOURCE><TABLE><FIELD name="a"/><DATA><BINARY><STREAM>AAAA</STREAM></BINARY></DATA></TABLE></RESOURCE></VOTABLE>')).toThrow(/BINARY/);
  });

  it('reads sexagesimal RA/Dec', () => {
    expect(parseSexagesimal('05 25 12.7657', true)).toBeCloseTo((5 + 25 / 60 + 12.7657 / 3600) * 15, 10);
    expect(parseSexagesimal('-04 29 25.081', false)).toBeCloseTo(-(4 + 29 / 60 + 25.081 / 3600), 10);
    expect(parseSexagesimal('12:30', true)).toBeCloseTo(187.5, 10);
    expect(parseSexagesimal('abc', true)).toBeNaN();
  });
});

describe.skipIf(!haveSharedData(...FILES))('recorded service VOTables', () => {
  it('reads the SkyBoT answer and agrees with astropy on every numeric cell', () => {
    const path = sharedData('responses/imcce-skybot_query.vot');
    const t = firstTable(parseVotable(readFileSync(path)))!;
    expect(t.columns.map((c) => c.name)).toContain('dRAcosDec');
    expect(t.columns[t.columns.findIndex((c) => c.name === 'dRAcosDec')].unit).toBe('arcsec/h');
    expect(t.columns[findColumn(t, ['RA'])].ucd).toBe('pos.eq.ra;meta.main');
    const py = execFileSync('/usr/bin/python3', ['-c', `
import json, sys, warnings
warnings.simplefilter('ignore')
from astropy.io.votable import parse_single_table
t = parse_single_table(sys.argv[1]).to_table(use_names_over_ids=True)
print(json.dumps({c: [float(v) for v in t[c]] for c in ['Mv','ErrPos','d','dRAcosDec','dDEC','Dgeo','_RAJ2000','_DECJ2000']} | {'Name': [str(v) for v in t['Name']]}))
`, path]).toString();
    const ref = JSON.parse(py) as Record<string, (number | string)[]>;
    expect(t.rows.length).toBe(ref.Name.length);
    expect(t.rows.map((r) => r[findColumn(t, ['Name'])])).toEqual(ref.Name);
    for (const c of ['Mv', 'ErrPos', 'd', 'dRAcosDec', 'dDEC', 'Dgeo', '_RAJ2000', '_DECJ2000']) {
      const ours = Array.from(numericColumn(t, findColumn(t, [c])));
      // astropy reads datatype="float" as float32: compare to its precision.
      (ref[c] as number[]).forEach((v, i) => expect(Math.abs(ours[i] - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v) + 1e-12));
    }
    // The sexagesimal columns and the hidden degree columns describe the same positions.
    const ra = numericColumn(t, findColumn(t, ['_RAJ2000']));
    t.rows.forEach((r, i) => expect(Math.abs(parseSexagesimal(r[findColumn(t, ['RA'])], true) - ra[i]) * 3600).toBeLessThan(0.01));
  });

  it('reads every table of the 443 kB VizieR answer, also when fed in small pieces', () => {
    const text = readFileSync(sharedData('responses/vizier-viz.xml'), 'utf8');
    const whole = parseVotable(text);
    const trCount = (text.match(/<TR>/g) ?? []).length;
    expect(whole.tables.reduce((n, t) => n + t.rows.length, 0)).toBe(trCount);
    expect(whole.tables.length).toBe((text.match(/<TABLE[\s>]/g) ?? []).length);
    const p = new VotableParser();
    for (let i = 0; i < text.length; ) {
      const n = 1 + ((i * 7919) % 997);
      p.write(text.slice(i, i + n));
      i += n;
    }
    const pieces = p.end();
    expect(pieces.tables.map((t) => t.rows)).toEqual(whole.tables.map((t) => t.rows));
    expect(() => parseVotable(text.slice(0, Math.floor(text.length / 2)))).toThrow(VotableParseError);
  });

  it('reads the Gaia archive answer (CDATA in INFO, long ids)', () => {
    const doc = parseVotable(readFileSync(sharedData('responses/gaia-1710099405832VAL-result.vot')));
    expect(doc.queryStatus).toBe('OK');
    expect(doc.infos.find((i) => i.name === 'QUERY')?.content).toMatch(/SELECT TOP 20 \*\s+FROM gaiadr3.gaia_source/);
    const t = firstTable(doc)!;
    const ids = t.rows.map((r) => r[findColumn(t, ['source_id'])]);
    expect(ids.sort()).toEqual(['4583627001381815936', '5348723816842275584']);
  });

  it('turns QUERY_STATUS=ERROR into a clear error naming the service and URL', () => {
    const doc = parseVotable(readFileSync(sharedData('responses/vizier-no_server_error.xml')));
    expect(doc.queryStatus).toBe('ERROR');
    expect(doc.statusMessage).toMatch(/^The database is not currently reachable/);
    let err: unknown;
    try {
      assertVotableOk(doc, 'VizieR', 'http://example/viz');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/VizieR reported an error: The database is not currently reachable.*http:\/\/example\/viz/);
    expect((err as UserError).hint).toBeTruthy();
  });
});

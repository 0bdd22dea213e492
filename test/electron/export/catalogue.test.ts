/**
 * Exported catalogues read back by astropy (Debian's /usr/bin/python3, every
 * warning an error): row counts, float degrees, units, UCDs, provenance.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCatalogue } from '../../../electron/export/catalogue';
import type { Workspace } from '../../../electron/store/workspace';
import { APP_VERSION, tempDir } from '../store/fixtures';
import { haveAstropy, PYTHON } from '../../helpers/python';
import { reviewedRun } from './reviewed-run';

const READER = join(dirname(fileURLToPath(import.meta.url)), 'read_table.py');

interface Read {
  rows: number;
  columns: string[];
  dtypes: Record<string, string>;
  units: Record<string, string | null>;
  data: Record<string, (string | number | null)[]>;
  ucds?: Record<string, string | null>;
  meta?: Record<string, string>;
  descriptions?: Record<string, string | null>;
  infos?: Record<string, string>;
  version?: string;
}

function astropyRead(format: 'csv' | 'ecsv' | 'votable', file: string): Read {
  return JSON.parse(execFileSync(PYTHON, [READER, format, file], { encoding: 'utf8' })) as Read;
}

describe.skipIf(!haveAstropy())('catalogue export read back with astropy', () => {
  let ws: Workspace;
  let runId: number;
  let ids: number[];
  const dir = tempDir('vasco-export-');

  beforeAll(() => {
    ({ ws, runId, ids } = reviewedRun(dir));
  });
  afterAll(() => ws.close());

  it('CSV: vetted by default, header row first, RFC 4180 quoting, provenance in a file beside it', () => {
    const out = join(dir, 'vetted.csv');
    const r = exportCatalogue(ws, { scope: 'vetted', format: 'csv', out, appVersion: APP_VERSION });
    expect(r).toEqual({ rows: 3, file: out, provenanceFile: join(dir, 'vetted.provenance.json') });
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n').every((l, i, all) => i === all.length - 1 || !l.includes('\n'))).toBe(true);
    // No `#` preamble: TOPCAT/STILTS and pandas take the first line as the header.
    expect(text.startsWith('id,run_id,')).toBe(true);
    expect(existsSync(`${out}.partial-${process.pid}`)).toBe(false);
    expect(existsSync(`${r.provenanceFile}.partial-${process.pid}`)).toBe(false);

    const t = astropyRead('csv', out);
    expect(t.rows).toBe(3);
    expect(t.data.id).toEqual(ids.slice(0, 3));
    expect(t.dtypes.ra).toBe('f');
    expect(t.dtypes.dec).toBe('f');
    const expected = ws.listCandidates({ runId }).rows.slice(0, 3);
    t.data.ra.forEach((ra, i) => expect(ra).toBeCloseTo(expected[i].ra, 10));
    t.data.dec.forEach((dec, i) => expect(dec).toBeCloseTo(expected[i].dec, 10));
    expect(t.data.consensus).toEqual(['transient', 'transient', 'transient']);
    expect(t.data.n_reviews).toEqual([1, 2, 3]);
    // A reviewer name with a comma and quotes survives RFC 4180 quoting.
    expect(t.data.labels[2]).toBe('Smith, J. "cy"=blend;ann=transient;bob=transient');
    expect(text).toContain('"Smith, J. ""cy""=blend;ann=transient;bob=transient"');
    expect(t.data.stage_flags[0]).toBe('filters:fwhm;veto:ps1_skipped');
    // Comments and notes on flags, with author and time, oldest first, each on one line.
    const time = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    expect(t.data.comments[0]).toMatch(new RegExp(`^bob ${time}: checked the blue plate: nothing within 10" \\| ann ${time}: edge "sharp", <b>not</b> a star & looks like emulsion\\?$`));
    expect(t.data.comments[1]).toBe(null);
    expect(t.data.comments[2]).toMatch(new RegExp(`^ann ${time}: quote " comma , <tag> & newline end$`));
    expect(t.data.epoch).toEqual([1951.5087, 1951.5087, 1951.5087]);
    for (const col of ['id', 'ra', 'dec', 'plate', 'epoch', 'mag', 'stage_flags', 'consensus', 'n_reviews']) expect(t.columns).toContain(col);

    const side = JSON.parse(readFileSync(r.provenanceFile!, 'utf8')) as {
      table: string;
      provenance: Record<string, string>;
      columns: { name: string; unit: string | null; ucd: string; description: string }[];
    };
    expect(side.table).toBe(out);
    expect(side.provenance.exported_by).toBe(`vasco-workstation ${APP_VERSION}`);
    expect(side.provenance.selection).toBe('vetted: candidates whose consensus label is transient');
    expect(side.provenance.tools).toBe('source-extractor 2.25.0; psfex 3.24.1');
    expect(JSON.parse(side.provenance.parameters)).toEqual({ snrMin: 30, fwhmMin: 2, fwhmMax: 7, spreadModelMin: -0.01 });
    expect(side.provenance.reviewers).toBe('Smith, J. "cy", ann, bob');
    expect(side.provenance.red_plate).toMatch(/^XE687 .*epoch 1951\.5087.*header sha256 sha-red-XE687/);
    expect(side.provenance.exported_utc).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(side.columns.map((c) => c.name)).toEqual(t.columns);
    expect(side.columns.find((c) => c.name === 'ra')).toMatchObject({ unit: 'deg', ucd: 'pos.eq.ra;meta.main' });
  });

  it('ECSV: astropy reads units, descriptions, UCDs and the provenance in meta', () => {
    const out = join(dir, 'vetted.ecsv');
    expect(exportCatalogue(ws, { scope: 'vetted', format: 'ecsv', out, appVersion: APP_VERSION })).toEqual({ rows: 3, file: out });
    expect(readFileSync(out, 'utf8').startsWith('# %ECSV 1.0\r\n# ---\r\n')).toBe(true);
    const t = astropyRead('ecsv', out);
    expect(t.rows).toBe(3);
    expect(t.data.id).toEqual(ids.slice(0, 3));
    expect(t.dtypes).toMatchObject({ id: 'i', ra: 'f', dec: 'f', flags: 'i', plate: 'U' });
    expect(t.units).toMatchObject({ ra: 'deg', dec: 'deg', epoch: 'yr', x: 'pix', nearest_blue_arcsec: 'arcsec', mag: 'mag', id: null });
    expect(t.descriptions!.ra).toBe('Right ascension (ICRS) from the plate solution');
    expect(t.ucds!.dec).toBe('pos.eq.dec;meta.main');
    const expected = ws.listCandidates({ runId }).rows.slice(0, 3);
    t.data.ra.forEach((ra, i) => expect(ra).toBe(expected[i].ra));
    t.data.dec.forEach((dec, i) => expect(dec).toBe(expected[i].dec));
    expect(t.data.labels[2]).toBe('Smith, J. "cy"=blend;ann=transient;bob=transient');
    expect(t.data.comments[0]).toMatch(/^bob .*: checked the blue plate: nothing within 10" \| ann .*: edge "sharp", <b>not<\/b> a star & looks like emulsion\?$/);
    expect(t.data.comments[2]).toMatch(/^ann .*: quote " comma , <tag> & newline end$/);
    expect(t.meta!.reviewers).toBe('Smith, J. "cy", ann, bob');
    expect(t.meta!.exported_by).toBe(`vasco-workstation ${APP_VERSION}`);
    expect(t.meta!.selection).toBe('vetted: candidates whose consensus label is transient');
    expect(Object.keys(t.meta!).slice(0, 3)).toEqual(['catalogue', 'exported_utc', 'exported_by']);
  });

  it('CSV: --all gives every candidate, --label selects by consensus', () => {
    const all = astropyRead('csv', exportCatalogue(ws, { scope: 'all', format: 'csv', out: join(dir, 'all.csv'), appVersion: APP_VERSION }).file);
    expect(all.rows).toBe(10);
    expect(all.data.consensus).toEqual(['transient', 'transient', 'transient', 'blend', 'blend', 'unsure', 'emulsion_defect', null, null, null]);
    const blends = exportCatalogue(ws, { scope: 'vetted', labels: ['blend'], format: 'csv', out: join(dir, 'blend.csv'), appVersion: APP_VERSION });
    expect(blends.rows).toBe(2);
    expect(astropyRead('csv', blends.file).data.id).toEqual([ids[3], ids[4]]);
    const two = exportCatalogue(ws, { scope: 'all', labels: ['blend', 'unsure'], format: 'csv', out: join(dir, 'two.csv'), appVersion: APP_VERSION });
    expect(two.rows).toBe(3);
    expect(() => exportCatalogue(ws, { scope: 'all', labels: ['ufo' as never], format: 'csv', out: join(dir, 'x.csv'), appVersion: APP_VERSION })).toThrow(/unknown label "ufo"/);
  });

  it('VOTable 1.4: parses with verify=exception, units and UCDs on every column', () => {
    const out = join(dir, 'vetted.vot');
    expect(exportCatalogue(ws, { runId, scope: 'vetted', format: 'votable', out, appVersion: APP_VERSION }).rows).toBe(3);
    const t = astropyRead('votable', out);
    expect(t.version).toBe('1.4');
    expect(t.rows).toBe(3);
    expect(t.dtypes.ra).toBe('f');
    expect(t.units.ra).toBe('deg');
    expect(t.units.dec).toBe('deg');
    expect(t.units.epoch).toBe('yr');
    expect(t.units.nearest_blue_arcsec).toBe('arcsec');
    expect(t.ucds!.ra).toBe('pos.eq.ra;meta.main');
    expect(t.ucds!.dec).toBe('pos.eq.dec;meta.main');
    expect(t.ucds!.id).toBe('meta.id;meta.main');
    expect(Object.values(t.ucds!).every((u) => typeof u === 'string' && u.length > 0)).toBe(true);
    const expected = ws.listCandidates({ runId }).rows.slice(0, 3);
    t.data.ra.forEach((ra, i) => expect(ra).toBeCloseTo(expected[i].ra, 10));
    expect(t.data.plate).toEqual(['XE687', 'XE687', 'XE687']);
    expect(t.infos!.reviewers).toBe('Smith, J. "cy", ann, bob');
    expect(t.data.labels[2]).toBe('Smith, J. "cy"=blend;ann=transient;bob=transient');
    expect(t.data.comments[0]).toMatch(/^bob .*: checked the blue plate: nothing within 10" \| ann .*: edge "sharp", <b>not<\/b> a star & looks like emulsion\?$/);
    expect(t.ucds!.comments).toBe('meta.note');
    expect(t.infos!.selection).toMatch(/vetted/);
    expect(t.infos!.exported_by).toBe(`vasco-workstation ${APP_VERSION}`);
  });

  it('VOTable: the whole run with empty cells, and an empty selection', () => {
    const all = astropyRead('votable', exportCatalogue(ws, { scope: 'all', format: 'votable', out: join(dir, 'all.vot'), appVersion: APP_VERSION }).file);
    expect(all.rows).toBe(10);
    // Unreviewed: an empty string cell; no blue counterpart: a null (NaN) double.
    expect(all.data.consensus).toEqual(['transient', 'transient', 'transient', 'blend', 'blend', 'unsure', 'emulsion_defect', '', '', '']);
    expect(all.data.nearest_blue_arcsec).toEqual(Array(10).fill(null));
    expect(all.data.comments[9]).toMatch(/^Smith, J\. "cy" .*: unreviewed but worth a look$/);
    const none = exportCatalogue(ws, { scope: 'all', labels: ['asteroid'], format: 'votable', out: join(dir, 'none.vot'), appVersion: APP_VERSION });
    expect(none.rows).toBe(0);
    expect(astropyRead('votable', none.file).rows).toBe(0);
    const noneCsv = exportCatalogue(ws, { scope: 'all', labels: ['asteroid'], format: 'csv', out: join(dir, 'none.csv'), appVersion: APP_VERSION });
    expect(astropyRead('csv', noneCsv.file).rows).toBe(0);
    const noneEcsv = exportCatalogue(ws, { scope: 'all', labels: ['asteroid'], format: 'ecsv', out: join(dir, 'none.ecsv'), appVersion: APP_VERSION });
    expect(astropyRead('ecsv', noneEcsv.file)).toMatchObject({ rows: 0, units: { ra: 'deg' } });
  });

  it('says what to do when the target cannot be written', () => {
    expect(() => exportCatalogue(ws, { scope: 'all', format: 'csv', out: join(dir, 'missing', 'x.csv'), appVersion: APP_VERSION })).toThrow(/cannot write .*missing/);
  });
});

/**
 * Planning a survey: the field list shipped with the app against VizieR VI/25
 * and the DSS plate centres, selections by number and by region (astropy's
 * separations as the reference), and `vasco survey plan` as a real process:
 * the same plan again is a no-op, another plan into the same folder is refused,
 * awkward pairs files work and bad ones are refused plainly.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldsInRegion, parseFieldNumbers, parseVizierFieldList, shippedFieldList } from '../../../electron/survey/fields';
import { runPython, haveAstropy } from '../../helpers/python';
import { haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';

const VI25 = 'catalogs/poss1-fields-vizier-VI25.csv';
const DSS_CENTRES = 'catalogs/dss1red-plate-centres.csv';
const tmp = mkdtempSync(join(tmpdir(), 'vasco survey plan '));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function survey(args: string[], cwd = tmp) {
  return spawnSync(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'survey', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

describe('the POSS-I field list', () => {
  it.runIf(haveSharedData(VI25))('shipped list is the parse of VizieR VI/25 (to 5 decimals)', () => {
    const parsed = parseVizierFieldList(readFileSync(sharedData(VI25), 'utf8'), VI25);
    const shipped = shippedFieldList();
    expect(shipped.length).toBe(parsed.length);
    expect(shipped.length).toBe(1036); // 936 fields to -30° and the 100 of the southern extension
    for (let i = 0; i < parsed.length; i++) {
      expect(shipped[i].field).toBe(parsed[i].field);
      expect(Math.abs(shipped[i].ra - parsed[i].ra)).toBeLessThan(1e-5);
      expect(Math.abs(shipped[i].dec - parsed[i].dec)).toBeLessThan(1e-5);
    }
  });

  it.runIf(haveSharedData(DSS_CENTRES) && haveAstropy())('field numbers are the DSS plate numbers: field nnn is the nearest field to XEnnn\'s centre, within 0.5° (astropy)', () => {
    const dss = readFileSync(sharedData(DSS_CENTRES), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const nearest = runPython<{ field: number; sep: number }[]>(
      `from astropy.coordinates import SkyCoord
d = json.load(sys.stdin); f = d['fields']
c = SkyCoord([x['ra'] for x in f], [x['dec'] for x in f], unit='deg')
p = SkyCoord([float(x[1]) for x in d['dss']], [float(x[2]) for x in d['dss']], unit='deg')
i, s, _ = p.match_to_catalog_sky(c)
print(json.dumps([{'field': f[k]['field'], 'sep': v} for k, v in zip(i.tolist(), s.deg.tolist())]))`,
      { fields: shippedFieldList(), dss },
    );
    expect(nearest).toHaveLength(642);
    expect(nearest.map((n) => n.field)).toEqual(dss.map(([id]) => Number(id.slice(2))));
    expect(Math.max(...nearest.map((n) => n.sep))).toBeLessThan(0.5);
  });

  it.runIf(haveAstropy())('--region picks exactly the fields astropy finds within the radius', () => {
    const fields = shippedFieldList();
    for (const region of [{ ra: 259.95, dec: -6.15, radiusDeg: 9 }, { ra: 10, dec: 88, radiusDeg: 12 }, { ra: 359.5, dec: 0, radiusDeg: 7 }]) {
      const inside = runPython<number[]>(
        `from astropy.coordinates import SkyCoord
d = json.load(sys.stdin); f = d['fields']; r = d['region']
c = SkyCoord([x['ra'] for x in f], [x['dec'] for x in f], unit='deg')
s = c.separation(SkyCoord(r['ra'], r['dec'], unit='deg')).deg
print(json.dumps([x['field'] for x, v in zip(f, s) if v <= r['radiusDeg']]))`,
        { fields, region },
      );
      expect(inside.length).toBeGreaterThan(0);
      expect(fieldsInRegion(fields, region).map((f) => f.field)).toEqual(inside);
    }
  });

  it('field numbers and ranges, each once and sorted; nonsense refused', () => {
    expect(parseFieldNumbers('583, 582,600-603,XE601')).toEqual([582, 583, 600, 601, 602, 603]);
    expect(() => parseFieldNumbers('582,abc')).toThrow(/"abc" is not a field number/);
    expect(() => parseFieldNumbers('610-600')).toThrow(/not a field number or range/);
  });
});

describe('vasco survey plan', () => {
  const pairs = join(tmp, 'plates with space');
  mkdirSync(pairs, { recursive: true });
  for (const f of ['a red.fits', 'a blue.fits', 'b,red.fits']) writeFileSync(join(pairs, f), 'not read at planning');
  writeFileSync(join(pairs, 'pairs.csv'), 'red,blue\n"a red.fits",a blue.fits\n"b,red.fits",\n');

  it('writes plan.json with absolute inputs (relative to the CSV), blue optional, the run options verbatim', () => {
    const r = survey(['plan', '--out', 'S1', '--pairs', join('plates with space', 'pairs.csv'), '--offline', '--snr-min', '7', '--catalog', 'gaia=g.csv']);
    expect(r.stderr).toContain('planned 2 plate(s)');
    expect(r.status).toBe(0);
    const plan = JSON.parse(readFileSync(join(tmp, 'S1', 'plan.json'), 'utf8'));
    expect(plan.plates.map((p: { id: string }) => p.id)).toEqual(['a_red', 'b_red']);
    expect(plan.plates[0].input).toEqual({ red: join(pairs, 'a red.fits'), blue: join(pairs, 'a blue.fits') });
    expect(plan.plates[1].input).toEqual({ red: join(pairs, 'b,red.fits'), blue: null });
    expect(plan.runArgs).toEqual(['--offline', '--snr-min', '7', '--catalog', 'gaia=g.csv']);
    expect(plan.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the same plan again is a no-op; other options or plates into the same folder are refused', () => {
    const before = readFileSync(join(tmp, 'S1', 'plan.json'), 'utf8');
    const same = survey(['plan', '--out', 'S1', '--pairs', join('plates with space', 'pairs.csv'), '--offline', '--snr-min', '7', '--catalog', 'gaia=g.csv']);
    expect(same.status).toBe(0);
    expect(same.stderr).toContain('nothing to do');
    const other = survey(['plan', '--out', 'S1', '--pairs', join('plates with space', 'pairs.csv'), '--offline', '--snr-min', '8', '--catalog', 'gaia=g.csv']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/already holds another survey plan \(different run options/);
    expect(other.stderr).not.toMatch(/\n\s+at /);
    const plates = survey(['plan', '--out', 'S1', '--plates', '582,583', '--offline', '--snr-min', '7', '--catalog', 'gaia=g.csv']);
    expect(plates.status).toBe(2);
    expect(plates.stderr).toMatch(/different plates/);
    expect(readFileSync(join(tmp, 'S1', 'plan.json'), 'utf8')).toBe(before);
  });

  it('--plates, --region and --all plan field numbers; --all is every field of the list', () => {
    expect(survey(['plan', '--out', 'P', '--plates', '582,600-602']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'P', 'plan.json'), 'utf8')).plates.map((p: { input: unknown }) => p.input)).toEqual([
      { field: 582 }, { field: 600 }, { field: 601 }, { field: 602 },
    ]);
    expect(survey(['plan', '--out', 'R', '--region', '259.95,-6.15,9']).status).toBe(0);
    const region = JSON.parse(readFileSync(join(tmp, 'R', 'plan.json'), 'utf8')).plates.map((p: { id: string }) => p.id);
    expect(region).toEqual(fieldsInRegion(shippedFieldList(), { ra: 259.95, dec: -6.15, radiusDeg: 9 }).map((f) => String(f.field)));
    expect(survey(['plan', '--out', 'A', '--all']).status).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'A', 'plan.json'), 'utf8')).plates).toHaveLength(1036);
  });

  it('refuses a missing plate, two selections, per-plate run options and a bad region, naming what to do', () => {
    writeFileSync(join(pairs, 'missing.csv'), 'red,blue\na red.fits,nowhere.fits\n');
    const cases: [string[], RegExp][] = [
      [['plan', '--out', 'X', '--pairs', join(pairs, 'missing.csv')], /line 2: .*nowhere\.fits is not a file/],
      [['plan', '--out', 'X', '--plates', '1', '--all'], /exactly one selection, got --plates and --all/],
      [['plan', '--out', 'X', '--plates', '1', '--red', 'r.fits'], /--red is set by the survey for each plate/],
      [['plan', '--out', 'X', '--region', '400,0,5'], /--region: "400,0,5" is not RA,DEC,RADIUS/],
      [['plan', '--out', 'X', '--all', '--field-list', join(tmp, 'none.csv')], /cannot read the field list/],
    ];
    for (const [args, message] of cases) {
      const r = survey(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('what to do:');
    }
  });
});

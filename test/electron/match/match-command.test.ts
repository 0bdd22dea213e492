/**
 * `vasco match` as a process on awkward CSV files (CRLF, a BOM, comment lines,
 * quoted names with commas, 17-digit and exponent coordinates, columns in
 * another order) against astropy's search_around_sky on the same files read by
 * Python's csv module.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { astropy, haveAstropy } from '../../helpers/python';
import { projectRoot } from '../../helpers/shared-data';
import { seeded as rng } from '../store/fixtures';

describe.skipIf(!haveAstropy())('vasco match against astropy on awkward CSV files', () => {
  it('finds the same pairs with the same separations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vasco match-')); // a space in the path
    const r = rng(3);
    // A 0.1 deg field straddling RA 0/360; the right side has neighbours at 0-6" of most left rows.
    const left: [number, number][] = Array.from({ length: 1500 }, () => [(359.95 + 0.1 * r()) % 360, 30 + 0.1 * r()]);
    const right: [number, number][] = [];
    for (const [ra, dec] of left)
      for (let k = 0; k < 2; k++) right.push([(ra + ((r() - 0.5) * 12) / 3600 / Math.cos((dec * Math.PI) / 180) + 360) % 360, dec + ((r() - 0.5) * 12) / 3600]);
    // Left: CRLF, a BOM, comments, coordinates as 17 digits, exponents or toFixed(9).
    const fmt = (x: number, i: number) => (i % 3 === 0 ? x.toPrecision(17) : i % 3 === 1 ? x.toExponential(12) : x.toFixed(9));
    writeFileSync(
      join(dir, 'left.csv'),
      '\ufeff# left table\r\n# made for the test\r\nid,ra,dec\r\n' + left.map(([ra, dec], i) => `L${i},${fmt(ra, i)},${fmt(dec, i + 1)}`).join('\r\n') + '\r\n',
    );
    // Right: quoted names with commas (the general CSV reader), dec before ra, no final newline.
    writeFileSync(join(dir, 'right.csv'), 'name,DEJ2000,RAJ2000\n' + right.map(([ra, dec], i) => `"star ${i}, north",${dec},${ra}`).join('\n'));

    const out = join(dir, 'pairs out.csv');
    const run = spawnSync(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'match', join(dir, 'left.csv'), join(dir, 'right.csv'), '--radius-arcsec', '4', '--out', out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const t = parseCsv(readFileSync(out, 'utf8'));
    expect(t.header).toEqual(['id', 'ra', 'dec', 'name', 'DEJ2000', 'RAJ2000', 'separation_arcsec']);
    const mine = new Map(t.rows.map((row) => [`${row[0].slice(1)}-${/star (\d+),/.exec(row[3])![1]}`, Number(row[6])]));

    const ref = astropy<[number, number, number][]>(
      `
import csv, io
import astropy.units as u
from astropy.coordinates import SkyCoord, search_around_sky
def read(path, ra, dec):
    with open(path, encoding='utf-8-sig', newline='') as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith('#')))
    return SkyCoord([float(r[ra]) for r in rows], [float(r[dec]) for r in rows], unit='deg')
l = read(INPUT['left'], 'ra', 'dec'); r = read(INPUT['right'], 'RAJ2000', 'DEJ2000')
i, j, sep, _ = search_around_sky(l, r, 4 * u.arcsec)
print(json.dumps([[int(a), int(b), float(s.arcsec)] for a, b, s in zip(i, j, sep)]))
`,
      { left: join(dir, 'left.csv'), right: join(dir, 'right.csv') },
    );
    expect(ref.length).toBeGreaterThan(1000);
    expect(mine.size).toBe(ref.length);
    for (const [i, j, s] of ref) {
      const got = mine.get(`${i}-${j}`);
      expect(got, `pair ${i}-${j}`).toBeDefined();
      expect(Math.abs(got! - s)).toBeLessThan(1e-6);
    }
  });
});

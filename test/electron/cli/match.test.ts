import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { projectRoot } from '../../helpers/shared-data';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');

describe('vasco match', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-match-'));
  // Offsets of exactly 3" and 7" in declination from the left positions, one across RA 0/360.
  writeFileSync(join(dir, 'left.csv'), 'id,ra,dec\n1,0.0001,10\n2,180,-20\n');
  writeFileSync(
    join(dir, 'right.csv'),
    `name,RA_ICRS,DE_ICRS\na,359.9999,10\nb,0.0001,${10 + 3 / 3600}\nc,180,${-20 + 7 / 3600}\n`,
  );

  it('writes every pair within the radius with both rows and the separation', () => {
    const out = join(dir, 'pairs.csv');
    const r = spawnSync(process.execPath, [vasco, 'match', join(dir, 'left.csv'), join(dir, 'right.csv'), '--radius-arcsec', '5', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const t = parseCsv(readFileSync(out, 'utf8'));
    expect(t.header).toEqual(['id', 'ra', 'dec', 'name', 'RA_ICRS', 'DE_ICRS', 'separation_arcsec']);
    expect(t.rows.map((row) => `${row[0]}-${row[3]}`).sort()).toEqual(['1-a', '1-b']);
    const sepA = Number(t.rows.find((row) => row[3] === 'a')![6]);
    // 0.0002 deg of RA at dec 10: 0.72" * cos(10 deg)
    expect(sepA).toBeCloseTo(0.72 * Math.cos((10 * Math.PI) / 180), 6);
  });

  it('keeps only the nearest with --best', () => {
    const out = join(dir, 'best.csv');
    const r = spawnSync(process.execPath, [vasco, 'match', join(dir, 'left.csv'), join(dir, 'right.csv'), '--radius-arcsec', '8', '--out', out, '--best'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const t = parseCsv(readFileSync(out, 'utf8'));
    expect(t.rows.map((row) => `${row[0]}-${row[3]}`)).toEqual(['1-a', '2-c']);
  });

  it('names the file when a table has no positions', () => {
    writeFileSync(join(dir, 'bad.csv'), 'x,y\n1,2\n');
    const r = spawnSync(process.execPath, [vasco, 'match', join(dir, 'bad.csv'), join(dir, 'right.csv'), '--radius-arcsec', '5', '--out', join(dir, 'o.csv')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv: no ra\/dec columns/);
  });
});

/**
 * `vasco catalog-dir build` and `vasco run --catalog-dir` as processes, on a
 * synthetic plate pair: the veto reads the mirror's tiles (no network, offline)
 * and drops exactly the candidates with a counterpart within 5"; a folder
 * without the run's catalogues and a bad build are refused with what to do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { projectRoot } from '../../helpers/shared-data';
import { haveSyntheticRunTools } from '../pipeline/synthetic-plates';
import { offsetBy } from '../pipeline/synthetic';

const vascoBin = join(projectRoot, 'bin', 'vasco.mjs');
const ready = haveSyntheticRunTools();

const vasco = (args: string[]) => spawnSync(process.execPath, [vascoBin, ...args], { encoding: 'utf8', timeout: 600_000 });

function candidates(dir: string) {
  const t = parseCsv(readFileSync(join(dir, 'candidates.csv'), 'utf8'));
  const col = (n: string) => t.header.indexOf(n);
  return t.rows.map((row) => ({ id: Number(row[col('id')]), ra: Number(row[col('ra')]), dec: Number(row[col('dec')]) }));
}

describe.skipIf(!ready)('vasco run --catalog-dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco catalog-dir run '));
  let red: string;
  let blue: string;
  let before: { id: number; ra: number; dec: number }[];

  beforeAll(async () => {
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 12, transients: 30, transientSnr: [40, 200] });
    red = pair.red;
    blue = pair.blue;
    const r = vasco(['run', '--red', red, '--blue', blue, '--out', join(dir, 'run'), '--offline']);
    expect(r.status, r.stderr).toBe(0);
    before = candidates(join(dir, 'run'));
  }, 600_000);

  it('builds the mirror as a process, and the veto drops exactly the candidates with a Gaia row within 5" in it', () => {
    expect(before.length).toBeGreaterThan(12);
    const inside = before.filter((_, i) => i % 3 === 0);
    const outside = before.filter((_, i) => i % 3 === 1);
    const rows = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
    inside.forEach((c, k) => rows.push(`${9000 + c.id},${offsetBy(c.ra, c.dec, 4.9, 37 * k).join(',')},0,0,2016.0,17.5`));
    outside.forEach((c, k) => rows.push(`${9000 + c.id},${offsetBy(c.ra, c.dec, 5.1, 53 * k).join(',')},0,0,2016.0,18.5`));
    rows.push('1,10.5,-40.2,0,0,2016.0,12', '2,250,60,0,0,2016.0,13'); // elsewhere on the sky: other tiles
    writeFileSync(join(dir, 'gaia extract.csv'), rows.join('\n') + '\n');

    const mirror = join(dir, 'mirror');
    const b = vasco(['catalog-dir', 'build', mirror, '--catalog', `gaia=${join(dir, 'gaia extract.csv')}`]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(new RegExp(`gaia: ${rows.length - 1} rows in \\d+ tiles under .*mirror/gaia`));

    const out = join(dir, 'run');
    const r = vasco(['run', '--red', red, '--blue', blue, '--out', out, '--offline', '--catalog-dir', mirror]);
    expect(r.status, r.stderr).toBe(0);
    const after = new Set(candidates(out).map((c) => c.id));
    const vetoed = before.filter((c) => !after.has(c.id)).map((c) => c.id);
    expect(vetoed.sort((a, b) => a - b)).toEqual(inside.map((c) => c.id).sort((a, b) => a - b));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.stages.find((s: { name: string }) => s.name === 'veto').dropped).toEqual({ gaia: inside.length });
    // The catalogues the mirror does not hold are said to be skipped offline, as without it.
    expect(summary.notes.join(' ')).toMatch(/Pan-STARRS DR2 skipped: no --catalog ps1=FILE/);
  }, 600_000);

  it('refuses a mirror folder without the run\'s catalogues, and a build without files, saying what to do', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = vasco(['run', '--red', red, '--blue', blue, '--out', join(dir, 'run2'), '--offline', '--catalog-dir', empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--catalog-dir .* holds none of the catalogues of this run \(gaia, ps1\b[^)]*\)/);
    expect(r.stderr).toMatch(/vasco catalog-dir build/);
    const b = vasco(['catalog-dir', 'build', join(dir, 'm2')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/needs at least one --catalog ID=FILE/);
    const c = vasco(['catalog-dir', 'build', join(dir, 'm3'), '--catalog', `gaia=${join(dir, 'missing.csv')}`]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/missing\.csv: no such file/);
    expect(existsSync(join(dir, 'm3', 'gaia'))).toBe(false);
  }, 300_000);
});

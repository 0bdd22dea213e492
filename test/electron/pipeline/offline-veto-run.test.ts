/**
 * A whole offline `vasco run` with local catalogue files on a synthetic plate
 * pair: the veto drops exactly the candidates with a counterpart within 5",
 * the run is recorded in DIR/vasco.sqlite, and the summary says which stages
 * were skipped and why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { offsetBy as offset } from './synthetic';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const synthModule = join(projectRoot, 'electron', 'synth', 'generate-pair.ts');
const ready =
  (existsSync(synthModule) || (console.warn('SKIP: electron/synth/generate-pair.ts is not in this checkout'), false)) &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex');

function vascoRun(args: string[]) {
  const r = spawnSync(process.execPath, [vasco, 'run', ...args], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`vasco run failed (${r.status}):\n${r.stderr}`);
  return r;
}

function candidates(dir: string) {
  const t = parseCsv(readFileSync(join(dir, 'candidates.csv'), 'utf8'));
  const col = (n: string) => t.header.indexOf(n);
  return t.rows.map((row) => ({ id: Number(row[col('id')]), ra: Number(row[col('ra')]), dec: Number(row[col('dec')]) }));
}

describe.skipIf(!ready)('offline run with local catalogue files', () => {
  let dir: string;
  let red: string;
  let blue: string;
  let before: { id: number; ra: number; dec: number }[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-offline-veto-'));
    const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 11, transients: 30, transientSnr: [40, 200] });
    red = pair.red;
    blue = pair.blue;
    vascoRun(['--red', red, '--blue', blue, '--out', join(dir, 'run'), '--offline']);
    before = candidates(join(dir, 'run'));
  });

  it('without catalogue files the veto is skipped and said to be', () => {
    expect(before.length).toBeGreaterThan(12);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    const veto = summary.stages.find((s: { name: string }) => s.name === 'veto');
    expect(veto.skipped).toMatch(/offline: no catalogue files/);
    expect(summary.stages.find((s: { name: string }) => s.name === 'asteroids').skipped).toMatch(/offline/);
    const sources = parseCsv(readFileSync(join(dir, 'run', 'sources.csv'), 'utf8'));
    const ledger = sources.header.indexOf('ledger');
    const status = sources.header.indexOf('status');
    // Every candidate carries the note that it was not checked.
    for (const row of sources.rows.filter((r) => r[status] === 'candidate')) expect(row[ledger]).toMatch(/veto_skipped/);
  });

  it('vetoes exactly the candidates with a counterpart within 5", records the counterpart, and stores the run', () => {
    // Gaia counterparts at 4.9" (inside) and 5.1" (outside), PS1 at 3" (inside), for disjoint candidates.
    const gaiaIn = before.filter((_, i) => i % 4 === 0);
    const gaiaOut = before.filter((_, i) => i % 4 === 1);
    const ps1In = before.filter((_, i) => i % 4 === 2);
    const gaiaRows = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
    gaiaIn.forEach((c, k) => gaiaRows.push(`${9000 + c.id},${offset(c.ra, c.dec, 4.9, 37 * k).join(',')},0,0,2016.0,17.5`));
    gaiaOut.forEach((c, k) => gaiaRows.push(`${9000 + c.id},${offset(c.ra, c.dec, 5.1, 53 * k).join(',')},0,0,2016.0,18.5`));
    writeFileSync(join(dir, 'gaia.csv'), gaiaRows.join('\n') + '\n');
    const ps1Rows = ['objID,RAJ2000,DEJ2000,rmag', ...ps1In.map((c, k) => `${7000 + c.id},${offset(c.ra, c.dec, 3, 91 * k).join(',')},20.0`)];
    writeFileSync(join(dir, 'ps1.csv'), ps1Rows.join('\n') + '\n');

    const out = join(dir, 'run');
    const r = vascoRun(['--red', red, '--blue', blue, '--out', out, '--offline', '--catalog', `gaia=${join(dir, 'gaia.csv')}`, '--catalog', `ps1=${join(dir, 'ps1.csv')}`]);
    expect(r.stderr).toMatch(/stored as run 2 in .*vasco\.sqlite/);

    const after = new Set(candidates(out).map((c) => c.id));
    const vetoed = before.filter((c) => !after.has(c.id)).map((c) => c.id).sort((a, b) => a - b);
    expect(vetoed).toEqual([...gaiaIn, ...ps1In].map((c) => c.id).sort((a, b) => a - b));
    for (const c of gaiaOut) expect(after.has(c.id)).toBe(true);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const veto = summary.stages.find((s: { name: string }) => s.name === 'veto');
    expect(veto.dropped).toEqual({ gaia: gaiaIn.length, ps1: ps1In.length });
    expect(summary.notes.join(' ')).toMatch(/skipped: no --catalog supercosmos=FILE/);

    // The ledger in the store names the catalogue, the distance and the counterpart.
    const db = new Database(join(out, 'vasco.sqlite'), { readonly: true });
    try {
      const runs = db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number };
      expect(runs.n).toBe(2);
      const sourcesCsv = parseCsv(readFileSync(join(out, 'sources.csv'), 'utf8'));
      const col = (n: string) => sourcesCsv.header.indexOf(n);
      const first = gaiaIn[0];
      const row = sourcesCsv.rows.find((x) => Number(x[col('id')]) === first.id)!;
      expect(row[col('dropped_by')]).toMatch(/veto\/gaia/);
      expect(row[col('ledger')]).toMatch(new RegExp(`counterpart ${9000 + first.id} at 4\\.90"`));
    } finally {
      db.close();
    }
  });
});

/**
 * A run answers for its own inputs: `vasco run` as a real process on two
 * synthetic 600x600 plates of the same size (different skies), tiled.
 *
 *   1. A run of plate A is killed (SIGKILL) right after extract-red, leaving
 *      its tile images and catalogues in DIR/work; plate B is then run into
 *      the same DIR. Old code reused A's tile images (same file names) and
 *      reported A's sources for B, exit 0. Now B's answer is byte for byte
 *      the answer of B run in a fresh folder, and its sources are B's own
 *      (checked against the generator's truth table, independent of the
 *      pipeline).
 *   2. The same command again is the same run: "nothing to do", one row in
 *      `runs`, no duplicate candidates in vasco.sqlite (old code added a
 *      second run with every candidate again).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import { pythonCsv } from './astropy-reference';
import { haveSyntheticRunTools, syntheticPair, TILED_OPTIONS, vascoRun, vascoRunKilledWhen } from './synthetic-plates';

/** Fraction of `file`'s rows lying within 2" of a row of the truth table (plain spherical trig, no code under test). */
function fractionOnTruth(file: string, truth: string): number {
  const rows = pythonCsv(file);
  const t = pythonCsv(truth);
  const r = Math.PI / 180;
  const sky = (tab: typeof rows, row: string[]) => [Number(row[tab.header.indexOf('ra')]), Number(row[tab.header.indexOf('dec')])];
  const stars = t.rows.map((row) => sky(t, row));
  let on = 0;
  for (const row of rows.rows) {
    const [ra, dec] = sky(rows, row);
    if (stars.some(([ra2, dec2]) => Math.acos(Math.min(1, Math.sin(dec * r) * Math.sin(dec2 * r) + Math.cos(dec * r) * Math.cos(dec2 * r) * Math.cos((ra - ra2) * r))) / r * 3600 < 2)) on++;
  }
  return on / rows.rows.length;
}

describe.skipIf(!haveSyntheticRunTools())('vasco run answers for its own inputs (600x600 synthetic plates, 4 tiles)', () => {
  let dir: string;
  let a: { red: string; blue: string; truth: string };
  let b: { red: string; blue: string; truth: string };
  let out: string;
  const runB = () => vascoRun(['--red', b.red, '--blue', b.blue, '--out', out, ...TILED_OPTIONS]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-identity-'));
    a = await syntheticPair(join(dir, 'a'), 3);
    b = await syntheticPair(join(dir, 'b'), 4);
    out = join(dir, 'out');
  }, 120_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('plate B run where a killed run of plate A left its tiles reports B, exactly as in a fresh folder', async () => {
    const killed = await vascoRunKilledWhen(['--red', a.red, '--blue', a.blue, '--out', out, ...TILED_OPTIONS], join(out, 'work', 'checkpoints', '00-extract-red.cp'));
    expect(killed.killed).toBe(true);
    // The trap is set: A's tile images are still there.
    const tiles = readdirSync(join(out, 'work', 'red'), { recursive: true }).map(String).filter((f) => f.endsWith('tile.fits'));
    expect(tiles.length).toBe(4);

    const r = runB();
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const fresh = join(dir, 'fresh-b');
    expect(vascoRun(['--red', b.red, '--blue', b.blue, '--out', fresh, ...TILED_OPTIONS]).status).toBe(0);
    expect(readFileSync(join(out, 'candidates.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'candidates.csv'), 'utf8'));
    expect(readFileSync(join(out, 'sources.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'sources.csv'), 'utf8'));
    const onB = fractionOnTruth(join(out, 'sources.csv'), b.truth);
    const onA = fractionOnTruth(join(out, 'sources.csv'), a.truth);
    console.log(`plate B's sources on B's truth table: ${(100 * onB).toFixed(1)} %, on A's: ${(100 * onA).toFixed(1)} %`);
    expect(onB).toBeGreaterThan(0.9);
    expect(onA).toBeLessThan(0.1);
    // A's work is gone, B's is in a folder named by its key.
    const folders = readdirSync(join(out, 'work', 'red'));
    expect(folders).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, 'work', 'red', folders[0], 'key.json'), 'utf8')).key).toMatch(new RegExp(`^${folders[0]}`));
  }, 600_000);

  it('the same command again is the same run: nothing to do, nothing recorded twice', () => {
    const summaryBefore = readFileSync(join(out, 'summary.json'), 'utf8');
    const r = runB();
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/same inputs and parameters as run 1 in .*vasco\.sqlite: nothing to do/);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summaryBefore);
    const db = new Database(join(out, 'vasco.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 1 });
      const n = (db.prepare('SELECT count(*) AS n FROM candidates').get() as { n: number }).n;
      expect(n).toBe(pythonCsv(join(out, 'candidates.csv')).rows.length);
      expect(db.prepare('SELECT count(*) AS n FROM (SELECT s.number FROM candidates c JOIN sources s ON s.id = c.source_id GROUP BY s.number HAVING count(*) > 1)').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 300_000);

  it('the same plate under another name, with another worker count, is the same run too', () => {
    const renamed = join(dir, 'b-red-copy.fits');
    copyFileSync(b.red, renamed);
    const r = vascoRun(['--red', renamed, '--blue', b.blue, '--out', out, ...TILED_OPTIONS, '--workers', '1']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/same inputs and parameters as run 1 /);
    // The last stage's checkpoint is still the one the first run wrote (its name: the stage's place and name).
    const last = PIPELINE_STAGES.length - 1;
    expect(existsSync(join(out, 'work', 'checkpoints', `${String(last).padStart(2, '0')}-${PIPELINE_STAGES[last].name}.cp`))).toBe(true);
  }, 300_000);
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decCutStage, dedupAcrossPlates, dedupWithinPlate } from '../../../electron/pipeline/dedup';
import { candidate, offsetBy } from './synthetic';

describe('dec cut and dedup', () => {
  it('drops candidates south of --dec-min, keeps the limit itself', () => {
    const c = [candidate(1, 10, -30), candidate(2, 10, -30.0001), candidate(3, 10, 45)];
    const r = decCutStage(c);
    expect(r.kept.map((s) => s.id)).toEqual([1, 3]);
    expect(r.count).toMatchObject({ input: 3, output: 2, dropped: { dec_min: 1 } });
    expect(c[1].ledger[0]).toMatchObject({ stage: 'dec-cut', reason: 'dec_min', dropped: true });
    expect(decCutStage([candidate(4, 1, -40)], -45).kept).toHaveLength(1);
  });

  it('within a plate keeps the highest-SNR source of each 5" group', () => {
    const a = candidate(1, 120, 30, 40);
    const [rb, db] = offsetBy(120, 30, 3, 0);
    const b = candidate(2, rb, db, 90);
    const [rc, dc] = offsetBy(120, 30, 5.1, 180);
    const c = candidate(3, rc, dc, 10); // 5.1" from a, 8.1" from b: separate
    const r = dedupWithinPlate([a, b, c]);
    expect(r.kept.map((s) => s.id)).toEqual([2, 3]);
    expect(a.ledger[0]).toMatchObject({ reason: 'duplicate_within_plate', counterpart: '2', dropped: true });
    expect(a.ledger[0].distanceArcsec!).toBeCloseTo(3, 4);
  });

  it('across plates drops candidates within 5" of earlier candidates.csv rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vasco-dedup-'));
    mkdirSync(join(dir, 'run-581'));
    const p1 = offsetBy(200, 10, 4.9, 77);
    const p2 = offsetBy(201, 11, 5.1, 250);
    writeFileSync(join(dir, 'run-581', 'candidates.csv'), `id,ra,dec\n17,${p1[0]},${p1[1]}\n18,${p2[0]},${p2[1]}\n`);
    writeFileSync(join(dir, 'notes.csv'), 'nothing,here\n1,2\n'); // not a candidates file: ignored
    const own = join(dir, 'candidates.csv');
    writeFileSync(own, `id,ra,dec\n1,200,10\n`); // this run's own output must not dedup itself
    const c = [candidate(1, 200, 10), candidate(2, 201, 11), candidate(3, 202, 12)];
    const r = await dedupAcrossPlates(c, dir, 5, { exclude: [own] });
    expect(r.files.map((f) => f.slice(dir.length + 1))).toEqual(['run-581/candidates.csv']);
    expect(r.kept.map((s) => s.id)).toEqual([2, 3]);
    expect(c[0].ledger[0]).toMatchObject({ reason: 'duplicate_across_plates', counterpart: 'run-581/candidates.csv#17' });
    expect(c[0].ledger[0].distanceArcsec!).toBeCloseTo(4.9, 4);
    await expect(dedupAcrossPlates(c, join(dir, 'nope'))).rejects.toThrow(/--dedup-dir .* is not a directory/);
  });
});

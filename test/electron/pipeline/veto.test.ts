import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../electron/catalogs/http';
import { vetoStage, type VetoOptions } from '../../../electron/pipeline/veto';
import { parseCsv } from '../../../electron/core/csv';
import { parseMultipart, startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { candidate, offsetBy } from './synthetic';

const dir = mkdtempSync(join(tmpdir(), 'vasco-veto-'));
const base: VetoOptions = {
  mode: 'local', catalogs: ['gaia', 'ps1', 'supercosmos'], localFiles: {}, radiusArcsec: 5, epochJulian: 1953.7079,
  plateCentre: { ra: 150, dec: 20 }, plateRadiusDeg: 3.5, cacheDir: join(dir, 'cache'), offline: true,
};

describe('veto with offline catalogue files', () => {
  it('vetoes exactly the candidates with a counterpart within 5", at the plate epoch for Gaia', () => {
    const c = [candidate(1, 150.1, 20.1), candidate(2, 150.2, 20.2), candidate(3, 150.3, 20.3), candidate(4, 150.4, 20.4), candidate(5, 150.5, 20.5), candidate(6, 150.6, 20.6), candidate(7, 150.7, 20.7)];
    const rows: string[] = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
    const g1 = offsetBy(c[0].ra, c[0].dec, 4.9, 30); // inside
    rows.push(`1001,${g1[0]},${g1[1]},,,2016.0,18.25`);
    const g2 = offsetBy(c[1].ra, c[1].dec, 5.1, 200); // just outside
    rows.push(`1002,${g2[0]},${g2[1]},0,0,2016.0,19`);
    // Star 3: 30" north of the candidate in 2016, but moving north at 0.45"/yr: at 1953.7 it sat 1.96" away.
    const g3 = offsetBy(c[2].ra, c[2].dec, 30, 0);
    rows.push(`1003,${g3[0]},${g3[1]},0,450,2016.0,15.5`);
    // Star 4: 3" away in 2016 but moving away fast: 3 + 0.3*62.3 = 21.7" away at the plate epoch.
    const g4 = offsetBy(c[3].ra, c[3].dec, 3, 90);
    rows.push(`1004,${g4[0]},${g4[1]},-300,0,2016.0,16`);
    writeFileSync(join(dir, 'gaia.csv'), rows.join('\n') + '\n');
    const p5 = offsetBy(c[4].ra, c[4].dec, 4.9, 300);
    const p6 = offsetBy(c[5].ra, c[5].dec, 5.1, 10);
    writeFileSync(join(dir, 'ps1.csv'), `objID,RAJ2000,DEJ2000,rmag\n5005,${p5[0]},${p5[1]},20.5\n5006,${p6[0]},${p6[1]},20.1\n`);
    const logs: string[] = [];
    return vetoStage(c, { ...base, localFiles: { gaia: join(dir, 'gaia.csv'), ps1: join(dir, 'ps1.csv') } }, { log: (l) => logs.push(l) }).then((r) => {
      expect(r.vetoed.map((s) => s.id).sort()).toEqual([1, 3, 5]);
      expect(r.kept.map((s) => s.id)).toEqual([2, 4, 6, 7]);
      expect(r.count).toMatchObject({ name: 'veto', input: 7, output: 4, dropped: { gaia: 2, ps1: 1 } });
      const e1 = c[0].ledger[0];
      expect(e1).toMatchObject({ stage: 'veto', reason: 'gaia', dropped: true, counterpart: '1001', counterpartMag: 18.25 });
      expect(e1.distanceArcsec!).toBeCloseTo(4.9, 3);
      expect(c[2].ledger[0].distanceArcsec!).toBeCloseTo(30 - 0.45 * (2016 - 1953.7079), 2);
      expect(c[4].ledger[0]).toMatchObject({ reason: 'ps1', counterpart: '5005', counterpartMag: 20.5 });
      // Counterpart positions for the sky-context overlay: as given for PS1, at the plate epoch for Gaia.
      expect(c[4].ledger[0].counterpartRa).toBe(p5[0]);
      expect(c[4].ledger[0].counterpartDec).toBe(p5[1]);
      const moved = c[2].ledger[0];
      expect(moved.counterpartRa).toBeCloseTo(g3[0], 6);
      expect((moved.counterpartDec! - g3[1]) * 3600).toBeCloseTo(-0.45 * (2016 - 1953.7079), 2);
      expect(c[1].ledger).toEqual([]);
      expect(r.notes.join(' ')).toMatch(/SuperCOSMOS.*skipped: no --catalog supercosmos=FILE/);
    });
  });

  it('offline without files: skipped, said, and every candidate carries a non-dropping note', async () => {
    const c = [candidate(1, 10, 10), candidate(2, 11, 11)];
    const r = await vetoStage(c, { ...base, localFiles: {} });
    expect(r.kept).toHaveLength(2);
    expect(r.count.skipped).toMatch(/offline: no catalogue files/);
    for (const s of c) expect(s.ledger).toEqual([{ stage: 'veto', reason: 'veto_skipped', dropped: false, detail: r.count.skipped }]);
  });

  it('skips Pan-STARRS on a plate wholly south of -30 and says so', async () => {
    writeFileSync(join(dir, 'ps1s.csv'), 'ra,dec\n10,-35\n');
    const c = [candidate(1, 10, -35)];
    const r = await vetoStage(c, { ...base, catalogs: ['ps1'], localFiles: { ps1: join(dir, 'ps1s.csv') }, plateCentre: { ra: 10, dec: -36 }, plateRadiusDeg: 3 });
    expect(r.kept).toHaveLength(1);
    expect(r.notes[0]).toMatch(/Pan-STARRS DR2 skipped: .*no coverage south of Dec -30/);
  });
});

describe.skipIf(!haveSharedData('responses/xmatch-query_res.csv', 'responses/xmatch-posList.csv'))('veto through CDS XMatch (recorded answer)', () => {
  let srv: RecordedServer;
  beforeAll(async () => {
    srv = await startRecordedServer();
    process.env.VASCO_XMATCH_URL = `${srv.url}/xmatch`; // how a person points the app at another server
  });
  afterAll(() => srv.close());

  it('uploads the survivors only, and vetoes by the recomputed distance', async () => {
    // The recorded answer came back for an upload with columns ra,dec,my_id; ours are vasco_*.
    const recorded = readFileSync(sharedData('responses/xmatch-query_res.csv'), 'utf8');
    const answer = recorded.replace(/^angDist,ra,dec,my_id,/, 'angDist,vasco_ra,vasco_dec,vasco_id,');
    const empty = answer.split('\n')[0] + '\n';
    srv.route('/xmatch', (req) => ({ body: parseMultipart(req).cat2.value === 'vizier:II/246/out' ? answer : empty }));
    const pos = parseCsv(readFileSync(sharedData('responses/xmatch-posList.csv'), 'utf8'));
    const c = pos.rows.map((r, i) => candidate(i + 1, Number(r[0]), Number(r[1])));
    const n0 = srv.requests.length;
    const r = await vetoStage(c, {
      ...base, mode: 'xmatch', offline: false, catalogs: ['2mass', 'allwise'], radiusArcsec: 1,
      http: new HttpClient({ minIntervalMs: 0, retries: 1, backoffBaseMs: 5 }),
    }, {});
    // Nearest 2MASS distances in the recorded answer: 1.35, 0.22, 1.63, 0.54, 1.18, 0.85 arcsec.
    expect(r.vetoed.map((s) => s.id).sort()).toEqual([2, 4, 6]);
    expect(c[1].ledger[0]).toMatchObject({ reason: '2mass', counterpart: '18192154-2525377', counterpartMag: 9.368 });
    expect(c[1].ledger[0].distanceArcsec!).toBeCloseTo(0.219609, 2);
    const uploads = srv.requests.slice(n0).map((q) => parseCsv(parseMultipart(q).cat1.value).rows.length);
    expect(uploads).toEqual([6, 3]);
  });
});

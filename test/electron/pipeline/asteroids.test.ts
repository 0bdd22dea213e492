import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../electron/catalogs/http';
import { asteroidStage, type AsteroidOptions } from '../../../electron/pipeline/asteroids';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, sharedData } from '../../helpers/shared-data';
import { candidate, offsetBy } from './synthetic';

const VOT = 'responses/imcce-skybot_query.vot';

describe.skipIf(!haveSharedData(VOT))('asteroid check against the recorded SkyBoT answer', () => {
  let srv: RecordedServer;
  beforeAll(async () => {
    srv = await startRecordedServer();
    srv.route('/skybot', { body: readFileSync(sharedData(VOT)) });
    process.env.VASCO_SKYBOT_URL = `${srv.url}/skybot`;
  });
  afterAll(() => srv.close());

  const opts = (): AsteroidOptions => ({
    midUtc: '1953-09-15T22:30:00', epochJulian: 1953.7, exposureMinutes: 45, plateCentre: { ra: 81.2833, dec: 4.49278 }, plateRadiusDeg: 3,
    radiusArcsec: 5, cacheDir: mkdtempSync(join(tmpdir(), 'vasco-ast-')), offline: false, http: new HttpClient({ minIntervalMs: 0 }),
  });

  it('flags (never drops) candidates near a body, with its name and motion during the exposure', async () => {
    // Bodies in the recorded answer: 2007 TE366 at (81.459514920, 4.509283052), rates -30.6513 / -6.155 "/h;
    // (229762) G!kun||'homdima at (81.303190600, 4.490300172).
    const [r1, d1] = offsetBy(81.459514920490165, 4.5092830524710497, 2, 45);
    const [r2, d2] = offsetBy(81.303190599627357, 4.4903001723284355, 6, 180);
    const c = [candidate(1, r1, d1), candidate(2, r2, d2), candidate(3, 81.1, 4.4)];
    const n0 = srv.requests.length;
    const r = await asteroidStage(c, opts(), {});
    expect(r.kept).toHaveLength(3);
    expect(r.flagged.map((s) => s.id)).toEqual([1]);
    expect(r.count).toMatchObject({ name: 'asteroids', input: 3, output: 3, dropped: {}, flagged: { asteroid: 1 } });
    const e = c[0].ledger[0];
    expect(e).toMatchObject({ stage: 'asteroids', reason: 'asteroid', dropped: false, counterpart: '2007 TE366', counterpartMag: 21.6 });
    expect(e.distanceArcsec!).toBeCloseTo(2, 2);
    expect(e.detail).toContain(`moved ${(Math.hypot(30.6513, 6.155) * 0.75).toFixed(1)}" during the 45-min exposure`);
    expect(c[1].ledger).toEqual([]);
    const q = srv.requests[n0].url.searchParams;
    expect(q.get('-loc')).toBe('675');
    expect(Number(q.get('-ep'))).toBeCloseTo(2434636.4375, 4); // 1953-09-15 22:30 UTC
  });

  it('offline: skipped, said on every candidate', async () => {
    const c = [candidate(1, 81, 4)];
    const r = await asteroidStage(c, { ...opts(), offline: true }, {});
    expect(r.count.skipped).toMatch(/offline/);
    expect(c[0].ledger[0]).toMatchObject({ reason: 'asteroid_check_skipped', dropped: false });
  });
});

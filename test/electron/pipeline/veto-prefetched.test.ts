/**
 * The veto takes the Gaia rows the refit already fetched around every
 * candidate instead of asking the service again: with prefetched rows and a
 * service that answers nothing (any request fails the test), Gaia still
 * vetoes exactly the candidates with a counterpart within the radius.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../electron/catalogs/http';
import { vetoStage } from '../../../electron/pipeline/veto';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { candidate, offsetBy } from './synthetic';

describe('veto with rows prefetched by the Gaia refit', () => {
  let srv: RecordedServer;
  beforeAll(async () => {
    srv = await startRecordedServer();
    srv.route('/', { status: 500, body: 'no request was expected' });
    process.env.VASCO_XMATCH_URL = `${srv.url}/xmatch`;
  });
  afterAll(() => srv.close());

  it('uses them and makes no request', async () => {
    const c = [candidate(1, 150.1, 20.1), candidate(2, 150.2, 20.2), candidate(3, 150.3, 20.3)];
    const [ra1, dec1] = offsetBy(150.1, 20.1, 2, 40);
    const [ra3, dec3] = offsetBy(150.3, 20.3, 6, 200);
    const rows = {
      ra: Float64Array.from([ra1, ra3]), dec: Float64Array.from([dec1, dec3]), pmra: Float64Array.from([0, 0]), pmdec: Float64Array.from([0, 0]),
      epoch: Float64Array.from([2016, 2016]), id: ['g1', 'g3'], mag: Float64Array.from([15, 16]),
    };
    const r = await vetoStage(c, {
      mode: 'xmatch', catalogs: ['gaia'], localFiles: {}, radiusArcsec: 5, epochJulian: 1951.5, plateCentre: { ra: 150, dec: 20 }, plateRadiusDeg: 1,
      cacheDir: join(mkdtempSync(join(tmpdir(), 'vasco-veto-pre-')), 'cache'), offline: false,
      http: new HttpClient({ minIntervalMs: 0, retries: 0 }),
      prefetched: { gaia: { rows, source: 'CDS XMatch' } },
    });
    expect(srv.requests).toHaveLength(0);
    expect(r.vetoed.map((s) => s.id)).toEqual([1]);
    expect(c[0].ledger[0]).toMatchObject({ stage: 'veto', reason: 'gaia', counterpart: 'g1' });
    expect(c[0].ledger[0].detail).toMatch(/CDS XMatch/);
    expect(c[0].ledger[0].distanceArcsec!).toBeCloseTo(2, 3);
  });
});

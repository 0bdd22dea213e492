import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCache } from '../../../electron/catalogs/cache';
import { HttpClient } from '../../../electron/catalogs/http';
import { isoToJd, julianEpochToJd, skybotCone } from '../../../electron/catalogs/skybot';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const VOT = 'responses/imcce-skybot_query.vot';

describe('dates for SkyBoT', () => {
  it('agrees with astropy Time on JD for plate dates', () => {
    const isos = ['1953-09-15T22:30:00', '1951-07-05T04:35:00Z', '1949-11-30T12:00:00.5'];
    const ref = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', `
import json, sys
from astropy.time import Time
print(json.dumps([Time(s.rstrip('Z'), scale='utc').jd for s in sys.argv[1:]] + [Time(1953.7, format='jyear').jd]))
`, ...isos]).toString(),
    ) as number[];
    isos.forEach((s, i) => expect(Math.abs(isoToJd(s) - ref[i]) * 86400).toBeLessThan(0.01));
    expect(Math.abs(julianEpochToJd(1953.7) - ref[3]) * 86400).toBeLessThan(0.01);
  });
});

describe.skipIf(!haveSharedData(VOT))('SkyBoT client against the recorded cone search', () => {
  let srv: RecordedServer;
  const http = new HttpClient({ timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0 });
  beforeAll(async () => {
    srv = await startRecordedServer();
  });
  afterAll(() => srv.close());

  it('asks from Palomar (675) at the given JD and reads the bodies with their rates', async () => {
    srv.route('/skybot', [{ status: 503 }, { body: readFileSync(sharedData(VOT)) }]);
    const cache = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-sb-')));
    const q = { ra: 81.2833, dec: 4.49278, radiusDeg: 0.2, jd: 2460677.5 };
    const n0 = srv.requests.length;
    const bodies = await skybotCone(q, { http, cache, baseUrl: `${srv.url}/skybot` });
    const p = srv.requests[n0].url.searchParams;
    expect(p.get('-loc')).toBe('675');
    expect(p.get('-ep')).toBe('2460677.500000');
    expect(p.get('-mime')).toBe('votable');
    expect(p.get('-rd')).toBe('0.200000');
    expect(bodies.map((b) => b.name)).toEqual(["G!kun||'homdima", '2014 UP224', '2019 RB21', '2007 TE366']);
    expect(bodies[2].number).toBeNull();
    expect(bodies[0].number).toBe('229762');
    expect(bodies[3].raRateArcsecPerHour).toBeCloseTo(-30.6513, 6);
    expect(bodies[3].decRateArcsecPerHour).toBeCloseTo(-6.155, 6);
    expect(bodies[0].ra).toBeCloseTo(81.303190599627357, 9);
    await skybotCone(q, { http, cache, baseUrl: `${srv.url}/skybot` });
    expect(srv.requests.length - n0).toBe(2); // 503 + one answer; the repeat came from the cache
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { parseCsv } from '../../../electron/core/csv';
import { QueryCache } from '../../../electron/catalogs/cache';
import { CATALOGS, extractRows } from '../../../electron/catalogs/catalogs';
import { HttpClient } from '../../../electron/catalogs/http';
import { xmatchPositions } from '../../../electron/catalogs/xmatch';
import { parseMultipart, startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const RES = 'responses/xmatch-query_res.csv';
const POS = 'responses/xmatch-posList.csv';

describe.skipIf(!haveSharedData(RES, POS))('CDS XMatch client against the recorded 2MASS answer', () => {
  let srv: RecordedServer;
  const http = new HttpClient({ timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0 });
  const answer = readFileSync(sharedData(RES));
  const pos = parseCsv(readFileSync(sharedData(POS), 'utf8'));
  const ra = pos.rows.map((r) => Number(r[0]));
  const dec = pos.rows.map((r) => Number(r[1]));
  const upload = { ra: 'ra', dec: 'dec', id: 'my_id' }; // the recorded upload's column names
  beforeAll(async () => {
    srv = await startRecordedServer();
  });
  afterAll(() => srv.close());

  it('uploads only the given positions as a CSV and maps the answer back to them', async () => {
    srv.route('/xm', { body: answer, headers: { 'content-type': 'text/csv' } });
    const cache = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-xm-')));
    const n0 = srv.requests.length;
    const res = await xmatchPositions(CATALOGS['2mass'], { ra, dec }, 5, { http, cache, baseUrl: `${srv.url}/xm`, uploadColumns: upload, area: { ra: 290, dec: 0, radiusDeg: 40 } });
    const form = parseMultipart(srv.requests[n0]);
    expect(form.request.value).toBe('xmatch');
    expect(form.cat2.value).toBe('vizier:II/246/out');
    expect(form.distMaxArcsec.value).toBe('5');
    expect(form.RESPONSEFORMAT.value).toBe('csv');
    expect(form.area.value).toBe('cone');
    expect(form.cat1.filename).toBeTruthy();
    const sent = parseCsv(form.cat1.value);
    expect(sent.header).toEqual(['ra', 'dec', 'my_id']);
    expect(sent.rows.map((r) => [Number(r[0]), Number(r[1]), r[2]])).toEqual(pos.rows.map((r, i) => [Number(r[0]), Number(r[1]), String(i + 1)]));
    const rec = parseCsv(answer.toString());
    expect(res.table.rows.length).toBe(rec.rows.length);
    expect(res.table.columns.map((c) => c.name)).not.toContain('my_id');
    expect(res.table.columns.map((c) => c.name)).toContain('2MASS');
    // The service's own distances agree with the separations between upload and counterpart.
    const rows = extractRows(CATALOGS['2mass'], res.table);
    if ('error' in rows) throw new Error(rows.error);
    for (let i = 0; i < res.uploadIndex.length; i++) {
      const u = res.uploadIndex[i];
      expect(Math.abs(separationArcsec(ra[u], dec[u], rows.ra[i], rows.dec[i]) - res.angDistArcsec[i])).toBeLessThan(0.01);
    }
    expect(rows.id[0]).toBe('17485281-2021323');
    // Same upload again: from the cache.
    await xmatchPositions(CATALOGS['2mass'], { ra, dec }, 5, { http, cache, baseUrl: `${srv.url}/xm`, uploadColumns: upload, area: { ra: 290, dec: 0, radiusDeg: 40 } });
    expect(srv.requests.length - n0).toBe(1);
  });

  it('retries an answer cut at a line boundary (short last row) and an error status', async () => {
    const text = answer.toString();
    const cut = text.slice(0, text.lastIndexOf(',', text.length - 40)); // ends mid-row, no Content-Length lie
    srv.route('/xm-bad', [{ body: cut }, { status: 503 }, { body: answer }]);
    const res = await xmatchPositions(CATALOGS['2mass'], { ra, dec }, 5, { http, cache: null, baseUrl: `${srv.url}/xm-bad`, uploadColumns: upload });
    expect(res.table.rows.length).toBe(parseCsv(text).rows.length);
  });
});

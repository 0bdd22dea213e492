import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationDeg } from '../../../electron/astro/sphere';
import { QueryCache } from '../../../electron/catalogs/cache';
import type { CatalogDef } from '../../../electron/catalogs/catalogs';
import { CATALOGS } from '../../../electron/catalogs/catalogs';
import { HttpClient } from '../../../electron/catalogs/http';
import { chunksFor, vizierAround, vizierCone, vizierConeUrl } from '../../../electron/catalogs/vizier';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const KANG = 'responses/vizier-kang2010.xml';
const ERR = 'responses/vizier-no_server_error.xml';

// The recorded answer is the Kang+2009 YSO table (J/ApJ/706/83/ysos); describe it like a catalogue.
const kangDef: CatalogDef = {
  id: 'gaia',
  label: 'Kang+2009 YSOs',
  vizier: 'J/ApJ/706/83/ysos',
  ra: '_Glon',
  dec: '_Glat',
  idColumn: 'Seq',
  magColumn: 'Jmag',
  epoch: null,
  group: 'primary',
};

describe('sky chunks', () => {
  it('cover every point with its search radius, and only cells near points', () => {
    const ra = [0.1, 359.95, 180, 45.2, 10, 10.001];
    const dec = [0, 0.2, 89.9, -29.7, 41, 41];
    const chunks = chunksFor({ ra, dec }, 5, 0.5);
    ra.forEach((r, i) => {
      // Every sky position within 5" of a point lies inside some chunk cone.
      for (let k = 0; k < 8; k++) {
        const a = (k * Math.PI) / 4;
        const pr = r + ((5 / 3600) * Math.cos(a)) / Math.cos((dec[i] * Math.PI) / 180);
        const pd = dec[i] + (5 / 3600) * Math.sin(a);
        expect(chunks.some((c) => separationDeg(c.ra, c.dec, pr, pd) <= c.radiusDeg)).toBe(true);
      }
    });
    expect(chunks.length).toBeLessThan(30);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });

  it('asks VizieR for the table, cone and columns', () => {
    const u = new URL(vizierConeUrl(CATALOGS.gaia, { id: 'x', ra: 10, dec: -5, radiusDeg: 0.4 }, 1000, 'https://vizier.cds.unistra.fr/viz-bin/votable'));
    expect(u.searchParams.get('-source')).toBe('I/350/gaiaedr3');
    expect(u.searchParams.get('-c')).toBe('10.000000 -5.000000');
    expect(u.searchParams.get('-c.rd')).toBe('0.400000');
    expect(u.searchParams.get('-out')).toBe('RA_ICRS,DE_ICRS,pmRA,pmDE,Epoch,Source,Gmag');
    expect(u.searchParams.get('-out.max')).toBe('1000');
  });
});

describe.skipIf(!haveSharedData(KANG, ERR))('VizieR cone client against recorded answers', () => {
  let srv: RecordedServer;
  const http = new HttpClient({ timeoutMs: 2000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0 });
  const kang = readFileSync(sharedData(KANG));
  beforeAll(async () => {
    srv = await startRecordedServer();
  });
  afterAll(() => srv.close());

  it('reads a chunk, caches it, and answers the second time from the cache', async () => {
    srv.route('/ok/votable', { body: kang, headers: { 'content-type': 'text/xml' } });
    const cache = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-viz-')));
    const chunk = { id: 'c1', ra: 49.5, dec: -0.3, radiusDeg: 0.3 };
    const o = { http, cache, baseUrl: `${srv.url}/ok/votable`, rowLimit: 1000 };
    const n0 = srv.requests.length;
    const t = await vizierCone(kangDef, chunk, o);
    expect(t.rows.length).toBe((kang.toString().match(/<TR>/g) ?? []).length);
    expect(t.columns.find((c) => c.name === 'Jmag')?.unit).toBe('mag');
    const again = await vizierCone(kangDef, chunk, o);
    expect(again).toEqual(t);
    expect(srv.requests.length - n0).toBe(1);
    expect(srv.requests[n0].url.searchParams.get('-source')).toBe('J/ApJ/706/83/ysos');
  });

  it('splits a chunk that hits the row limit into four and merges without duplicates', async () => {
    const text = kang.toString();
    const trs = text.match(/<TR>[\s\S]*?<\/TR>\s*/g)!;
    // Children see a quarter of the rows each (a derived answer: the recorded one minus rows).
    srv.route('/split/votable', (req) => {
      const r = Number(req.url.searchParams.get('-c.rd'));
      if (r > 0.25) return { body: kang };
      const k = Number(req.url.searchParams.get('-c')!.split(' ')[0]) > 49.5 ? 1 : 0;
      const d = Number(req.url.searchParams.get('-c')!.split(' ')[1]) > -0.3 ? 2 : 0;
      const keep = trs.filter((_, i) => i % 4 === k + d || i % 4 === (k + d + 1) % 4); // overlapping halves
      return { body: text.replace(/<TR>[\s\S]*<\/TR>\s*/, keep.join('')) };
    });
    const cache = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-viz-')));
    const n0 = srv.requests.length;
    const t = await vizierCone(kangDef, { id: 'p', ra: 49.5, dec: -0.3, radiusDeg: 0.3 }, { http, cache, baseUrl: `${srv.url}/split/votable`, rowLimit: trs.length });
    const children = srv.requests.slice(n0 + 1).map((r) => Number(r.url.searchParams.get('-c.rd')));
    expect(children).toHaveLength(4);
    children.forEach((r) => expect(r).toBeCloseTo(0.3 / Math.SQRT2, 5));
    const ids = t.rows.map((r) => r[0]);
    expect(new Set(ids).size).toBe(trs.length);
    expect(ids.length).toBe(trs.length);
    // The overflowing parent was never cached; the four children were.
    expect(readdirSync(join(cache.dir, 'vizier-gaia'))).toHaveLength(4);
  });

  it('retries a truncated and a malformed VOTable, and never caches them', async () => {
    const text = kang.toString();
    srv.route('/bad/votable', [{ fault: 'truncate', body: kang }, { body: text.slice(0, text.length - 300) }, { body: kang }]);
    const dir = mkdtempSync(join(tmpdir(), 'vasco-viz-'));
    const t = await vizierCone(kangDef, { id: 'b', ra: 1, dec: 1, radiusDeg: 0.2 }, { http, cache: new QueryCache(dir), baseUrl: `${srv.url}/bad/votable` });
    expect(t.rows.length).toBeGreaterThan(0);
    srv.route('/allbad/votable', { body: text.slice(0, text.length - 300) });
    const dir2 = mkdtempSync(join(tmpdir(), 'vasco-viz-'));
    const err = await vizierCone(kangDef, { id: 'c', ra: 1, dec: 1, radiusDeg: 0.2 }, { http, cache: new QueryCache(dir2), baseUrl: `${srv.url}/allbad/votable` }).catch((e) => e);
    expect(err.message).toMatch(/malformed VOTable.*truncated/);
    expect(existsSync(join(dir2, 'vizier-gaia'))).toBe(false);
  });

  it('reports the recorded "database not reachable" answer clearly and does not cache it', async () => {
    srv.route('/down/votable', { body: readFileSync(sharedData(ERR)) });
    const dir = mkdtempSync(join(tmpdir(), 'vasco-viz-'));
    const err = await vizierAround(kangDef, { ra: [10], dec: [20] }, 5, { http, cache: new QueryCache(dir), baseUrl: `${srv.url}/down/votable` }).catch((e) => e);
    expect(err.code).toBe('service-error');
    expect(err.message).toMatch(/^VizieR reported an error: The database is not currently reachable/);
    expect(err.message).toContain(`${srv.url}/down/votable`);
    expect(existsSync(join(dir, 'vizier-gaia'))).toBe(false);
  });
});

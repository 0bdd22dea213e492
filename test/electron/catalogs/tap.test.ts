/**
 * The TAP client and the upload joins of the SuperCOSMOS (GAVO) and PTF (IRSA)
 * vetoes, against answers shaped like those services' served on 127.0.0.1:
 * what is sent (ADQL, the upload as a VOTable astropy reads), what is read
 * back, the cache, and the faults (HTTP 500, error documents, a service that
 * never answers, a VOTable cut short, an answer cut at MAXREC).
 */
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCache } from '../../../electron/catalogs/cache';
import { CATALOGS, extractRows } from '../../../electron/catalogs/catalogs';
import { HttpClient } from '../../../electron/catalogs/http';
import { tapJoin, tapJoinAdql } from '../../../electron/catalogs/tap-catalogs';
import { DEFAULT_TAP_VETO } from '../../../electron/pipeline/veto';
import { tapServiceUrl, tapSync, uploadVotable } from '../../../electron/catalogs/tap';
import { findColumn } from '../../../electron/catalogs/table';
import { UserError } from '../../../electron/core/errors';
import { haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';
import { haveAstropy, runPython } from '../../helpers/python';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { offsetBy } from '../pipeline/synthetic';
import { gavoSupercosmosAnswer, irsaPtfAnswer, readTapRequest, type ScosRow } from './tap-answers';

const fixture = (name: string) => readFileSync(join(projectRoot, 'test', 'fixtures', 'tap', name));
const VOT = { 'content-type': 'application/x-votable+xml' };
const GAIA_TAP = 'responses/gaia-1710099405832VAL-result.vot';

/** Five positions near the plate XE687 field; SuperCOSMOS R1 sources 1.5" from the first three. */
const positions = { ra: [259.91, 259.95, 259.99, 260.02, 260.05], dec: [-6.18, -6.15, -6.12, -6.1, -6.08] };
function scosRowsFor(req: Parameters<typeof readTapRequest>[0]): ScosRow[] {
  return readTapRequest(req).positions
    .filter((p) => p.id <= 3)
    .map((p) => {
      const [ra, dec] = offsetBy(p.ra, p.dec, 1.5, 40 * p.id);
      return { uploadId: p.id, raj2000: ra, dej2000: dec, b: 7000 + p.id, r1: 1000 + p.id, r2: null, i: null };
    });
}

function fastClient(o: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  return new HttpClient({ timeoutMs: 3000, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0, ...o });
}

async function rejection(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    return e as UserError;
  }
  throw new Error('expected a failure');
}

describe('TAP client and upload joins against answers shaped like GAVO and IRSA', () => {
  let srv: RecordedServer;
  const dir = mkdtempSync(join(tmpdir(), 'vasco-tap-'));
  beforeAll(async () => {
    srv = await startRecordedServer();
  });
  afterAll(() => srv.close());

  it('posts ADQL with the positions uploaded as a VOTable to BASE/sync, reads the answer and caches it', async () => {
    srv.route('/gavo/sync', (req) => ({ body: gavoSupercosmosAnswer(scosRowsFor(req), readTapRequest(req).form.QUERY.value), headers: VOT }));
    const cache = new QueryCache(join(dir, 'cache-ok'));
    const n0 = srv.requests.length;
    const t = await tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), cache, baseUrl: `${srv.url}/gavo/` });
    expect(srv.requests.length).toBe(n0 + 1);
    const req = srv.requests[n0];
    expect(req.method).toBe('POST');
    expect(req.url.pathname).toBe('/gavo/sync');
    const { form, positions: sent } = readTapRequest(req);
    expect(form.REQUEST.value).toBe('doQuery');
    expect(form.LANG.value).toBe('ADQL');
    expect(form.FORMAT.value).toMatch(/votable/i);
    expect(form.UPLOAD.value).toBe('vasco_upload,param:vasco_upload');
    expect(form.vasco_upload.filename).toBeTruthy();
    const adql = form.QUERY.value;
    expect(adql).toBe(tapJoinAdql(CATALOGS.supercosmos, 5, DEFAULT_TAP_VETO));
    expect(adql).toContain('FROM TAP_UPLOAD.vasco_upload AS u, supercosmos.sources AS c');
    expect(adql).toContain("CONTAINS(POINT('ICRS', c.raj2000, c.dej2000), CIRCLE('ICRS', u.vasco_ra, u.vasco_dec, 0.0013888889)) = 1");
    // Confirming means a source on SuperCOSMOS's own POSS-I E (R1) scan.
    expect(adql).toContain('(c.objidr1 IS NOT NULL)');
    expect(sent).toEqual(positions.ra.map((ra, i) => ({ id: i + 1, ra, dec: positions.dec[i] })));

    expect(t.rows).toHaveLength(3);
    const rows = extractRows(CATALOGS.supercosmos, t);
    if ('error' in rows) throw new Error(rows.error);
    expect(rows.id).toEqual(['1001', '1002', '1003']); // the R1 detection is the counterpart
    // A second ask of the same positions comes from the cache.
    const again = await tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), cache, baseUrl: `${srv.url}/gavo` });
    expect(srv.requests.length).toBe(n0 + 1);
    expect(again).toEqual(t);
  });

  it.skipIf(!haveAstropy())('the uploaded table is a VOTable astropy reads, with the positions, types and units', () => {
    const xml = uploadVotable({
      name: 'vasco_upload',
      fields: [
        { name: 'vasco_id', datatype: 'long', ucd: 'meta.id;meta.main' },
        { name: 'vasco_ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra;meta.main' },
        { name: 'vasco_dec', datatype: 'double', unit: 'deg', ucd: 'pos.eq.dec;meta.main' },
      ],
      rows: positions.ra.map((ra, i) => [i + 1, ra, positions.dec[i]]),
    });
    // The same bytes the join sends (the request of the first test carried this document).
    const sent = srv.requests.map((r) => readTapRequest(r).uploadXml).find((x) => x);
    expect(sent).toBe(xml);
    const file = join(dir, 'upload.vot');
    writeFileSync(file, xml);
    const got = runPython<{ names: string[]; kinds: string[]; units: string[]; ucds: string[]; rows: number[][] }>(
      `
from astropy.io.votable import parse
vt = parse(json.load(sys.stdin)['file'], verify='exception')
f = vt.get_first_table()
t = f.to_table()
print(json.dumps({'names': t.colnames, 'kinds': [t[c].dtype.kind for c in t.colnames],
  'units': [str(t[c].unit) if t[c].unit is not None else '' for c in t.colnames],
  'ucds': [fl.ucd for fl in f.fields], 'rows': [[float(v) for v in row] for row in t]}))
`,
      { file },
    );
    expect(got.names).toEqual(['vasco_id', 'vasco_ra', 'vasco_dec']);
    expect(got.kinds).toEqual(['i', 'f', 'f']);
    expect(got.units).toEqual(['', 'deg', 'deg']);
    expect(got.ucds).toEqual(['meta.id;meta.main', 'pos.eq.ra;meta.main', 'pos.eq.dec;meta.main']);
    expect(got.rows).toEqual(positions.ra.map((ra, i) => [i + 1, ra, positions.dec[i]]));
  });

  it('HTTP 500 then a good answer: retried, the answer is whole', async () => {
    let calls = 0;
    srv.route('/flaky/sync', (req) => (++calls === 1 ? { status: 500, body: 'Internal Server Error' } : { body: gavoSupercosmosAnswer(scosRowsFor(req), 'q'), headers: VOT }));
    const logs: string[] = [];
    const t = await tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient({ log: (l) => logs.push(l) }), baseUrl: `${srv.url}/flaky` });
    expect(calls).toBe(2);
    expect(t.rows).toHaveLength(3);
    expect(logs.join('\n')).toMatch(/GAVO TAP: HTTP 500.*retry 1\/2/);
  });

  it('an error document with HTTP 200 (IRSA) is a UserError naming the service and its message', async () => {
    srv.route('/irsa-err/sync', { body: fixture('irsa-error.vot'), headers: VOT });
    const cache = new QueryCache(join(dir, 'cache-err'));
    const e = await rejection(tapJoin(CATALOGS.ptf, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), cache, baseUrl: `${srv.url}/irsa-err` }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^IRSA TAP reported an error: Table \[ptf_object\] does not exist/);
    expect(e.message).toContain(`${srv.url}/irsa-err/sync`);
    expect(e.hint).toMatch(/VASCO_\*_URL|mirror/);
    expect(existsSync(join(dir, 'cache-err')) ? readdirSync(join(dir, 'cache-err'), { recursive: true }).filter((f) => String(f).endsWith('.cache')) : []).toEqual([]);
  });

  it('an error document with HTTP 400 (GAVO DaCHS) names the service and says what it refused', async () => {
    srv.route('/gavo-err/sync', { status: 400, body: fixture('gavo-error.vot'), headers: VOT });
    const e = await rejection(tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), baseUrl: `${srv.url}/gavo-err` }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^GAVO TAP: SuperCOSMOS .* join of 5 positions: HTTP 400/);
    expect(e.message).toContain('Could not locate classmagr9 in supercosmos.sources');
    expect(e.hint).toBeTruthy();
  });

  it('a service that never answers: a timeout error naming it and what to do', async () => {
    srv.route('/hang/sync', { fault: 'hang' });
    const e = await rejection(tapJoin(CATALOGS.ptf, positions, 5, DEFAULT_TAP_VETO, { http: fastClient({ timeoutMs: 300, retries: 1 }), baseUrl: `${srv.url}/hang` }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^IRSA TAP: PTF objects \(IRSA\) join of 5 positions: no usable answer after 2 attempts: no complete answer within 0\.3 s/);
    expect(e.hint).toMatch(/network|mirror|--catalog/);
  });

  it('a VOTable cut short is asked again; a cut that persists is a clear error and leaves nothing in the cache', async () => {
    let calls = 0;
    const whole = (req: Parameters<typeof readTapRequest>[0]) => Buffer.from(gavoSupercosmosAnswer(scosRowsFor(req), 'q'));
    // First the connection drops mid-body, then the whole answer.
    srv.route('/cut/sync', (req) => (++calls === 1 ? { fault: 'truncate', body: whole(req), headers: VOT } : { body: whole(req), headers: VOT }));
    const t = await tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), baseUrl: `${srv.url}/cut` });
    expect(calls).toBe(2);
    expect(t.rows).toHaveLength(3);

    // A body that ends inside the table (its length as sent, so only the XML tells).
    let bad = 0;
    srv.route('/cut-xml/sync', (req) => {
      bad++;
      const b = whole(req);
      return { body: b.subarray(0, b.indexOf('</TABLEDATA>') - 20), headers: VOT };
    });
    const cacheDir = join(dir, 'cache-cut');
    const e = await rejection(tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), cache: new QueryCache(cacheDir), baseUrl: `${srv.url}/cut-xml` }));
    expect(bad).toBe(3);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^GAVO TAP: .*no usable answer after 3 attempts: malformed VOTable/);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }).filter((f) => String(f).endsWith('.cache')) : []).toEqual([]);
  });

  it('an answer cut at MAXREC (OVERFLOW) is never used: the upload is asked again in halves until whole', async () => {
    const asked: number[] = [];
    srv.route('/overflow/sync', (req) => {
      const { positions: up } = readTapRequest(req);
      asked.push(up.length);
      // The service returns at most 2 rows; with more due it says OVERFLOW after the first 2.
      const due = scosRowsFor(req);
      return { body: gavoSupercosmosAnswer(due.slice(0, 2), 'q', due.length > 2 ? 'OVERFLOW' : 'OK'), headers: VOT };
    });
    const logs: string[] = [];
    const t = await tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), baseUrl: `${srv.url}/overflow`, maxRows: 2, log: (l) => logs.push(l) });
    // 5 overflow -> 3 (ids 1-3) overflow -> 2 + 1 whole; then the other half (ids 4-5) whole.
    expect(asked).toEqual([5, 3, 2, 1, 2]);
    expect(t.rows.map((r) => r[0]).sort()).toEqual(['1', '2', '3']);
    expect(logs.join('\n')).toMatch(/hit the row limit; asking again in halves/);
  });

  it('an answer in a serialization we cannot read (BINARY2) is refused at once, naming the service and the fix', async () => {
    let calls = 0;
    srv.route('/binary/sync', (req) => {
      calls++;
      const xml = gavoSupercosmosAnswer(scosRowsFor(req), 'q').replace(/<DATA><TABLEDATA>[\s\S]*<\/TABLEDATA><\/DATA>/, '<DATA><BINARY2><STREAM encoding="base64">AAAA</STREAM></BINARY2></DATA>');
      return { body: xml, headers: VOT };
    });
    const e = await rejection(tapJoin(CATALOGS.supercosmos, positions, 5, DEFAULT_TAP_VETO, { http: fastClient(), baseUrl: `${srv.url}/binary` }));
    expect(calls).toBe(1);
    expect(e).toBeInstanceOf(UserError);
    expect(e.code).toBe('tap-format');
    expect(e.message).toMatch(/^GAVO TAP: VOTable BINARY2 serialization is not supported/);
    expect(e.hint).toMatch(/TABLEDATA/);
  });

  it('PTF: the join asks for objects with at least the minimum of good observations', async () => {
    srv.route('/irsa/sync', (req) => {
      const { form, positions: up } = readTapRequest(req);
      const p = up[4];
      const [ra, dec] = offsetBy(p.ra, p.dec, 2.2, 100);
      return { body: irsaPtfAnswer([{ uploadId: p.id, oid: 35012345678901, ra, dec, ngoodobs: 7 }], form.QUERY.value), headers: VOT };
    });
    const n0 = srv.requests.length;
    const t = await tapJoin(CATALOGS.ptf, positions, 5, { ...DEFAULT_TAP_VETO, ptfMinGoodObs: 3 }, { http: fastClient(), baseUrl: `${srv.url}/irsa` });
    const adql = readTapRequest(srv.requests[n0]).form.QUERY.value;
    expect(adql).toContain('FROM TAP_UPLOAD.vasco_upload AS u, ptf_objects AS c');
    expect(adql).toContain('c.ngoodobs >= 3');
    const rows = extractRows(CATALOGS.ptf, t);
    if ('error' in rows) throw new Error(rows.error);
    expect(rows.id).toEqual(['35012345678901']);
  });

  it.skipIf(!haveSharedData(GAIA_TAP))('a real TAP answer (ESA Gaia archive, recorded) reads through the client whole', async () => {
    srv.route('/esa/sync', { body: readFileSync(sharedData(GAIA_TAP)), headers: VOT });
    const adql = 'SELECT TOP 20 * FROM gaiadr3.gaia_source WHERE source_id = 4583627001381815936 OR source_id = 5348723816842275584';
    const a = await tapSync({ adql }, { http: fastClient(), service: 'gavo', baseUrl: `${srv.url}/esa` });
    expect(a.overflow).toBe(false);
    expect(a.table.rows).toHaveLength(2);
    expect(a.table.columns).toHaveLength(152);
    const id = findColumn(a.table, ['source_id']);
    expect(a.table.rows.map((r) => r[id]).sort()).toEqual(['4583627001381815936', '5348723816842275584']);
    const form = readTapRequest(srv.requests[srv.requests.length - 1]).form;
    expect(form.QUERY.value).toBe(adql);
    expect(form.UPLOAD).toBeUndefined();
  });

  it('each service URL comes from its own variable, else the public endpoint', () => {
    expect(tapServiceUrl('gavo', {})).toBe('https://dc.g-vo.org/tap');
    expect(tapServiceUrl('irsa', {})).toBe('https://irsa.ipac.caltech.edu/TAP');
    expect(tapServiceUrl('gavo', { VASCO_GAVO_TAP_URL: 'http://mirror.example/tap' })).toBe('http://mirror.example/tap');
    expect(tapServiceUrl('irsa', { VASCO_IRSA_TAP_URL: ' http://127.0.0.1:9/TAP ' })).toBe('http://127.0.0.1:9/TAP');
  });
});

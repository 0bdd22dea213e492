import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { encodeFitsImage } from '../../../electron/fits';
import { HttpClient } from '../../../electron/catalogs/http';
import { acquirePlates, irsaPlateUrl } from '../../../electron/acquire/plates';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';

function plate(survey: string, region: string): Buffer {
  const w = 64, h = 48;
  const data = new Float64Array(w * h).map((_, i) => (i * 37) % 4000);
  return encodeFitsImage(w, h, data, { SURVEY: survey, REGION: region, TELESCOP: 'Palomar Schmidt' }, 16);
}

describe('plate acquisition from a local archive', () => {
  let srv: RecordedServer;
  const http = new HttpClient({ timeoutMs: 2000, idleTimeoutMs: 1000, retries: 3, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0 });
  const red = plate('POSSI-E', 'XE582');
  const blue = plate('POSSI-O', 'XO582');
  beforeAll(async () => {
    srv = await startRecordedServer();
    process.env.VASCO_IRSA_URL = `${srv.url}/irsa`;
    process.env.VASCO_STSCI_URL = `${srv.url}/stsci/dss_search`;
  });
  afterAll(() => srv.close());

  it('follows the IRSA URL pattern', () => {
    expect(irsaPlateUrl('red', 582, 'https://irsa.ipac.caltech.edu/data/DSS/images')).toBe('https://irsa.ipac.caltech.edu/data/DSS/images/dss1red/dss1red_XE582.fits');
    expect(irsaPlateUrl('blue', 2, 'https://x/')).toBe('https://x/dss1blue/dss1blue_XO002.fits');
  });

  it('resumes a download after a cut connection and renames only the whole, checked file', async () => {
    srv.route('/irsa/dss1red/dss1red_XE582.fits', [{ fault: 'truncate', body: red, ranges: true, cutAt: 3000 }, { body: red, ranges: true }]);
    srv.route('/irsa/dss1blue/dss1blue_XO582.fits', { body: blue, ranges: true });
    const dir = mkdtempSync(join(tmpdir(), 'vasco-acq-'));
    const n0 = srv.requests.length;
    const r = await acquirePlates({ plate: 582 }, dir, {}, { http });
    expect(readFileSync(r.red).equals(red)).toBe(true);
    expect(readFileSync(r.blue!).equals(blue)).toBe(true);
    const redReqs = srv.requests.slice(n0).filter((q) => q.url.pathname.endsWith('XE582.fits'));
    expect(redReqs.map((q) => q.headers.range)).toEqual([undefined, 'bytes=3000-']);
    expect(readdirSync(dir).sort()).toEqual(['dss1blue_XO582.fits', 'dss1red_XE582.fits']);
    // Second time: the checked files on disk are used, nothing is fetched.
    const n1 = srv.requests.length;
    const again = await acquirePlates({ plate: 582 }, dir, {}, { http });
    expect(srv.requests.length).toBe(n1);
    expect(again.notes.join(' ')).toMatch(/already on disk/);
  });

  it('rejects a plate from the wrong survey and leaves no file behind', async () => {
    srv.route('/irsa/dss1red/dss1red_XE583.fits', { body: plate('POSSII-F', 'XP583'), ranges: true });
    const dir = mkdtempSync(join(tmpdir(), 'vasco-acq-'));
    const err = await acquirePlates({ plate: 583 }, dir, {}, { http }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/red plate XE583.*SURVEY is "POSSII-F", expected POSSI-E/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects an HTML error page served as a plate', async () => {
    srv.route('/irsa/dss1red/dss1red_XE585.fits', { body: '<html><body>Service temporarily unavailable</body></html>' });
    const dir = mkdtempSync(join(tmpdir(), 'vasco-acq-'));
    await expect(acquirePlates({ plate: 585 }, dir, {}, { http })).rejects.toThrow(/not a complete FITS file/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('falls back to red-only when the blue plate is missing (404), and says so', async () => {
    srv.route('/irsa/dss1red/dss1red_XE584.fits', { body: red, ranges: true });
    const dir = mkdtempSync(join(tmpdir(), 'vasco-acq-'));
    const r = await acquirePlates({ plate: 584 }, dir, {}, { http });
    expect(existsSync(r.red)).toBe(true);
    expect(r.blue).toBeNull();
    expect(r.notes.join(' ')).toMatch(/blue plate XO584 is not available \(HTTP 404.*red-only run/);
  });

  it('fetches POSS-I E and O cutouts from STScI with the DSS parameters', async () => {
    srv.route('/stsci/dss_search', (q) => ({ body: q.url.searchParams.get('v') === 'poss1_red' ? red : blue }));
    const dir = mkdtempSync(join(tmpdir(), 'vasco-acq-'));
    const n0 = srv.requests.length;
    const r = await acquirePlates({ ra: 259.9534, dec: -6.1475, sizeArcmin: 20 }, dir, {}, { http });
    const qs = srv.requests.slice(n0).map((q) => Object.fromEntries(q.url.searchParams));
    expect(qs[0]).toMatchObject({ v: 'poss1_red', r: '259.953400', d: '-6.147500', e: 'J2000', h: '20', w: '20', f: 'fits' });
    expect(qs[1].v).toBe('poss1_blue');
    expect(readFileSync(r.blue!).equals(blue)).toBe(true);
  });
});

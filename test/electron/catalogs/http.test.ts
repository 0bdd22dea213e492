import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../../electron/core/errors';
import { BadBodyError, HttpClient, HttpError, serviceUrl } from '../../../electron/catalogs/http';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';

let srv: RecordedServer;
beforeAll(async () => {
  srv = await startRecordedServer();
});
afterAll(() => srv.close());

const fast = (o: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ timeoutMs: 400, retries: 3, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0, idleTimeoutMs: 400, ...o });

describe('HttpClient against a local server', () => {
  it('retries 503, 500 and 429 and returns the eventual answer', async () => {
    srv.route('/flaky', [{ status: 503 }, { status: 500 }, { status: 429, headers: { 'retry-after': '0' } }, { body: 'fine' }]);
    const res = await fast().request({ service: 'Test', url: `${srv.url}/flaky` });
    expect(res.body.toString()).toBe('fine');
    expect(res.attempts).toBe(4);
  });

  it('gives up with an error naming the service, URL, attempts and a hint', async () => {
    srv.route('/down', { status: 502 });
    const err = await fast({ retries: 2 }).request({ service: 'VizieR', url: `${srv.url}/down`, what: 'Gaia cone' }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^VizieR: Gaia cone: no usable answer after 3 attempts: HTTP 502/);
    expect(err.message).toContain(`${srv.url}/down`);
    expect(err.hint).toMatch(/VASCO_\*_URL/);
    expect(err.code).toBe('http-status');
  });

  it('retries a server that never answers, then a slow body, and reports timeouts', async () => {
    srv.route('/hang', [{ fault: 'hang' }, { fault: 'slow', body: 'x'.repeat(400), dripMs: 100 }, { body: 'late but whole' }]);
    const res = await fast().request({ service: 'Test', url: `${srv.url}/hang` });
    expect(res.body.toString()).toBe('late but whole');
    expect(res.attempts).toBe(3);
    srv.route('/always-slow', { fault: 'slow', body: 'y'.repeat(400), dripMs: 100 });
    const err = await fast({ retries: 1 }).request({ service: 'SkyBoT', url: `${srv.url}/always-slow` }).catch((e) => e);
    expect(err.code).toBe('http-timeout');
    expect(err.message).toMatch(/SkyBoT: no usable answer after 2 attempts: no complete answer within 0.4 s/);
  });

  it('retries bodies cut short and connections reset', async () => {
    const whole = 'z'.repeat(5000);
    srv.route('/cut', [{ fault: 'truncate', body: whole }, { fault: 'reset' }, { body: whole }]);
    const res = await fast().request({ service: 'Test', url: `${srv.url}/cut` });
    expect(res.body.length).toBe(5000);
    expect(res.attempts).toBe(3);
    srv.route('/always-cut', { fault: 'truncate', body: whole });
    const err = await fast({ retries: 1 }).request({ service: 'IRSA', url: `${srv.url}/always-cut` }).catch((e) => e);
    expect(err.code).toBe('http-bad-body');
    expect(err.message).toMatch(/body cut short/);
  });

  it('retries a body the caller cannot parse', async () => {
    srv.route('/garbled', [{ body: '<VOTABLE><TAB' }, { body: '<VOTABLE/>' }]);
    let calls = 0;
    const res = await fast().request({
      service: 'Test',
      url: `${srv.url}/garbled`,
      validate: (b) => {
        calls++;
        if (!b.toString().endsWith('/>')) throw new BadBodyError('VOTable does not parse');
      },
    });
    expect(res.body.toString()).toBe('<VOTABLE/>');
    expect(calls).toBe(2);
  });

  it('does not retry a 404 and keeps the status', async () => {
    srv.route('/missing', { status: 404, body: '<html><body>Not Found</body></html>' });
    const before = srv.requests.length;
    const err = await fast().request({ service: 'IRSA', url: `${srv.url}/missing` }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/HTTP 404.*Not Found/);
    expect(srv.requests.length - before).toBe(1);
  });

  it('reports a refused connection after retrying', async () => {
    const gone = await startRecordedServer();
    await gone.close(); // a port nobody listens on any more
    const err = await fast({ retries: 1 }).request({ service: 'CDS XMatch', url: `${gone.url}/nothing` }).catch((e) => e);
    expect(err.code).toBe('http-network');
    expect(err.message).toMatch(/connection failed \(ECONNREFUSED/);
  });

  it('spaces requests to one host by the minimum interval', async () => {
    // Arrival times at the server: the third cannot arrive before two intervals have passed since the
    // calls were made (a lower bound only; a response's own latency, e.g. the first connection, says nothing).
    const arrivals: number[] = [];
    srv.route('/polite', () => (arrivals.push(Date.now()), { body: 'ok' }));
    const client = fast({ minIntervalMs: 150 });
    const n0 = srv.requests.length;
    const t0 = Date.now();
    await Promise.all([0, 1, 2].map(() => client.request({ service: 'Test', url: `${srv.url}/polite` })));
    expect(srv.requests.length - n0).toBe(3);
    arrivals.sort((a, b) => a - b);
    expect(arrivals[1] - t0).toBeGreaterThanOrEqual(150 - 10);
    expect(arrivals[2] - t0).toBeGreaterThanOrEqual(2 * 150 - 10);
  });

  it('stops at once when the caller aborts', async () => {
    srv.route('/abort', { fault: 'hang' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const t0 = Date.now();
    const err = await fast({ timeoutMs: 5000 }).request({ service: 'Test', url: `${srv.url}/abort`, signal: ctl.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('full jitter stays within [0, min(max, base*2^n)]', () => {
    const lo = new HttpClient({ backoffBaseMs: 100, backoffMaxMs: 1000, random: () => 0 });
    const hi = new HttpClient({ backoffBaseMs: 100, backoffMaxMs: 1000, random: () => 0.999999 });
    expect(lo.backoffMs(3)).toBe(0);
    expect(hi.backoffMs(2)).toBeCloseTo(400, 0);
    expect(hi.backoffMs(10)).toBeCloseTo(1000, 0);
  });

  it('takes service URLs from the environment', () => {
    expect(serviceUrl('vizier', {})).toMatch(/^https:\/\/vizier\.cds\.unistra\.fr\//);
    expect(serviceUrl('skybot', { VASCO_SKYBOT_URL: 'http://127.0.0.1:1/sb' })).toBe('http://127.0.0.1:1/sb');
  });
});

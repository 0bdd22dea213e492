import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../../electron/api/client';
import { methodNames, type ApiEvent } from '../../../electron/api/contract';
import { startHttpHost, type HttpHost } from '../../../electron/host/http-host';
import { CHROMIUM, CHROMIUM_ARGS, haveChromium } from '../../helpers/chromium';
import { startRecordedServer } from '../../helpers/recorded-server';
import { CASES } from '../api/contract-cases';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (no fetch: it would not let us forge the Host header). */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Only the status of a GET (the request is dropped once headers arrive: an event stream never ends). */
function statusOf(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'vasco-host-'));
const staticDir = join(tmp, 'renderer');
let host: HttpHost;

beforeAll(async () => {
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>VASCO</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmp, 'secret.txt'), 'outside the renderer');
  host = await startHttpHost({ dbPath: join(tmp, 'ws', 'vasco.sqlite'), port: 0, staticDir });
});
afterAll(async () => {
  await host?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(host.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}`, ...headers },
    body: JSON.stringify(body),
  });

describe('HTTP host', () => {
  it('prints a 127.0.0.1 URL carrying a random token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{20,}$`));
  });

  it('answers API calls that carry the token', async () => {
    const r = await api('app.info', {});
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.result.dbPath).toBe(join(tmp, 'ws', 'vasco.sqlite'));
    expect(typeof body.result.version).toBe('string');
    expect(JSON.parse((await api('runs.list', {})).body)).toEqual({ result: [] });
  });

  it('refuses API calls without the token, or with a wrong one, with 401', async () => {
    const none = await raw(host.port, { method: 'POST', path: '/api/app.info', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('unauthorized');
    const wrong = await api('app.info', {}, { Authorization: `Bearer ${host.token.slice(0, -2)}xx` });
    expect(wrong.status).toBe(401);
    // The cookie unlocks static files only, never the API.
    const cookie = await raw(host.port, {
      method: 'POST',
      path: '/api/app.info',
      headers: { 'Content-Type': 'application/json', Cookie: `vasco_token_${host.port}=${host.token}` },
      body: '{}',
    });
    expect(cookie.status).toBe(401);
  });

  it('refuses a foreign Host header with 403 even with the right token (DNS rebinding)', async () => {
    for (const h of [`evil.example:${host.port}`, '127.0.0.1:1', `127.0.0.1.nip.io:${host.port}`]) {
      const r = await api('app.info', {}, { Host: h });
      expect(r.status).toBe(403);
    }
    expect((await api('app.info', {}, { Host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('rejects malformed arguments of every method with 400 naming the method and field', async () => {
    for (const m of methodNames) {
      const [args, field] = CASES[m].bad[0];
      const r = await api(m, args);
      expect(r.status, m).toBe(400);
      const e = JSON.parse(r.body).error;
      expect(e.code).toBe('bad-arguments');
      expect(e.message).toContain(m);
      expect(e.message).toContain(`"${field}"`);
    }
    const unknown = await api('runs.delete', {});
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error.code).toBe('unknown-method');
    const notJson = await raw(host.port, {
      method: 'POST',
      path: '/api/runs.list',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);
  });

  it('answers a missing run with 404 and the store’s message', async () => {
    const r = await api('runs.get', { runId: 99 });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.message).toMatch(/run 99/);
  });

  it('caps the request body', async () => {
    const r = await api('reviewers.add', { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.status).toBe(413);
  });

  it('serves the renderer (public code) without a token and never sets a cookie, with a strict CSP, and nothing outside it', async () => {
    // A cookie would reach every other server on 127.0.0.1 (cookies ignore ports), so there is none.
    for (const path of ['/', `/?token=${host.token}`, '/assets/app.js', '/runs/3']) {
      const r = await raw(host.port, { path });
      expect(r.status, path).toBe(200);
      expect(r.headers['set-cookie'], path).toBeUndefined();
    }
    const first = await raw(host.port, { path: `/?token=${host.token}` });
    expect(first.body).toContain('<title>VASCO</title>');
    const csp = String(first.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    const js = await raw(host.port, { path: '/assets/app.js' });
    expect(js.headers['content-type']).toMatch(/javascript/);
    // Single-page routes fall back to index.html; files outside the folder are never served.
    expect((await raw(host.port, { path: '/runs/3' })).body).toContain('<title>VASCO</title>');
    expect((await raw(host.port, { path: '/../secret.txt' })).status).toBe(404);
    expect((await raw(host.port, { path: '/%2e%2e/secret.txt' })).status).toBe(404);
  });

  it('answers a broken percent-escape in the path or query with 400, not 500', async () => {
    for (const [method, path] of [
      ['POST', '/api/%E0%A4%A'],
      ['POST', '/api/app.info%'],
      ['GET', '/api/events?x=%E0%A4%A'],
      ['GET', '/%E0%A4%A'],
      ['GET', `/?token=${host.token}&q=%ZZ`],
    ]) {
      const r = await raw(host.port, {
        method,
        path,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.body).error.message, path).toMatch(/percent-encoding/);
    }
  });

  it('streams pushed events over SSE only with the token in the Authorization header, never in the URL', async () => {
    expect(await statusOf(host.port, '/api/events')).toBe(401);
    expect(await statusOf(host.port, `/api/events?token=${host.token}`)).toBe(401);
    expect(await statusOf(host.port, '/api/events', { Authorization: `Bearer ${host.token}` })).toBe(200);
    const got = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/events',
          headers: { Host: `127.0.0.1:${host.port}`, Authorization: `Bearer ${host.token}` },
        },
        (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            if (buf.includes(': connected')) {
              host.hub.emit({ event: 'pipeline.log', data: { jobId: 'j1', line: 'hello from the pipeline' } });
            }
            const m = buf.match(/^data: (.*)$/m);
            if (m) {
              req.destroy();
              resolve(m[1]);
            }
          });
        },
      );
      req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
      req.end();
    });
    expect(JSON.parse(got)).toEqual({ event: 'pipeline.log', data: { jobId: 'j1', line: 'hello from the pipeline' } });
  });

  it("delivers events through the renderer's HTTP transport, whose requests carry the token in no URL", async () => {
    const urls: string[] = [];
    const transport = createHttpTransport({
      token: host.token,
      baseUrl: host.origin,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    const received: ApiEvent[] = [];
    const unsubscribe = transport.subscribe((e) => received.push(e));
    try {
      // Emit until the stream is up (the subscription connects asynchronously).
      await expect
        .poll(() => {
          host.hub.emit({ event: 'pipeline.log', data: { jobId: 'j2', line: 'over fetch' } });
          return received.length;
        })
        .toBeGreaterThan(0);
      expect(received[0]).toEqual({ event: 'pipeline.log', data: { jobId: 'j2', line: 'over fetch' } });
      expect(await transport.invoke('runs.list', {})).toEqual({ result: [] });
    } finally {
      unsubscribe();
    }
    expect(urls).toContain(`${host.origin}/api/events`);
    for (const u of urls) expect(u).not.toContain(host.token);
  });

  it.skipIf(!haveChromium())('gives no other server on 127.0.0.1 the token when Chromium visits it after the workstation page', async () => {
    // Another local web server on another port, recording what the browser sends it.
    const other = await startRecordedServer();
    other.route('/', { headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>other</title>' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    let cookies: unknown[] = [];
    try {
      const page = await browser.newPage();
      await page.goto(host.url);
      expect(await page.title()).toBe('VASCO');
      // Visited from the address bar and by following a link from the workstation page.
      await page.goto(`${other.url}/typed`);
      await page.goto(host.url);
      await page.evaluate((href) => (location.href = href), `${other.url}/followed`);
      await page.waitForURL(`${other.url}/followed`);
      cookies = await page.context().cookies();
    } finally {
      await browser.close();
      await other.close();
    }
    expect(other.requests.map((r) => r.url.pathname)).toEqual(expect.arrayContaining(['/typed', '/followed']));
    for (const r of other.requests) {
      expect(r.headers.cookie, r.url.pathname).toBeUndefined();
      expect(JSON.stringify(r.headers), r.url.pathname).not.toContain(host.token);
    }
    expect(cookies).toEqual([]);
  }, 60_000);
});

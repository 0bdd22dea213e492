/**
 * The browser host's token, in Debian's Chromium with the built renderer: the
 * printed URL opens the workstation, the token then leaves the address bar
 * (history, screenshots, copied links), a reload still works, pipeline events
 * arrive over a stream that carries the token in a header and in no URL, and
 * another web server on 127.0.0.1 visited afterwards receives no token (there
 * is no cookie, and sessionStorage is per port).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost, type HttpHost } from '../../electron/host/http-host';
import { generatePlatePair } from '../../electron/synth/generate-pair';
import { CHROMIUM, CHROMIUM_ARGS, haveChromium } from '../helpers/chromium';
import { startRecordedServer, type RecordedServer } from '../helpers/recorded-server';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
import { haveCommand } from '../helpers/shared-data';

const ready =
  haveChromium() &&
  haveCommand('source-extractor', 'apt-get install -y source-extractor') &&
  haveCommand('psfex', 'apt-get install -y psfex');

interface SeenRequest {
  url: string;
  headers: Record<string, string>;
}

describe.skipIf(!ready)('the browser host token in Chromium', () => {
  let tmp: string;
  let host: HttpHost;
  let browser: Browser;
  let page: Page;
  let red: string;
  // Another local web server on another port, recording what the browser sends it.
  let other: RecordedServer;
  const requests: SeenRequest[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'vasco-token-'));
    red = (await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'tok', preset: 'small', size: 300, stars: 60, transients: 3, defects: 0, seed: 5 })).red;
    host = await startHttpHost({ dbPath: join(tmp, 'workspace.sqlite'), port: 0, staticDir: RENDERER_DIST, offline: true });
    other = await startRecordedServer();
    other.route('/', { headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>another local server</title>' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers() }));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await other?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('opens from the printed URL, drops the token from the address bar, survives a reload, streams events and keeps the token from another port', async () => {
    const home = `${host.origin}/`;
    await page.goto(host.url);
    // The app talks to the API (the reviewer prompt needs app.info) and the address bar is clean.
    await page.getByLabel('Reviewer name').fill('Token Tester');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await expect.poll(() => page.locator('.reviewer').textContent()).toBe('Token Tester');
    expect(page.url()).toBe(home);
    expect(await page.evaluate(() => location.href + document.URL)).not.toContain(host.token);

    // A reload (address without the token) still works: the token is in this tab's sessionStorage.
    await page.reload();
    expect(page.url()).toBe(home);
    await expect.poll(() => page.locator('.reviewer').textContent()).toBe('Token Tester');

    // Events arrive: the run's log lines come only through the event stream.
    await page.getByRole('radio', { name: 'local FITS' }).click();
    await page.getByLabel('Red FITS path').fill(red);
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.getByTestId('run-progress').getByLabel('Log').textContent(), { timeout: 120_000 }).not.toBe('');
    await page.locator('.state-done').waitFor({ timeout: 300_000 });
    expect(await page.getByTestId('error-banner').count()).toBe(0);

    // The token went into one URL only: the printed one. The API and the stream carry it as a header.
    const ours = requests.filter((r) => r.url.startsWith(host.origin));
    expect(ours.filter((r) => r.url.includes(host.token)).map((r) => r.url)).toEqual([host.url]);
    const streams = ours.filter((r) => new URL(r.url).pathname === '/api/events');
    expect(streams.length).toBeGreaterThan(0); // opened for the run, i.e. after the reload
    for (const r of ours.filter((x) => new URL(x.url).pathname.startsWith('/api/'))) {
      expect(r.headers.authorization, r.url).toBe(`Bearer ${host.token}`);
      expect(r.headers.cookie, r.url).toBeUndefined();
    }

    // Another local server, visited next in the same tab, receives no token in any form, and cannot read it.
    await page.goto(`${other.url}/visited-next`);
    expect(other.requests.map((r) => r.url.pathname)).toContain('/visited-next');
    for (const r of other.requests) {
      expect(r.headers.cookie, r.url.pathname).toBeUndefined();
      expect(JSON.stringify(r.headers), r.url.pathname).not.toContain(host.token);
    }
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie)).not.toContain(host.token);
    expect(await page.context().cookies()).toEqual([]);

    // Back in history: the workstation's entry holds no token, and the app still works there.
    await page.goBack();
    expect(page.url()).toBe(home);
    await expect.poll(() => page.locator('.reviewer').textContent()).toBe('Token Tester');
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});

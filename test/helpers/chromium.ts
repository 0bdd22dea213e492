/**
 * Debian's Chromium driven by playwright-core (no browser download): where it
 * is, the flags it needs headless as root on these machines, a skip check
 * that prints why, and what every Chromium test against the browser host
 * shares: the screenshot folder, the offline watch and the tear-down.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll } from 'vitest';
import type { HttpHost } from '../../electron/host/http-host';
import { projectRoot } from './shared-data';

export const CHROMIUM = '/usr/bin/chromium';

/** Where the e2e tests put their screenshots, to be looked at. */
export const SHOTS = join(projectRoot, 'test-output', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

/** True when Chromium is installed; prints the skip reason otherwise. */
export function haveChromium(): boolean {
  if (!existsSync(CHROMIUM)) console.warn(`SKIP: ${CHROMIUM} not found (install: apt-get install -y chromium)`);
  return existsSync(CHROMIUM);
}

/** A headless Chromium with its own profile folder and the 1600x1000 window the e2e screenshots use, and its first page. */
export async function openChromiumPage(profileDir: string): Promise<{ context: import('playwright-core').BrowserContext; page: import('playwright-core').Page }> {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: CHROMIUM_ARGS,
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** What the offline watch caught: console and page errors, and the requests refused for leaving 127.0.0.1. */
export interface OfflineWatch {
  consoleErrors: string[];
  remoteRequests: string[];
}

/**
 * Offline means offline: in `context` only 127.0.0.1 (and blob:/data:) is
 * reachable, anything else is recorded and refused; `page`'s console errors
 * and uncaught errors are collected, except console errors matching
 * `provoked` (the ones a test causes on purpose, e.g. a reply it cuts).
 * Set it up before the first `goto`.
 */
export async function watchOffline(context: BrowserContext, page: Page, provoked?: RegExp): Promise<OfflineWatch> {
  const watch: OfflineWatch = { consoleErrors: [], remoteRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' && !provoked?.test(m.text())) watch.consoleErrors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => watch.consoleErrors.push(`pageerror: ${e.message}`));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'blob:' || url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.continue();
    watch.remoteRequests.push(url.href);
    return route.abort();
  });
  return watch;
}

/**
 * The tear-down of a describe block driving Chromium against the host: after
 * its tests the browser and the host closed and the test's folder removed,
 * whichever of them `made` says the set-up got as far as making.
 */
export function cleanUpAfterAll(made: () => { context?: BrowserContext; host?: HttpHost; tmp?: string }): void {
  afterAll(async () => {
    const { context, host, tmp } = made();
    await context?.close();
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
}

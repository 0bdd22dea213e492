/**
 * Debian's Chromium driven by playwright-core (no browser download): where it
 * is, the flags it needs headless as root on these machines, and a skip
 * check that prints why.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

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

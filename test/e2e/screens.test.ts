/**
 * Every screen of the workstation at the window sizes reviewers use
 * (1366x768, 1600x1000, 1920x1080), in Debian's Chromium against the browser
 * host: the run form, the review, the gallery, the plots, the published
 * sources, the key list and the export dialog. Each is drawn without a
 * console error and without the page itself scrolling sideways or down (a
 * panel may scroll inside; the window does not). The survey view has its own
 * test (survey-view.test.ts) with its screenshots.
 * Screenshots: test-output/screenshots/screen-<view>-WxH.png, to be looked at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHost } from '../../electron/host/http-host';
import { haveChromium } from '../helpers/chromium';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { projectRoot } from '../helpers/shared-data';
import { openReviewPage, reviewFixture } from './review-fixture';

const SHOTS = join(projectRoot, 'test-output', 'screenshots');
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1600, height: 1000 },
  { width: 1920, height: 1080 },
];

describe.skipIf(!haveChromium())('every screen at 1366x768, 1600x1000 and 1920x1080', () => {
  let tmp: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[] = [];

  /** Open a screen from the review: a tab, a key, a button. */
  const SCREENS: { name: string; open(): Promise<void>; close?(): Promise<void> }[] = [
    { name: 'run', open: () => page.getByRole('tab', { name: 'Plate run' }).click() },
    { name: 'review', open: () => page.getByRole('tab', { name: 'Review' }).click() },
    {
      name: 'gallery',
      open: async () => {
        await page.getByRole('tab', { name: 'Review' }).click();
        await page.keyboard.press('g');
        await page.getByTestId('gallery').waitFor();
      },
      close: () => page.keyboard.press('g'),
    },
    { name: 'plots', open: () => page.getByRole('tab', { name: 'Plots' }).click() },
    { name: 'published', open: () => page.getByRole('tab', { name: 'Published' }).click() },
    {
      name: 'keys',
      open: async () => {
        await page.getByRole('tab', { name: 'Review' }).click();
        await page.keyboard.press('?');
        await page.getByTestId('key-help').waitFor();
      },
      close: () => page.keyboard.press('Escape'),
    },
    {
      name: 'export',
      open: async () => {
        await page.getByRole('tab', { name: 'Review' }).click();
        await page.getByRole('button', { name: 'Export…' }).click();
      },
      close: () => page.keyboard.press('Escape'),
    },
  ];

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-screens-e2e-'));
    ({ host } = await reviewFixture(tmp, 40));
    ({ context, page, consoleErrors } = await openReviewPage(host, join(tmp, 'chromium-profile'), 'E. Hubble'));
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const size of SIZES) {
    it(`${size.width}x${size.height}: every screen drawn whole, in the window`, async () => {
      await page.setViewportSize(size);
      for (const screen of SCREENS) {
        await screen.open();
        // Let images, Aladin and the plots settle before looking.
        await page.waitForTimeout(800);
        const overflow = await page.evaluate(() => {
          const el = document.scrollingElement!;
          return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight };
        });
        expect.soft(overflow, `${screen.name} at ${size.width}x${size.height}: the window scrolls`).toEqual({ x: 0, y: 0 });
        await page.screenshot({ path: join(SHOTS, `screen-${screen.name}-${size.width}x${size.height}.png`) });
        await screen.close?.();
      }
      expect(consoleErrors).toEqual([]);
    });
  }
});

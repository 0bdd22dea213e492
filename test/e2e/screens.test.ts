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
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveChromium, SHOTS } from '../helpers/chromium';
import { useReviewPage } from './review-fixture';

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1600, height: 1000 },
  { width: 1920, height: 1080 },
];

describe.skipIf(!haveChromium())('every screen at 1366x768, 1600x1000 and 1920x1080', () => {
  const ui = useReviewPage({ tmpPrefix: 'vasco-screens-e2e-', count: 40, reviewer: 'E. Hubble' });

  /** Open a screen from the review: a tab, a key, a button. */
  const SCREENS: { name: string; open(): Promise<void>; close?(): Promise<void> }[] = [
    { name: 'run', open: () => ui.page.getByRole('tab', { name: 'Plate run' }).click() },
    { name: 'review', open: () => ui.page.getByRole('tab', { name: 'Review' }).click() },
    {
      name: 'gallery',
      open: async () => {
        await ui.page.getByRole('tab', { name: 'Review' }).click();
        await ui.page.keyboard.press('g');
        await ui.page.getByTestId('gallery').waitFor();
      },
      close: () => ui.page.keyboard.press('g'),
    },
    { name: 'plots', open: () => ui.page.getByRole('tab', { name: 'Plots' }).click() },
    { name: 'published', open: () => ui.page.getByRole('tab', { name: 'Published' }).click() },
    {
      name: 'keys',
      open: async () => {
        await ui.page.getByRole('tab', { name: 'Review' }).click();
        await ui.page.keyboard.press('?');
        await ui.page.getByTestId('key-help').waitFor();
      },
      close: () => ui.page.keyboard.press('Escape'),
    },
    {
      name: 'export',
      open: async () => {
        await ui.page.getByRole('tab', { name: 'Review' }).click();
        await ui.page.getByRole('button', { name: 'Export…' }).click();
      },
      close: () => ui.page.keyboard.press('Escape'),
    },
  ];

  for (const size of SIZES) {
    it(`${size.width}x${size.height}: every screen drawn whole, in the window`, async () => {
      await ui.page.setViewportSize(size);
      for (const screen of SCREENS) {
        await screen.open();
        // Let images, Aladin and the plots settle before looking.
        await ui.page.waitForTimeout(800);
        const overflow = await ui.page.evaluate(() => {
          const el = document.scrollingElement!;
          return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight };
        });
        expect.soft(overflow, `${screen.name} at ${size.width}x${size.height}: the window scrolls`).toEqual({ x: 0, y: 0 });
        await ui.page.screenshot({ path: join(SHOTS, `screen-${screen.name}-${size.width}x${size.height}.png`) });
        await screen.close?.();
      }
      expect(ui.consoleErrors).toEqual([]);
    });
  }
});

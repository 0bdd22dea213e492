/**
 * The review screen at the window sizes reviewers use, in Debian's Chromium
 * against the browser host: 1366x768, 1600x1000, 1920x1080 and 4K. Every
 * panel is on screen and none overlaps another, the pictures grow with the
 * window, the pixel readouts show whole values, the Aladin coordinate box
 * stays inside the sky panel, and a dragged layout is kept across a reload.
 * Screenshots: test-output/screenshots/layout-WxH.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveChromium, SHOTS } from '../helpers/chromium';
import { useReviewPage } from './review-fixture';

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1600, height: 1000 },
  { width: 1920, height: 1080 },
  { width: 3840, height: 2160 },
];
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

describe.skipIf(!haveChromium())('review layout from 1366x768 to 4K', () => {
  const ui = useReviewPage({ tmpPrefix: 'vasco layout e2e ', count: 12, reviewer: 'H. Shapley' });
  /** Side of the red cutout's canvas at each window width. */
  const stampSide = new Map<number, number>();

  const boxes = (): Promise<Box[]> =>
    ui.page.evaluate(() => {
      const named: [string, string][] = [
        ['table', '[data-testid="candidate-table"]'],
        ['cutouts', '[data-testid="cutout-panel"]'],
        ['blink', '[data-testid="blink-panel"]'],
        ['sky', '[data-testid="sky-panel"]'],
        ['flag', '[data-testid="review-panel"]'],
      ];
      return named.map(([name, sel]) => {
        const r = document.querySelector(sel)!.getBoundingClientRect();
        return { name, x: r.x, y: r.y, width: r.width, height: r.height };
      });
    });
  const overlaps = (a: Box, b: Box) => a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;

  for (const size of SIZES) {
    it(`${size.width}x${size.height}: every panel on screen, none overlapping, readouts whole, Aladin's box inside its panel`, async () => {
      await ui.page.setViewportSize(size);
      await ui.page.reload();
      await ui.page.getByTestId('cutout-red').waitFor();
      await ui.page.locator('[data-testid="sky-panel"] .aladin-location').waitFor();

      const all = await boxes();
      for (const b of all) {
        expect.soft(b.x, `${b.name} starts left of the window`).toBeGreaterThanOrEqual(0);
        expect.soft(b.y, `${b.name} starts above the window`).toBeGreaterThanOrEqual(0);
        expect.soft(b.x + b.width, `${b.name} runs off the right edge`).toBeLessThanOrEqual(size.width + 0.5);
        expect.soft(b.y + b.height, `${b.name} runs below the window`).toBeLessThanOrEqual(size.height + 0.5);
      }
      for (let i = 0; i < all.length; i++)
        for (let j = i + 1; j < all.length; j++) expect.soft(overlaps(all[i], all[j]), `${all[i].name} overlaps ${all[j].name}`).toBe(false);

      // Hovering a picture fills the readout beside it with pixel and sky values: none is cut off.
      const c = (await ui.page.getByTestId('cutout-red').boundingBox())!;
      stampSide.set(size.width, c.width);
      for (const [picture, readout] of [
        [ui.page.getByTestId('cutout-red'), ui.page.getByTestId('cutout-panel').getByTestId('pixel-readout').first()],
        [ui.page.getByTestId('blink-view'), ui.page.getByTestId('blink-panel').getByTestId('pixel-readout')],
      ]) {
        const box = (await picture.boundingBox())!;
        await ui.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await poll(() => readout.textContent()).toMatch(/α \d\d:\d\d/);
        const clipped = await readout.evaluate((el) =>
          [...el.querySelectorAll('span')].filter((s) => s.scrollWidth > s.clientWidth + 1 || s.getBoundingClientRect().right > el.parentElement!.getBoundingClientRect().right + 1).map((s) => s.textContent),
        );
        expect(clipped).toEqual([]);
      }

      // Aladin's coordinate box sits wholly inside the sky panel.
      const sky = (await ui.page.getByTestId('sky-panel').boundingBox())!;
      const coo = (await ui.page.locator('[data-testid="sky-panel"] .aladin-location').boundingBox())!;
      expect(coo.x).toBeGreaterThanOrEqual(sky.x);
      expect(coo.x + coo.width).toBeLessThanOrEqual(sky.x + sky.width + 0.5);
      expect(coo.y + coo.height).toBeLessThanOrEqual(sky.y + sky.height + 0.5);

      await ui.page.waitForTimeout(400);
      await ui.page.screenshot({ path: join(SHOTS, `layout-${size.width}x${size.height}.png`) });
    });
  }

  it('next candidate: the same sky view shows it (the view is kept, not rebuilt)', async () => {
    await ui.page.setViewportSize({ width: 1600, height: 1000 });
    const sky = ui.page.getByTestId('sky-panel');
    const skyDrawn = () =>
      ui.page.evaluate(() =>
        performance
          .getEntriesByName('vasco:drawn')
          .map((e) => (e as PerformanceMark).detail as { panel: string; candidateId: number })
          .filter((d) => d.panel === 'sky')
          .map((d) => d.candidateId),
      );
    const table = ui.page.getByTestId('candidate-table');
    const selected = async () => Number(await table.locator('.tr.selected').getAttribute('data-candidate-id'));
    const before = await selected();
    await poll(async () => (await skyDrawn()).includes(before)).toBe(true);
    // Mark the view's element: a rebuilt view would be a new element without the mark.
    await sky.locator('.aladin-host').evaluate((el) => el.setAttribute('data-first-view', 'yes'));
    await ui.page.keyboard.press('n');
    await poll(selected).toBe(before + 1);
    await poll(async () => (await skyDrawn()).includes(before + 1)).toBe(true);
    expect(await sky.locator('.aladin-host').getAttribute('data-first-view')).toBe('yes');
    expect(await sky.locator('.aladin-host canvas').count()).toBeGreaterThan(0);
    expect(await sky.textContent()).toMatch(/other candidates \d+/);
    await ui.page.waitForTimeout(500);
    await sky.screenshot({ path: join(SHOTS, 'layout-sky-next.png') });
  });

  it('the pictures grow with the window', () => {
    const sides = SIZES.map((s) => stampSide.get(s.width)!);
    expect(sides.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < sides.length; i++) expect(sides[i]).toBeGreaterThan(sides[i - 1]);
  });

  it('dragged bars resize table, pictures and flag column, and the layout survives a reload', async () => {
    await ui.page.setViewportSize({ width: 1600, height: 1000 });
    await ui.page.reload();
    await ui.page.getByTestId('cutout-red').waitFor();
    await ui.page.locator('[data-testid="sky-panel"] .aladin-location').waitFor();
    const before = await boxes();
    const table = before.find((b) => b.name === 'table')!;
    const flag = before.find((b) => b.name === 'flag')!;
    const stamp = (await ui.page.getByTestId('cutout-red').boundingBox())!.width;

    // Pull the bar under the table up by 150 px: the table shrinks, the pictures get the room (if their width allows).
    const rowBar = (await ui.page.getByRole('separator', { name: 'Resize the table and the pictures' }).boundingBox())!;
    await ui.page.mouse.move(rowBar.x + rowBar.width / 2, rowBar.y + rowBar.height / 2);
    await ui.page.mouse.down();
    await ui.page.mouse.move(rowBar.x + rowBar.width / 2, rowBar.y - 150, { steps: 5 });
    await ui.page.mouse.up();
    // Pull the bar before the flag column left by 120 px: the column widens.
    const colBar = (await ui.page.getByRole('separator', { name: 'Resize the flag column' }).boundingBox())!;
    await ui.page.mouse.move(colBar.x + colBar.width / 2, colBar.y + colBar.height / 2);
    await ui.page.mouse.down();
    await ui.page.mouse.move(colBar.x + colBar.width / 2 - 120, colBar.y + colBar.height / 2, { steps: 5 });
    await ui.page.mouse.up();

    const measure = async () => {
      const b = await boxes();
      return {
        table: Math.round(b.find((x) => x.name === 'table')!.height),
        flag: Math.round(b.find((x) => x.name === 'flag')!.width),
      };
    };
    const dragged = await measure();
    expect(dragged.table).toBeLessThan(table.height - 100);
    expect(dragged.flag).toBeGreaterThan(flag.width + 100);
    // Narrower main area: the pictures follow the width they now have.
    expect((await ui.page.getByTestId('cutout-red').boundingBox())!.width).toBeLessThan(stamp);

    await ui.page.reload();
    await ui.page.getByTestId('cutout-red').waitFor();
    expect(await measure()).toEqual(dragged);

    // Double-click: back to the default.
    await ui.page.getByRole('separator', { name: 'Resize the flag column' }).dblclick();
    await ui.page.getByRole('separator', { name: 'Resize the table and the pictures' }).dblclick();
    const reset = await measure();
    expect(Math.abs(reset.flag - flag.width)).toBeLessThan(2);
    expect(Math.abs(reset.table - table.height)).toBeLessThan(2);
    expect(ui.consoleErrors).toEqual([]);
  });
});

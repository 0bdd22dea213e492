/**
 * The gallery as a reviewer triages with it, in Debian's Chromium against the
 * browser host and a real SQLite store: g opens a grid of red/blue thumbnails
 * filling the screen, the arrows move the focus (a row at a time with ↑/↓),
 * digits flag the focused candidate (and advance, turning the page at its
 * end), u undoes, Enter opens the focused one in the full view. Every flag is
 * checked in the SQLite file, on the candidate that had the focus.
 * Screenshots: test-output/screenshots/gallery-*.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REVIEW_LABELS } from '../../electron/store/labels';
import { haveChromium, SHOTS } from '../helpers/chromium';
import { storedLabels, useReviewPage } from './review-fixture';

const REVIEWER = 'C. Tombaugh';
const labelOfKey = (key: string) => REVIEW_LABELS.find((l) => l.key === key)!.label;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 50 });

describe.skipIf(!haveChromium())('the gallery in Chromium against the browser host', () => {
  const ui = useReviewPage({ tmpPrefix: 'vasco-gallery-e2e-', count: 40, reviewer: REVIEWER, viewport: { width: 1366, height: 768 } });
  const labels = () => storedLabels(ui.dbPath, REVIEWER);
  const gallery = () => ui.page.getByTestId('gallery');
  const focused = async () => Number(await gallery().locator('.gallery-cell.focused').getAttribute('data-candidate-id'));
  const focusedIndex = async () => Number(await gallery().locator('.gallery-cell.focused').getAttribute('data-index'));
  const cellIds = () => gallery().locator('.gallery-cell').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-candidate-id'))));

  it('g opens a grid filling the screen, every red, blue and difference thumbnail drawn, the selected candidate focused', async () => {
    await ui.page.keyboard.press('g');
    await gallery().waitFor();
    const ids = await cellIds();
    // 1366x768: several rows of several thumbnails, in table order from #1.
    expect(ids.length).toBeGreaterThanOrEqual(12);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const grid = (await gallery().locator('.gallery-grid').boundingBox())!;
    for (const cell of await gallery().locator('.gallery-cell').all()) {
      const b = (await cell.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(grid.x + grid.width + 0.5);
      expect(b.y + b.height).toBeLessThanOrEqual(grid.y + grid.height + 0.5);
    }
    // Red, blue and red minus blue, for each.
    await poll(() => gallery().locator('canvas[style*="visible"]').count()).toBe(3 * ids.length);
    expect(await gallery().getByTestId('thumb-diff').count()).toBe(ids.length);
    expect(await focused()).toBe(1);
    await ui.page.waitForTimeout(300);
    await ui.page.screenshot({ path: join(SHOTS, 'gallery-1366x768.png') });
  });

  it('arrows move the focus, ↓ by a whole row; the panels follow it', async () => {
    const columns = await gallery()
      .locator('.gallery-cell')
      .evaluateAll((cells) => cells.filter((c) => Math.abs(c.getBoundingClientRect().top - cells[0].getBoundingClientRect().top) < 1).length);
    expect(columns).toBeGreaterThan(1);
    await ui.page.keyboard.press('ArrowRight');
    await ui.page.keyboard.press('ArrowRight');
    await ui.page.keyboard.press('ArrowDown');
    await ui.page.keyboard.press('ArrowLeft');
    await poll(focusedIndex).toBe(1 + columns);
    const id = await focused();
    await poll(() => ui.page.getByTestId('candidate-detail').locator('h3').textContent()).toContain(`#${id}`);
  });

  it('digits typed fast flag the focused candidates in grid order, the page turns at its end, u undoes the last', async () => {
    const perPage = (await cellIds()).length;
    // Start on the last row's last thumbnail but two, so the flags run over the page's end.
    await gallery().locator(`.gallery-cell[data-index="${perPage - 3}"]`).click();
    await poll(focusedIndex).toBe(perPage - 3);
    const first = await focused();
    const keys = ['2', '3', '4', '5', '6'];
    for (const key of keys) await ui.page.keyboard.press(key, { delay: 10 }).then(() => ui.page.waitForTimeout(50));
    // Five candidates, in order from the focused one, each labelled with its key.
    const expected = keys.map((k, i) => [first + i, labelOfKey(k)]);
    await poll(() => [...labels()].sort((a, b) => a[0] - b[0])).toEqual(expected);
    // The focus went on past the end of the page: the next page is shown, focused on the sixth.
    await poll(focused).toBe(first + keys.length);
    expect((await cellIds())[0]).toBe(perPage + 1);
    expect(await gallery().locator('.gallery-cell.focused .gallery-label').textContent()).toBe('unlabelled');

    // u withdraws the last flag and goes back to that candidate, so the reviewer sees what was undone.
    await ui.page.keyboard.press('u');
    await poll(() => labels().get(first + keys.length - 1)).toBeUndefined();
    expect(labels().size).toBe(keys.length - 1);
    await poll(focused).toBe(first + keys.length - 1);
    await ui.page.keyboard.press('ArrowLeft');
    await poll(focused).toBe(first + keys.length - 2);
    await poll(() => gallery().locator('.gallery-cell.focused .gallery-label').textContent()).toBe(labelOfKey('5'));
    await ui.page.screenshot({ path: join(SHOTS, 'gallery-flagged.png') });
  });

  it('Enter opens the focused candidate in the full view; ? lists the gallery keys', async () => {
    // Over the gallery, Escape closes the key list, not the gallery.
    await ui.page.keyboard.press('?');
    await ui.page.getByTestId('key-help').waitFor();
    await ui.page.keyboard.press('Escape');
    await poll(() => ui.page.getByTestId('key-help').count()).toBe(0);
    expect(await gallery().count()).toBe(1);
    const id = await focused();
    await ui.page.keyboard.press('Enter');
    await poll(() => gallery().count()).toBe(0);
    const table = ui.page.getByTestId('candidate-table');
    await poll(async () => Number(await table.locator('.tr.selected').getAttribute('data-candidate-id'))).toBe(id);
    await ui.page.getByTestId('cutout-red').waitFor();
    // Enter was the gallery's: no comment box opened.
    expect(await ui.page.getByLabel('Comment on this candidate').count()).toBe(0);
    await ui.page.keyboard.press('?');
    const help = ui.page.getByTestId('key-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('open or close the gallery');
    await ui.page.keyboard.press('Escape');
    expect(ui.consoleErrors).toEqual([]);
  });
});

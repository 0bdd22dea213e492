/**
 * The review screen as a reviewer works it, in Debian's Chromium against the
 * real browser host (`vasco serve`'s electron/host/http-host.ts) and a real
 * SQLite workspace: a synthetic plate pair (so every panel has real pixels)
 * with a run recorded straight into the store, as test/electron/store does.
 *
 * Choose a row and sort, filter and flag, type five flags fast, lose a reply,
 * use each control (select, checkbox, slider, stretch) and keep flagging,
 * blind mode, an error that clears, comments. Every flag is checked where it
 * matters: in the SQLite file, on the candidate that was highlighted. Each
 * case starts from a freshly loaded page (sorted by id, no filter), so each
 * fails on its own on the code it guards against.
 * Screenshots: test-output/screenshots/review-*.png.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { HttpHost } from '../../electron/host/http-host';
import { REVIEW_LABELS } from '../../electron/store/labels';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { reviewFixture, storedLabels as storedLabelsIn } from './review-fixture';

const REVIEWER = 'R. Minkowski';
const labelOfKey = (key: string) => REVIEW_LABELS.find((l) => l.key === key)!.label;
/** Wait for the page (or the file) to get there; generous, as the machine is shared and busy. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 50 });

describe.skipIf(!haveChromium())('review flow in Chromium against the browser host', () => {
  let tmp: string;
  let dbPath: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let table: Locator;
  let consoleErrors: string[] = [];

  const storedLabels = () => storedLabelsIn(dbPath, REVIEWER);
  const sql = <T>(query: string, ...args: unknown[]): T[] => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare(query).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  const selectedId = async () => Number(await table.locator('.tr.selected').getAttribute('data-candidate-id'));
  const selectedIndex = async () => Number(await table.locator('.tr.selected').getAttribute('data-index'));
  const mine = (id: number) => table.locator(`[data-candidate-id="${id}"] .col-mine`).textContent();
  const toast = () => page.getByTestId('review-toast').textContent();
  const rowIds = async () => (await table.locator('.tr[data-candidate-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-candidate-id')))));
  /** Click a row and wait until the panels show it. */
  const choose = async (id: number) => {
    await table.locator(`[data-candidate-id="${id}"]`).click();
    await poll(selectedId).toBe(id);
    await poll(() => page.getByTestId('candidate-detail').locator('h3').textContent()).toContain(`#${id}`);
  };
  /** The highlighted row is wholly visible: below the sticky header, above the scroll area's bottom edge. */
  const selectedRowInView = () =>
    table.evaluate((t) => {
      const row = t.querySelector('.tr.selected')?.getBoundingClientRect();
      const scroll = t.querySelector('.table-scroll') as HTMLElement;
      const header = t.querySelector('.table-header')!.getBoundingClientRect();
      return !!row && row.top >= header.bottom - 1 && row.bottom <= scroll.getBoundingClientRect().top + scroll.clientHeight + 1;
    });
  const idle = () => poll(() => page.getByTestId('my-label').textContent()).not.toMatch(/saving|queued/);

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-review-e2e-'));
    // Real pixels for the cutout, blink and sky panels; another reviewer already called two of them blends (the consensus the label filter sees).
    ({ dbPath, host } = await reviewFixture(tmp, 40, (ws) => {
      for (const id of [3, 5]) ws.addReview({ candidateId: id, reviewer: 'W. Baade', label: 'blend', appVersion: 'e2e' });
    }));
    ({ context, page } = await openChromiumPage(join(tmp, 'chromium-profile')));
    // The connection this test cuts on purpose (a lost reply) and the write it refuses are logged by Chromium; nothing else may be.
    ({ consoleErrors } = await watchOffline(context, page, /ERR_CONNECTION_RESET|status of 422/));

    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill(REVIEWER);
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    // Stored (and remembered by the page) before any test reloads it.
    await page.locator('.reviewer', { hasText: REVIEWER }).waitFor();
    table = page.getByTestId('candidate-table');
  }, 300_000);

  beforeEach(async () => {
    await page.goto(host.url);
    await table.locator('.tr.selected').waitFor();
    await page.getByTestId('cutout-red').waitFor();
  });

  cleanUpAfterAll(() => ({ context, host, tmp }));

  it('choose a row, sort: the same candidate stays highlighted where it now sits, and the flag labels it', async () => {
    await choose(12);
    const before = await selectedIndex();
    // Sort by SNR, highest first: #12 moves.
    await table.getByRole('columnheader', { name: /SNR/ }).click();
    await table.getByRole('columnheader', { name: /SNR/ }).click();
    await poll(() => table.getByRole('columnheader', { name: /SNR/ }).getAttribute('aria-sort')).toBe('descending');
    await poll(selectedId).toBe(12);
    const after = await selectedIndex();
    expect(after).not.toBe(before);
    // The one thing selected: highlight, panels and footer agree, and the row is in view.
    expect(await page.getByTestId('candidate-detail').locator('h3').textContent()).toContain('#12');
    expect(await page.getByTestId('review-panel').locator('h3').textContent()).toContain('#12');
    expect(await table.locator('.table-footer').textContent()).toContain(`row ${after + 1}`);
    await poll(selectedRowInView).toBe(true);

    await page.keyboard.press('1');
    await poll(toast).toContain('#12 labelled transient');
    await poll(() => mine(12)).toBe('transient');
    expect([...storedLabels()]).toEqual([[12, 'transient']]);
    await page.getByTestId('review-panel').screenshot({ path: join(SHOTS, 'review-flag-panel.png') });
    await page.screenshot({ path: join(SHOTS, 'review-toast.png') });
  });

  it('filter away the selected candidate: the first row shown is selected, and the flag labels that one', async () => {
    // #3 is a blend by consensus; only the unreviewed are then shown, so #3 goes.
    await choose(3);
    const label = page.getByLabel('Label', { exact: true });
    await label.focus();
    await label.selectOption('unreviewed');
    // The filtered rows have arrived (not the empty table of the moment between the two queries).
    await poll(async () => {
      const ids = await rowIds();
      return ids.length > 0 && !ids.includes(3);
    }).toBe(true);
    const first = (await rowIds())[0];
    await poll(selectedId).toBe(first);
    await poll(() => page.getByTestId('candidate-detail').locator('h3').textContent()).toContain(`#${first}`);
    await poll(() => page.getByTestId('review-panel').locator('h3').textContent()).toContain(`#${first}`);
    // The select was used last: the digit is still a flag, on the highlighted row.
    await page.keyboard.press('2');
    await poll(toast).toContain(`#${first} labelled emulsion_defect`);
    await poll(() => storedLabels().get(first)).toBe('emulsion_defect');
    expect(storedLabels().has(3)).toBe(false);
  });

  it('five flags typed 60 ms apart on a slow host label five candidates in table order; u right after undoes the last', async () => {
    await idle();
    // A slower host (a busy disk): every flag takes 150 ms to be acknowledged.
    await page.route('**/api/reviews.add', async (route) => {
      await new Promise((r) => setTimeout(r, 150));
      await route.continue();
    });
    try {
      const order = await rowIds();
      const labelled = storedLabels();
      // Six unlabelled rows in a row: five flags and the row the last advance lands on.
      const start = order.findIndex((_, i) => i + 6 <= order.length && order.slice(i, i + 6).every((x) => !labelled.has(x)));
      const targets = order.slice(start, start + 5);
      await choose(targets[0]);
      const keys = ['3', '4', '5', '6', '7'];
      for (const key of keys) await page.keyboard.press(key, { delay: 10 }).then(() => page.waitForTimeout(50));
      await poll(() => targets.map((id) => storedLabels().get(id) ?? null)).toEqual(keys.map(labelOfKey));
      await idle();
      expect(await selectedId()).toBe(order[start + 5]);
      // Queued like the flags: a label and, at once, its undo.
      const next = order[start + 5];
      await page.keyboard.press('q');
      await page.keyboard.press('u');
      await poll(() => sql<{ action: string }>('SELECT action FROM reviews WHERE candidate_id = ? ORDER BY id', next).map((r) => r.action)).toEqual(['label', 'undo']);
      await poll(toast).toContain(`#${next}: unsure withdrawn`);
      await idle();
      expect(await selectedId()).toBe(next);
    } finally {
      await page.unroute('**/api/reviews.add');
    }
  });

  it('a flag whose reply is lost is sent again and stored once', async () => {
    await idle();
    const id = await selectedId();
    const lastEvent = sql<{ m: number }>('SELECT MAX(id) AS m FROM reviews')[0].m;
    let attempts = 0;
    await page.route('**/api/reviews.add', async (route) => {
      attempts++;
      if (attempts === 1) {
        // The request reaches the host and is stored; the answer never comes back.
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    try {
      await page.keyboard.press('l');
      await poll(toast).toContain(`#${id} labelled ${labelOfKey('l')}`);
      expect(attempts).toBe(2);
      const events = sql<{ n: number; keys: number }>(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS keys FROM reviews WHERE id > ?',
        lastEvent,
      )[0];
      expect(events).toEqual({ n: 1, keys: 1 });
      expect(storedLabels().get(id)).toBe('blend');
      expect(await page.getByTestId('error-banner').count()).toBe(0);
    } finally {
      await page.unroute('**/api/reviews.add');
    }
  });

  it('after the stretch select, a checkbox and the blink-rate slider, n and the digits still work', async () => {
    await idle();
    // The stretch select (as a person does: focus, choose).
    const stretch = page.getByTestId('cutout-panel').getByLabel('red stretch');
    await stretch.focus();
    await stretch.selectOption('linear');
    let id = await selectedId();
    await page.keyboard.press('n');
    await poll(selectedId).not.toBe(id);
    id = await selectedId();
    await page.keyboard.press('1');
    await poll(() => storedLabels().get(id)).toBe('transient');
    await idle();

    // A checkbox: "advance after flag" off, then a flag stays on its row.
    await page.getByLabel('advance after flag').click();
    id = await selectedId();
    await page.keyboard.press('2');
    await poll(() => storedLabels().get(id)).toBe('emulsion_defect');
    await idle();
    expect(await selectedId()).toBe(id);
    await page.getByLabel('advance after flag').click();
    await page.keyboard.press('n');
    await poll(selectedId).not.toBe(id);

    // The blink-rate slider: dragged, then the arrows blink the frames and leave the rate alone.
    const slider = page.getByLabel('Blink rate');
    const box = (await slider.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2);
    const rate = await slider.inputValue();
    const frame = await page.getByTestId('blink-frame-label').textContent();
    await page.keyboard.press('ArrowRight');
    await poll(() => page.getByTestId('blink-frame-label').textContent()).not.toBe(frame);
    expect(await slider.inputValue()).toBe(rate);
    id = await selectedId();
    await page.keyboard.press('3');
    await poll(() => storedLabels().get(id)).toBe('dust_or_scratch');
    await idle();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
  });

  it('blind mode: no "needs the reviewer\'s name", and the progress counter moves', async () => {
    await idle();
    const progress = () => page.getByTestId('review-progress').textContent();
    await page.getByLabel('Blind mode').click();
    await table.locator('[data-candidate-id]').first().waitFor();
    const labelled = storedLabels();
    await poll(progress).toBe(`${labelled.size} / 40 reviewed`);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    const id = (await rowIds()).find((x) => !labelled.has(x))!;
    await choose(id);
    await page.keyboard.press('4');
    await poll(() => storedLabels().get(id)).toBe('halo_or_ghost');
    await poll(progress).toBe(`${labelled.size + 1} / 40 reviewed`);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await page.getByLabel('Blind mode').click();
  });

  it('an error banner can be dismissed, and goes by itself once the same action works', async () => {
    await idle();
    const refuse = async () =>
      page.route('**/api/reviews.add', (route) =>
        route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: { code: 'user-error', message: 'disk full while writing the workspace', hint: 'free some space' } }) }),
      );
    await refuse();
    const id = await selectedId();
    await page.keyboard.press('1');
    const banner = page.getByTestId('error-banner');
    await poll(() => banner.textContent()).toContain('disk full');
    await banner.getByRole('button', { name: 'dismiss' }).click();
    await poll(() => banner.count()).toBe(0);
    await page.keyboard.press('1');
    await poll(() => banner.count()).toBe(1);
    await page.unroute('**/api/reviews.add');
    expect(await selectedId()).toBe(id);
    await page.keyboard.press('1');
    await poll(() => storedLabels().get(id)).toBe('transient');
    await poll(() => banner.count()).toBe(0);
  });

  it('? lists every key, from the tables the keys act on; ? again or Escape closes it, and the keys still work', async () => {
    const help = page.getByTestId('key-help');
    await page.keyboard.press('?');
    await help.waitFor();
    const text = (await help.textContent()) ?? '';
    for (const l of REVIEW_LABELS) expect(text).toContain(`${l.key}${l.title}`);
    for (const does of ['next candidate', 'previous candidate', 'undo', 'comment', 'blink']) expect(text).toContain(does);
    // Inside the window, whole.
    const box = (await help.boundingBox())!;
    const view = page.viewportSize()!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(view.width);
    expect(box.y + box.height).toBeLessThanOrEqual(view.height);
    await page.screenshot({ path: join(SHOTS, 'review-keys.png') });
    await page.keyboard.press('?');
    await poll(() => help.count()).toBe(0);
    await page.keyboard.press('?');
    await help.waitFor();
    await page.keyboard.press('Escape');
    await poll(() => help.count()).toBe(0);
    const before = await selectedIndex();
    await page.keyboard.press('n');
    await poll(selectedIndex).toBe(before + 1);
  });

  it('comments: added on their own, shown with author and time in the history, stored once', async () => {
    await idle();
    const id = await selectedId();
    const labelBefore = storedLabels().get(id);
    await page.keyboard.press('Enter');
    const box = page.getByLabel('Comment on this candidate');
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Comment on this candidate');
    // Typed into the box, digits are text, not flags.
    await page.keyboard.type('Round, stellar; nothing on the blue plate within 10". Compare POSS-II 1993.');
    await page.keyboard.press('Enter');
    await poll(toast).toContain(`#${id}: comment added`);
    const history = page.getByTestId('review-history');
    const entry = history.locator('[data-kind="comment"]').first();
    await poll(() => entry.textContent()).toContain('nothing on the blue plate');
    expect(await entry.textContent()).toContain(REVIEWER);
    expect(await entry.locator('time').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await box.count()).toBe(0);
    const stored = sql<{ body: string; name: string }>('SELECT m.body, p.name FROM comments m JOIN reviewers p ON p.id = m.reviewer_id WHERE m.candidate_id = ?', id);
    expect(stored).toEqual([{ body: 'Round, stellar; nothing on the blue plate within 10". Compare POSS-II 1993.', name: REVIEWER }]);
    // The comment did not flag anything.
    expect(storedLabels().get(id)).toBe(labelBefore);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'review-comments.png') });
    await page.getByTestId('review-panel').screenshot({ path: join(SHOTS, 'review-history-panel.png') });
    expect(consoleErrors).toEqual([]);
  });
});

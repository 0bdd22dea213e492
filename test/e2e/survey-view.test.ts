/**
 * A survey opened for review, in Debian's Chromium against the real browser
 * host (`vasco serve --db DIR/survey.sqlite`): a real merged survey of
 * synthetic plates (three done, one truncated plate failed; see
 * test/electron/survey/synthetic-survey.ts). The map shows every plate with
 * its state, clicking a plate (map or list) filters the table to it, and a
 * candidate of plate 2 flagged after sorting and filtering is stored in the
 * SQLite file on that candidate, and shows on the map. Screenshots at
 * 1366x768 and 1600x1000: test-output/screenshots/survey-view-*.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvFile } from '../../electron/core/csv';
import type { HttpHost } from '../../electron/host/http-host';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
import { haveSyntheticRunTools } from '../electron/pipeline/synthetic-plates';
import { labelColour, STATE_COLOURS } from '../../renderer/components/survey/survey-colours';
import { BROKEN_PLATE, buildSyntheticSurvey, SURVEY_PLATES } from '../electron/survey/synthetic-survey';

const REVIEWER = 'F. Zwicky';
/** '#4ade80' as the browser computes it: 'rgb(74, 222, 128)'. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 50 });

describe.skipIf(!haveChromium() || !haveSyntheticRunTools())('survey view in Chromium against the browser host', () => {
  let tmp: string;
  let dir: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let table: Locator;
  let consoleErrors: string[] = [];
  let remote: string[] = [];

  /** A plate's candidates as its own folder lists them (source number, position). */
  const plateCsv = (id: string) => {
    const { header, rows } = readCsvFile(join(dir, 'plates', id, 'candidates.csv'));
    return rows.map((r) => ({ id: Number(r[header.indexOf('id')]), ra: Number(r[header.indexOf('ra')]), dec: Number(r[header.indexOf('dec')]) }));
  };
  const sql = <T>(query: string, ...args: unknown[]): T[] => {
    const db = new Database(join(dir, 'survey.sqlite'), { readonly: true });
    try {
      return db.prepare(query).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  const map = () => page.getByTestId('survey-map');
  const plateCells = () => table.locator('.tr[data-candidate-id] .col-plate').allTextContents();
  const footerCount = async () => Number((await table.locator('.table-footer').textContent())!.match(/([\d,]+) candidates/)![1].replace(/,/g, ''));
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-survey-e2e-'));
    ({ dir } = await buildSyntheticSurvey(tmp));
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(dir, 'survey.sqlite'), port: 0, staticDir: RENDERER_DIST, offline: true });
    ({ context, page } = await openChromiumPage(join(tmp, 'chromium-profile')));
    await page.setViewportSize({ width: 1366, height: 768 });
    ({ consoleErrors, remoteRequests: remote } = await watchOffline(context, page));
    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill(REVIEWER);
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await page.locator('.reviewer', { hasText: REVIEWER }).waitFor();
    table = page.getByTestId('candidate-table');
  }, 900_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));

  it('opens on the survey: every plate on the map and in the list with its state, the table across plates', async () => {
    expect(await page.getByRole('tab', { name: 'Survey' }).getAttribute('aria-selected')).toBe('true');
    for (const id of SURVEY_PLATES) {
      await poll(() => map().locator(`path[data-plate="${id}"]`).getAttribute('data-state')).toBe('done');
      expect(await page.getByTestId('plate-list').locator(`tr[data-plate="${id}"]`).getAttribute('data-state')).toBe('done');
    }
    // The truncated plate has no readable plate solution: named under the map, failed, and why in the list.
    expect(await map().locator(`button[data-plate="${BROKEN_PLATE}"]`).getAttribute('data-state')).toBe('failed');
    const brokenRow = page.getByTestId('plate-list').locator(`tr[data-plate="${BROKEN_PLATE}"]`);
    expect(await brokenRow.getAttribute('data-state')).toBe('failed');
    expect(await brokenRow.textContent()).toMatch(/truncated/);
    // Done and failed plates look different on the map (fill colour), and east is left: plate-1 (RA largest) leftmost.
    expect(await map().locator('path[data-plate="plate-1"]').evaluate((el) => getComputedStyle(el).fill)).toBe(rgb(STATE_COLOURS.done));
    expect(await map().locator(`button[data-plate="${BROKEN_PLATE}"]`).evaluate((el) => getComputedStyle(el).borderTopColor)).toBe(rgb(STATE_COLOURS.failed));
    const left = async (id: string) => (await map().locator(`path[data-plate="${id}"]`).boundingBox())!.x;
    expect(await left('plate-1')).toBeLessThan(await left('plate-2'));
    expect(await left('plate-2')).toBeLessThan(await left('plate-3'));
    // Every candidate of every plate: in the table and on the map.
    const all = SURVEY_PLATES.reduce((n, id) => n + plateCsv(id).length, 0);
    await poll(footerCount).toBe(all);
    expect(await map().locator('circle[data-candidate]').count()).toBe(all);
    expect(new Set(await plateCells())).toEqual(new Set(SURVEY_PLATES));
    await page.waitForTimeout(300);
    await shot('survey-view-1366');
  });

  it('clicking a plate on the map or in the list filters the table to it; clicking it again shows every plate', async () => {
    const all = await footerCount();
    await map().locator('path[data-plate="plate-2"]').click();
    await poll(footerCount).toBe(plateCsv('plate-2').length);
    await poll(async () => new Set(await plateCells())).toEqual(new Set(['plate-2']));
    expect(await page.getByTestId('plate-list').locator('tr[data-plate="plate-2"]').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Plate', { exact: true }).inputValue()).toBe('plate-2');
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.waitForTimeout(300);
    await shot('survey-view-1600-plate-2');
    await page.setViewportSize({ width: 1366, height: 768 });
    await map().locator('path[data-plate="plate-2"]').click();
    await poll(footerCount).toBe(all);
    await page.getByTestId('plate-list').locator('tr[data-plate="plate-3"]').click();
    await poll(footerCount).toBe(plateCsv('plate-3').length);
    await poll(async () => new Set(await plateCells())).toEqual(new Set(['plate-3']));
    // A dot of plate 1 (away from the overlaps): the table goes to plate 1 with that candidate selected, ringed on the map.
    const { header, rows } = readCsvFile(join(dir, 'plates', 'plate-1', 'candidates.csv'));
    const src = Number(rows.find((r) => Number(r[header.indexOf('x')]) < 250)![header.indexOf('id')]);
    const [{ id }] = sql<{ id: number }>(
      `SELECT c.id FROM candidates c JOIN sources s ON s.id = c.source_id JOIN runs u ON u.id = c.run_id WHERE u.out_dir = ? AND s.number = ?`,
      join(dir, 'plates', 'plate-1'),
      src,
    );
    await map().locator(`circle[data-candidate="${id}"]`).click();
    await poll(() => table.locator('.tr.selected').getAttribute('data-candidate-id')).toBe(String(id));
    expect(await page.getByLabel('Plate', { exact: true }).inputValue()).toBe('plate-1');
    const ring = (await map().getByTestId('map-selected').boundingBox())!;
    const dot = (await map().locator(`circle[data-candidate="${id}"]`).boundingBox())!;
    expect(Math.abs(ring.x + ring.width / 2 - (dot.x + dot.width / 2))).toBeLessThan(1);
    // The failed plate has no candidates: an empty table, not an error.
    await map().locator(`button[data-plate="${BROKEN_PLATE}"]`).click();
    await poll(footerCount).toBe(0);
    await page.getByTestId('plate-list').locator(`tr[data-plate="${BROKEN_PLATE}"]`).click();
    await poll(footerCount).toBe(all);
  });

  it('a candidate of plate 2 flagged after sorting and filtering is stored on that candidate and shows on the map', async () => {
    // From every plate (whatever the case before left), then plate 2 picked on the map.
    await page.getByLabel('Plate', { exact: true }).selectOption('');
    await poll(footerCount).toBe(SURVEY_PLATES.reduce((n, p) => n + plateCsv(p).length, 0));
    await map().locator('path[data-plate="plate-2"]').click();
    await poll(footerCount).toBe(plateCsv('plate-2').length);
    // Review it as one plate is reviewed: the same table (filter kept), panels and keys.
    await page.getByRole('tab', { name: 'Review' }).click();
    await table.getByRole('columnheader', { name: /SNR/ }).click();
    await table.getByRole('columnheader', { name: /SNR/ }).click();
    await poll(() => table.getByRole('columnheader', { name: /SNR/ }).getAttribute('aria-sort')).toBe('descending');
    await poll(async () => new Set(await plateCells())).toEqual(new Set(['plate-2']));
    const row = table.locator('.tr[data-index="2"]');
    const id = Number(await row.getAttribute('data-candidate-id'));
    const src = Number(await row.locator('.col-src').textContent());
    await row.click();
    await poll(() => page.getByTestId('review-panel').locator('h3').textContent()).toContain(`#${id}`);
    await page.keyboard.press('1');
    await poll(() => table.locator(`[data-candidate-id="${id}"] .col-mine`).textContent()).toBe('transient');

    // In the file: a review of that candidate, by this reviewer, on plate 2's run and source.
    const stored = sql<{ label: string; reviewer: string; out_dir: string; number: number; ra: number; dec: number }>(
      `SELECT r.label, p.name AS reviewer, u.out_dir, s.number, s.ra, s.dec FROM reviews r JOIN reviewers p ON p.id = r.reviewer_id
       JOIN candidates c ON c.id = r.candidate_id JOIN sources s ON s.id = c.source_id JOIN runs u ON u.id = c.run_id WHERE r.candidate_id = ?`,
      id,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ label: 'transient', reviewer: REVIEWER, out_dir: join(dir, 'plates', 'plate-2'), number: src });
    // The same source in plate 2's own candidate list, at the same place.
    const own = plateCsv('plate-2').find((c) => c.id === src)!;
    expect(Math.abs(own.ra - stored[0].ra) + Math.abs(own.dec - stored[0].dec)).toBeLessThan(1e-9);

    // Back on the survey: the dot is a transient's, plate 2 counts one reviewed.
    await page.getByRole('tab', { name: 'Survey' }).click();
    await poll(() => map().locator(`circle[data-candidate="${id}"]`).evaluate((el) => getComputedStyle(el).fill)).toBe(rgb(labelColour('transient')));
    await poll(() => page.getByTestId('plate-list').locator('tr[data-plate="plate-2"]').textContent()).toMatch(/1 \/ 1/);
    expect(await page.getByTestId('review-progress').textContent()).toMatch(/^1 \/ \d+ reviewed/);
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.waitForTimeout(300);
    await shot('survey-view-1600');
  });

  it('no console errors and no request off this machine', () => {
    expect(consoleErrors).toEqual([]);
    expect(remote).toEqual([]);
  });
});

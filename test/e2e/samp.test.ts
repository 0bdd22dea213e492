/**
 * SAMP from the review screen, in Debian's Chromium against the real browser
 * host, with astropy's hub and a receiving astropy client (samp_peer.py):
 * the message when no hub runs, Connect, the table sent with T, the
 * reviewer's row highlighted in the peer, a row the peer highlights selected
 * here (and not echoed back), cutouts (C) and pointing (A), and the hub
 * going away. Screenshot: test-output/screenshots/samp-bar.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { HttpHost } from '../../electron/host/http-host';
import { openWorkspace } from '../../electron/store/workspace';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { haveAstropy } from '../helpers/python';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
import { SampPeer } from '../electron/samp/samp-peer';
import { recordReviewRun, type ReviewRun } from '../helpers/review-run';

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 50 });

describe.skipIf(!haveChromium() || !haveAstropy())('SAMP in the review screen (Chromium, astropy hub)', () => {
  let tmp: string;
  let run: ReviewRun;
  let peer: SampPeer;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let table: Locator;
  let consoleErrors: string[] = [];
  const oldHub = process.env.SAMP_HUB;
  const note = () => page.getByTestId('samp-note').textContent();
  const selectedId = async () => Number(await table.locator('.tr.selected').getAttribute('data-candidate-id'));
  const highlightedRows = () => peer.received.filter((m) => m.mtype === 'table.highlight.row').map((m) => Number(m.params.row));

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-samp-e2e-'));
    run = await recordReviewRun(tmp, 12);
    peer = await SampPeer.start(join(tmp, 'lock'), { hub: true });
    // No hub yet as far as the workstation knows: the first Connect must say what to do.
    process.env.SAMP_HUB = `std-lockurl:file://${join(tmp, 'no-hub-lock')}`;
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: run.dbPath, port: 0, staticDir: RENDERER_DIST, offline: true });
    ({ context, page } = await openChromiumPage(join(tmp, 'chromium-profile')));
    // Connect with no hub is answered 422 on purpose (the message says what to start); Chromium logs it.
    ({ consoleErrors } = await watchOffline(context, page, /status of 422/));
    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill('M. Humason');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    table = page.getByTestId('candidate-table');
    await table.locator('.tr.selected').waitFor();
  }, 300_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));
  // Registered last, so run first: the hub's lock file is in tmp.
  afterAll(async () => {
    await peer?.stop();
    process.env.SAMP_HUB = oldHub;
    if (oldHub === undefined) delete process.env.SAMP_HUB;
  });

  it('with no hub, Connect says so and what to start', async () => {
    await page.getByTestId('samp-bar').getByRole('button', { name: 'Connect' }).click();
    await poll(note).toContain('no SAMP hub is running');
    expect(await note()).toContain('start TOPCAT or DS9');
    expect(await page.getByTestId('samp-status').textContent()).toBe('SAMP: not connected');
  });

  it('connects to the hub and sends the table with T; the peer reads every candidate', async () => {
    process.env.SAMP_HUB = `std-lockurl:file://${peer.lockfile}`;
    await page.getByTestId('samp-bar').getByRole('button', { name: 'Connect' }).click();
    await poll(() => page.getByTestId('samp-status').textContent()).toBe('SAMP: astropy peer');
    await page.keyboard.press('T');
    const got = await peer.message('table.load.votable');
    expect(got.table!.id).toEqual(run.ids);
    await poll(note).toBe(`astropy peer loaded the table of ${run.ids.length} rows`);
  });

  it('the reviewer\'s row is highlighted in the peer; a row the peer highlights is selected here, not echoed back', async () => {
    await table.locator(`[data-candidate-id="${run.ids[5]}"]`).click();
    await peer.message('table.highlight.row', (m) => m.params.row === '5');
    const tableId = String((await peer.message('table.load.votable')).params['table-id']);

    await peer.notify('table.highlight.row', { 'table-id': tableId, url: '', row: '8' });
    await poll(selectedId).toBe(run.ids[8]);
    await poll(() => page.getByTestId('candidate-detail').locator('h3').textContent()).toContain(`#${run.ids[8]}`);
    await poll(() => page.getByTestId('review-toast').textContent()).toContain(`#${run.ids[8]} selected in astropy peer`);
    // The next key moves on and is highlighted there; the peer's own row 8 never came back to it.
    await page.keyboard.press('n');
    await peer.message('table.highlight.row', (m) => m.params.row === '9');
    expect(highlightedRows()).not.toContain(8);
    // The peer highlights the row already selected here: nothing to do, and later moves back to it are still sent.
    await peer.notify('table.highlight.row', { 'table-id': tableId, url: '', row: '9' });
    await poll(() => page.getByTestId('review-toast').textContent()).toContain(`#${run.ids[9]} selected in astropy peer`);
    await page.keyboard.press('p');
    await peer.message('table.highlight.row', (m) => m.params.row === '8');
    await page.keyboard.press('n');
    await poll(() => highlightedRows().filter((r) => r === 9).length).toBe(2);
    await page.getByTestId('samp-bar').screenshot({ path: join(SHOTS, 'samp-bar.png') });
  });

  it('C sends the red and blue cutouts, A points at the candidate', async () => {
    const id = await selectedId();
    await page.keyboard.press('C');
    await peer.message('image.load.fits', (m) => m.params.name === `VASCO #${id} red`);
    await peer.message('image.load.fits', (m) => m.params.name === `VASCO #${id} blue`);
    await poll(note).toContain('astropy peer loaded the blue cutout');
    await page.keyboard.press('A');
    const pointed = await peer.message('coord.pointAt.sky');
    const ws = openWorkspace(run.dbPath, { readonly: true });
    const { row } = ws.getCandidate(id);
    ws.close();
    expect([Number(pointed.params.ra), Number(pointed.params.dec)]).toEqual([row.ra, row.dec]);
    await poll(note).toBe(`pointed astropy peer at #${id}`);
  });

  it('`?` lists the SAMP keys with the other review keys', async () => {
    await page.keyboard.press('?');
    const help = page.getByTestId('key-help');
    for (const [key, does] of [['T', 'SAMP: send the candidate table'], ['C', 'SAMP: send the red and blue cutouts'], ['A', 'SAMP: point Aladin']]) {
      await expect.poll(() => help.locator('tr', { hasText: does }).locator('kbd').textContent()).toBe(key);
    }
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
  });

  it('the bar fits a 1366x768 window: nothing clipped or pushed out', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    const bar = page.getByTestId('samp-bar');
    expect(await bar.evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
    for (const name of ['Disconnect', 'Send table', 'Send cutouts', 'Point at']) {
      const box = (await bar.getByRole('button', { name }).boundingBox())!;
      expect(box.x + box.width, name).toBeLessThanOrEqual(1366);
    }
    await page.screenshot({ path: join(SHOTS, 'samp-review-1366x768.png') });
    await page.setViewportSize({ width: 1600, height: 1000 });
  });

  it('Disconnect from the bar (said plainly, the hub drops us) and Connect again', async () => {
    const bar = page.getByTestId('samp-bar');
    await bar.getByRole('button', { name: 'Disconnect' }).click();
    await poll(() => page.getByTestId('samp-status').textContent()).toBe('SAMP: not connected');
    await poll(note).toBe('disconnected from the SAMP hub');
    await expect.poll(async () => (await peer.clients()).map((c) => c.name)).not.toContain('VASCO Workstation');
    expect(await page.getByTestId('samp-note').getAttribute('class')).toBe('samp-note');
    await bar.getByRole('button', { name: 'Connect' }).click();
    await poll(() => page.getByTestId('samp-status').textContent()).toBe('SAMP: astropy peer');
  });

  it('the hub shutting down shows in the bar', async () => {
    await peer.stop();
    await poll(() => page.getByTestId('samp-status').textContent()).toBe('SAMP: not connected');
    await poll(note).toContain('the hub shut down');
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * In Debian's Chromium against the real browser host: the run form's picker
 * browses the host's data folder (a folder with spaces, a link leading out of
 * it that must not show), shows each plate's header summary, picks the red and
 * the blue plate of a synthetic pair, and starts a real red+blue run on them
 * (SExtractor/PSFEx). The picker is photographed into test-output/screenshots/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { haveCommand } from '../helpers/shared-data';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST as DIST } from '../helpers/renderer-build';
import type { HttpHost } from '../../electron/host/http-host';
import { generatePlatePair, type SynthPair } from '../../electron/synth/generate-pair';

const ready = haveChromium() && haveCommand('source-extractor', 'apt-get install -y source-extractor') && haveCommand('psfex', 'apt-get install -y psfex');

describe.skipIf(!ready)('run form file picker in Chromium against the browser host', () => {
  let tmp: string;
  let data: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let pair: SynthPair;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco picker '));
    data = join(tmp, 'plate archive');
    pair = await generatePlatePair({ outDir: join(data, 'field one 1953'), name: 'field one', preset: 'small', size: 360, stars: 150, transients: 6, defects: 2, seed: 3 });
    writeFileSync(join(data, 'field one 1953', 'a truncated scan.fits'), 'SIMPLE  =                    T');
    mkdirSync(join(tmp, 'outside'));
    writeFileSync(join(tmp, 'outside', 'private plate.fits'), 'x');
    symlinkSync(join(tmp, 'outside'), join(data, 'way out'));
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(tmp, 'workspace', 'workspace.sqlite'), port: 0, staticDir: DIST, offline: true, dataDir: data });
    ({ context, page } = await openChromiumPage(join(tmp, 'chromium-profile')));
    ({ consoleErrors } = await watchOffline(context, page));
  }, 300_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));

  it('picks the red and blue plates from the data folder and starts a run on them', async () => {
    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill('Picker Tester');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await page.getByRole('radio', { name: 'local FITS' }).click();
    await page.getByLabel('red only').uncheck();

    // Red: the data folder's top level shows the folder, not the link leading out.
    await page.getByRole('button', { name: 'Browse red FITS' }).click();
    const dialog = page.getByRole('dialog', { name: 'Data folder' });
    await dialog.getByRole('listitem').first().waitFor();
    expect(await dialog.textContent()).not.toContain('way out');
    expect(await dialog.textContent()).toContain('1 link(s) leading outside the data folder not shown');
    await dialog.getByRole('listitem').filter({ hasText: 'field one 1953/' }).click();
    const redRow = dialog.getByRole('listitem').filter({ hasText: 'field one-red.fits' });
    await redRow.waitFor();
    // Each plate as its header says; the truncated one with a note; the truth CSV is no plate.
    expect(await redRow.textContent()).toMatch(/red · POSS-I E/);
    expect(await dialog.getByRole('listitem').filter({ hasText: 'field one-blue.fits' }).textContent()).toMatch(/blue · POSS-I O/);
    expect(await dialog.getByRole('listitem').filter({ hasText: 'a truncated scan.fits' }).textContent()).toMatch(/truncated|END card|not a FITS/);
    expect(await dialog.textContent()).not.toContain('truth.csv');
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SHOTS, 'file-picker-1600.png') });
    await redRow.click();
    await expect.poll(() => page.getByLabel('Red FITS path').inputValue()).toBe(pair.red);
    expect(await page.getByTestId('Red FITS path summary').textContent()).toMatch(/red · POSS-I E/);

    // Blue: the same browser, one folder down and back up by the crumbs.
    await page.getByRole('button', { name: 'Browse blue FITS' }).click();
    await dialog.getByRole('listitem').filter({ hasText: 'field one 1953/' }).click();
    await dialog.getByRole('button', { name: 'data folder' }).click();
    await dialog.getByRole('listitem').filter({ hasText: 'field one 1953/' }).click();
    await dialog.getByRole('listitem').filter({ hasText: 'field one-blue.fits' }).click();
    await expect.poll(() => page.getByLabel('Blue FITS path').inputValue()).toBe(pair.blue);
    await page.getByTestId('run-form').screenshot({ path: join(SHOTS, 'file-picker-form.png') });

    // Escape closes the browser without changing the choice.
    await page.getByRole('button', { name: 'Browse blue FITS' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByLabel('Blue FITS path').inputValue()).toBe(pair.blue);

    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.state-done').waitFor({ timeout: 600_000 });
    // The run used exactly the plates picked.
    const res = await fetch(`${host.origin}/api/runs.list`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` }, body: '{}' });
    const runs = ((await res.json()) as { result: { id: number }[] }).result;
    expect(runs).toHaveLength(1);
    const got = await fetch(`${host.origin}/api/runs.get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
      body: JSON.stringify({ runId: runs[0].id }),
    });
    const summary = ((await got.json()) as { result: { summary: { mode: string; plates: { red: { file: string }; blue?: { file: string } } } } }).result.summary;
    expect(summary.mode).toBe('red+blue');
    expect(summary.plates.red.file).toBe(pair.red);
    expect(summary.plates.blue?.file).toBe(pair.blue);
    expect(consoleErrors).toEqual([]);
  }, 900_000);
});

/**
 * The export dialog in Debian's Chromium against the real browser host and a
 * reviewed workspace: each format the dialog offers downloads a file that
 * opens as that format, and a CSV export says where its provenance went (the
 * file is there). Screenshot: test-output/screenshots/export-dialog-formats.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpHost } from '../../electron/host/http-host';
import { reviewedRun } from '../electron/export/reviewed-run';
import { tempDir } from '../electron/store/fixtures';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';

describe.skipIf(!haveChromium())('export dialog in Chromium', () => {
  let tmp: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let transients: number[];
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = tempDir('vasco-export-e2e-');
    const run = reviewedRun(tmp);
    transients = run.ids.slice(0, 3);
    run.ws.close();
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(tmp, 'vasco.sqlite'), port: 0, staticDir: RENDERER_DIST, offline: true });
    ({ context, page } = await openChromiumPage(join(tmp, 'chromium-profile')));
    // The run has no plate files, so the cutout, blink and sky panels are refused (422) and Chromium logs it.
    ({ consoleErrors } = await watchOffline(context, page, /status of 422/));
    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill('ann');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await page.getByTestId('candidate-table').locator('.tr[data-candidate-id]').first().waitFor();
  }, 300_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));

  it('downloads CSV, ECSV, VOTable and DS9 regions; the CSV names its provenance file', async () => {
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export catalogue' });
    const exportAs = async (title: string) => {
      await dialog.getByLabel(title, { exact: true }).check();
      const download = page.waitForEvent('download', { timeout: 60_000 });
      await dialog.getByRole('button', { name: 'Export', exact: true }).click();
      const d = await download;
      const name = d.suggestedFilename();
      // The message of this export, not the one before: it names the downloaded file.
      const done = page.getByTestId('export-done');
      await expect.poll(() => done.textContent()).toContain(`rows written to ${join(tmp, 'run', 'exports', name)}`);
      return { name, text: readFileSync((await d.path())!, 'utf8'), said: (await done.textContent())! };
    };

    const csv = await exportAs('CSV');
    expect(csv.name).toMatch(/\.csv$/);
    expect(csv.text.startsWith('id,run_id,')).toBe(true);
    expect(csv.text.trim().split('\r\n')).toHaveLength(1 + transients.length);
    const sidecar = /provenance beside it: (\S+\.provenance\.json)/.exec(csv.said)?.[1];
    expect(sidecar, csv.said).toBeDefined();
    expect(existsSync(sidecar!)).toBe(true);
    expect(JSON.parse(readFileSync(sidecar!, 'utf8')).provenance.reviewers).toBe('Smith, J. "cy", ann, bob');

    const ecsv = await exportAs('ECSV');
    expect(ecsv.name).toMatch(/\.ecsv$/);
    expect(ecsv.text.startsWith('# %ECSV 1.0\r\n')).toBe(true);
    expect(ecsv.said).not.toContain('provenance beside it');

    const vot = await exportAs('VOTable');
    expect(vot.name).toMatch(/\.vot$/);
    expect(vot.text).toContain('<VOTABLE version="1.4"');

    const ds9 = await exportAs('DS9 regions');
    expect(ds9.name).toMatch(/\.reg$/);
    expect(ds9.text.startsWith('# Region file format: DS9 version 4.1\n')).toBe(true);
    expect(ds9.text.match(/^circle\(.* text=\{(\d+) transient\}/gm)?.map((l) => Number(/text=\{(\d+)/.exec(l)![1]))).toEqual(transients);
    await dialog.screenshot({ path: join(SHOTS, 'export-dialog-formats.png') });
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * End to end, in Debian's Chromium: the real browser host serving the built
 * renderer over a real workspace, and a real pipeline run (SExtractor/PSFEx)
 * on a real POSS-I cutout, started from the UI. Then: the table fills, the
 * panels draw, three candidates are flagged with the keyboard, undo withdraws
 * one, a reload shows the stored flags, and the export holds them. Every
 * screen is photographed into test-output/screenshots/; console errors and
 * any request leaving 127.0.0.1 fail the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../helpers/shared-data';
import type { HttpHost } from '../../electron/host/http-host';

const RED = 'cutouts/poss1-red-XE687-20arcmin.fits';
const CHROMIUM = '/usr/bin/chromium';
const DIST = join(projectRoot, 'dist', 'renderer');
const SHOTS = join(projectRoot, 'test-output', 'screenshots');

function haveChromium(): boolean {
  if (!existsSync(CHROMIUM)) console.warn(`SKIP: ${CHROMIUM} not found (install: apt-get install -y chromium)`);
  return existsSync(CHROMIUM);
}

const ready =
  haveSharedData(RED) &&
  haveChromium() &&
  haveCommand('source-extractor', 'apt-get install -y source-extractor') &&
  haveCommand('psfex', 'apt-get install -y psfex');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build dist/renderer when it is missing or older than the sources. */
function ensureRendererBuilt(): void {
  const index = join(DIST, 'index.html');
  const sources = Math.max(newestMtime(join(projectRoot, 'renderer')), statSync(join(projectRoot, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: projectRoot, stdio: 'inherit' });
}

describe.skipIf(!ready)('workstation in Chromium against the browser host', () => {
  let tmp: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const remoteRequests: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-e2e-'));
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(tmp, 'workspace.sqlite'), port: 0, staticDir: DIST, offline: true });
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      acceptDownloads: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    // Offline means offline: anything not for our host is recorded and refused.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'blob:' || url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.continue();
      remoteRequests.push(route.request().url());
      return route.abort();
    });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a plate, reviews three candidates by keyboard, keeps the flags and exports them', async () => {
    await page.goto(host.url);
    // Asked once for a reviewer name.
    await page.getByLabel('Reviewer name').fill('E2E Reviewer');
    await shot('01-reviewer-prompt');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await expect.poll(() => page.locator('.reviewer').textContent()).toBe('E2E Reviewer');

    // No runs yet: the Run view. A real pipeline run on the real red cutout, red-only, offline.
    await page.getByRole('radio', { name: 'local FITS' }).click();
    await page.getByLabel('Red FITS path').fill(sharedData(RED));
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.stages .stage-name').first().waitFor({ timeout: 60_000 });
    await shot('02-run-progress');
    await page.locator('.state-done').waitFor({ timeout: 600_000 });
    await page.getByTestId('funnel').waitFor();
    await page.waitForTimeout(300);
    await shot('03-run-funnel');
    const bars = await page.locator('[data-testid="funnel"] .bar-kept').count();
    expect(bars).toBeGreaterThan(3);

    // Review: the table fills with the run's candidates.
    await page.getByRole('tab', { name: 'Review' }).click();
    const table = page.getByTestId('candidate-table');
    await table.locator('[data-candidate-id]').first().waitFor();
    const footer = await table.locator('.table-footer').textContent();
    const total = Number(footer!.match(/([\d,]+) candidates/)![1].replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(3);
    await page.getByTestId('cutout-red').waitFor();
    await page.locator('[data-testid="blink-view"] canvas').first().waitFor();
    await page.waitForTimeout(500);
    await shot('04-review');

    // Red-only: one blink frame, clearly labelled, and the blue side says why it is missing.
    await expect.poll(() => page.getByTestId('blink-frame-label').textContent()).toMatch(/^RED/);
    expect(await page.locator('.stamp-none').textContent()).toContain('no blue plate');

    // Pixel readout from the cutout's WCS under the cursor.
    const canvas = page.getByTestId('cutout-red');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const readout = await page.locator('.stamp-red [data-testid="pixel-readout"]').textContent();
    expect(readout).toMatch(/α \d\d:\d\d:\d\d\.\d\d/);
    expect(readout).toMatch(/δ [+-]\d\d:\d\d:\d\d\.\d/);

    // Flag three candidates with the keyboard; each label appears after the main process acknowledged it.
    await page.locator('body').click({ position: { x: 5, y: 990 } });
    const ids: string[] = [];
    for (const key of ['1', '2', 'q']) {
      const row = table.locator('.tr.selected');
      const id = (await row.getAttribute('data-candidate-id'))!;
      ids.push(id);
      await page.keyboard.press(key);
      await expect.poll(() => table.locator(`[data-candidate-id="${id}"] .col-mine`).textContent()).not.toBe('');
      // "advance after flag": the selection moves on once the flag is stored.
      await expect.poll(() => table.locator('.tr.selected').getAttribute('data-candidate-id')).not.toBe(id);
    }
    const mine = async (id: string) => (await table.locator(`[data-candidate-id="${id}"] .col-mine`).textContent())?.trim();
    expect([await mine(ids[0]), await mine(ids[1]), await mine(ids[2])]).toEqual(['transient', 'emulsion_defect', 'unsure']);
    await expect.poll(() => page.getByTestId('review-progress').textContent()).toBe(`3 / ${total} reviewed`);

    // Undo withdraws the last flag and returns to that candidate; then it gets another label.
    await page.keyboard.press('u');
    await expect.poll(() => mine(ids[2])).toBe('');
    expect(await table.locator('.tr.selected').getAttribute('data-candidate-id')).toBe(ids[2]);
    await page.keyboard.press('3');
    await expect.poll(() => mine(ids[2])).toBe('dust_or_scratch');
    await shot('05-flagged');

    // A reload shows what the main process stored.
    await page.reload();
    await page.getByRole('tab', { name: 'Review' }).click();
    await table.locator(`[data-candidate-id="${ids[2]}"]`).waitFor();
    expect([await mine(ids[0]), await mine(ids[1]), await mine(ids[2])]).toEqual(['transient', 'emulsion_defect', 'dust_or_scratch']);
    await expect.poll(() => page.getByTestId('review-progress').textContent()).toBe(`3 / ${total} reviewed`);

    // Export the vetted catalogue as CSV: the download holds the three flags.
    await page.getByRole('button', { name: 'Export…' }).click();
    await shot('06-export-dialog');
    const exportOnce = async () => {
      const downloaded = page.waitForEvent('download', { timeout: 60_000 });
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      const outcome = page.locator('[data-testid="export-done"], [role="dialog"] .error-inline');
      await outcome.first().waitFor({ timeout: 60_000 });
      const said = (await outcome.first().textContent())!;
      const text = readFileSync((await (await downloaded).path())!, 'utf8');
      return { said, rows: text.trim().split(/\r?\n/).filter((l) => !l.startsWith('#')).slice(1) };
    };
    // Vetted = consensus "transient": the one candidate flagged so.
    const vetted = await exportOnce();
    expect(vetted.said).toMatch(/^1 rows written to /);
    expect(vetted.rows).toHaveLength(1);
    expect(vetted.rows[0]).toContain('transient');
    // All candidates, each with its label: the three flags are there.
    await page.getByLabel('all candidates, with their labels').check();
    const all = await exportOnce();
    expect(all.rows).toHaveLength(total);
    for (const label of ['transient', 'emulsion_defect', 'dust_or_scratch']) {
      expect(all.rows.filter((r) => r.includes(label))).toHaveLength(1);
    }
    await page.getByRole('button', { name: 'Close' }).click();

    // Plots and the sky context (Aladin Lite on the plate's own TAN-SIP cutout, no network).
    await page.getByRole('tab', { name: 'Plots' }).click();
    await page.locator('svg.histogram').first().waitFor();
    await shot('07-plots');
    await page.getByRole('tab', { name: 'Review' }).click();
    await page.locator('.sky-host canvas').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(3000);
    await page.getByTestId('sky-panel').screenshot({ path: join(SHOTS, '08-sky.png') });
    await page.getByTestId('cutout-panel').screenshot({ path: join(SHOTS, '09-cutouts.png') });
    await page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, '10-blink.png') });

    expect(remoteRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 900_000);
});

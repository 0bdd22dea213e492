/**
 * The published layer in Debian's Chromium against the real browser host: a
 * real pipeline run of a synthetic pair with a fabricated published
 * catalogue (--vasco: injected transients, a star seen on both plates, empty
 * sky), recorded in a real workspace. The Published tab shows one marker per
 * published source and the missed ones in the table; a reviewer steps through
 * them with j, an empty-sky row shows frames at its position, and a row whose
 * source is a candidate opens that candidate in Review. Photographed into
 * test-output/screenshots/published-layer.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../electron/core/csv';
import type { HttpHost } from '../../electron/host/http-host';
import { runPipeline } from '../../electron/pipeline/run';
import { openWorkspace, recordPipelineRun } from '../../electron/store/workspace';
import { generatePlatePair } from '../../electron/synth/generate-pair';
import { cleanUpAfterAll, haveChromium, openChromiumPage, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
import { haveCommand } from '../helpers/shared-data';
import { offsetBy } from '../electron/pipeline/synthetic';

const ready = haveChromium() && haveCommand('source-extractor', 'apt-get install -y source-extractor') && haveCommand('psfex', 'apt-get install -y psfex');

describe.skipIf(!ready)('published layer in Chromium', () => {
  let tmp: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let published: { stage: string; id: string }[];
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-published-e2e-'));
    const pair = await generatePlatePair({ outDir: join(tmp, 'synth'), preset: 'small', seed: 3, transients: 30, transientSnr: [15, 200] });
    const truth = parseCsv(readFileSync(pair.truth, 'utf8'));
    const c = (n: string) => truth.header.indexOf(n);
    const onRed = truth.rows.filter((r) => r[c('red_x')] !== '');
    const pick = (kind: string, n: number, snrMin = 0) =>
      onRed.filter((r) => r[c('kind')] === kind && Number(r[c('red_snr_expected')]) >= snrMin && !r[c('note')]).slice(0, n).map((r) => [Number(r[c('ra')]), Number(r[c('dec')])]);
    // Transients (most become candidates, faint ones fall to the SNR cut), stars (red vs blue), and two points of empty sky.
    const [ra0, dec0] = pick('transient', 1)[0];
    const positions = [...pick('transient', 12), ...pick('star', 4, 35), offsetBy(ra0, dec0, 0.5, 0), offsetBy(150, 20, 60, 135)];
    writeFileSync(join(tmp, 'vanish.csv'), ['recno,RA,Dec', ...positions.map(([ra, dec], i) => `${i + 1},${ra},${dec}`)].join('\n') + '\n');
    const out = join(tmp, 'run');
    const result = await runPipeline({ red: pair.red, blue: pair.blue, out, offline: true, catalogue: { veto: 'none', vasco: join(tmp, 'vanish.csv') } });
    const t = parseCsv(readFileSync(join(out, 'published.csv'), 'utf8'));
    published = t.rows.map((r) => ({ id: r[t.header.indexOf('published_id')], stage: r[t.header.indexOf('stage')] }));
    const ws = openWorkspace(join(tmp, 'workspace.sqlite'));
    await recordPipelineRun(ws, result, out);
    ws.close();
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(tmp, 'workspace.sqlite'), port: 0, staticDir: RENDERER_DIST, offline: true });
    ({ context, page } = await openChromiumPage(join(tmp, 'profile')));
    ({ consoleErrors } = await watchOffline(context, page));
  }, 600_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));

  it('shows the published sources with their stage, steps through the missed ones and opens a candidate', async () => {
    // The run's audit has every kind of row this test steps through.
    expect(published.some((p) => p.stage === 'candidate')).toBe(true);
    expect(published.some((p) => p.stage === 'not-detected')).toBe(true);
    expect(published.some((p) => p.stage !== 'candidate' && p.stage !== 'not-detected')).toBe(true);

    await page.goto(host.url);
    await page.getByLabel('Reviewer name').fill('Audit Reviewer');
    await page.getByRole('button', { name: 'Start reviewing' }).click();
    await page.getByRole('tab', { name: 'Published' }).click();
    await page.getByTestId('published-table').waitFor();

    // One marker per published source on the plate; the table opens on the missed ones, in published.csv's order.
    await expect.poll(() => page.getByTestId('published-marker').count()).toBe(published.length);
    const missed = published.filter((p) => p.stage !== 'candidate');
    const rows = page.getByTestId('published-row');
    await expect.poll(() => rows.count()).toBe(missed.length);
    expect(await rows.locator('td:nth-child(1)').allTextContents()).toEqual(missed.map((p) => p.id));
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(missed.map((p) => p.stage));

    // Stepping with j: the second missed source is selected and described, its frames drawn.
    await page.locator('body').press('j');
    await expect.poll(() => page.locator('[data-testid="published-row"].selected td:nth-child(1)').textContent()).toBe(missed[1].id);
    await expect.poll(() => page.getByTestId('published-detail-stage').textContent()).toBe(missed[1].stage);

    // An empty-sky row: frames at its own position, nothing matched.
    const empty = missed.find((p) => p.stage === 'not-detected')!;
    await rows.filter({ hasText: empty.stage }).first().click();
    await expect.poll(() => page.getByTestId('published-detail-stage').textContent()).toBe('not-detected');
    await page.getByTestId('published-frame').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'published-layer.png') });

    // A candidate row opens that candidate in Review (cutouts, blink, flags).
    await page.getByLabel('Which published sources').selectOption('candidate');
    await page.getByTestId('published-row').first().click();
    const open = page.getByTestId('open-candidate');
    const label = (await open.textContent())!;
    const candidateId = Number(/#(\d+)/.exec(label)![1]);
    await open.click();
    await expect.poll(() => page.getByRole('tab', { name: 'Review' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.locator(`[data-candidate-id="${candidateId}"][aria-selected="true"]`).count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  }, 300_000);
});

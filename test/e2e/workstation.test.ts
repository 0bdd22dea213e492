/**
 * End to end, in Debian's Chromium: the real browser host serving the built
 * renderer over a real workspace, and a real pipeline run (SExtractor/PSFEx)
 * on a real POSS-I cutout, started from the UI. Then: the table fills, the
 * panels draw, three candidates are flagged with the keyboard, undo withdraws
 * one, a reload shows the stored flags, and the export holds them. Every
 * screen is photographed into test-output/screenshots/; console errors and
 * any request leaving 127.0.0.1 fail the test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { haveCommand, haveSharedData, sharedData } from '../helpers/shared-data';
import { CHROMIUM, CHROMIUM_ARGS, cleanUpAfterAll, haveChromium, SHOTS, watchOffline } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST as DIST } from '../helpers/renderer-build';
import type { HttpHost } from '../../electron/host/http-host';
import { generatePlatePair, type SynthPair } from '../../electron/synth/generate-pair';
import { brightBlobs, decodePng, medianElongation, spotSignificance, type RgbaImage } from './star-shapes';

const RED = 'cutouts/poss1-red-XE687-20arcmin.fits';

const ready =
  haveSharedData(RED) &&
  haveChromium() &&
  haveCommand('source-extractor', 'apt-get install -y source-extractor') &&
  haveCommand('psfex', 'apt-get install -y psfex');

describe.skipIf(!ready)('workstation in Chromium against the browser host', () => {
  let tmp: string;
  let host: HttpHost;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[] = [];
  let remoteRequests: string[] = [];

  let pair: SynthPair;
  let gaiaFile: string;
  let gaiaRows: { ra: number; dec: number }[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  /** Photograph one element into the screenshots folder and return its pixels. */
  const grab = async (selector: string, name: string): Promise<RgbaImage> =>
    decodePng(await page.locator(selector).first().screenshot({ path: join(SHOTS, `${name}.png`) }));

  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'vasco-e2e-'));
    // A small synthetic red+blue pair of one field (the real cutouts have no blue plate of XE687).
    pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'e2e', preset: 'small', size: 500, stars: 300, transients: 12, defects: 4, seed: 11 });
    // An offline "Gaia" file with a counterpart 2" north of every other red-only transient: the veto drops those.
    const truth = readFileSync(pair.truth, 'utf8').trim().split('\n');
    const col = truth[0].split(',');
    const transients = truth.slice(1).map((l) => l.split(',')).filter((r) => r[col.indexOf('kind')] === 'transient');
    gaiaRows = transients.filter((_, i) => i % 2 === 0).map((r) => ({ ra: Number(r[col.indexOf('ra')]), dec: Number(r[col.indexOf('dec')]) + 2 / 3600 }));
    gaiaFile = join(tmp, 'gaia.csv');
    writeFileSync(gaiaFile, ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag', ...gaiaRows.map((g, i) => `${900 + i},${g.ra},${g.dec},0,0,2016.0,17.0`)].join('\n') + '\n');
    const { startHttpHost } = await import('../../electron/host/http-host');
    host = await startHttpHost({ dbPath: join(tmp, 'workspace.sqlite'), port: 0, staticDir: DIST, offline: true });
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      acceptDownloads: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    ({ consoleErrors, remoteRequests } = await watchOffline(context, page));
  }, 300_000);

  cleanUpAfterAll(() => ({ context, host, tmp }));

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
    // A run parameter of the catalogue stages: the southern limit, set inside this field (Dec -6.4..-5.97).
    await page.getByLabel('catalogue.decMin').fill('-6.2');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.stages .stage-name').first().waitFor({ timeout: 60_000 });
    await shot('02-run-progress');
    await page.locator('.state-done').waitFor({ timeout: 600_000 });
    await page.getByTestId('funnel').waitFor();
    await page.waitForTimeout(300);
    await shot('03-run-funnel');
    const bars = await page.locator('[data-testid="funnel"] .bar-kept').count();
    expect(bars).toBeGreaterThan(3);
    // The stages after red vs blue are in the funnel; the dec cut removed the southern part.
    const funnelText = (await page.getByTestId('funnel').textContent())!;
    for (const stage of ['veto', 'asteroids', 'dec-cut', 'dedup', 'score']) expect(funnelText).toContain(stage);
    expect(await page.locator('[data-testid="funnel"] > g', { hasText: 'dec-cut' }).textContent()).toMatch(/\d+ → \d+ \(−\d+\)/);

    // Review: the table fills with the run's candidates.
    await page.getByRole('tab', { name: 'Review' }).click();
    const table = page.getByTestId('candidate-table');
    await table.locator('[data-candidate-id]').first().waitFor();
    const footer = await table.locator('.table-footer').textContent();
    const total = Number(footer!.match(/([\d,]+) candidates/)![1].replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(3);
    const decs = (await table.locator('.tr .col-decdeg').allTextContents()).map(Number);
    expect(decs.length).toBeGreaterThan(3);
    for (const d of decs) expect(d).toBeGreaterThanOrEqual(-6.2);
    await page.getByTestId('cutout-red').waitFor();
    await page.locator('[data-testid="blink-view"] canvas').first().waitFor();
    await page.waitForTimeout(500);
    await shot('04-review');

    // Red-only: one blink frame, clearly labelled, and the blue side says why it is missing.
    await expect.poll(() => page.getByTestId('blink-frame-label').textContent()).toMatch(/^RED/);
    expect(await page.locator('.stamp-none').textContent()).toContain('no blue plate');
    // ...and the note is whole: inside its panel, not cut off.
    const note = (await page.getByTestId('no-blue-note').boundingBox())!;
    const cutPanel = (await page.getByTestId('cutout-panel').boundingBox())!;
    expect(note.x + note.width).toBeLessThanOrEqual(cutPanel.x + cutPanel.width);
    expect(await page.getByTestId('no-blue-note').evaluate((el) => [...el.children].every((c) => c.scrollWidth <= c.clientWidth + 1))).toBe(true);
    // The inspection panels all fit the window side by side.
    for (const id of ['cutout-panel', 'blink-panel', 'sky-panel']) {
      const b = (await page.getByTestId(id).boundingBox())!;
      expect(b.x + b.width, id).toBeLessThanOrEqual(1600);
    }

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
    // Aladin must draw the plate's stars round, as the cutout does (a misread WCS smears them into streaks).
    const sky = await grab('.sky-host', '08b-sky-view');
    const skyStars = brightBlobs(sky, { x0: 6, y0: 52, x1: sky.width - 6, y1: sky.height - 48 });
    const cut = await grab('[data-testid="cutout-red"]', '09b-cutout-red');
    const cutStars = brightBlobs(cut, { x0: 2, y0: 2, x1: cut.width - 2, y1: cut.height - 2 });
    expect(skyStars.length).toBeGreaterThanOrEqual(3);
    expect(medianElongation(skyStars), `sky stars: ${JSON.stringify(skyStars.slice(0, 8))}`).toBeLessThan(1.5);
    expect(medianElongation(skyStars)).toBeLessThan(medianElongation(cutStars) + 0.4);
    // The view is centred on the candidate, a source on this plate: Aladin must draw it there, inside the reticle.
    const skyRegion = { x0: 6, y0: 52, x1: sky.width - 6, y1: sky.height - 48 };
    expect(spotSignificance(sky, sky.width / 2, sky.height / 2, 3, skyRegion)).toBeGreaterThan(5);
    await page.getByTestId('cutout-panel').screenshot({ path: join(SHOTS, '09-cutouts.png') });
    await page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, '10-blink.png') });

    expect(remoteRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 900_000);

  it('blinks a synthetic red+blue pair run through the real pipeline: frames alternate, zoom and pan stay locked', async () => {
    await page.getByRole('tab', { name: 'Plate run' }).click();
    await page.getByRole('radio', { name: 'local FITS' }).click();
    await page.getByRole('button', { name: 'reference defaults' }).click();
    await page.getByLabel('Red FITS path').fill(pair.red);
    await page.getByLabel('red only').uncheck();
    await page.getByLabel('Blue FITS path').fill(pair.blue);
    await page.getByLabel('Catalogue files').fill(`gaia=${gaiaFile}`);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[data-testid="run-summary"] h3', { hasText: '#2' }).waitFor({ timeout: 600_000 });
    await page.waitForTimeout(300);
    await shot('11-pair-funnel');
    const summary = (await page.getByTestId('run-summary').textContent())!;
    expect(summary).toContain('red+blue');
    // The veto dropped the transients with a Gaia counterpart.
    expect(await page.locator('[data-testid="funnel"] > g', { hasText: 'veto' }).first().textContent()).toMatch(/\(−\d+\)/);

    await page.getByRole('tab', { name: 'Review' }).click();
    const table = page.getByTestId('candidate-table');
    await table.locator('[data-candidate-id]').first().waitFor();
    // ...whose positions the sky context marks: pick the candidate nearest one of them.
    const ras = (await table.locator('.tr .col-radeg').allTextContents()).map(Number);
    const decs = (await table.locator('.tr .col-decdeg').allTextContents()).map(Number);
    const ids = await table.locator('.tr').evaluateAll((els) => els.map((e) => e.getAttribute('data-candidate-id')));
    const away = (k: number) => Math.min(...gaiaRows.map((g) => Math.hypot((g.ra - ras[k]) * Math.cos((g.dec * Math.PI) / 180), g.dec - decs[k])));
    const pick = ras.map((_, k) => k).sort((a, b) => away(a) - away(b))[0];
    expect(away(pick) * 60).toBeLessThan(3);
    await table.locator(`[data-candidate-id="${ids[pick]}"]`).click();
    await expect.poll(() => page.getByTestId('sky-legend').textContent(), { timeout: 60_000 }).toMatch(/catalogue counterparts [1-9]/);
    await page.locator('.sky-host canvas').first().waitFor();
    await page.waitForTimeout(2500);
    const skyPair = await grab('[data-testid="sky-panel"]', '18-pair-sky-counterparts');
    const pairView = await grab('.sky-host', '18b-pair-sky-view');
    expect(spotSignificance(pairView, pairView.width / 2, pairView.height / 2, 3, { x0: 6, y0: 52, x1: pairView.width - 6, y1: pairView.height - 48 })).toBeGreaterThan(5);
    // Orange squares (the counterparts) are drawn.
    let orange = 0;
    for (let k = 0; k < skyPair.data.length; k += 4) {
      const [r, g, b] = [skyPair.data[k], skyPair.data[k + 1], skyPair.data[k + 2]];
      if (r > 200 && g > 120 && g < 190 && b < 80) orange++;
    }
    expect(orange).toBeGreaterThan(20);

    const label = page.getByTestId('blink-frame-label');
    await expect.poll(() => label.textContent()).toMatch(/^RED/);
    await page.getByTestId('cutout-blue').waitFor();
    await page.waitForTimeout(500);
    await shot('12-pair-review');

    // Flip with the keyboard: the label and the picture change, the stars stay put.
    const view = '[data-testid="blink-view"]';
    await page.locator('body').click({ position: { x: 5, y: 990 } });
    const red = await grab(view, '13-pair-blink-red');
    await page.keyboard.press('b');
    await expect.poll(() => label.textContent()).toMatch(/^BLUE/);
    await page.waitForTimeout(200);
    const blue = await grab(view, '14-pair-blink-blue');
    const whole = { x0: 2, y0: 40, x1: red.width - 2, y1: red.height - 2 };
    expect(meanGreyDifference(red, blue, whole)).toBeGreaterThan(3);
    // Both frames put the candidate's crosshair at the same place: the centre of the view.
    const [rx, ry] = crosshairCentre(red), [bx, by] = crosshairCentre(blue);
    expect(Math.hypot(rx - bx, ry - by)).toBeLessThan(1);
    expect(Math.hypot(rx - red.width / 2, ry - red.height / 2)).toBeLessThan(4);

    // Zoom (wheel) and pan (drag) on the blue frame; the red frame follows.
    const box = (await page.locator(view).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await page.mouse.wheel(0, -100);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20, { steps: 4 });
    await page.mouse.up();
    const zoomReadout = page.locator('[data-testid="blink-panel"] .panel-head .mono').last();
    await expect.poll(() => zoomReadout.textContent()).toBe('×1.56');
    await page.mouse.move(box.x + box.width + 200, box.y);
    const blueZoomed = await grab(view, '15-pair-blink-blue-zoomed');
    await page.locator('body').click({ position: { x: 5, y: 990 } });
    await page.keyboard.press('b');
    await expect.poll(() => label.textContent()).toMatch(/^RED/);
    await page.waitForTimeout(200);
    const redZoomed = await grab(view, '16-pair-blink-red-zoomed');
    expect(await zoomReadout.textContent()).toBe('×1.56');
    const [zbx, zby] = crosshairCentre(blueZoomed), [zrx, zry] = crosshairCentre(redZoomed);
    // The drag moved the picture with the mouse...
    expect(Math.hypot(zbx - bx - 30, zby - by - 20)).toBeLessThan(3);
    // ...and the red frame shows the same view.
    expect(Math.hypot(zrx - zbx, zry - zby)).toBeLessThan(1);
    expect(meanGreyDifference(redZoomed, blueZoomed, whole)).toBeGreaterThan(3);

    // Play: both frames come up in turn; pause stops it.
    await page.getByRole('button', { name: 'play blink' }).click();
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      seen.add(((await label.textContent()) ?? '').slice(0, 4).trim());
      await page.waitForTimeout(150);
    }
    await page.getByRole('button', { name: 'pause blink' }).click();
    expect([...seen].sort()).toEqual(['BLUE', 'RED']);
    await page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, '17-pair-blink-panel.png') });

    expect(remoteRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 900_000);
});

/** Centre of the green candidate crosshair drawn on a blink frame (screen pixels). */
function crosshairCentre(img: RgbaImage): [number, number] {
  let n = 0, sx = 0, sy = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const k = (y * img.width + x) * 4;
      const r = img.data[k], g = img.data[k + 1], b = img.data[k + 2];
      if (g > 120 && g - r > 35 && g - b > 15) {
        n++; sx += x; sy += y;
      }
    }
  if (n < 10) throw new Error('no crosshair found in the blink frame');
  return [sx / n, sy / n];
}

/** Mean |grey difference| of two same-sized screenshots over a region. */
function meanGreyDifference(a: RgbaImage, b: RgbaImage, r: { x0: number; y0: number; x1: number; y1: number }): number {
  let sum = 0, n = 0;
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++) {
      const k = (y * a.width + x) * 4;
      const ga = (a.data[k] + a.data[k + 1] + a.data[k + 2]) / 3, gb = (b.data[k] + b.data[k + 1] + b.data[k + 2]) / 3;
      sum += Math.abs(ga - gb);
      n++;
    }
  return sum / n;
}

/**
 * The cutouts' and blink's display tools in Debian's Chromium against the
 * browser host: red and blue cutouts zoom and pan together; colour map,
 * invert and the reviewer's own limits colour a known pixel as the map says;
 * the other band's contours are drawn; the blink's third frame (red minus
 * blue scaled to red) matches an independent numpy/astropy computation on
 * the same two frames: a red-only transient is bright in it, a star on both
 * plates nearly cancels. Screenshots: test-output/screenshots/cutout-display-*.png.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { colourAt } from '../../renderer/lib/colormaps';
import { haveChromium, SHOTS } from '../helpers/chromium';
import { astropy, haveAstropy } from '../helpers/python';
import { useReviewPage } from './review-fixture';
import { decodePng } from './star-shapes';

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const COUNT = 20;

/**
 * Candidate ids as the fixture makes them (red-only transients first, then
 * stars on both plates, in the truth file's order): the brightest transient
 * and the star brightest on blue among them.
 */
function pickCandidates(truthPath: string): { transient: number; star: number } {
  const rows = readFileSync(truthPath, 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => rows[0].indexOf(name);
  const redOnly = rows.slice(1).filter((r) => r[col('kind')] === 'transient' && r[col('red_x')] !== '');
  const both = rows.slice(1).filter((r) => r[col('red_x')] !== '' && r[col('blue_x')] !== '');
  const list = [...redOnly, ...both].slice(0, COUNT);
  const best = (pick: string[][], snr: string) => list.indexOf(pick.filter((r) => list.includes(r)).sort((a, b) => Number(b[col(snr)]) - Number(a[col(snr)]))[0]) + 1;
  return { transient: best(redOnly, 'red_snr_expected'), star: best(both.filter((r) => r[col('kind')] === 'star'), 'blue_snr_expected') };
}

describe.skipIf(!haveChromium() || !haveAstropy())('cutout and blink display tools', () => {
  // The red-only transients first (ids 1..), then stars on both plates.
  const ui = useReviewPage({ tmpPrefix: 'vasco cutout display ', count: COUNT, reviewer: 'M. Humason', transientsFirst: true });
  let ids: { transient: number; star: number };
  const cutouts = () => ui.page.getByTestId('cutout-panel');

  const table = () => ui.page.getByTestId('candidate-table');
  const choose = async (id: number) => {
    await table().locator(`[data-candidate-id="${id}"]`).click();
    await poll(async () => Number(await table().locator('.tr.selected').getAttribute('data-candidate-id'))).toBe(id);
    await poll(() => ui.page.getByTestId('candidate-detail').locator('h3').textContent()).toContain(`#${id}`);
  };
  /** Screen point (relative to the canvas) of the centre of 0-based image pixel (col, row), FITS row 1 at the bottom, at zoom 1 and no pan. */
  const screenOf = async (canvas: Locator, w: number, h: number, col: number, row: number) => {
    const size = (await canvas.boundingBox())!.width;
    const scale = size / Math.max(w, h);
    return { x: (col + 0.5 - w / 2) * scale + size / 2, y: (h - row - 0.5 - h / 2) * scale + size / 2, size };
  };
  const readoutValue = async (readout: Locator) => Number((await readout.textContent())!.match(/val (-?[\d.]+)/)![1]);
  const api = async <T>(method: string, args: unknown): Promise<T> => {
    const res = await fetch(new URL(`/api/${method}`, ui.host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ui.host.token}` },
      body: JSON.stringify(args),
    });
    return ((await res.json()) as { result: T }).result;
  };

  beforeAll(() => {
    ids = pickCandidates(join(ui.tmp, 'synth', 'review-truth.csv'));
  });

  it('colour map, invert and the reviewer’s limits colour a known pixel as the map says', async () => {
    await choose(ids.star);
    const canvas = ui.page.getByTestId('cutout-red');
    const stamp = ui.page.locator('.stamp-red');
    await cutouts().getByLabel('red stretch').selectOption('linear');
    // A sky pixel near a corner of the 64x64 cutout: its value from the readout.
    const p = await screenOf(canvas, 64, 64, 8, 8);
    await canvas.hover({ position: { x: p.x, y: p.y } });
    const value = await readoutValue(stamp.getByTestId('pixel-readout'));
    // Limits value-5 .. value+15: the pixel sits at a quarter of the range.
    await cutouts().getByLabel('red limits').selectOption('manual');
    await cutouts().getByLabel('red lower limit').fill(String(value - 5));
    await cutouts().getByLabel('red upper limit').fill(String(value + 15));
    const colourAtPixel = async (name: string) => {
      await ui.page.mouse.move(0, 0);
      await ui.page.waitForTimeout(150);
      const png = decodePng(await canvas.screenshot({ path: join(SHOTS, `cutout-display-${name}.png`) }));
      const k = png.width / p.size;
      const i = 4 * (Math.round(p.y * k) * png.width + Math.round(p.x * k));
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    };
    const near = (got: number[], want: number[]) => got.every((c, j) => Math.abs(c - want[j]) <= 6);
    for (const [cmap, invert] of [['heat', false], ['heat', true], ['cool', false], ['inverted', false], ['grey', false]] as const) {
      await cutouts().getByLabel('red colormap').selectOption(cmap);
      if ((await cutouts().getByLabel('red invert').isChecked()) !== invert) await cutouts().getByLabel('red invert').click();
      const got = await colourAtPixel(`${cmap}${invert ? '-inverted' : ''}`);
      const want = colourAt(cmap, 0.25, invert);
      expect(near(got, want), `${cmap}${invert ? ' inverted' : ''}: ${got} vs ${want}`).toBe(true);
    }
    await cutouts().getByLabel('red colormap').selectOption('heat');
    await ui.page.mouse.move(0, 0);
    await cutouts().screenshot({ path: join(SHOTS, 'cutout-display-panel-heat-manual.png') });
    // Percentiles 0..100 are the full range: the pixel's colour is the min/max one.
    await cutouts().getByLabel('red limits').selectOption('percentile');
    await cutouts().getByLabel('red lower limit').fill('0');
    await cutouts().getByLabel('red upper limit').fill('100');
    const byPercentile = await colourAtPixel('percentile-0-100');
    await cutouts().getByLabel('red limits').selectOption('minmax');
    expect(await colourAtPixel('minmax')).toEqual(byPercentile);
    await cutouts().getByLabel('red limits').selectOption('zscale');
    await cutouts().getByLabel('red stretch').selectOption('asinh');
    await cutouts().getByLabel('red colormap').selectOption('grey');
  });

  it('wheel on the red cutout zooms the blue one alike; a drag on red pans blue alike', async () => {
    await choose(ids.star);
    const red = ui.page.getByTestId('cutout-red');
    const blue = ui.page.getByTestId('cutout-blue');
    await red.hover();
    await ui.page.mouse.wheel(0, -100);
    await ui.page.mouse.wheel(0, -100);
    await poll(() => ui.page.getByTestId('cutout-red-zoom').textContent()).toBe('×1.56');
    expect(await ui.page.getByTestId('cutout-blue-zoom').textContent()).toBe('×1.56');
    expect(await ui.page.getByTestId('cutout-zoom').textContent()).toBe('×1.56');
    const box = (await red.boundingBox())!;
    await ui.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await ui.page.mouse.down();
    await ui.page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20, { steps: 4 });
    await ui.page.mouse.up();
    // The same screen point of both cutouts shows the same image pixel.
    const at = async (canvas: Locator, band: string) => {
      await canvas.hover({ position: { x: 20, y: 25 } });
      const text = (await ui.page.locator(`.stamp-${band}`).getByTestId('pixel-readout').textContent())!;
      return text.match(/x (-?[\d.]+)y (-?[\d.]+)/)!.slice(1).map(Number);
    };
    const r = await at(red, 'red');
    const b = await at(blue, 'blue');
    expect(b).toEqual(r);
    await ui.page.getByTestId('cutout-panel').screenshot({ path: join(SHOTS, 'cutout-display-linked-zoom.png') });
    await ui.page.getByRole('button', { name: 'fit' }).first().click();
    await poll(() => ui.page.getByTestId('cutout-blue-zoom').textContent()).toBe('×1.00');
  });

  it('blue contours over red: segments drawn, blue-ish lines on the red cutout', async () => {
    await choose(ids.star);
    const canvas = ui.page.getByTestId('cutout-red');
    const blueish = async (name: string) => {
      await ui.page.mouse.move(0, 0);
      await ui.page.waitForTimeout(150);
      const png = decodePng(await canvas.screenshot({ path: join(SHOTS, `cutout-display-${name}.png`) }));
      let n = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i + 2] > 200 && png.data[i] < 170 && png.data[i + 2] - png.data[i] > 60) n++;
      return n;
    };
    expect(await blueish('no-contours')).toBe(0);
    await cutouts().getByLabel('blue contours on red').check();
    await poll(async () => Number(await ui.page.locator('.stamp-red .stamp-body').getAttribute('data-contour-segments'))).toBeGreaterThan(20);
    expect(await blueish('blue-contours-on-red')).toBeGreaterThan(50);
    await ui.page.getByTestId('cutout-panel').screenshot({ path: join(SHOTS, 'cutout-display-contours-panel.png') });
    await cutouts().getByLabel('blue contours on red').uncheck();
  });

  /** The blink's difference frame at its centre (the candidate), in the browser and by numpy/astropy on the same two frames. */
  async function differenceAtCentre(candidateId: number) {
    await choose(candidateId);
    const view = ui.page.getByTestId('blink-view');
    await ui.page.getByTestId('blink-diff').waitFor();
    for (let i = 0; i < 3 && (await view.getAttribute('data-frame')) !== 'diff'; i++) {
      await ui.page.keyboard.press('b');
      await ui.page.waitForTimeout(50);
    }
    expect(await view.getAttribute('data-frame')).toBe('diff');
    const blink = await api<{ red: string; blue: string; width: number; height: number }>('blink.get', { candidateId, sizeArcsec: 120 });
    writeFileSync(join(ui.tmp, 'red.fits'), Buffer.from(blink.red, 'base64'));
    writeFileSync(join(ui.tmp, 'blue.fits'), Buffer.from(blink.blue, 'base64'));
    // The recipe written out independently: medians for the skies, astropy's mad_std for the noise,
    // the median red/blue ratio over pixels above 5 sigma on both, else the ratio of the noises.
    const ref = astropy<{ ratio: number; matched: number; noise: number; centre: number; redCentre: number }>(`
from astropy.io import fits
from astropy.stats import mad_std
r = fits.getdata(INPUT['red']).astype(float)
b = fits.getdata(INPUT['blue']).astype(float)
def sky(a):
    v = a[np.isfinite(a)]
    return np.median(v), mad_std(v)
sr, nr = sky(r); sb, nb = sky(b)
dr, db = r - sr, b - sb
bright = (dr > 5 * nr) & (db > 5 * nb)
matched = int(bright.sum())
ratio = float(np.median(dr[bright] / db[bright])) if matched >= 5 else float(nr / nb)
d = dr - ratio * db
h, w = d.shape
cy, cx = (h - 1) // 2, (w - 1) // 2
print(json.dumps({'ratio': ratio, 'matched': matched if matched >= 5 else 0, 'noise': float(mad_std(d[np.isfinite(d)])),
  'centre': float(d[cy, cx]), 'redCentre': float(dr[cy, cx])}))
`, { red: join(ui.tmp, 'red.fits'), blue: join(ui.tmp, 'blue.fits') });
    const scaling = (await ui.page.getByTestId('blink-diff-scaling').textContent())!;
    expect(scaling).toContain(`blue × ${ref.ratio.toPrecision(3)}`);
    if (ref.matched) expect(scaling).toContain(`of ${ref.matched} pixels`);
    const canvas = ui.page.getByTestId('blink-diff');
    const readout = ui.page.getByTestId('blink-panel').getByTestId('pixel-readout');
    const col = (blink.width - 1) >> 1, row = (blink.height - 1) >> 1;
    const p = await screenOf(canvas, blink.width, blink.height, col, row);
    await canvas.hover({ position: { x: p.x, y: p.y } });
    await poll(async () => (await readout.textContent())!.match(/x (-?[\d.]+)/)?.[1]).toBe((col + 1).toFixed(1));
    const shown = await readoutValue(readout);
    // Float32 in the browser, float64 in numpy; the readout has one decimal.
    expect(Math.abs(shown - ref.centre)).toBeLessThan(0.1 + 1e-4 * Math.abs(ref.centre));
    await ui.page.mouse.move(0, 0);
    await ui.page.waitForTimeout(150);
    return { shown, ref };
  }

  it('the blink steps red → blue → difference with b, ← back', async () => {
    await choose(ids.star);
    const view = ui.page.getByTestId('blink-view');
    await ui.page.getByTestId('blink-red').waitFor();
    await ui.page.getByTestId('blink-red').hover();
    await ui.page.mouse.move(0, 0);
    if ((await view.getAttribute('data-frame')) !== 'red') await ui.page.keyboard.press('b');
    await poll(() => view.getAttribute('data-frame')).toBe('red');
    for (const [key, frame] of [['b', 'blue'], ['b', 'diff'], ['ArrowLeft', 'blue'], ['ArrowRight', 'diff'], ['b', 'red'], ['ArrowLeft', 'diff']]) {
      await ui.page.keyboard.press(key);
      await poll(() => view.getAttribute('data-frame')).toBe(frame);
    }
    expect(await ui.page.getByTestId('blink-frame-label').textContent()).toContain('RED − BLUE');
  });

  it('difference: a red-only transient stays bright, matching numpy/astropy', async () => {
    const { shown, ref } = await differenceAtCentre(ids.transient);
    expect(shown).toBeGreaterThan(5 * ref.noise);
    await ui.page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, 'cutout-display-blink-difference-transient.png') });
  });

  it('difference: a star on both plates nearly cancels, blue scaled by the ratio of its pixels', async () => {
    const { shown, ref } = await differenceAtCentre(ids.star);
    expect(ref.matched).toBeGreaterThan(5);
    expect(ref.redCentre).toBeGreaterThan(20 * ref.noise);
    expect(Math.abs(shown)).toBeLessThan(0.15 * ref.redCentre);
    await ui.page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, 'cutout-display-blink-difference-star.png') });
    await ui.page.keyboard.press('b');
    await poll(() => ui.page.getByTestId('blink-view').getAttribute('data-frame')).toBe('red');
    await ui.page.getByTestId('blink-panel').screenshot({ path: join(SHOTS, 'cutout-display-blink-red-star.png') });
  });

  it('no console errors', () => {
    expect(ui.consoleErrors).toEqual([]);
  });
});

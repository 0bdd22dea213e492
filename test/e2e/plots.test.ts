/**
 * The plots are handles, not pictures, in Debian's Chromium against the
 * browser host: a click on a histogram bin lists the candidates in that bin
 * (counted here from the candidates as recorded, min <= value < max), the
 * chip clears it, a click on a candidate of the plate scatter opens it in the
 * review. Screenshots: test-output/screenshots/plots-*.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveChromium, SHOTS } from '../helpers/chromium';
import { useReviewPage } from './review-fixture';

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

describe.skipIf(!haveChromium())('clickable plots', () => {
  const ui = useReviewPage({ tmpPrefix: 'vasco-plots-e2e-', count: 40, reviewer: 'F. Zwicky' });
  const tableTotal = async () => Number(/(\d+) candidates/.exec((await ui.page.getByTestId('candidate-table').locator('.table-footer').textContent()) ?? '')?.[1]);

  it('a SPREAD_MODEL bin lists exactly the candidates in it; the chip clears it', async () => {
    await ui.page.getByRole('tab', { name: 'Plots' }).click();
    const hist = ui.page.getByRole('img', { name: 'SPREAD_MODEL (red sources)' });
    await hist.waitFor();
    await ui.page.screenshot({ path: join(SHOTS, 'plots-1600x1000.png') });
    // The fullest bin: its edges as drawn, its candidates counted from what was recorded.
    const bins = await hist.locator('.hist-bin').evaluateAll((gs) =>
      gs.map((g) => ({
        i: Number(g.getAttribute('data-bin')),
        min: Number(g.getAttribute('data-min')),
        max: Number(g.getAttribute('data-max')),
        n: Number(/: (\d+) red sources/.exec(g.querySelector('title')!.textContent!)![1]),
      })),
    );
    const fullest = bins.reduce((a, b) => (b.n > a.n ? b : a));
    const inBin = ui.candidates.flatMap((c, k) => (typeof c.spreadModel === 'number' && c.spreadModel >= fullest.min && c.spreadModel < fullest.max ? [k + 1] : []));
    // Every red source of this run is a candidate, so the bar's count is the list's.
    expect(inBin.length).toBe(fullest.n);
    await hist.locator(`.hist-bin[data-bin="${fullest.i}"]`).click();
    const chip = ui.page.getByTestId('range-filter');
    await chip.waitFor();
    expect(await chip.textContent()).toContain('SPREAD_MODEL');
    await poll(tableTotal).toBe(inBin.length);
    const shownIds = await ui.page.getByTestId('candidate-table').locator('.tr[data-candidate-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-candidate-id'))));
    expect(shownIds.sort((a, b) => a - b)).toEqual(inBin);
    expect(await hist.count()).toBe(0);
    await ui.page.screenshot({ path: join(SHOTS, 'plots-bin-listed.png') });
    await chip.getByRole('button', { name: 'Clear the plot filter' }).click();
    await poll(tableTotal).toBe(ui.candidates.length);
  });

  it('a candidate on the plate scatter opens in the review', async () => {
    await ui.page.getByRole('tab', { name: 'Plots' }).click();
    const dot = ui.page.getByRole('img', { name: 'Candidates on the plate' }).locator('circle.cand-dot').nth(7);
    await dot.waitFor();
    const id = Number(/#(\d+)/.exec((await dot.locator('title').textContent())!)?.[1]);
    await dot.click();
    await ui.page.getByTestId('candidate-table').waitFor();
    await poll(async () => Number(await ui.page.getByTestId('candidate-table').locator('.tr.selected').getAttribute('data-candidate-id'))).toBe(id);
    expect(ui.consoleErrors).toEqual([]);
  });
});

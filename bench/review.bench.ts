/**
 * Next candidate in the review screen: from the key press to every panel
 * drawn (red and blue cutouts, blink, sky context), in Debian's Chromium
 * against the browser host on the demo run (the `vasco demo` field: the
 * synthetic demo pair through the pipeline offline, made once in
 * bench-output/review-demo). The page's performance marks (vasco:select,
 * vasco:drawn per panel; renderer/lib/draw-marks.ts) are timed from the
 * moment the keydown reaches the page (its first listener). The reviewer's pace is a key every PACE_MS,
 * which gives the neighbour prefetch its chance, as it has when a person looks
 * at each candidate. Printed: p50/p95/max per panel and for all panels, against
 * the 150 ms target.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpHost } from '../electron/host/http-host';
import { runPipeline } from '../electron/pipeline/run';
import { openWorkspace, recordPipelineRun } from '../electron/store/workspace';
import { generatePlatePair } from '../electron/synth/generate-pair';
import { haveChromium, openChromiumPage } from '../test/helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../test/helpers/renderer-build';
import { table } from './measure';
import type { BenchOptions } from './run';

export const name = 'review';
export const description = 'next candidate: key press to every review panel drawn, in Chromium on the demo run (target p95 <= 150 ms)';

const TARGET_MS = 150;
const STEPS = Number(process.env.VASCO_BENCH_REVIEW_STEPS ?? 30);
const PACE_MS = Number(process.env.VASCO_BENCH_REVIEW_PACE_MS ?? 600);
const PANELS = ['cutout-red', 'cutout-blue', 'blink', 'sky'];

/** The demo workspace (made once, as `vasco demo` makes it). */
async function demoWorkspace(dir: string): Promise<string> {
  const dbPath = join(dir, 'vasco.sqlite');
  mkdirSync(dir, { recursive: true });
  const ws = openWorkspace(dbPath);
  try {
    if (ws.listRuns().length === 0) {
      console.log(`generating the demo pair and running the pipeline in ${dir} (once) ...`);
      const pair = await generatePlatePair({ outDir: dir, name: 'demo', preset: 'demo' });
      const result = await runPipeline({ red: pair.red, blue: pair.blue, out: join(dir, 'run'), offline: true, command: ['bench', 'review'] }, {});
      await recordPipelineRun(ws, result, join(dir, 'run'));
    }
  } finally {
    ws.close();
  }
  return dbPath;
}

interface Step {
  id: number;
  total: number;
  panels: Record<string, number>;
}

/**
 * In the page, armed before the key: the keydown's timestamp, then the marks
 * of the candidate it selects, until every panel drew it. A string, so the
 * bench's transpiler adds nothing the page lacks.
 */
const ARM_SCRIPT = `window.__vascoBenchStep = new Promise((resolve, reject) => {
  const panels = ${JSON.stringify(PANELS)};
  let t0 = null, id = null;
  const drawn = {};
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (t0 === null || e.startTime < t0) continue;
      if (e.name === 'vasco:select') id = e.detail.candidateId;
      else if (e.name === 'vasco:drawn' && e.detail.candidateId === id && !(e.detail.panel in drawn)) drawn[e.detail.panel] = e.startTime - t0;
    }
    if (id !== null && panels.every((p) => p in drawn)) {
      observer.disconnect();
      resolve({ id, total: Math.max(...Object.values(drawn)), panels: drawn });
    }
  });
  observer.observe({ type: 'mark' });
  window.addEventListener('keydown', () => { t0 = performance.now(); }, { once: true, capture: true });
  setTimeout(() => reject(new Error('not every panel drew within 20 s: ' + JSON.stringify(drawn))), 20000);
}); undefined`;

const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};

export async function run(opts: BenchOptions): Promise<void> {
  if (!haveChromium()) return;
  ensureRendererBuilt();
  const dir = join(opts.workDir, 'review-demo');
  const dbPath = await demoWorkspace(dir);
  const host = await startHttpHost({ dbPath, port: 0, staticDir: RENDERER_DIST, offline: true });
  if (!existsSync(join(dir, 'chromium-profile'))) mkdirSync(join(dir, 'chromium-profile'));
  const { context, page } = await openChromiumPage(join(dir, 'chromium-profile'));
  try {
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      return url.protocol === 'blob:' || url.protocol === 'data:' || url.hostname === '127.0.0.1' ? route.continue() : route.abort();
    });
    await page.goto(host.url);
    const name = page.getByLabel('Reviewer name');
    // The reviewer prompt on a fresh profile, else the review screen at once.
    await name.or(page.getByTestId('cutout-red')).first().waitFor({ timeout: 60_000 });
    if (await name.isVisible()) {
      await name.fill('bench');
      await page.getByRole('button', { name: 'Start reviewing' }).click();
    }
    await page.getByTestId('cutout-red').waitFor({ timeout: 60_000 });
    // Start from the first row, clicked as a person would (the keys then go to the review).
    await page.getByTestId('candidate-table').locator('[data-candidate-id]').first().click();
    await page.waitForTimeout(1500);
    const footer = (await page.getByTestId('candidate-table').locator('.table-footer').textContent()) ?? '';
    const total = Number(footer.replace(/,/g, '').match(/(\d+) candidates/)?.[1] ?? 0);
    if (total < 2) throw new Error(`bench review: the demo run has ${total} candidates; at least 2 are needed`);
    const steps: Step[] = [];
    // Down the list with n, and back up with p at its end.
    let row = 0, way = 1;
    for (let i = 0; i < STEPS; i++) {
      if (row + way < 0 || row + way >= total) way = -way;
      row += way;
      // Armed before the key: the keydown's timestamp, then the marks of the candidate it selects.
      await page.evaluate(ARM_SCRIPT);
      await page.keyboard.press(way > 0 ? 'n' : 'p');
      steps.push(await (page.evaluate('window.__vascoBenchStep') as Promise<Step>).catch(async (err) => {
        await page.screenshot({ path: join(dir, 'failed.png') });
        console.log(await page.evaluate(`JSON.stringify(performance.getEntriesByType('mark').slice(-8).map((m) => [m.name, m.startTime, m.detail]))`));
        throw err;
      }));
      await page.waitForTimeout(PACE_MS);
    }
    const rows: (string | number)[][] = [['panel', 'p50 ms', 'p95 ms', 'max ms']];
    for (const p of PANELS) {
      const xs = steps.map((s) => s.panels[p]);
      rows.push([p, percentile(xs, 0.5), percentile(xs, 0.95), Math.max(...xs)]);
    }
    const totals = steps.map((s) => s.total);
    rows.push(['all panels', percentile(totals, 0.5), percentile(totals, 0.95), Math.max(...totals)]);
    console.log(`${steps.length} next/previous steps over ${total} candidates, a key every ${PACE_MS} ms, 1600x1000 window`);
    console.log(table(rows));
    const p95 = percentile(totals, 0.95);
    console.log(`next candidate, every panel drawn: p50 ${percentile(totals, 0.5).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (target ${TARGET_MS} ms: ${p95 <= TARGET_MS ? 'met' : 'NOT met'})`);
  } finally {
    await context.close();
    await host.close();
  }
}

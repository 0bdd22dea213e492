/**
 * A review workspace with real pixels, for the Chromium tests of the review
 * screen: a small synthetic plate pair and a run of candidates at the
 * positions of stars on both plates, recorded straight into a SQLite store
 * (as test/electron/store does), and the browser host serving it.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { HttpHost } from '../../electron/host/http-host';
import type { TrackedSource } from '../../electron/pipeline/types';
import { openWorkspace } from '../../electron/store/workspace';
import { generatePlatePair } from '../../electron/synth/generate-pair';
import { seeded, source, summary } from '../electron/store/fixtures';
import { RENDERER_DIST } from '../helpers/renderer-build';

export interface ReviewFixture {
  dbPath: string;
  host: HttpHost;
  /** The candidates as recorded, in id order (ids 1..count). */
  candidates: TrackedSource[];
}

/**
 * `count` candidates (at most the stars on both plates, ~40) in `tmp`/workspace.sqlite, served on 127.0.0.1; `seedStore` adds reviews before the host starts.
 * `transientsFirst`: the red-only transients (nothing on blue) come first, then the stars.
 */
export async function reviewFixture(tmp: string, count: number, seedStore?: (ws: ReturnType<typeof openWorkspace>) => void, transientsFirst = false): Promise<ReviewFixture> {
  const pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'review', preset: 'small', size: 500, stars: 200, transients: 8, defects: 2, seed: 7 });
  const truth = readFileSync(pair.truth, 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => truth[0].indexOf(name);
  const redOnly = transientsFirst ? truth.slice(1).filter((r) => r[col('kind')] === 'transient' && r[col('red_x')] !== '') : [];
  const onBoth = [...redOnly, ...truth.slice(1).filter((r) => r[col('red_x')] !== '' && r[col('blue_x')] !== '')].slice(0, count);
  const rnd = seeded(5);
  const candidates = onBoth.map((r, i) => ({
    ...source(i + 1, { ra: Number(r[col('ra')]), dec: Number(r[col('dec')]) }, true, rnd),
    x: Number(r[col('red_x')]),
    y: Number(r[col('red_y')]),
  }));
  const run = summary('XE687', candidates.length);
  run.plates.red = { ...run.plates.red, file: pair.red, naxis1: 500, naxis2: 500 };
  run.plates.blue = { ...run.plates.blue!, file: pair.blue, naxis1: 500, naxis2: 500 };
  const dbPath = join(tmp, 'workspace.sqlite');
  const ws = openWorkspace(dbPath);
  ws.recordRun({ summary: run, red: candidates, candidates, outDir: join(tmp, 'run') });
  seedStore?.(ws);
  ws.close();
  const { startHttpHost } = await import('../../electron/host/http-host');
  const host = await startHttpHost({ dbPath, port: 0, staticDir: RENDERER_DIST, offline: true });
  return { dbPath, host, candidates };
}

/** A reviewer's current label of each candidate, read from the SQLite file itself. */
export function storedLabels(dbPath: string, reviewer: string): Map<number, string> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT c.id, cl.label FROM current_labels cl JOIN reviewers p ON p.id = cl.reviewer_id
         JOIN sources s ON s.object_id = cl.object_id JOIN candidates c ON c.source_id = s.id WHERE p.name = ?`,
      )
      .all(reviewer) as { id: number; label: string }[];
    return new Map(rows.map((r) => [r.id, r.label]));
  } finally {
    db.close();
  }
}

/**
 * Chromium (test/helpers/chromium) on the fixture's review screen: only
 * 127.0.0.1 (and blob:/data:) reachable, console errors and page errors
 * collected, `reviewer` named, the red cutout shown.
 */
export async function openReviewPage(host: HttpHost, profileDir: string, reviewer: string) {
  const { openChromiumPage } = await import('../helpers/chromium');
  const { context, page } = await openChromiumPage(profileDir);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    return url.protocol === 'blob:' || url.protocol === 'data:' || url.hostname === '127.0.0.1' ? route.continue() : route.abort();
  });
  await page.goto(host.url);
  await page.getByLabel('Reviewer name').fill(reviewer);
  await page.getByRole('button', { name: 'Start reviewing' }).click();
  await page.getByTestId('cutout-red').waitFor();
  return { context, page, consoleErrors };
}

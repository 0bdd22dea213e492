/**
 * A review workspace with real pixels (test/helpers/review-run.ts) served by
 * the browser host, for the Chromium tests of the review screen.
 */
import Database from 'better-sqlite3';
import type { HttpHost } from '../../electron/host/http-host';
import type { TrackedSource } from '../../electron/pipeline/types';
import type { openWorkspace } from '../../electron/store/workspace';
import { RENDERER_DIST } from '../helpers/renderer-build';
import { recordReviewRun } from '../helpers/review-run';

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
  const { dbPath, candidates } = await recordReviewRun(tmp, count, { seedStore, transientsFirst });
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

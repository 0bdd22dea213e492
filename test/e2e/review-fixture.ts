/**
 * A review workspace with real pixels (test/helpers/review-run.ts) served by
 * the browser host, for the Chromium tests of the review screen, and the
 * set-up that opens Chromium on it (shared pieces in test/helpers/chromium.ts).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll } from 'vitest';
import type { HttpHost } from '../../electron/host/http-host';
import type { TrackedSource } from '../../electron/pipeline/types';
import type { openWorkspace } from '../../electron/store/workspace';
import { cleanUpAfterAll, openChromiumPage, SHOTS, watchOffline, type OfflineWatch } from '../helpers/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
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
 * Chromium on the fixture's review screen, watched offline (`watchOffline`),
 * `reviewer` named, the red cutout shown.
 */
export async function openReviewPage(host: HttpHost, profileDir: string, reviewer: string) {
  const { context, page } = await openChromiumPage(profileDir);
  const watch = await watchOffline(context, page);
  await page.goto(host.url);
  await page.getByLabel('Reviewer name').fill(reviewer);
  await page.getByRole('button', { name: 'Start reviewing' }).click();
  await page.getByTestId('cutout-red').waitFor();
  return { context, page, ...watch };
}

export interface ReviewPageOptions {
  /** Prefix of the test's own folder in the system's temp folder (spaces welcome: an awkward path). */
  tmpPrefix: string;
  /** How many candidates (see `reviewFixture`). */
  count: number;
  reviewer: string;
  transientsFirst?: boolean;
  seedStore?: (ws: ReturnType<typeof openWorkspace>) => void;
  /** Window size once the review screen shows (Chromium opens at 1600x1000). */
  viewport?: { width: number; height: number };
}

/** The fixture, its folder and the Chromium showing it; filled by the time the tests run. */
export interface ReviewPage extends ReviewFixture, OfflineWatch {
  tmp: string;
  context: BrowserContext;
  page: Page;
}

/**
 * The set-up of a describe block testing the review screen: before its tests
 * a fresh folder, the fixture in it and Chromium on its review screen; after
 * them all closed and the folder removed. Call it in the describe's body.
 */
export function useReviewPage(options: ReviewPageOptions): ReviewPage {
  const ui = {} as ReviewPage;
  beforeAll(async () => {
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    ui.tmp = mkdtempSync(join(tmpdir(), options.tmpPrefix));
    Object.assign(ui, await reviewFixture(ui.tmp, options.count, options.seedStore, options.transientsFirst));
    Object.assign(ui, await openReviewPage(ui.host, join(ui.tmp, 'chromium-profile'), options.reviewer));
    if (options.viewport) await ui.page.setViewportSize(options.viewport);
  }, 300_000);
  cleanUpAfterAll(() => ui);
  return ui;
}

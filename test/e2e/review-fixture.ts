/**
 * A review workspace with real pixels (test/helpers/review-run.ts) served by
 * the browser host, for the Chromium tests of the review screen, and the
 * offline watch every Chromium test against the host keeps on its page.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { HttpHost } from '../../electron/host/http-host';
import type { TrackedSource } from '../../electron/pipeline/types';
import type { openWorkspace } from '../../electron/store/workspace';
import { ensureRendererBuilt, RENDERER_DIST } from '../helpers/renderer-build';
import { recordReviewRun } from '../helpers/review-run';
import { projectRoot } from '../helpers/shared-data';

/** Where the e2e tests put their screenshots, to be looked at. */
export const SHOTS = join(projectRoot, 'test-output', 'screenshots');

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

/** What the offline watch caught: console and page errors, and the requests refused for leaving 127.0.0.1. */
export interface OfflineWatch {
  consoleErrors: string[];
  remoteRequests: string[];
}

/**
 * Offline means offline: in `context` only 127.0.0.1 (and blob:/data:) is
 * reachable, anything else is recorded and refused; `page`'s console errors
 * and uncaught errors are collected. Set it up before the first `goto`.
 */
export async function watchOffline(context: BrowserContext, page: Page): Promise<OfflineWatch> {
  const watch: OfflineWatch = { consoleErrors: [], remoteRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => watch.consoleErrors.push(`pageerror: ${e.message}`));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'blob:' || url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.continue();
    watch.remoteRequests.push(url.href);
    return route.abort();
  });
  return watch;
}

/**
 * Chromium (test/helpers/chromium) on the fixture's review screen, watched
 * offline (`watchOffline`), `reviewer` named, the red cutout shown.
 */
export async function openReviewPage(host: HttpHost, profileDir: string, reviewer: string) {
  const { openChromiumPage } = await import('../helpers/chromium');
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

/**
 * The tear-down of a describe block driving Chromium against the host: after
 * its tests the browser and the host closed and the test's folder removed,
 * whichever of them `made` says the set-up got as far as making.
 */
export function cleanUpAfterAll(made: () => { context?: BrowserContext; host?: HttpHost; tmp?: string }): void {
  afterAll(async () => {
    const { context, host, tmp } = made();
    await context?.close();
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
}

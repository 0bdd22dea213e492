/**
 * Upgrading a populated workspace from every earlier schema version to the
 * latest. Old files are written with the SQL each version's app used (raw
 * inserts against that version's tables), then opened by today's store.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../electron/store/migrations';
import { openWorkspace } from '../../../electron/store/workspace';
import { APP_VERSION, runInput, sky, tempDir } from './fixtures';

/**
 * One run on XE687 with three candidates and a history:
 *   candidate 1: ann transient, bob transient, cy blend        -> transient
 *   candidate 2: ann blend then asteroid then undo (-> blend), bob asteroid -> tie -> unsure
 *   candidate 3: ann transient then undo                      -> unreviewed
 */
function seedV1(db: Database.Database): void {
  db.exec(`
    INSERT INTO plates (id, region, survey, band, plate_id, epoch_julian, mid_utc, date_obs_raw, exposure_minutes,
      pixel_scale_arcsec, naxis1, naxis2, header_sha256, file)
    VALUES (1, 'XE687', 'POSSI-E', 'red', '687', 1951.5087, '1951-07-05T04:52:30Z', '1951-07-05T04:95:00', 45, 1.7, 706, 706, 'sha-red', '/data/red.fits');
    INSERT INTO runs (id, created_utc, app_version, started_utc, finished_utc, mode, out_dir, red_plate_id, blue_plate_id,
      candidates, parameters_json, tools_json, stages_json, summary_json)
    VALUES (1, '2025-01-01T00:00:00Z', '0.0.9', NULL, NULL, 'red-only', '/tmp/old-run', 1, NULL, 3, '{}', '{}', '[]',
      '{"app":{"name":"vasco-workstation","version":"0.0.9"},"mode":"red-only","plates":{"red":{"region":"XE687"}},"stages":[],"candidates":3,"notes":[]}');
    INSERT INTO objects (id, plate_region, ra, dec, first_run_id) VALUES
      (1, 'XE687', 259.90, -6.10, 1), (2, 'XE687', 259.95, -6.15, 1), (3, 'XE687', 260.00, -6.20, 1);
    INSERT INTO sources (id, run_id, number, object_id, x, y, ra, dec, mag, mag_err, snr, fwhm, elongation, flags, spread_model) VALUES
      (1, 1, 11, 1, 100, 100, 259.90, -6.10, 17.1, 0.02, 40, 3.0, 1.1, 0, 0.001),
      (2, 1, 12, 2, 200, 200, 259.95, -6.15, 18.2, 0.03, 35, 3.1, 1.05, 0, -0.002),
      (3, 1, 13, 3, 300, 300, 260.00, -6.20, 16.4, 0.02, 80, 2.9, 1.02, 0, 0.0);
    INSERT INTO ledger (source_id, seq, stage, reason, dropped, detail) VALUES (1, 0, 'veto', 'ps1_skipped', 0, 'offline');
    INSERT INTO candidates (id, run_id, source_id) VALUES (1, 1, 1), (2, 1, 2), (3, 1, 3);
    INSERT INTO reviewers (id, name, created_utc) VALUES (1, 'ann', '2025-01-02T00:00:00Z'), (2, 'bob', '2025-01-02T00:00:00Z'), (3, 'cy', '2025-01-02T00:00:00Z');
    INSERT INTO reviews (id, object_id, candidate_id, reviewer_id, action, label, created_utc, undoes_review_id) VALUES
      (1, 1, 1, 1, 'label', 'transient', '2025-01-03T00:00:00Z', NULL),
      (2, 1, 1, 2, 'label', 'transient', '2025-01-03T00:00:01Z', NULL),
      (3, 1, 1, 3, 'label', 'blend', '2025-01-03T00:00:02Z', NULL),
      (4, 2, 2, 1, 'label', 'blend', '2025-01-03T00:00:03Z', NULL),
      (5, 2, 2, 1, 'label', 'asteroid', '2025-01-03T00:00:04Z', NULL),
      (6, 2, 2, 1, 'undo', NULL, '2025-01-03T00:00:05Z', 5),
      (7, 2, 2, 2, 'label', 'asteroid', '2025-01-03T00:00:06Z', NULL),
      (8, 3, 3, 1, 'label', 'transient', '2025-01-03T00:00:07Z', NULL),
      (9, 3, 3, 1, 'undo', NULL, '2025-01-03T00:00:08Z', 8);
  `);
}

/** v2 added app_version and display_json to reviews: cy revisits candidate 3. */
function seedV2(db: Database.Database): void {
  db.exec(`
    INSERT INTO reviews (id, object_id, candidate_id, reviewer_id, action, label, confidence, note, created_utc, app_version, display_json)
    VALUES (10, 3, 3, 3, 'label', 'emulsion_defect', 0.9, 'sharp edge', '2025-02-01T00:00:00Z', '0.0.10', '{"stretch":"linear","zoom":8}');
  `);
}

/** v4 added comments and idempotency keys: bob comments on candidate 1; ann confirms her label of it with a keyed event. */
function seedV4(db: Database.Database): void {
  db.exec(`
    INSERT INTO comments (id, object_id, candidate_id, reviewer_id, body, created_utc, app_version, idempotency_key)
    VALUES (1, 1, 1, 2, 'diffuse edge on the red plate', '2025-03-01T00:00:00Z', '0.0.11', 'seed-comment-1');
    INSERT INTO reviews (id, object_id, candidate_id, reviewer_id, action, label, created_utc, app_version, idempotency_key)
    VALUES (11, 1, 1, 1, 'label', 'transient', '2025-03-01T00:00:01Z', '0.0.11', 'seed-review-11');
  `);
}

const seeders: Record<number, (db: Database.Database) => void> = { 1: seedV1, 2: seedV2, 4: seedV4 };

/** A file at `version` with the data each version up to it wrote. */
function fileAtVersion(version: number): string {
  const file = join(tempDir('vasco-migrate-'), 'vasco.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  for (let v = 1; v <= version; v++) {
    migrate(db, v);
    expect(schemaVersion(db)).toBe(v);
    seeders[v]?.(db);
  }
  db.close();
  return file;
}

describe('schema migrations', () => {
  it('are numbered 1..N without gaps, and there are several', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(3);
  });

  it('creates the latest schema in a new file', () => {
    const ws = openWorkspace(join(tempDir(), 'new.sqlite'));
    expect(ws.schemaVersion).toBe(LATEST_VERSION);
    expect(ws.upgradeBackup).toBeNull();
    ws.close();
  });

  for (let from = 1; from < LATEST_VERSION; from++) {
    it(`upgrades a populated v${from} workspace to v${LATEST_VERSION} keeping every review`, () => {
      const file = fileAtVersion(from);
      const eventsBefore = (() => {
        const db = new Database(file, { readonly: true });
        const n = (db.prepare('SELECT COUNT(*) AS n FROM reviews').get() as { n: number }).n;
        db.close();
        return n;
      })();

      // Read-only mode cannot upgrade and says so.
      expect(() => openWorkspace(file, { readonly: true })).toThrow(/needs upgrading/);

      const ws = openWorkspace(file);
      expect(ws.schemaVersion).toBe(LATEST_VERSION);
      expect(ws.integrityCheck()).toBe('ok');
      // A copy of the file as it was is kept beside it.
      expect(ws.upgradeBackup).not.toBeNull();
      expect(existsSync(ws.upgradeBackup!)).toBe(true);
      const backup = new Database(ws.upgradeBackup!, { readonly: true });
      expect(schemaVersion(backup)).toBe(from);
      expect((backup.prepare('SELECT COUNT(*) AS n FROM reviews').get() as { n: number }).n).toBe(eventsBefore);
      backup.close();

      const inner = (ws as unknown as { db: Database.Database }).db;
      expect(inner.pragma('foreign_key_check')).toEqual([]);
      expect((inner.prepare('SELECT COUNT(*) AS n FROM reviews').get() as { n: number }).n).toBe(eventsBefore);

      // Current labels and consensus derived from the old history, undo included.
      const rows = ws.listCandidates({ runId: 1, reviewer: 'ann' }).rows;
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(1)).toMatchObject({ consensus: 'transient', reviews: 3, myLabel: 'transient' });
      expect(byId.get(2)).toMatchObject({ consensus: 'unsure', reviews: 2, myLabel: 'blend' });
      if (from >= 2) expect(byId.get(3)).toMatchObject({ consensus: 'emulsion_defect', reviews: 1, myLabel: null });
      else expect(byId.get(3)).toMatchObject({ consensus: null, reviews: 0, myLabel: null });
      expect(ws.listRuns()[0]).toMatchObject({ id: 1, redRegion: 'XE687', reviewed: from >= 2 ? 3 : 2 });
      // v5: sources recorded before it have no blue detection nor edge distance (null, not made up).
      expect(byId.get(1)).toMatchObject({ nearestBlueDetection: null, edgeDistancePx: null });
      if (from >= 4) {
        expect(ws.getCandidate(1).comments).toMatchObject([{ reviewer: 'bob', body: 'diffuse edge on the red plate', appVersion: '0.0.11' }]);
        expect(ws.addReview({ candidateId: 1, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION, idempotencyKey: 'seed-review-11' }).id).toBe(11);
      }

      const history = ws.getCandidate(1).history;
      expect(history.slice(0, 3).map((h) => h.appVersion)).toEqual(['unknown (recorded before schema v2)', 'unknown (recorded before schema v2)', 'unknown (recorded before schema v2)']);
      if (from >= 2) {
        expect(ws.getCandidate(3).history.at(-1)).toMatchObject({ appVersion: '0.0.10', display: { stretch: 'linear', zoom: 8 }, confidence: 0.9 });
      }

      // The upgraded file keeps working: undo ann's blend on candidate 2 -> bob's asteroid is the majority.
      expect(ws.undoReview(2, 'ann', APP_VERSION)!.undoes).toBe(4);
      expect(ws.listCandidates({ runId: 1 }).rows.find((r) => r.id === 2)).toMatchObject({ consensus: 'asteroid', reviews: 1 });
      ws.addReview({ candidateId: 3, reviewer: 'bob', label: 'transient', appVersion: APP_VERSION });
      // ...comments (v4) and idempotency keys on old files too.
      const comment = { candidateId: 2, reviewer: 'cy', body: 'see the blue plate', appVersion: APP_VERSION, idempotencyKey: `upgrade-from-${from}` };
      expect(ws.addComment(comment)).toEqual(ws.addComment(comment));
      expect(ws.listComments(2).map((c) => c.body)).toEqual(['see the blue plate']);
      expect(ws.integrityCheck()).toBe('ok');
      ws.close();

      // Opening again does nothing more.
      const again = openWorkspace(file);
      expect(again.upgradeBackup).toBeNull();
      again.close();
    });
  }

  it('v5 keeps each source\'s nearest blue detection and edge distance, in an upgraded v4 file as in a new one', () => {
    const input = runInput('XE687', sky(6, 55), 2);
    const detection = { id: 4242, distanceArcsec: 1.25, ra: 259.9, dec: -6.1, x: 321.5, y: 654.25, mag: 18.4, snr: 12.5, fwhm: 3.3, failedCuts: ['snr', 'flags'] };
    input.red[0].nearestBlueDetection = detection;
    input.red[0].edgeDistancePx = 17.5;
    input.red[2].nearestBlueDetection = { ...detection, id: 7, failedCuts: [] };
    input.red[4].nearestBlueDetection = null;
    for (const file of [fileAtVersion(4), join(tempDir(), 'new.sqlite')]) {
      const ws = openWorkspace(file);
      const { runId } = ws.recordRun(input);
      const rows = ws.listCandidates({ runId, sort: { column: 'blueDetectionArcsec' } }).rows;
      const bySource = new Map(rows.map((r) => [r.sourceNumber, r]));
      expect(bySource.get(1)).toMatchObject({ nearestBlueDetection: detection, edgeDistancePx: 17.5 });
      expect(bySource.get(3)!.nearestBlueDetection).toMatchObject({ id: 7, failedCuts: [] });
      expect(bySource.get(5)).toMatchObject({ nearestBlueDetection: null, edgeDistancePx: null });
      expect(ws.getCandidate(rows[0].id).row.nearestBlueDetection).toEqual(rows[0].nearestBlueDetection);
      expect(ws.runSources(runId, ['blueDetectionArcsec', 'edgeDistancePx'])[0]).toEqual({ blueDetectionArcsec: 1.25, edgeDistancePx: 17.5 });
      ws.close();
    }
  });

  it('v6 keeps catalogue counterparts and finds them by position, in a file upgraded from every version as in a new one', () => {
    const input = runInput('XE687', sky(6, 66), 2);
    const s = input.red[1];
    s.ledger = [{ stage: 'veto', reason: 'gaia', dropped: true, distanceArcsec: 1.2, counterpart: 'G9', counterpartMag: 15.1, counterpartRa: s.ra, counterpartDec: s.dec + 1.2 / 3600 }];
    const files = [...Array.from({ length: LATEST_VERSION - 1 }, (_, i) => fileAtVersion(i + 1)), join(tempDir(), 'new.sqlite')];
    for (const file of files) {
      const ws = openWorkspace(file);
      const { runId } = ws.recordRun(input);
      const field = ws.fieldContents(runId, s.ra, s.dec, 0.1);
      expect(field.counterparts).toEqual([{ ra: s.ra, dec: s.dec + 1.2 / 3600, catalogue: 'gaia', catalogueObject: 'G9', sourceNumber: 2, distanceArcsec: 1.2, mag: 15.1 }]);
      expect(field.candidates.length).toBeGreaterThan(0);
      // Runs recorded before v6 have no counterparts (none made up), and their candidates are still found by position.
      if (file !== files.at(-1)) expect(ws.fieldContents(1, 259.95, -6.15, 0.2)).toMatchObject({ counterparts: [], candidates: [{ id: 1 }, { id: 2 }, { id: 3 }] });
      ws.close();
    }
  });

  it('refuses a workspace written by a newer version, without touching it', () => {
    const file = join(tempDir(), 'future.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    let err: unknown;
    try {
      openWorkspace(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('db-newer-schema');
    expect((err as UserError).message).toContain(file);
    const check = new Database(file, { readonly: true });
    expect(schemaVersion(check)).toBe(LATEST_VERSION + 5);
    check.close();
  });

  it('treats an empty file as a new workspace', () => {
    const file = join(tempDir(), 'empty.sqlite');
    writeFileSync(file, '');
    const ws = openWorkspace(file);
    expect(ws.schemaVersion).toBe(LATEST_VERSION);
    ws.close();
  });
});

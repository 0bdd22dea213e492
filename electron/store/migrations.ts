/**
 * The workspace schema as a list of numbered migrations. PRAGMA user_version
 * holds the number of the last one applied. A migration is never edited once
 * released: the schema grows by appending a new one, so a file made by any
 * earlier version can be carried forward (test/electron/store/migrations.test.ts
 * upgrades a populated file from every version).
 *
 * Identity of reviewed things: a review is about an *object*, a position on a
 * red plate (REGION). Each run's sources point at an object; re-running a plate
 * links the new sources to the existing objects within 1" so the reviews stay
 * attached. Reviews are append-only; the current labels are derived.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  title: string;
  sql: string;
}

// The taxonomy as released with v1. Frozen here on purpose: growing
// REVIEW_LABELS needs a migration that widens this check.
const V1_LABELS = `'transient','emulsion_defect','dust_or_scratch','halo_or_ghost','diffraction_spike',
  'satellite_or_plane_trail','plate_edge','asteroid','variable_star','high_proper_motion','blend','unsure'`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    title: 'core tables: plates, runs, objects, sources, ledger, candidates, reviewers, append-only reviews',
    sql: `
      CREATE TABLE plates (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        survey TEXT NOT NULL,
        band TEXT NOT NULL CHECK (band IN ('red', 'blue')),
        plate_id TEXT,
        epoch_julian REAL,
        mid_utc TEXT,
        date_obs_raw TEXT,
        exposure_minutes REAL,
        pixel_scale_arcsec REAL NOT NULL,
        naxis1 INTEGER NOT NULL,
        naxis2 INTEGER NOT NULL,
        header_sha256 TEXT NOT NULL UNIQUE,
        file TEXT NOT NULL
      );

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        created_utc TEXT NOT NULL,
        app_version TEXT NOT NULL,
        started_utc TEXT,
        finished_utc TEXT,
        mode TEXT NOT NULL CHECK (mode IN ('red+blue', 'red-only')),
        out_dir TEXT NOT NULL,
        red_plate_id INTEGER NOT NULL REFERENCES plates(id),
        blue_plate_id INTEGER REFERENCES plates(id),
        candidates INTEGER NOT NULL,
        parameters_json TEXT NOT NULL,
        tools_json TEXT NOT NULL,
        -- per stage: input, output, dropped/flagged counts, seconds
        stages_json TEXT NOT NULL,
        -- summary.json exactly as the run wrote it
        summary_json TEXT NOT NULL
      );

      CREATE TABLE objects (
        id INTEGER PRIMARY KEY,
        plate_region TEXT NOT NULL,
        ra REAL NOT NULL,
        dec REAL NOT NULL,
        first_run_id INTEGER NOT NULL REFERENCES runs(id)
      );

      CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        number INTEGER NOT NULL,
        object_id INTEGER NOT NULL REFERENCES objects(id),
        x REAL NOT NULL, y REAL NOT NULL,
        ra REAL NOT NULL, dec REAL NOT NULL,
        flux REAL, flux_err REAL, mag REAL, mag_err REAL, snr REAL,
        fwhm REAL, elongation REAL, flags INTEGER NOT NULL,
        spread_model REAL, spread_model_err REAL,
        xmin INTEGER, xmax INTEGER, ymin INTEGER, ymax INTEGER,
        class_star REAL, background REAL,
        nearest_blue_arcsec REAL,
        nearest_gaia_arcsec REAL,
        nearest_ps1_arcsec REAL,
        dropped_stage TEXT,
        dropped_reason TEXT,
        UNIQUE (run_id, number)
      );

      CREATE TABLE ledger (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        seq INTEGER NOT NULL,
        stage TEXT NOT NULL,
        reason TEXT NOT NULL,
        dropped INTEGER NOT NULL CHECK (dropped IN (0, 1)),
        detail TEXT,
        distance_arcsec REAL,
        counterpart TEXT,
        counterpart_mag REAL,
        PRIMARY KEY (source_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE candidates (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source_id INTEGER NOT NULL UNIQUE REFERENCES sources(id)
      );

      CREATE TABLE reviewers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_utc TEXT NOT NULL
      );

      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        object_id INTEGER NOT NULL REFERENCES objects(id),
        -- the candidate the reviewer was looking at (which run)
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        action TEXT NOT NULL CHECK (action IN ('label', 'undo')),
        label TEXT CHECK (label IS NULL OR label IN (${V1_LABELS})),
        confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
        note TEXT,
        created_utc TEXT NOT NULL,
        undoes_review_id INTEGER REFERENCES reviews(id),
        CHECK ((action = 'label') = (label IS NOT NULL)),
        CHECK ((action = 'undo') = (undoes_review_id IS NOT NULL))
      );

      -- Flags must never be lost: history is append-only, undo is a new event.
      CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
      BEGIN SELECT RAISE(ABORT, 'reviews are append-only: record a new review or an undo instead'); END;
      CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
      BEGIN SELECT RAISE(ABORT, 'reviews are append-only: record a new review or an undo instead'); END;
    `,
  },
  {
    version: 2,
    title: 'reviews record the app version and the display settings used',
    sql: `
      ALTER TABLE reviews ADD COLUMN app_version TEXT NOT NULL DEFAULT 'unknown (recorded before schema v2)';
      ALTER TABLE reviews ADD COLUMN display_json TEXT;
    `,
  },
  {
    version: 3,
    title: 'indexes for 100k-candidate runs; current labels and consensus derived by triggers; history view',
    sql: `
      CREATE INDEX sources_object ON sources(object_id);
      CREATE INDEX candidates_run ON candidates(run_id);
      CREATE INDEX ledger_reason ON ledger(reason, source_id);
      CREATE INDEX objects_region ON objects(plate_region);
      CREATE INDEX reviews_object_reviewer ON reviews(object_id, reviewer_id, id);
      CREATE INDEX reviews_undoes ON reviews(undoes_review_id) WHERE undoes_review_id IS NOT NULL;

      -- Each reviewer's current label of an object: their latest label event
      -- that no undo withdrew. A cache of the history, kept by the triggers
      -- below in the same transaction as the event that changes it.
      CREATE TABLE current_labels (
        object_id INTEGER NOT NULL REFERENCES objects(id),
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        review_id INTEGER NOT NULL REFERENCES reviews(id),
        label TEXT NOT NULL,
        PRIMARY KEY (object_id, reviewer_id)
      ) WITHOUT ROWID;
      CREATE INDEX current_labels_reviewer ON current_labels(reviewer_id, label);

      ALTER TABLE objects ADD COLUMN consensus TEXT;
      ALTER TABLE objects ADD COLUMN n_labels INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX objects_consensus ON objects(consensus);

      INSERT INTO current_labels (object_id, reviewer_id, review_id, label)
      SELECT r.object_id, r.reviewer_id, r.id, r.label FROM reviews r
      WHERE r.action = 'label'
        AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes_review_id = r.id)
        AND r.id = (SELECT MAX(r2.id) FROM reviews r2
                    WHERE r2.object_id = r.object_id AND r2.reviewer_id = r.reviewer_id AND r2.action = 'label'
                      AND NOT EXISTS (SELECT 1 FROM reviews u2 WHERE u2.undoes_review_id = r2.id));

      -- Consensus: the label held by more than half of the reviewers with a
      -- current label; 'unsure' when none has a majority; NULL when unlabelled.
      UPDATE objects SET
        n_labels = (SELECT COUNT(*) FROM current_labels c WHERE c.object_id = objects.id),
        consensus = CASE WHEN NOT EXISTS (SELECT 1 FROM current_labels c WHERE c.object_id = objects.id) THEN NULL
          ELSE COALESCE((SELECT c.label FROM current_labels c WHERE c.object_id = objects.id GROUP BY c.label
                         HAVING 2 * COUNT(*) > (SELECT COUNT(*) FROM current_labels c2 WHERE c2.object_id = objects.id)),
                        'unsure') END
      WHERE id IN (SELECT object_id FROM current_labels);

      -- An undo must withdraw that reviewer's current label of that object.
      CREATE TRIGGER reviews_undo_check BEFORE INSERT ON reviews WHEN NEW.action = 'undo'
        AND NOT EXISTS (SELECT 1 FROM current_labels c WHERE c.object_id = NEW.object_id
                        AND c.reviewer_id = NEW.reviewer_id AND c.review_id = NEW.undoes_review_id)
      BEGIN SELECT RAISE(ABORT, 'an undo must withdraw the reviewer''s current label'); END;

      CREATE TRIGGER reviews_label_current AFTER INSERT ON reviews WHEN NEW.action = 'label'
      BEGIN
        DELETE FROM current_labels WHERE object_id = NEW.object_id AND reviewer_id = NEW.reviewer_id;
        INSERT INTO current_labels (object_id, reviewer_id, review_id, label)
        VALUES (NEW.object_id, NEW.reviewer_id, NEW.id, NEW.label);
      END;

      -- Undo uncovers the reviewer's previous label that is still standing.
      CREATE TRIGGER reviews_undo_current AFTER INSERT ON reviews WHEN NEW.action = 'undo'
      BEGIN
        DELETE FROM current_labels WHERE object_id = NEW.object_id AND reviewer_id = NEW.reviewer_id;
        INSERT INTO current_labels (object_id, reviewer_id, review_id, label)
        SELECT r.object_id, r.reviewer_id, r.id, r.label FROM reviews r
        WHERE r.object_id = NEW.object_id AND r.reviewer_id = NEW.reviewer_id AND r.action = 'label'
          AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes_review_id = r.id)
        ORDER BY r.id DESC LIMIT 1;
      END;

      CREATE TRIGGER current_labels_added AFTER INSERT ON current_labels
      BEGIN
        UPDATE objects SET
          n_labels = (SELECT COUNT(*) FROM current_labels c WHERE c.object_id = NEW.object_id),
          consensus = COALESCE((SELECT c.label FROM current_labels c WHERE c.object_id = NEW.object_id GROUP BY c.label
                                HAVING 2 * COUNT(*) > (SELECT COUNT(*) FROM current_labels c2 WHERE c2.object_id = NEW.object_id)),
                               'unsure')
        WHERE id = NEW.object_id;
      END;

      CREATE TRIGGER current_labels_removed AFTER DELETE ON current_labels
      BEGIN
        UPDATE objects SET
          n_labels = (SELECT COUNT(*) FROM current_labels c WHERE c.object_id = OLD.object_id),
          consensus = CASE WHEN NOT EXISTS (SELECT 1 FROM current_labels c WHERE c.object_id = OLD.object_id) THEN NULL
            ELSE COALESCE((SELECT c.label FROM current_labels c WHERE c.object_id = OLD.object_id GROUP BY c.label
                           HAVING 2 * COUNT(*) > (SELECT COUNT(*) FROM current_labels c2 WHERE c2.object_id = OLD.object_id)),
                          'unsure') END
        WHERE id = OLD.object_id;
      END;

      -- Review history with names and, for an undo, the label it withdrew.
      CREATE VIEW review_history AS
      SELECT r.id, r.object_id, r.candidate_id, r.reviewer_id, p.name AS reviewer, r.action,
             COALESCE(r.label, w.label) AS label, r.confidence, r.note, r.created_utc, r.app_version,
             r.display_json, r.undoes_review_id
      FROM reviews r
      JOIN reviewers p ON p.id = r.reviewer_id
      LEFT JOIN reviews w ON w.id = r.undoes_review_id;
    `,
  },
  {
    version: 4,
    title: 'comments in their own right (append-only); idempotency keys on reviews and comments',
    sql: `
      -- A key the client generates per action: a request sent again (its reply
      -- was lost) finds the event it already made instead of storing a second.
      ALTER TABLE reviews ADD COLUMN idempotency_key TEXT;
      CREATE UNIQUE INDEX reviews_idempotency_key ON reviews(idempotency_key) WHERE idempotency_key IS NOT NULL;

      -- A reviewer's remark on an object, independent of any label.
      CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        object_id INTEGER NOT NULL REFERENCES objects(id),
        -- the candidate the reviewer was looking at (which run)
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
        body TEXT NOT NULL CHECK (length(trim(body)) > 0),
        created_utc TEXT NOT NULL,
        app_version TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
      );
      CREATE INDEX comments_object ON comments(object_id, id);

      -- Comments are never lost either.
      CREATE TRIGGER comments_no_update BEFORE UPDATE ON comments
      BEGIN SELECT RAISE(ABORT, 'comments are append-only: add a new comment instead'); END;
      CREATE TRIGGER comments_no_delete BEFORE DELETE ON comments
      BEGIN SELECT RAISE(ABORT, 'comments are append-only: add a new comment instead'); END;
    `,
  },
  {
    version: 5,
    title: 'the blue side of every source: nearest blue detection of any kind and the cuts it failed; distance to the image edge',
    sql: `
      -- The published method compares with filtered blue sources only; this is
      -- the nearest blue detection whatever its cuts (NULL: none within the
      -- nearest-blue search radius, or recorded before schema v5).
      ALTER TABLE sources ADD COLUMN blue_det_number INTEGER;
      ALTER TABLE sources ADD COLUMN blue_det_arcsec REAL;
      ALTER TABLE sources ADD COLUMN blue_det_ra REAL;
      ALTER TABLE sources ADD COLUMN blue_det_dec REAL;
      ALTER TABLE sources ADD COLUMN blue_det_x REAL;
      ALTER TABLE sources ADD COLUMN blue_det_y REAL;
      ALTER TABLE sources ADD COLUMN blue_det_mag REAL;
      ALTER TABLE sources ADD COLUMN blue_det_snr REAL;
      ALTER TABLE sources ADD COLUMN blue_det_fwhm REAL;
      -- Ledger reasons separated by spaces; '' when it passed every cut.
      ALTER TABLE sources ADD COLUMN blue_det_failed_cuts TEXT;
      -- Pixels from the centroid to the nearest edge of the red image (NULL: recorded before schema v5).
      ALTER TABLE sources ADD COLUMN edge_distance_px REAL;
    `,
  },
  {
    version: 6,
    title: 'catalogue counterparts of every source (the sky view draws them); sources and counterparts indexed by position',
    sql: `
      -- What a catalogue stage matched to a source (veto: Gaia, PS1, ...), at
      -- the plate epoch. Before v6 these lived only in the pipeline's ledger
      -- (and a side file of runs started from the workstation); runs recorded
      -- before v6 have none here.
      CREATE TABLE counterparts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source_id INTEGER NOT NULL REFERENCES sources(id),
        stage TEXT NOT NULL,
        -- the ledger reason: the catalogue's id, e.g. 'gaia', 'ps1'
        catalogue TEXT NOT NULL,
        -- the catalogue's identifier of the object, when known
        catalogue_object TEXT,
        ra REAL NOT NULL,
        dec REAL NOT NULL,
        distance_arcsec REAL,
        mag REAL
      );
      -- The sky view asks for a run's things within a box: declination first.
      CREATE INDEX counterparts_position ON counterparts(run_id, dec, ra);
      CREATE INDEX sources_position ON sources(run_id, dec, ra);
    `,
  },
  {
    version: 7,
    title: 'the published-source audit of a run (--vasco); each source\'s distance from its plate\'s centre and edges',
    sql: `
      -- One row per published source (Solano et al. 2022) inside the red plate,
      -- in published.csv's order: what the run saw there and which stage kept
      -- or dropped it. Runs recorded before v7, or without --vasco, have none.
      CREATE TABLE published_sources (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        seq INTEGER NOT NULL,
        -- the published row's identifier (row number when the file has no id column)
        published_id TEXT NOT NULL,
        -- as published, degrees
        ra REAL NOT NULL,
        dec REAL NOT NULL,
        -- 'candidate', 'not-detected', or the STAGE/REASON that dropped the matched red source
        stage TEXT NOT NULL,
        detail TEXT,
        -- the red source the row is matched to (the nearest within the search radius), when any
        source_id INTEGER REFERENCES sources(id),
        source_number INTEGER,
        separation_arcsec REAL,
        -- the nearest blue detection of any kind, when a blue plate was used
        blue_det_number INTEGER,
        blue_det_arcsec REAL,
        blue_det_mag REAL,
        UNIQUE (run_id, seq)
      );
      CREATE INDEX published_sources_position ON published_sources(run_id, dec, ra);
      -- Degrees from the plate's centre and from its nearest image edge (NULL: recorded before v7).
      ALTER TABLE sources ADD COLUMN centre_distance_deg REAL;
      ALTER TABLE sources ADD COLUMN edge_distance_deg REAL;
    `,
  },
  {
    version: 8,
    title: 'a run is recorded in short transactions, hidden until complete',
    sql: `
      -- NULL: the run is complete. Otherwise it is still being recorded (JSON: pid, host,
      -- startedUtc of the recording process), and every listing of runs leaves it out; a
      -- recording whose process is gone is deleted by the next one (store/ingest.ts).
      ALTER TABLE runs ADD COLUMN recording TEXT;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Apply every migration above the file's version, up to `target`, each in its
 * own immediate transaction together with its user_version bump, so a crash
 * leaves the file at a whole version. Returns the versions applied.
 */
export function migrate(db: Database.Database, target = LATEST_VERSION): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version > target) break;
    // Checked first without a lock, so opening an up-to-date file never waits for a writer.
    if (schemaVersion(db) >= m.version) continue;
    const step = db.transaction(() => {
      // Re-read inside the lock: another process may have migrated meanwhile.
      if (schemaVersion(db) >= m.version) return false;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  return applied;
}

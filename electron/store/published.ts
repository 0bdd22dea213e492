/**
 * The published-source audit of a recorded run (schema v7), as the
 * workstation's published layer reads it: each published source with its
 * stage, the red source it was matched to (and its candidate id when that
 * source is a candidate), and where it falls on the red plate.
 */
import type { StoreDb } from './database';
import type { PublishedSourceRow } from './types';

interface Sql {
  id: number; seq: number; published_id: string; ra: number; dec: number; stage: string; detail: string | null;
  source_number: number | null; separation_arcsec: number | null; x: number | null; y: number | null; candidate_id: number | null;
  blue_det_number: number | null; blue_det_arcsec: number | null; blue_det_mag: number | null; ledger: string | null;
}

/** The run's published sources in published.csv's order (empty for runs without --vasco or recorded before v7). */
export function publishedSources(s: StoreDb, runId: number): PublishedSourceRow[] {
  const rows = s.db
    .prepare(
      `SELECT p.id, p.seq, p.published_id, p.ra, p.dec, p.stage, p.detail, p.source_number, p.separation_arcsec,
              s.x, s.y, c.id AS candidate_id, p.blue_det_number, p.blue_det_arcsec, p.blue_det_mag,
              (SELECT group_concat((CASE WHEN l.dropped THEN 'DROP ' ELSE 'flag ' END) || l.stage || '/' || l.reason || COALESCE(': ' || l.detail, ''), char(10))
                 FROM ledger l WHERE l.source_id = p.source_id) AS ledger
       FROM published_sources p
       LEFT JOIN sources s ON s.id = p.source_id
       LEFT JOIN candidates c ON c.source_id = p.source_id
       WHERE p.run_id = ? ORDER BY p.seq`,
    )
    .all(runId) as Sql[];
  return rows.map((r) => ({
    id: r.id,
    publishedId: r.published_id,
    ra: r.ra,
    dec: r.dec,
    stage: r.stage,
    detail: r.detail,
    sourceNumber: r.source_number,
    separationArcsec: r.separation_arcsec,
    sourceX: r.x,
    sourceY: r.y,
    candidateId: r.candidate_id,
    blueDetectionNumber: r.blue_det_number,
    blueDetectionArcsec: r.blue_det_arcsec,
    blueDetectionMag: r.blue_det_mag,
    ledger: r.ledger ? r.ledger.split('\n') : [],
  }));
}

/** One published source by its id with its run's plate files (for pictures at its position), or null. */
export function publishedSource(s: StoreDb, id: number): { row: PublishedSourceRow; runId: number; plates: { red: string; blue: string | null } } | null {
  const run = s.db
    .prepare(
      `SELECT p.run_id, rp.file AS red, bp.file AS blue FROM published_sources p JOIN runs r ON r.id = p.run_id
       JOIN plates rp ON rp.id = r.red_plate_id LEFT JOIN plates bp ON bp.id = r.blue_plate_id WHERE p.id = ?`,
    )
    .get(id) as { run_id: number; red: string; blue: string | null } | undefined;
  if (!run) return null;
  const row = publishedSources(s, run.run_id).find((r) => r.id === id)!;
  return { row, runId: run.run_id, plates: { red: run.red, blue: run.blue } };
}

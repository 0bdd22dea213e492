/** The recorded runs: listing them, one run's summary, its sources' measures. */
import { UserError } from '../core/errors';
import type { RunSummary } from '../pipeline/types';
import type { StoreDb } from './database';
import type { RunRow } from './types';

/** SQL condition on runs (alias r): the run is completely recorded (one still being recorded is hidden; see ingest.ts). */
export const RECORDED = 'r.recording IS NULL';

const RUN_SELECT = `SELECT r.id, r.created_utc, rp.region AS red_region, bp.region AS blue_region, r.mode, r.out_dir,
  r.summary_json,
  (SELECT COUNT(*) FROM candidates c WHERE c.run_id = r.id) AS candidates,
  (SELECT COUNT(*) FROM candidates c JOIN sources s ON s.id = c.source_id JOIN objects o ON o.id = s.object_id
   WHERE c.run_id = r.id AND o.n_labels > 0) AS reviewed
  FROM runs r JOIN plates rp ON rp.id = r.red_plate_id LEFT JOIN plates bp ON bp.id = r.blue_plate_id
  WHERE ${RECORDED}`;

interface RunSqlRow {
  id: number;
  created_utc: string;
  red_region: string;
  blue_region: string | null;
  mode: RunSummary['mode'];
  out_dir: string;
  summary_json: string;
  candidates: number;
  reviewed: number;
}

function runRow(r: RunSqlRow): RunRow {
  return {
    id: r.id,
    createdUtc: r.created_utc,
    redRegion: r.red_region,
    blueRegion: r.blue_region,
    mode: r.mode,
    candidates: r.candidates,
    reviewed: r.reviewed,
    outDir: r.out_dir,
  };
}

/** Measures runSources can read, by API name -> sources column. */
const RUN_SOURCE_COLUMNS = {
  number: 'number',
  x: 'x',
  y: 'y',
  ra: 'ra',
  dec: 'dec',
  mag: 'mag',
  snr: 'snr',
  fwhm: 'fwhm',
  elongation: 'elongation',
  flags: 'flags',
  spreadModel: 'spread_model',
  nearestBlueArcsec: 'nearest_blue_arcsec',
  blueDetectionArcsec: 'blue_det_arcsec',
  edgeDistancePx: 'edge_distance_px',
} as const;

export type RunSourceColumn = keyof typeof RUN_SOURCE_COLUMNS;

export function listRuns(s: StoreDb): RunRow[] {
  return s.read(() =>
    (s.db.prepare(`${RUN_SELECT} ORDER BY r.id DESC`).all() as RunSqlRow[]).map(runRow),
  );
}

export function getRun(s: StoreDb, runId: number): { row: RunRow; summary: RunSummary } {
  return s.guard('read', () => {
    const r = s.db.prepare(`${RUN_SELECT} AND r.id = ?`).get(runId) as RunSqlRow | undefined;
    if (!r) throw new UserError(`run ${runId} is not in ${s.file}`, 'list the runs with `vasco export --help` or in the Runs view', 'not-found');
    return { row: runRow(r), summary: JSON.parse(r.summary_json) as RunSummary };
  });
}

/**
 * Every red source of a run (candidates or not), only the asked measures,
 * in source order; for the run's histograms and plate maps. SQL NULL (e.g.
 * SPREAD_MODEL not measured) comes back as null.
 */
export function runSources<C extends RunSourceColumn>(s: StoreDb, runId: number, columns: readonly C[]): Record<C, number | null>[] {
  const wanted = [...new Set(columns)];
  for (const c of wanted)
    if (!Object.prototype.hasOwnProperty.call(RUN_SOURCE_COLUMNS, c))
      throw new UserError(`runSources: unknown column "${c}"`, `use one of ${Object.keys(RUN_SOURCE_COLUMNS).join(', ')}`, 'bad-arguments');
  if (!wanted.length) return [];
  const select = wanted.map((c) => `${RUN_SOURCE_COLUMNS[c]} AS "${c}"`).join(', ');
  return s.read(() => {
    if (!s.db.prepare(`SELECT 1 FROM runs r WHERE r.id = ? AND ${RECORDED}`).get(runId))
      throw new UserError(`run ${runId} is not in ${s.file}`, 'pick a run from the Run menu, or list them in the Runs view', 'not-found');
    return s.db.prepare(`SELECT ${select} FROM sources WHERE run_id = ? ORDER BY id`).all(runId) as Record<C, number | null>[];
  });
}

/** The newest run, or null in an empty workspace. */
export function latestRunId(s: StoreDb): number | null {
  return s.guard('read', () => (s.db.prepare(`SELECT MAX(r.id) AS id FROM runs r WHERE ${RECORDED}`).get() as { id: number | null }).id);
}

/**
 * A survey's review store (DIR/survey.sqlite holds one run per merged plate):
 * every run with its red plate, funnel and review counts, and where the
 * candidates of all runs lie, for the survey view's plate list and sky map.
 */
import type { StoreDb } from './database';
import { reviewerId } from './reviews';
import type { ReviewLabel } from './labels';
import { RECORDED } from './runs';

export interface SurveyStage {
  name: string;
  input: number;
  output: number;
}

/** One recorded run of the store, as the survey view needs it. */
export interface SurveyRunRow {
  runId: number;
  /** The folder `vasco run` wrote (a survey plate's DIR/plates/<id>/). */
  outDir: string;
  redRegion: string;
  redFile: string;
  naxis1: number;
  naxis2: number;
  stages: SurveyStage[];
  candidates: number;
  /** Candidates with any reviewer's current label. */
  reviewed: number;
  /** Candidates the asking reviewer has labelled (0 without one). */
  mine: number;
}

/** A candidate on the sky map: its label is the consensus, or (blind) the reviewer's own. */
export interface SurveyCandidatePoint {
  id: number;
  runId: number;
  ra: number;
  dec: number;
  label: ReviewLabel | null;
}

/** A survey plate's state (electron/survey/state.ts decides it). */
export type SurveyPlateState = 'planned' | 'queued' | 'running' | 'done' | 'failed';

/** One planned plate of a survey as the survey view shows it (survey.overview). */
export interface SurveyPlateView {
  id: string;
  index: number;
  state: SurveyPlateState;
  /** Why it failed or must run again. */
  reason?: string;
  /** The stage of a running plate. */
  stage?: string;
  /** The plate's run in the store (null: not merged yet). */
  runId: number | null;
  /** REGION of the red plate (e.g. XE582), when known. */
  region: string | null;
  /** The red plate's border on the sky, [ra, dec] degrees counter-clockwise; null when nothing tells where it lies. */
  footprint: [number, number][] | null;
  /** Why there is no footprint. */
  footprintNote?: string;
  funnel: SurveyStage[] | null;
  candidates: number;
  reviewed: number;
  /** Candidates the asking reviewer has labelled. */
  mine: number;
}

/** A survey opened for review (survey.overview), built by electron/survey/overview.ts. */
export interface SurveyOverview {
  dir: string;
  selection: string;
  plates: SurveyPlateView[];
  counts: Record<SurveyPlateState, number>;
  /** Each stage summed over the merged plates. */
  funnel: SurveyStage[];
  /** From the last `vasco survey merge`: candidates before and after joining cross-plate duplicates. */
  merge: { plateCandidates: number; candidates: number } | null;
  candidates: SurveyCandidatePoint[];
}

interface RunSqlRow {
  run_id: number;
  out_dir: string;
  red_region: string;
  red_file: string;
  naxis1: number;
  naxis2: number;
  stages_json: string;
  candidates: number;
  reviewed: number;
  mine: number;
}

/** Every run, oldest first, with its counts (one pass over the candidates, grouped by run). */
export function surveyRuns(s: StoreDb, reviewer?: string): SurveyRunRow[] {
  return s.read(() => {
    const meId = reviewerId(s, reviewer) ?? -1;
    const rows = s.db
      .prepare(
        `SELECT r.id AS run_id, r.out_dir, p.region AS red_region, p.file AS red_file, p.naxis1, p.naxis2, r.stages_json,
                COALESCE(n.candidates, 0) AS candidates, COALESCE(n.reviewed, 0) AS reviewed, COALESCE(n.mine, 0) AS mine
         FROM runs r JOIN plates p ON p.id = r.red_plate_id
         LEFT JOIN (SELECT c.run_id, COUNT(*) AS candidates, SUM(o.n_labels > 0) AS reviewed, SUM(me.label IS NOT NULL) AS mine
                    FROM candidates c JOIN sources s ON s.id = c.source_id JOIN objects o ON o.id = s.object_id
                    LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
                    GROUP BY c.run_id) n ON n.run_id = r.id
         WHERE ${RECORDED}
         ORDER BY r.id`,
      )
      .all({ meId }) as RunSqlRow[];
    return rows.map((r) => ({
      runId: r.run_id,
      outDir: r.out_dir,
      redRegion: r.red_region,
      redFile: r.red_file,
      naxis1: r.naxis1,
      naxis2: r.naxis2,
      stages: (JSON.parse(r.stages_json) as SurveyStage[]).map(({ name, input, output }) => ({ name, input, output })),
      candidates: r.candidates,
      reviewed: r.reviewed,
      mine: r.mine,
    }));
  });
}

/** Positions and labels of every candidate of these runs (blind: the reviewer's own label only). */
export function surveyCandidatePoints(s: StoreDb, runIds: number[], opts: { reviewer?: string; blind?: boolean } = {}): SurveyCandidatePoint[] {
  return s.read(() => {
    const meId = reviewerId(s, opts.reviewer) ?? -1;
    return s.db
      .prepare(
        `SELECT c.id, c.run_id AS runId, s.ra, s.dec, ${opts.blind ? 'me.label' : 'o.consensus'} AS label
         FROM candidates c JOIN sources s ON s.id = c.source_id JOIN objects o ON o.id = s.object_id
         LEFT JOIN current_labels me ON me.object_id = s.object_id AND me.reviewer_id = @meId
         WHERE c.run_id IN (SELECT value FROM json_each(@runIds)) ORDER BY c.id`,
      )
      .all({ meId, runIds: JSON.stringify(runIds) }) as SurveyCandidatePoint[];
  });
}

/**
 * The open survey (when the workspace is a survey's DIR/survey.sqlite): its
 * plates with state, footprint, funnel and counts, and where its candidates
 * lie. The candidate table then spans every plate's run; the table's plate
 * filter (CandidateFilter.plate) narrows it to one plate's run.
 */
import { create } from 'zustand';
import { call, type MethodResult } from '../api';
import { useErrors } from './errors';
import { useSession } from './session';

export type SurveyOverview = NonNullable<MethodResult<'survey.overview'>>;
export type SurveyPlate = SurveyOverview['plates'][number];

interface SurveyState {
  /** null: the workspace is not a survey's (or not asked yet). */
  overview: SurveyOverview | null;
  load(): Promise<void>;
}

export const useSurvey = create<SurveyState>((set) => ({
  overview: null,
  async load() {
    const { reviewer, blind } = useSession.getState();
    try {
      const overview = await call('survey.overview', { ...(reviewer ? { reviewer } : {}), blind });
      useErrors.getState().resolve('survey.overview');
      set({ overview });
    } catch (err) {
      useErrors.getState().report(err, 'survey.overview');
    }
  },
}));

/**
 * Which runs a candidate query covers: the open run, or in a survey every
 * plate's run (one plate's when the table is filtered to it; none when that
 * plate has not been merged yet).
 */
export function candidateScope(plate: string | null): { runId: number } | { runIds: number[] } {
  const overview = useSurvey.getState().overview;
  if (!overview) return { runId: useSession.getState().runId ?? 0 };
  const plates = plate === null ? overview.plates : overview.plates.filter((p) => p.id === plate);
  return { runIds: plates.flatMap((p) => (p.runId === null ? [] : [p.runId])) };
}

/** The survey plate a run belongs to (its id), for the table's plate column. */
export function plateOfRun(runId: number): SurveyPlate | undefined {
  return useSurvey.getState().overview?.plates.find((p) => p.runId === runId);
}

/** The open run's summary (funnel, parameters, plates) and histograms, fetched once per run. */
import { create } from 'zustand';
import { call, type MethodResult } from '../api';
import { useErrors } from './errors';
import { isSkipNote } from '../lib/ledger';

interface RunDetailState {
  runId: number | null;
  detail: MethodResult<'runs.get'> | null;
  histograms: MethodResult<'runs.histograms'> | null;
  load(runId: number | null): Promise<void>;
}

export const useRunDetail = create<RunDetailState>((set, get) => ({
  runId: null,
  detail: null,
  histograms: null,
  async load(runId) {
    if (runId === get().runId && get().detail) return;
    set({ runId, detail: null, histograms: null });
    if (runId === null) return;
    try {
      const detail = await call('runs.get', { runId });
      if (get().runId === runId) set({ detail });
      const histograms = await call('runs.histograms', { runId });
      if (get().runId === runId) set({ histograms });
    } catch (err) {
      useErrors.getState().report(err, 'runs.get');
    }
  },
}));

/** Reasons the run's stages flagged candidates with (for the table's filter; not the run-wide skip notes). */
export function flaggedReasonsOf(detail: MethodResult<'runs.get'> | null): string[] {
  const out = new Set<string>();
  for (const st of detail?.summary.stages ?? []) for (const k of Object.keys(st.flagged ?? {})) if (!isSkipNote(k)) out.add(k);
  return [...out].sort();
}

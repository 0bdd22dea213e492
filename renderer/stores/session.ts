/**
 * Who is reviewing, which run is open, and what the main process told us about
 * itself (offline, version). The reviewer's name is asked once and remembered
 * in localStorage.
 */
import { create } from 'zustand';
import { call, type MethodResult, type RunRow } from '../api';
import { useErrors } from './errors';

export type View = 'run' | 'review' | 'plots' | 'survey' | 'published';

const REVIEWER_KEY = 'vasco.reviewer';
const BLIND_KEY = 'vasco.blind';

function stored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    /* private mode: the name is asked again next time */
  }
}

interface SessionState {
  info: MethodResult<'app.info'> | null;
  reviewer: string | null;
  blind: boolean;
  runs: RunRow[];
  runId: number | null;
  view: View;
  load(): Promise<void>;
  refreshRuns(): Promise<void>;
  setReviewer(name: string): Promise<void>;
  setBlind(blind: boolean): void;
  openRun(runId: number | null): void;
  setView(view: View): void;
}

export const useSession = create<SessionState>((set, get) => ({
  info: null,
  reviewer: stored(REVIEWER_KEY),
  blind: stored(BLIND_KEY) === '1',
  runs: [],
  runId: null,
  view: 'review',
  async load() {
    try {
      const info = await call('app.info', {});
      set((s) => ({ info, reviewer: s.reviewer ?? null }));
      await get().refreshRuns();
      const { runs, runId } = get();
      if (runId === null && runs.length) set({ runId: runs[0].id });
      if (!runs.length) set({ view: 'run' });
    } catch (err) {
      useErrors.getState().report(err, 'app.info');
    }
  },
  async refreshRuns() {
    const runs = await call('runs.list', {});
    set({ runs });
  },
  async setReviewer(name) {
    const clean = name.trim();
    if (!clean) return;
    await call('reviewers.add', { name: clean });
    store(REVIEWER_KEY, clean);
    set({ reviewer: clean });
  },
  setBlind(blind) {
    store(BLIND_KEY, blind ? '1' : '0');
    set({ blind });
  },
  openRun(runId) {
    set({ runId });
  },
  setView(view) {
    set({ view });
  },
}));

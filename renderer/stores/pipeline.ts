/**
 * One pipeline job: start, live progress per stage (events, with a status poll
 * as a safety net when events are missed), log tail, cancel and resume.
 */
import { create } from 'zustand';
import { call, onEvent, type JobState } from '../api';
import { useErrors } from './errors';
import { useSession } from './session';

export interface StageProgress {
  stage: string;
  fraction: number;
  etaSeconds?: number;
  message?: string;
  startedMs: number;
}

export type StartArgs = Parameters<typeof call<'pipeline.start'>>[1];

const LOG_LINES = 400;

interface PipelineState {
  jobId: string | null;
  state: JobState | null;
  stages: StageProgress[];
  log: string[];
  error: string | null;
  lastArgs: StartArgs | null;
  start(args: StartArgs): Promise<void>;
  cancel(): Promise<void>;
  resume(): Promise<void>;
  /** Apply one status answer or event (exposed for tests). */
  applyProgress(p: { stage: string; fraction: number; etaSeconds?: number; message?: string }): void;
  finish(state: Exclude<JobState, 'running'>, runId?: number, error?: string): void;
}

let unsubscribe: (() => void) | null = null;
let poll: ReturnType<typeof setInterval> | null = null;

function stopWatching(): void {
  unsubscribe?.();
  unsubscribe = null;
  if (poll) clearInterval(poll);
  poll = null;
}

export const usePipeline = create<PipelineState>((set, get) => {
  function watch(jobId: string): void {
    stopWatching();
    const offs = [
      onEvent('pipeline.progress', (e) => {
        if (e.jobId === get().jobId) get().applyProgress(e);
      }),
      onEvent('pipeline.log', (e) => {
        if (e.jobId === get().jobId) set((s) => ({ log: [...s.log, e.line].slice(-LOG_LINES) }));
      }),
      onEvent('pipeline.done', (e) => {
        if (e.jobId === get().jobId) get().finish(e.state, e.runId, e.error);
      }),
    ];
    unsubscribe = () => offs.forEach((off) => off());
    poll = setInterval(async () => {
      if (get().jobId !== jobId || get().state !== 'running') return;
      try {
        const st = await call('pipeline.status', { jobId });
        if (st.progress) get().applyProgress(st.progress);
        if (st.state !== 'running') get().finish(st.state, st.runId, st.error);
      } catch {
        /* the next tick tries again; events may still arrive */
      }
    }, 2000);
  }

  return {
    jobId: null,
    state: null,
    stages: [],
    log: [],
    error: null,
    lastArgs: null,
    async start(args) {
      try {
        set({ state: 'running', stages: [], log: [], error: null, lastArgs: args });
        const { jobId } = await call('pipeline.start', args);
        set({ jobId });
        watch(jobId);
      } catch (err) {
        set({ state: null });
        useErrors.getState().report(err, 'pipeline.start');
      }
    },
    async cancel() {
      const { jobId } = get();
      if (!jobId) return;
      try {
        await call('pipeline.cancel', { jobId });
      } catch (err) {
        useErrors.getState().report(err, 'pipeline.cancel');
      }
    },
    async resume() {
      const { jobId: old } = get();
      if (!old) return;
      try {
        set({ state: 'running', error: null });
        const { jobId } = await call('pipeline.resume', { jobId: old });
        set({ jobId, log: [...get().log, `— resumed as job ${jobId} —`] });
        watch(jobId);
      } catch (err) {
        set({ state: 'failed' });
        useErrors.getState().report(err, 'pipeline.resume');
      }
    },
    applyProgress(p) {
      set((s) => {
        const stages = [...s.stages];
        const i = stages.findIndex((x) => x.stage === p.stage);
        const startedMs = i >= 0 ? stages[i].startedMs : Date.now();
        const entry: StageProgress = { ...p, startedMs };
        if (i >= 0) stages[i] = entry;
        else {
          // A new stage means the previous ones are finished.
          for (let k = 0; k < stages.length; k++) stages[k] = { ...stages[k], fraction: 1, etaSeconds: 0 };
          stages.push(entry);
        }
        return { stages };
      });
    },
    finish(state, runId, error) {
      if (get().state !== 'running') return;
      stopWatching();
      set((s) => ({
        state,
        error: error ?? null,
        stages: state === 'done' ? s.stages.map((x) => ({ ...x, fraction: 1, etaSeconds: 0 })) : s.stages,
      }));
      if (state === 'done') {
        const session = useSession.getState();
        void session
          .refreshRuns()
          .then(() => {
            if (runId !== undefined) session.openRun(runId);
          })
          .catch((err) => useErrors.getState().report(err, 'runs.list'));
      }
    },
  };
});

/**
 * Labelling. A flag is sent through reviews.add and shown only once the main
 * process has acknowledged it: until then the candidate carries a "pending"
 * marker, and on failure the error is shown and nothing changes. Undo
 * withdraws the reviewer's latest label on the candidate they last flagged.
 */
import { create } from 'zustand';
import { call } from '../api';
import type { ReviewLabel } from '../../electron/store/labels';
import { useCandidates } from './candidates';
import { fetchDetail, useSelection } from './selection';
import { useSession } from './session';
import { useErrors } from './errors';
import { displaySnapshot } from './display';

interface ReviewState {
  /** Flags sent but not acknowledged yet, by candidate id. */
  pending: Record<number, ReviewLabel | 'undo'>;
  /** Candidates flagged in this session, most recent last (what `u` undoes). */
  undoStack: number[];
  /** Move to the next candidate after an acknowledged flag. */
  advance: boolean;
  progress: { reviewed: number; total: number } | null;
  flag(label: ReviewLabel, note?: string): Promise<boolean>;
  undo(): Promise<boolean>;
  setAdvance(on: boolean): void;
  refreshProgress(): Promise<void>;
}

function requireReviewer(): string {
  const reviewer = useSession.getState().reviewer;
  if (!reviewer) throw new Error('no reviewer name set: enter your name before flagging candidates');
  return reviewer;
}

/** After a change to one candidate: fetch its row again and put it everywhere it is shown. */
async function refreshCandidate(candidateId: number): Promise<void> {
  const detail = await fetchDetail(candidateId);
  useCandidates.getState().patchRow(detail.row);
  const sel = useSelection.getState();
  if (sel.id === candidateId) useSelection.setState({ detail });
}

export const useReview = create<ReviewState>((set, get) => {
  /**
   * One acknowledged change to a candidate: marked pending while `work` talks
   * to the main process; a failure (or no reviewer name) is reported under
   * `method` and leaves nothing changed. Resolves true when `work` succeeded.
   */
  async function acknowledged(id: number, mark: ReviewLabel | 'undo', method: string, work: (reviewer: string) => Promise<void>): Promise<boolean> {
    set((s) => ({ pending: { ...s.pending, [id]: mark } }));
    try {
      await work(requireReviewer());
      return true;
    } catch (err) {
      useErrors.getState().report(err, method);
      return false;
    } finally {
      set((s) => {
        const pending = { ...s.pending };
        delete pending[id];
        return { pending };
      });
    }
  }

  return {
    pending: {},
    undoStack: [],
    advance: true,
    progress: null,
    async flag(label, note) {
      const { id, index } = useSelection.getState();
      if (id === null || get().pending[id]) return false;
      const ok = await acknowledged(id, label, 'reviews.add', async (reviewer) => {
        await call('reviews.add', {
          candidateId: id,
          reviewer,
          label,
          ...(note ? { note } : {}),
          display: displaySnapshot(),
        });
        set((s) => ({ undoStack: [...s.undoStack, id].slice(-500) }));
        await refreshCandidate(id);
      });
      if (!ok) return false;
      void get().refreshProgress();
      const cands = useCandidates.getState();
      if (cands.filter.hideReviewed) {
        // The flagged row leaves the query; the one after it takes its index.
        await cands.reload();
        if (index !== null && useSelection.getState().id === id) await useSelection.getState().select(index);
      } else if (get().advance && useSelection.getState().id === id) {
        await useSelection.getState().next();
      }
      return true;
    },
    async undo() {
      const stack = get().undoStack;
      const id = stack[stack.length - 1];
      if (id === undefined || get().pending[id]) return false;
      const ok = await acknowledged(id, 'undo', 'reviews.undo', async (reviewer) => {
        await call('reviews.undo', { candidateId: id, reviewer });
        set((s) => ({ undoStack: s.undoStack.slice(0, -1) }));
        const cands = useCandidates.getState();
        if (cands.filter.hideReviewed) await cands.reload();
        await refreshCandidate(id);
        // Go back to the candidate whose flag was withdrawn.
        const idx = useCandidates.getState().indexOfId(id);
        if (idx !== null) await useSelection.getState().select(idx);
      });
      if (!ok) return false;
      void get().refreshProgress();
      return true;
    },
    setAdvance(on) {
      set({ advance: on });
    },
    async refreshProgress() {
      const { runId, reviewer, blind } = useSession.getState();
      if (runId === null) {
        set({ progress: null });
        return;
      }
      try {
        const all = await call('candidates.list', { runId, offset: 0, limit: 1, blind });
        if (!reviewer) {
          set({ progress: { reviewed: 0, total: all.total } });
          return;
        }
        const open = await call('candidates.list', {
          runId,
          offset: 0,
          limit: 1,
          reviewer,
          blind,
          filter: { labels: ['unreviewed'], reviewer },
        });
        set({ progress: { reviewed: all.total - open.total, total: all.total } });
      } catch (err) {
        useErrors.getState().report(err, 'candidates.list');
      }
    },
  };
});

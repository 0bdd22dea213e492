/**
 * Labelling and comments. Every action (flag, undo, comment, next, previous,
 * choose a row) goes through the action queue, so fast typing is applied in
 * order and none is dropped; a flag acts on the selected candidate at the
 * moment it runs (after the advance of the flag before it).
 *
 * A flag is shown only once the main process acknowledged it: until then the
 * candidate carries a "pending" marker; then a notice names the candidate and
 * the label. Each action carries an idempotency key made when it was given:
 * when the reply is lost the request is sent again with the same key and the
 * store answers with the event it already has, so nothing is stored twice.
 */
import { create } from 'zustand';
import { call } from '../api';
import type { MethodArgs, MethodName, MethodResult } from '../../electron/api/contract';
import type { ReviewLabel } from '../../electron/store/labels';
import { useCandidates } from './candidates';
import { fetchDetail, useSelection } from './selection';
import { useSession } from './session';
import { useErrors } from './errors';
import { useNotices } from './notices';
import { displaySnapshot } from './display';
import { enqueue } from './action-queue';
import { candidateScope } from './survey';

type Pending = ReviewLabel | 'undo' | 'comment';

interface ReviewState {
  /** Actions sent but not acknowledged yet, by candidate id. */
  pending: Record<number, Pending>;
  /** Candidates flagged in this session, most recent last (what `u` undoes). */
  undoStack: number[];
  /** Move to the next candidate after an acknowledged flag. */
  advance: boolean;
  progress: { reviewed: number; total: number } | null;
  /** Label the selected candidate (queued). */
  flag(label: ReviewLabel): Promise<boolean>;
  /** Withdraw the reviewer's latest flag of this session (queued). */
  undo(): Promise<boolean>;
  /** Add a comment to the selected candidate (queued). */
  comment(body: string): Promise<boolean>;
  /** Next (+1) or previous (-1) candidate, in turn with the other actions. */
  step(delta: 1 | -1): Promise<boolean>;
  /** Choose a row of the table, in turn with the other actions. */
  choose(index: number): Promise<boolean>;
  setAdvance(on: boolean): void;
  refreshProgress(): Promise<void>;
}

/** A fresh key per action (crypto.randomUUID where the page is a secure context, as 127.0.0.1 is). */
export function newActionKey(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/** The request may have reached the main process but its answer did not come back. */
function replyLost(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'unreachable' || /^http-5\d\d$/.test(code);
}

const RETRY_DELAYS_MS = [300, 1000, 3000];

/** A keyed call, sent again with the same key while its reply is lost (safe: the store stores it once). */
async function sendKeyed<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(method, args);
    } catch (err) {
      if (attempt >= RETRY_DELAYS_MS.length || !replyLost(err)) throw err;
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
  }
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

/** The selected candidate, or an error saying there is none. */
function selectedId(): number {
  const { id } = useSelection.getState();
  if (id === null) throw new Error('no candidate selected: choose a row first');
  return id;
}

export const useReview = create<ReviewState>((set, get) => {
  /**
   * One acknowledged change to a candidate: marked pending while `work` talks
   * to the main process; a failure (or no reviewer name) is reported under
   * `method` and leaves nothing changed; a later success clears that report.
   */
  async function acknowledged(id: number, mark: Pending, method: string, work: (reviewer: string) => Promise<void>): Promise<boolean> {
    set((s) => ({ pending: { ...s.pending, [id]: mark } }));
    try {
      await work(requireReviewer());
      useErrors.getState().resolve(method);
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

  /** Run `fn` on the selected candidate; no selection is reported under `method`. */
  async function onSelected(method: string, fn: (id: number) => Promise<boolean>): Promise<boolean> {
    let id: number;
    try {
      id = selectedId();
    } catch (err) {
      useErrors.getState().report(err, method);
      return false;
    }
    return fn(id);
  }

  async function applyFlag(label: ReviewLabel, key: string): Promise<boolean> {
    return onSelected('reviews.add', async (id) => {
      const index = useSelection.getState().index;
      const ok = await acknowledged(id, label, 'reviews.add', async (reviewer) => {
        await sendKeyed('reviews.add', { candidateId: id, reviewer, label, display: displaySnapshot(), idempotencyKey: key });
        set((s) => ({ undoStack: [...s.undoStack, id].slice(-500) }));
        await refreshCandidate(id);
      });
      if (!ok) return false;
      useNotices.getState().say(`#${id} labelled ${label}`);
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
    });
  }

  async function applyUndo(key: string): Promise<boolean> {
    const stack = get().undoStack;
    const id = stack[stack.length - 1];
    if (id === undefined) {
      useNotices.getState().say('nothing to undo');
      return true;
    }
    let withdrawn: string | null = null;
    const ok = await acknowledged(id, 'undo', 'reviews.undo', async (reviewer) => {
      const event = await sendKeyed('reviews.undo', { candidateId: id, reviewer, idempotencyKey: key });
      withdrawn = event?.label ?? null;
      set((s) => ({ undoStack: s.undoStack.slice(0, -1) }));
      const cands = useCandidates.getState();
      if (cands.filter.hideReviewed) await cands.reload();
      await refreshCandidate(id);
      // Go back to the candidate whose flag was withdrawn.
      const where = await useCandidates.getState().locate(id);
      if (where.index !== null) await useSelection.getState().select(where.index);
    });
    if (!ok) return false;
    useNotices.getState().say(withdrawn ? `#${id}: ${withdrawn} withdrawn` : `#${id}: no label of yours to withdraw`);
    void get().refreshProgress();
    return true;
  }

  async function applyComment(body: string, key: string): Promise<boolean> {
    return onSelected('comments.add', async (id) => {
      const ok = await acknowledged(id, 'comment', 'comments.add', async (reviewer) => {
        await sendKeyed('comments.add', { candidateId: id, reviewer, body, idempotencyKey: key });
        if (useSelection.getState().id === id) await useSelection.getState().refreshDetail();
      });
      if (ok) useNotices.getState().say(`#${id}: comment added`);
      return ok;
    });
  }

  return {
    pending: {},
    undoStack: [],
    advance: true,
    progress: null,
    flag(label) {
      const key = newActionKey();
      return enqueue(() => applyFlag(label, key));
    },
    undo() {
      const key = newActionKey();
      return enqueue(() => applyUndo(key));
    },
    comment(body) {
      const text = body.trim();
      if (!text) return Promise.resolve(false);
      const key = newActionKey();
      return enqueue(() => applyComment(text, key));
    },
    step(delta) {
      return enqueue(async () => {
        const sel = useSelection.getState();
        await (delta > 0 ? sel.next() : sel.prev());
        return true;
      });
    },
    choose(index) {
      return enqueue(async () => {
        await useSelection.getState().select(index);
        return true;
      });
    },
    setAdvance(on) {
      set({ advance: on });
    },
    async refreshProgress() {
      const { runId, reviewer, blind } = useSession.getState();
      if (runId === null || (blind && !reviewer)) {
        // (Blind mode without a name: the reviewer prompt is up.)
        set({ progress: null });
        return;
      }
      // Blind mode answers only a request that names the reviewer: every one here does.
      const who = reviewer ? { reviewer } : {};
      try {
        // A survey's progress counts every plate.
        const scope = candidateScope(null);
        const all = await call('candidates.list', { ...scope, offset: 0, limit: 1, blind, ...who });
        if (!reviewer) {
          set({ progress: { reviewed: 0, total: all.total } });
        } else {
          const open = await call('candidates.list', {
            ...scope,
            offset: 0,
            limit: 1,
            reviewer,
            blind,
            filter: { labels: ['unreviewed'], reviewer },
          });
          set({ progress: { reviewed: all.total - open.total, total: all.total } });
        }
        useErrors.getState().resolve('review progress');
      } catch (err) {
        useErrors.getState().report(err, 'candidates.list', 'review progress');
      }
    },
  };
});

/**
 * The selected candidate: its position in the current table query and its
 * detail (ledger, plates, review history). Every panel follows it.
 */
import { create } from 'zustand';
import { call, type CandidateDetail } from '../api';
import { useCandidates } from './candidates';
import { useSession } from './session';
import { useErrors } from './errors';

interface SelectionState {
  index: number | null;
  id: number | null;
  detail: CandidateDetail | null;
  select(index: number): Promise<void>;
  next(): Promise<void>;
  prev(): Promise<void>;
  clear(): void;
  /** Fetch the selected candidate's detail again (after a review). */
  refreshDetail(): Promise<CandidateDetail | null>;
}

let requestSeq = 0;

export async function fetchDetail(candidateId: number): Promise<CandidateDetail> {
  const { reviewer, blind } = useSession.getState();
  return call('candidates.get', { candidateId, ...(reviewer ? { reviewer } : {}), blind });
}

export const useSelection = create<SelectionState>((set, get) => ({
  index: null,
  id: null,
  detail: null,
  async select(index) {
    const cands = useCandidates.getState();
    const total = cands.total ?? 0;
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, index));
    let row = cands.rowAt(i);
    if (!row) {
      await cands.ensureRange(i, i);
      row = useCandidates.getState().rowAt(i);
    }
    if (!row) return;
    const seq = ++requestSeq;
    set({ index: i, id: row.id, detail: get().id === row.id ? get().detail : null });
    try {
      const detail = await fetchDetail(row.id);
      if (seq === requestSeq) set({ detail });
    } catch (err) {
      useErrors.getState().report(err, 'candidates.get');
    }
  },
  async next() {
    const { index } = get();
    await get().select(index === null ? 0 : index + 1);
  },
  async prev() {
    const { index } = get();
    await get().select(index === null ? 0 : index - 1);
  },
  clear() {
    requestSeq++;
    set({ index: null, id: null, detail: null });
  },
  async refreshDetail() {
    const { id } = get();
    if (id === null) return null;
    const detail = await fetchDetail(id);
    if (get().id === id) set({ detail });
    return detail;
  },
}));

/**
 * The selected candidate: ONE thing, its id. The table highlights it, every
 * panel shows it and a flag acts on it. `index` only says where it sits in
 * the current query (for next/previous and scrolling): when the sort or a
 * filter changes, the selection follows its candidate to its new place, or,
 * when the filters hide it, moves to the first row shown.
 */
import { create } from 'zustand';
import { call, type CandidateDetail } from '../api';
import { useCandidates } from './candidates';
import { useSession } from './session';
import { useErrors } from './errors';
import { enqueue } from './action-queue';
import { useDisplay } from './display';
import { prefetchCandidate } from './image-cache';
import { markSelect } from '../lib/draw-marks';

interface SelectionState {
  id: number | null;
  /** Position of `id` in the current query (0-based); null when unknown. */
  index: number | null;
  detail: CandidateDetail | null;
  /** Bumped when the selected row must be scrolled into view even if its index did not change. */
  reveal: number;
  /** Select the row at `index` of the current query. */
  select(index: number): Promise<void>;
  next(): Promise<void>;
  prev(): Promise<void>;
  clear(): void;
  /** After the sort or filters changed: keep the candidate where it now sits, else the first row shown. */
  follow(): Promise<void>;
  /** Fetch the selected candidate's detail again (after a review). */
  refreshDetail(): Promise<CandidateDetail | null>;
  /** Select a candidate by id where the current query has it (another tool picked it); false when the filters hide it. */
  selectId(id: number): Promise<boolean>;
}

let requestSeq = 0;

export async function fetchDetail(candidateId: number): Promise<CandidateDetail> {
  const { reviewer, blind } = useSession.getState();
  return call('candidates.get', { candidateId, ...(reviewer ? { reviewer } : {}), blind });
}

/** Details fetched ahead for the neighbours, by id:reviewer:blind; taken once (a review refetches). */
const aheadDetails = new Map<string, Promise<CandidateDetail>>();
const aheadKey = (id: number) => `${id}:${useSession.getState().reviewer ?? ''}:${useSession.getState().blind}`;

function detailFor(id: number): Promise<CandidateDetail> {
  const key = aheadKey(id);
  const ahead = aheadDetails.get(key);
  aheadDetails.delete(key);
  return ahead ?? fetchDetail(id);
}

/** After the selected candidate's panels have had their turn: its neighbours' detail, cutouts, blink frames and sky context. */
const PREFETCH_DELAY_MS = 120;
function prefetchNeighbours(index: number, withBlue: boolean): void {
  setTimeout(() => {
    if (useSelection.getState().index !== index) return;
    aheadDetails.clear();
    for (const i of [index + 1, index - 1]) {
      const row = useCandidates.getState().rowAt(i);
      if (!row) continue;
      const ahead = fetchDetail(row.id);
      ahead.catch(() => aheadDetails.delete(aheadKey(row.id)));
      aheadDetails.set(aheadKey(row.id), ahead);
      void prefetchCandidate(row.id, useDisplay.getState().cutoutSizePx, withBlue);
    }
  }, PREFETCH_DELAY_MS);
}

export const useSelection = create<SelectionState>((set, get) => ({
  id: null,
  index: null,
  detail: null,
  reveal: 0,
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
    markSelect(row.id);
    set({ index: i, id: row.id, detail: get().id === row.id ? get().detail : null });
    try {
      const detail = await detailFor(row.id);
      useErrors.getState().resolve('candidates.get');
      if (seq === requestSeq) {
        set({ detail });
        prefetchNeighbours(i, !!detail.plates.blue);
      }
    } catch (err) {
      useErrors.getState().report(err, 'candidates.get');
    }
  },
  async next() {
    await get().select(currentIndex() + 1);
  },
  async prev() {
    await get().select(Math.max(0, currentIndex() - 1));
  },
  clear() {
    requestSeq++;
    set({ index: null, id: null, detail: null });
  },
  async follow() {
    const { id } = get();
    const cands = useCandidates.getState();
    const version = cands.queryVersion;
    let where: { index: number | null; total: number };
    try {
      where = id === null ? { index: null, total: 1 } : await cands.locate(id);
    } catch (err) {
      useErrors.getState().report(err, 'candidates.list');
      return;
    }
    // A newer sort/filter or another choice of row supersedes this one.
    if (useCandidates.getState().queryVersion !== version || get().id !== id) return;
    if (where.index !== null) {
      set((s) => ({ index: where.index, reveal: s.reveal + 1 }));
      await useCandidates.getState().ensureRange(where.index, where.index);
      return;
    }
    if (where.total === 0) {
      get().clear();
      return;
    }
    if (useCandidates.getState().total === null) await useCandidates.getState().ensureRange(0, 0);
    await get().select(0);
    set((s) => ({ reveal: s.reveal + 1 }));
  },
  async refreshDetail() {
    const { id } = get();
    if (id === null) return null;
    const detail = await fetchDetail(id);
    if (get().id === id) set({ detail });
    return detail;
  },
  async selectId(id) {
    if (get().id === id) return true;
    let where: { index: number | null };
    try {
      where = await useCandidates.getState().locate(id);
    } catch (err) {
      useErrors.getState().report(err, 'candidates.list');
      return false;
    }
    if (where.index === null) return false;
    await get().select(where.index);
    set((s) => ({ reveal: s.reveal + 1 }));
    return true;
  },
}));

/** Where the selected candidate is in the loaded rows (they may have moved), else the stored index, else -1. */
function currentIndex(): number {
  const { id, index } = useSelection.getState();
  if (id === null) return -1;
  return useCandidates.getState().indexOfId(id) ?? index ?? -1;
}

// A change of sort or filter is followed in the order of the reviewer's other actions.
useCandidates.subscribe((s, prev) => {
  if (s.queryVersion !== prev.queryVersion) {
    void enqueue(async () => {
      await useSelection.getState().follow();
      return true;
    });
  }
});

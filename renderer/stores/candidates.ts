/**
 * The candidate table's data: one query (sort + filters) over the open run,
 * fetched in pages on demand through candidates.list so 100k rows cost only
 * what is on screen. A generation number drops answers to an outdated query;
 * `queryVersion` counts changes of sort or filter (the selection follows
 * its candidate through them, see selection.ts).
 */
import { create } from 'zustand';
import { call, type CandidateRow } from '../api';
import type { CandidateSortColumn, RangeColumn } from '../../electron/store/types';
import type { ReviewLabel } from '../../electron/store/labels';
import { useSession } from './session';
import { useErrors } from './errors';
import { candidateScope } from './survey';

export const PAGE_SIZE = 200;

export type LabelFilter = ReviewLabel | 'unreviewed';

export interface CandidateFilter {
  reasons: string[];
  labels: LabelFilter[];
  /** Apply the label filter to this reviewer's labels instead of the consensus. */
  reviewer: string | null;
  text: string;
  /** Hide candidates the current reviewer has labelled. */
  hideReviewed: boolean;
  /** A survey: only this plate's candidates (its id); null: every plate. */
  plate: string | null;
  /** A plot's bin: min <= column < max, with the words to show it by. */
  range: { column: RangeColumn; min: number; max: number; label: string } | null;
}

export const emptyFilter: CandidateFilter = { reasons: [], labels: [], reviewer: null, text: '', hideReviewed: false, plate: null, range: null };

interface CandidatesState {
  sort: { column: CandidateSortColumn; desc: boolean };
  filter: CandidateFilter;
  /** null until the first page of the current query has arrived. */
  total: number | null;
  pages: Record<number, CandidateRow[]>;
  generation: number;
  /** Bumped when the reviewer changes the sort or a filter (not by a reload of the same query). */
  queryVersion: number;
  setSort(column: CandidateSortColumn): void;
  setFilter(patch: Partial<CandidateFilter>): void;
  /** Drop every cached page and fetch the first one again. */
  reload(): Promise<void>;
  /** Fetch the pages covering rows [start, end] that are not cached yet. */
  ensureRange(start: number, end: number): Promise<void>;
  rowAt(index: number): CandidateRow | undefined;
  indexOfId(id: number): number | null;
  /** Where a candidate sits in the current query (null: the filters leave it out), and the query's size. */
  locate(id: number): Promise<{ index: number | null; total: number }>;
  /** Replace a row everywhere it is cached (after a review was acknowledged). */
  patchRow(row: CandidateRow): void;
}

const inFlight = new Map<string, Promise<void>>();

/** The candidates.list arguments for one page of the current query. */
export function listArgs(state: Pick<CandidatesState, 'sort' | 'filter'>, offset: number, limit: number) {
  const { reviewer, blind } = useSession.getState();
  const f = state.filter;
  const filter: {
    reasons?: string[];
    labels?: LabelFilter[];
    reviewer?: string;
    text?: string;
    range?: { column: RangeColumn; min: number; max: number };
  } = {};
  if (f.reasons.length) filter.reasons = f.reasons;
  if (f.hideReviewed && reviewer) {
    filter.labels = ['unreviewed'];
    filter.reviewer = reviewer;
  } else if (f.labels.length) {
    filter.labels = f.labels;
    const who = blind ? reviewer : f.reviewer;
    if (who) filter.reviewer = who;
  }
  if (f.text.trim()) filter.text = f.text.trim();
  if (f.range) filter.range = { column: f.range.column, min: f.range.min, max: f.range.max };
  return {
    ...candidateScope(f.plate),
    sort: { column: state.sort.column, desc: state.sort.desc },
    filter,
    offset,
    limit,
    ...(reviewer ? { reviewer } : {}),
    blind,
  };
}

export const useCandidates = create<CandidatesState>((set, get) => {
  async function loadPage(page: number, generation: number): Promise<void> {
    const key = `${generation}:${page}`;
    const existing = inFlight.get(key);
    if (existing) return existing;
    const p = (async () => {
      if (useSession.getState().runId === null) return;
      try {
        const res = await call('candidates.list', listArgs(get(), page * PAGE_SIZE, PAGE_SIZE));
        useErrors.getState().resolve('candidates.list');
        if (get().generation !== generation) return;
        set((s) => ({ total: res.total, pages: { ...s.pages, [page]: res.rows } }));
      } catch (err) {
        if (get().generation === generation) useErrors.getState().report(err, 'candidates.list');
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, p);
    return p;
  }

  return {
    sort: { column: 'id', desc: false },
    filter: emptyFilter,
    total: null,
    pages: {},
    generation: 0,
    queryVersion: 0,
    setSort(column) {
      const cur = get().sort;
      set((s) => ({ sort: { column, desc: cur.column === column ? !cur.desc : false }, queryVersion: s.queryVersion + 1 }));
      void get().reload();
    },
    setFilter(patch) {
      set((s) => ({ filter: { ...s.filter, ...patch }, queryVersion: s.queryVersion + 1 }));
      void get().reload();
    },
    async reload() {
      const generation = get().generation + 1;
      set({ generation, pages: {}, total: null });
      await loadPage(0, generation);
    },
    async ensureRange(start, end) {
      const { generation, pages, total } = get();
      const last = total === null ? end : Math.min(end, total - 1);
      const wanted: number[] = [];
      for (let p = Math.floor(Math.max(0, start) / PAGE_SIZE); p <= Math.floor(Math.max(0, last) / PAGE_SIZE); p++) {
        if (!pages[p]) wanted.push(p);
      }
      await Promise.all(wanted.map((p) => loadPage(p, generation)));
    },
    rowAt(index) {
      return get().pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
    },
    indexOfId(id) {
      for (const [page, rows] of Object.entries(get().pages)) {
        const i = rows.findIndex((r) => r.id === id);
        if (i >= 0) return Number(page) * PAGE_SIZE + i;
      }
      return null;
    },
    async locate(id) {
      const res = await call('candidates.list', { ...listArgs(get(), 0, 1), locate: id });
      return { index: res.located ?? null, total: res.total };
    },
    patchRow(row) {
      set((s) => {
        const pages: Record<number, CandidateRow[]> = {};
        for (const [k, rows] of Object.entries(s.pages)) {
          pages[Number(k)] = rows.some((r) => r.id === row.id) ? rows.map((r) => (r.id === row.id ? row : r)) : rows;
        }
        return { pages };
      });
    },
  };
});

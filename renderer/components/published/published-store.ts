/**
 * The published layer's state: the run's published sources (published.list),
 * which bucket is shown, and the selected one. Stepping (j/k, ↓/↑) walks the
 * rows shown, so a reviewer steps through the missed ones in order.
 */
import { create } from 'zustand';
import { call, type MethodResult } from '../../api';
import { useErrors } from '../../stores/errors';

export type PublishedRow = MethodResult<'published.list'>['rows'][number];

/** Which rows the table shows: every one, the ones the run missed (not candidates), or one bucket. */
export type PublishedFilter = 'all' | 'missed' | string;

interface PublishedState {
  runId: number | null;
  rows: PublishedRow[];
  plate: { width: number; height: number } | null;
  filter: PublishedFilter;
  selectedId: number | null;
  load(runId: number): Promise<void>;
  setFilter(f: PublishedFilter): void;
  select(id: number | null): void;
  step(by: 1 | -1): void;
}

export function shownRows(rows: PublishedRow[], filter: PublishedFilter): PublishedRow[] {
  if (filter === 'all') return rows;
  if (filter === 'missed') return rows.filter((r) => r.stage !== 'candidate');
  return rows.filter((r) => r.stage === filter);
}

/** Counts per stage value, most frequent first (the summary's buckets, from the recorded rows). */
export function buckets(rows: PublishedRow[]): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.stage, (m.get(r.stage) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export const usePublished = create<PublishedState>((set, get) => ({
  runId: null,
  rows: [],
  plate: null,
  filter: 'missed',
  selectedId: null,
  async load(runId) {
    try {
      const r = await call('published.list', { runId });
      useErrors.getState().resolve('published.list');
      const shown = shownRows(r.rows, get().filter);
      set({ runId, rows: r.rows, plate: r.plate, selectedId: shown[0]?.id ?? null });
    } catch (err) {
      useErrors.getState().report(err, 'published.list');
    }
  },
  setFilter(filter) {
    const shown = shownRows(get().rows, filter);
    const keep = shown.some((r) => r.id === get().selectedId);
    set({ filter, selectedId: keep ? get().selectedId : (shown[0]?.id ?? null) });
  },
  select(selectedId) {
    set({ selectedId });
  },
  step(by) {
    const shown = shownRows(get().rows, get().filter);
    if (!shown.length) return;
    const at = shown.findIndex((r) => r.id === get().selectedId);
    const next = at < 0 ? 0 : Math.max(0, Math.min(shown.length - 1, at + by));
    set({ selectedId: shown[next].id });
  },
}));

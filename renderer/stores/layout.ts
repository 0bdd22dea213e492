/**
 * The review screen's layout as the person left it, kept per machine (this
 * browser profile or Electron window) in localStorage: the review column's
 * width and the inspection row's height (null: as tall as its pictures need
 * for the width, the table taking the rest).
 */
import { create } from 'zustand';

const LAYOUT_KEY = 'vasco.layout.v1';
export const SIDE_WIDTH = { min: 260, max: 640, default: 330 };
export const INSPECT_HEIGHT = { min: 220 };
/** The candidate table keeps at least this much height. */
export const TABLE_MIN_HEIGHT = 140;

interface Saved {
  sideWidth: number;
  inspectHeight: number | null;
}

interface LayoutState extends Saved {
  setSideWidth(px: number): void;
  setInspectHeight(px: number | null): void;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function load(): Saved {
  const fallback: Saved = { sideWidth: SIDE_WIDTH.default, inspectHeight: null };
  try {
    const saved = JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? 'null') as Partial<Saved> | null;
    if (!saved) return fallback;
    return {
      sideWidth: Number.isFinite(saved.sideWidth) ? clamp(saved.sideWidth!, SIDE_WIDTH.min, SIDE_WIDTH.max) : fallback.sideWidth,
      inspectHeight: Number.isFinite(saved.inspectHeight) ? Math.max(INSPECT_HEIGHT.min, saved.inspectHeight!) : null,
    };
  } catch {
    // No storage (or garbage in it): the default layout.
    return fallback;
  }
}

function save(s: Saved): void {
  try {
    localStorage.setItem(LAYOUT_KEY, JSON.stringify({ sideWidth: s.sideWidth, inspectHeight: s.inspectHeight }));
  } catch {
    // Storage full or denied: the layout lasts for this session only.
  }
}

export const useLayout = create<LayoutState>((set, get) => ({
  ...load(),
  setSideWidth(px) {
    set({ sideWidth: Math.round(clamp(px, SIDE_WIDTH.min, SIDE_WIDTH.max)) });
    save(get());
  },
  setInspectHeight(px) {
    set({ inspectHeight: px === null ? null : Math.round(Math.max(INSPECT_HEIGHT.min, px)) });
    save(get());
  },
}));

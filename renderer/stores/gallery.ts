/** The gallery (a grid of candidate thumbnails): open or not, and how many columns it has, so the arrow keys can move by a row. */
import { create } from 'zustand';

interface GalleryState {
  open: boolean;
  columns: number;
  setOpen(open: boolean): void;
  setColumns(columns: number): void;
}

export const useGallery = create<GalleryState>((set) => ({
  open: false,
  columns: 1,
  setOpen(open) {
    set({ open });
  },
  setColumns(columns) {
    set({ columns: Math.max(1, columns) });
  },
}));

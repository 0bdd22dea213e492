/**
 * The gallery's own keys: g opens and closes it, and while it is open the
 * arrows move the focus in the grid and Enter opens the focused candidate in
 * the full view. Every other key (digits flag, u undo, n/p, Space...) is the
 * review's as usual (useReviewKeys): the focused thumbnail is the selected
 * candidate, so the same store, the same undo.
 *
 * Registered in the capture phase, so a gallery key is handled here and not
 * also by the review (where Enter comments and the arrows blink).
 */
import { useEffect } from 'react';
import { enqueue } from '../../stores/action-queue';
import { useSelection } from '../../stores/selection';
import { useGallery } from '../../stores/gallery';
import { isTextField } from '../review/useReviewKeys';

/** Move the focus by `delta`, in turn with the other actions: where it lands is decided when the move runs, so fast keys add up. */
const move = (delta: number) =>
  enqueue(async () => {
    const { index, select } = useSelection.getState();
    if (index !== null) await select(Math.max(0, index + delta));
    return true;
  });

/** For the `?` list, beside the review keys. */
export const GALLERY_KEYS: readonly { keys: string[]; does: string }[] = [
  { keys: ['g'], does: 'open or close the gallery' },
  { keys: ['←', '→'], does: 'previous / next thumbnail' },
  { keys: ['↑', '↓'], does: 'a row up / down' },
  { keys: ['Enter'], does: 'open the focused one in the full view' },
  { keys: ['Esc'], does: 'close the gallery' },
];

const ARROWS: Record<string, () => number> = {
  ArrowLeft: () => -1,
  ArrowRight: () => 1,
  ArrowUp: () => -useGallery.getState().columns,
  ArrowDown: () => useGallery.getState().columns,
};

export function handleGalleryKey(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return false;
  // A dialog or the key list over the gallery has the keys (Escape closes it, not the gallery).
  if (document.querySelector('.modal-backdrop, .key-help-backdrop')) return false;
  const open = useGallery.getState().open;
  if (e.key === 'g') useGallery.getState().setOpen(!open);
  else if (open && e.key in ARROWS) move(ARROWS[e.key]());
  else if (open && (e.key === 'Enter' || e.key === 'Escape')) useGallery.getState().setOpen(false);
  else return false;
  e.preventDefault();
  e.stopImmediatePropagation();
  return true;
}

export function useGalleryKeys(): void {
  useEffect(() => {
    window.addEventListener('keydown', handleGalleryKey, true);
    return () => window.removeEventListener('keydown', handleGalleryKey, true);
  }, []);
}

/**
 * Keyboard-first review. Label keys come from REVIEW_LABELS; n/j/↓ next,
 * p/k/↑ previous, u undo, Enter opens the note for the next flag, b/←/→ blink,
 * space play/pause. Keys typed into form fields are left alone.
 */
import { useEffect } from 'react';
import { labelForKey } from '../../../electron/store/labels';
import { useReview } from '../../stores/review';
import { useSelection } from '../../stores/selection';
import { useDisplay } from '../../stores/display';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export interface ReviewKeyHandlers {
  /** Enter: open the note editor. */
  onNote(): void;
  /** The note to attach to the next flag (consumed by it). */
  takeNote(): string | undefined;
}

export function handleReviewKey(e: KeyboardEvent, h: ReviewKeyHandlers): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;
  if (document.querySelector('.modal-backdrop')) return false;
  const key = e.key;
  const label = labelForKey(key);
  const sel = useSelection.getState();
  const display = useDisplay.getState();
  if (label) {
    void useReview.getState().flag(label, h.takeNote());
  } else if (key === 'n' || key === 'j' || key === 'ArrowDown') {
    void sel.next();
  } else if (key === 'p' || key === 'k' || key === 'ArrowUp') {
    void sel.prev();
  } else if (key === 'u') {
    void useReview.getState().undo();
  } else if (key === 'Enter') {
    h.onNote();
  } else if (key === 'b' || key === 'ArrowLeft' || key === 'ArrowRight') {
    display.setBlinking(false);
    display.toggleFrame();
  } else if (key === ' ') {
    display.setBlinking(!display.blinking);
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

export function useReviewKeys(h: ReviewKeyHandlers): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      handleReviewKey(e, h);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [h]);
}

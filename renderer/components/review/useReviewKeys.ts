/**
 * Keyboard-first review. Label keys come from REVIEW_LABELS; n/j/↓ next,
 * p/k/↑ previous, u undo, Enter opens the comment box, b/←/→ blink,
 * space play/pause.
 *
 * Only text fields keep the keys (text-like inputs, textarea,
 * contenteditable). Every other control — select, checkbox, slider, button —
 * hands the keyboard back once used: it is blurred after a change or a
 * click, and if it still has focus (reached with Tab) the review keys win
 * over its own (a slider does not take the arrows, a select does not jump to
 * the option starting with "1").
 */
import { useEffect } from 'react';
import { labelForKey } from '../../../electron/store/labels';
import { useReview } from '../../stores/review';
import { useDisplay } from '../../stores/display';

/** Input types a person types text into. */
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'number', 'email', 'url', 'tel', 'password', 'date', 'time', 'datetime-local', 'month', 'week']);

/** A field that keeps the keys typed into it. */
export function isTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
  return el.tagName === 'INPUT' && TEXT_INPUT_TYPES.has((el as HTMLInputElement).type);
}

/** A control that is done once changed or clicked (select, checkbox, radio, slider, button). */
function isOneShotControl(target: EventTarget | null): target is HTMLElement {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName || isTextField(el)) return false;
  return ['SELECT', 'INPUT', 'BUTTON'].includes(el.tagName);
}

/** Give the keyboard back to the review after a one-shot control was used. */
function handBackFocus(e: Event): void {
  const el = e.target as HTMLElement | null;
  if (!isOneShotControl(el) || document.activeElement !== el) return;
  // A select is still open on pointerup (its list is showing): only its change ends it.
  if (e.type !== 'change' && el.tagName === 'SELECT') return;
  el.blur();
}

export interface ReviewKeyHandlers {
  /** Enter: open the comment box. */
  onComment(): void;
}

export function handleReviewKey(e: KeyboardEvent, h: ReviewKeyHandlers): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return false;
  if (document.querySelector('.modal-backdrop')) return false;
  const key = e.key;
  const label = labelForKey(key);
  const review = useReview.getState();
  const display = useDisplay.getState();
  if (label) {
    void review.flag(label);
  } else if (key === 'n' || key === 'j' || key === 'ArrowDown') {
    void review.step(1);
  } else if (key === 'p' || key === 'k' || key === 'ArrowUp') {
    void review.step(-1);
  } else if (key === 'u') {
    void review.undo();
  } else if (key === 'Enter') {
    h.onComment();
  } else if (key === 'b' || key === 'ArrowLeft' || key === 'ArrowRight') {
    display.setBlinking(false);
    display.toggleFrame();
  } else if (key === ' ') {
    display.setBlinking(!display.blinking);
  } else {
    return false;
  }
  // The key was the review's: the focused control (if any) must not act on it too.
  e.preventDefault();
  return true;
}

export function useReviewKeys(h: ReviewKeyHandlers): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      handleReviewKey(e, h);
    };
    window.addEventListener('keydown', onKey);
    // Capture: seen before any control's own handler can stop it.
    for (const type of ['change', 'click', 'pointerup']) document.addEventListener(type, handBackFocus, true);
    return () => {
      window.removeEventListener('keydown', onKey);
      for (const type of ['change', 'click', 'pointerup']) document.removeEventListener(type, handBackFocus, true);
    };
  }, [h]);
}

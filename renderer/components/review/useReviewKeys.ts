/**
 * Keyboard-first review. Label keys come from REVIEW_LABELS, every other key
 * from REVIEW_KEYS (which `?` lists).
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
import { useSamp } from '../samp/useSamp';

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
  /** ?: show or hide the list of keys. */
  onToggleHelp?(): void;
}

/** A review key other than the label keys: what it does, for the `?` list, and the doing. */
export interface ReviewKey {
  keys: string[];
  does: string;
  act(h: ReviewKeyHandlers): void;
}

/** Every key of the review screen besides the labels (REVIEW_LABELS); the `?` list is drawn from this. */
export const REVIEW_KEYS: readonly ReviewKey[] = [
  { keys: ['n', 'j', '↓'], does: 'next candidate', act: () => void useReview.getState().step(1) },
  { keys: ['p', 'k', '↑'], does: 'previous candidate', act: () => void useReview.getState().step(-1) },
  { keys: ['u'], does: 'undo your last flag on this candidate', act: () => void useReview.getState().undo() },
  { keys: ['Enter'], does: 'comment on this candidate', act: (h) => h.onComment() },
  {
    keys: ['b', '→'],
    does: 'blink: next frame, red → blue → red minus blue (scaled)',
    act: () => {
      const display = useDisplay.getState();
      display.setBlinking(false);
      display.stepFrame(1);
    },
  },
  {
    keys: ['←'],
    does: 'blink: previous frame',
    act: () => {
      const display = useDisplay.getState();
      display.setBlinking(false);
      display.stepFrame(-1);
    },
  },
  { keys: ['Space'], does: 'blink: play or pause', act: () => useDisplay.getState().setBlinking(!useDisplay.getState().blinking) },
  { keys: ['T'], does: 'SAMP: send the candidate table to TOPCAT (all or vetted, as the SAMP bar says)', act: () => void useSamp.getState().sendTable() },
  { keys: ['C'], does: 'SAMP: send the red and blue cutouts to DS9 or Aladin', act: () => void useSamp.getState().sendCutouts() },
  { keys: ['A'], does: 'SAMP: point Aladin, DS9 or TOPCAT at this candidate', act: () => void useSamp.getState().pointAt() },
  { keys: ['?'], does: 'show or hide this list of keys', act: (h) => h.onToggleHelp?.() },
];

/** KeyboardEvent.key as REVIEW_KEYS spells it. */
const KEY_NAMES: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑', ArrowLeft: '←', ArrowRight: '→', ' ': 'Space' };

export function handleReviewKey(e: KeyboardEvent, h: ReviewKeyHandlers): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return false;
  if (document.querySelector('.modal-backdrop')) return false;
  const label = labelForKey(e.key);
  const name = KEY_NAMES[e.key] ?? e.key;
  const key = label ? null : REVIEW_KEYS.find((k) => k.keys.includes(name));
  if (label) void useReview.getState().flag(label);
  else if (key) key.act(h);
  else return false;
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

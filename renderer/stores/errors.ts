/**
 * Errors from the main process, shown with their hint. Each belongs to an
 * action (by default the API method that failed): it stays until dismissed
 * or until that same action later succeeds, so a banner never outlives the
 * trouble it reports.
 */
import { create } from 'zustand';
import { toUiError, type UiError } from '../api';

export interface ShownError {
  id: number;
  /** What failed, e.g. 'reviews.add' or 'review progress'; its next success clears the error. */
  action: string;
  error: UiError;
}

interface ErrorsState {
  errors: ShownError[];
  report(err: unknown, method?: string, action?: string): void;
  /** The action worked: its errors no longer apply. */
  resolve(action: string): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useErrors = create<ErrorsState>((set, get) => ({
  errors: [],
  report(err, method = 'app', action = method) {
    const error = toUiError(err, method);
    // Keep the last few; identical repeats collapse into one line.
    set((s) => ({
      errors: [...s.errors.filter((e) => e.error.message !== error.message), { id: nextId++, action, error }].slice(-4),
    }));
  },
  resolve(action) {
    if (get().errors.some((e) => e.action === action)) set((s) => ({ errors: s.errors.filter((e) => e.action !== action) }));
  },
  dismiss(id) {
    set((s) => ({ errors: s.errors.filter((e) => e.id !== id) }));
  },
}));

/**
 * Run a promise as `action`, reporting its failure instead of throwing (for
 * event handlers) and clearing that action's earlier errors when it works.
 */
export function reported<T>(p: Promise<T>, method?: string, action = method ?? 'app'): Promise<T | undefined> {
  return p.then(
    (v) => {
      useErrors.getState().resolve(action);
      return v;
    },
    (err) => {
      useErrors.getState().report(err, method, action);
      return undefined;
    },
  );
}

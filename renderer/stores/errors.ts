/** Errors from the main process, shown with their hint until dismissed. */
import { create } from 'zustand';
import { toUiError, type UiError } from '../api';

export interface ShownError {
  id: number;
  error: UiError;
}

interface ErrorsState {
  errors: ShownError[];
  report(err: unknown, method?: string): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useErrors = create<ErrorsState>((set) => ({
  errors: [],
  report(err, method = 'app') {
    const error = toUiError(err, method);
    // Keep the last few; identical repeats collapse into one line.
    set((s) => ({
      errors: [...s.errors.filter((e) => e.error.message !== error.message), { id: nextId++, error }].slice(-4),
    }));
  },
  dismiss(id) {
    set((s) => ({ errors: s.errors.filter((e) => e.id !== id) }));
  },
}));

/** Run a promise, reporting its failure instead of throwing (for event handlers). */
export function reported<T>(p: Promise<T>, method?: string): Promise<T | undefined> {
  return p.catch((err) => {
    useErrors.getState().report(err, method);
    return undefined;
  });
}

/**
 * An error a person can meet: what happened, to which file or service, and what
 * to do next. The CLI prints `message` and `hint`; the UI shows both.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** What the person should do next, e.g. an install command. */
    readonly hint?: string,
    /** Machine-readable kind, for callers and tests. */
    readonly code: string = 'user-error',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Thrown when a stage sees its AbortSignal fire. */
export class CancelledError extends Error {
  constructor(what = 'run') {
    super(`${what} cancelled`);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}

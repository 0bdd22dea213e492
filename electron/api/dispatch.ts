/**
 * The one door into the main process: validate a call against the contract,
 * run its handler, and turn any failure into the error envelope every
 * transport returns. The Electron IPC host, the HTTP host and tests all call
 * `dispatch`; nothing reaches a handler around it.
 */
import { CancelledError, UserError } from '../core/errors';
import {
  isMethodName,
  parseArgs,
  type ApiErrorBody,
  type ApiEvent,
  type MethodName,
  type MethodResult,
  argSchemas,
} from './contract';
import type { z } from 'zod';
import type { Envelope } from './client';

export type Handlers = {
  [M in MethodName]: (args: z.output<(typeof argSchemas)[M]>) => Promise<MethodResult<M>>;
};

/** Fan-out of pushed events to whoever listens (IPC windows, SSE streams). */
export class EventHub {
  private listeners = new Set<(e: ApiEvent) => void>();
  emit(e: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a broken listener (closed stream) must not stop the others */
      }
    }
  }
  subscribe(l: (e: ApiEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  get size(): number {
    return this.listeners.size;
  }
}

/** The served API: the handlers, their event stream, and how to close them (every host serves this). */
export interface Api {
  handlers: Handlers;
  hub: EventHub;
  close(): Promise<void>;
}

/** Not-found errors carry this code so HTTP answers 404. */
export function notFound(what: string, hint?: string): UserError {
  return new UserError(what, hint, 'not-found');
}

export function errorBody(err: unknown): ApiErrorBody {
  if (err instanceof UserError) return { message: err.message, hint: err.hint, code: err.code };
  if (err instanceof CancelledError) return { message: err.message, code: 'cancelled' };
  const e = err as Error;
  return {
    message: `internal error: ${e?.message ?? String(err)}`,
    hint: 'this is a bug in VASCO Workstation; please report it with the log',
    code: 'internal',
  };
}

export async function dispatch(handlers: Handlers, method: string, rawArgs: unknown): Promise<Envelope> {
  if (!isMethodName(method)) {
    return { error: { code: 'unknown-method', message: `unknown API method "${method}"`, hint: 'see electron/api/contract.ts for the method list' } };
  }
  const parsed = parseArgs(method, rawArgs);
  if (!parsed.ok) return { error: parsed.error };
  try {
    const handler = handlers[method] as (a: unknown) => Promise<unknown>;
    return { result: await handler(parsed.args) };
  } catch (err) {
    return { error: errorBody(err) };
  }
}

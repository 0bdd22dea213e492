/**
 * The renderer's one data layer. Every call to the main process goes through
 * `call()`, which unwraps the contract's result/error envelope (via the typed
 * client of electron/api/client.ts) and turns every failure into a UiError
 * carrying the main process's message and hint.
 */
import { ApiError, createClient, defaultTransport, type Client, type Transport } from '../../electron/api/client';
import type { EventName, EventPayloads, MethodArgs, MethodName, MethodResult } from '../../electron/api/contract';

export type { CandidateRow, CandidateDetail, ReviewEvent, RunRow, Agreement, PipelineProgress, JobState } from '../../electron/api/contract';
export type { MethodResult } from '../../electron/api/contract';

export class UiError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly code: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'UiError';
  }
}

let client: Client | null = null;

/** Tests inject their own transport; the app gets its own from connect(). */
export function useTransport(transport: Transport): void {
  client = createClient(transport);
}

/**
 * Chooses the transport once: window.vasco inside Electron, else HTTP with the
 * page's token, which this takes out of the address bar (see defaultTransport).
 * Called at start-up, before anything renders, so the token leaves the address
 * bar at once; the first call() does it otherwise.
 */
export function connect(): Client {
  if (!client) client = createClient(defaultTransport());
  return client;
}

export function toUiError(err: unknown, method: string): UiError {
  if (err instanceof UiError) return err;
  if (err instanceof ApiError) return new UiError(err.message, err.hint, err.code, method);
  const message = err instanceof Error ? err.message : String(err);
  return new UiError(`${method}: ${message}`, undefined, 'internal', method);
}

export async function call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
  try {
    return await connect().call(method, args);
  } catch (err) {
    throw toUiError(err, method);
  }
}

export function onEvent<E extends EventName>(event: E, listener: (data: EventPayloads[E]) => void): () => void {
  return connect().on(event, listener);
}

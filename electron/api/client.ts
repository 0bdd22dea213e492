/**
 * The renderer's typed view of the contract, over either transport:
 *  - Electron: `window.vasco`, exposed by electron/preload.ts;
 *  - HTTP: POST /api/<method> with a bearer token, events over SSE
 *    (GET /api/events?token=...), as served by `vasco serve`.
 * Failures arrive as { error: { message, hint?, code } } and are thrown as ApiError.
 *
 * Browser-safe: no Node or Electron imports.
 */
import type {
  ApiErrorBody,
  ApiEvent,
  EventName,
  EventPayloads,
  MethodArgs,
  MethodName,
  MethodResult,
} from './contract';

export class ApiError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly method: string;
  constructor(method: string, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.hint = body.hint;
    this.method = method;
  }
}

/** Either a result or an error envelope: what every host answers. */
export type Envelope = { result: unknown } | { error: ApiErrorBody };

export interface Transport {
  /** Send one call; resolves with the envelope (never rejects for API errors). */
  invoke(method: string, args: unknown): Promise<Envelope>;
  /** Receive every pushed event; returns an unsubscribe function. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

/** What electron/preload.ts exposes as window.vasco (the Electron transport). */
export type VascoBridge = Transport;

export interface Client {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (data: EventPayloads[E]) => void): () => void;
}

export function createClient(transport: Transport): Client {
  return {
    async call(method, args) {
      const env = await transport.invoke(method, args);
      if ('error' in env) throw new ApiError(method, env.error);
      return env.result as never;
    },
    on(event, listener) {
      return transport.subscribe((e) => {
        if (e.event === event) listener(e.data as never);
      });
    },
  };
}

// ---------------------------------------------------------------- HTTP

export interface HttpTransportOptions {
  token: string;
  /** Origin + path prefix; '' means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** EventSource constructor (browsers have one; Node 20 does not). */
  EventSource?: typeof EventSource;
}

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const listeners = new Set<(e: ApiEvent) => void>();
  let source: EventSource | null = null;

  function openEvents(): void {
    const ES = opts.EventSource ?? (globalThis as { EventSource?: typeof EventSource }).EventSource;
    if (!ES || source) return;
    source = new ES(`${base}/api/events?token=${encodeURIComponent(opts.token)}`);
    source.onmessage = (m: MessageEvent) => {
      let e: ApiEvent;
      try {
        e = JSON.parse(String(m.data)) as ApiEvent;
      } catch {
        return; // not one of ours (e.g. a comment line); nothing to deliver
      }
      for (const l of listeners) l(e);
    };
  }

  return {
    async invoke(method, args) {
      let res: Response;
      try {
        res = await doFetch(`${base}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
          body: JSON.stringify(args ?? {}),
        });
      } catch (err) {
        return {
          error: {
            code: 'unreachable',
            message: `${method}: cannot reach the VASCO host at ${base || 'this page'} (${(err as Error).message})`,
            hint: 'is `vasco serve` still running? restart it and reload this page',
          },
        };
      }
      const text = await res.text();
      try {
        const body = JSON.parse(text) as Envelope;
        if (body && typeof body === 'object' && ('result' in body || 'error' in body)) return body;
      } catch {
        /* fall through: not JSON */
      }
      return {
        error: {
          code: res.ok ? 'internal' : `http-${res.status}`,
          message: `${method}: unexpected answer from the host (HTTP ${res.status}): ${text.slice(0, 200)}`,
        },
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      openEvents();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

// ---------------------------------------------------------------- choosing

/**
 * The transport for the page we run in: window.vasco inside Electron, otherwise
 * HTTP with the token from `?token=`, remembered in sessionStorage so a reload
 * after the renderer tidies the address bar still works. (The host's cookie is
 * HttpOnly and only unlocks static files; API calls always carry the header.)
 */
export function defaultTransport(): Transport {
  const w = globalThis as unknown as { vasco?: VascoBridge; location?: Location; sessionStorage?: Storage };
  if (w.vasco) return w.vasco;
  const fromQuery = w.location ? new URLSearchParams(w.location.search).get('token') : null;
  if (fromQuery) w.sessionStorage?.setItem('vasco_token', fromQuery);
  const token = fromQuery ?? w.sessionStorage?.getItem('vasco_token') ?? '';
  return createHttpTransport({ token });
}

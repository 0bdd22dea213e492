/**
 * The renderer's typed view of the contract, over either transport:
 *  - Electron: `window.vasco`, exposed by electron/preload.ts;
 *  - HTTP: POST /api/<method> with a bearer token, events as a server-sent
 *    event stream read with fetch (GET /api/events, same header), as served
 *    by `vasco serve`. The token never goes into a URL the transport makes.
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

/** What a native open-file dialog is asked for: plates or catalogue files. */
export type OpenFileKind = 'fits' | 'catalogue';

/**
 * What electron/preload.ts exposes as window.vasco (the Electron transport),
 * with the native open-file dialog (resolves with the chosen path, or null
 * when the person cancels).
 */
export type VascoBridge = Transport & { openFile?: (kind: OpenFileKind) => Promise<string | null> };

/** The desktop app's native open-file dialog; null in a browser (the renderer then lists the data folder). */
export function nativeOpenFile(): ((kind: OpenFileKind) => Promise<string | null>) | null {
  const bridge = (globalThis as { vasco?: VascoBridge }).vasco;
  return typeof bridge?.openFile === 'function' ? bridge.openFile : null;
}

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
  /** First wait before reopening a dropped event stream, doubled on each failure (default 1 s). */
  retryMs?: number;
}

/**
 * Reads a server-sent event stream to its end, handing over the `data:` of
 * each event (several data lines joined by newlines); comments are skipped.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      buffer = buffer.slice(end + 2);
      if (data.length > 0) onData(data.join('\n'));
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
  });
}

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const retryMs = opts.retryMs ?? 1000;
  const listeners = new Set<(e: ApiEvent) => void>();
  let stream: AbortController | null = null;

  function deliver(data: string): void {
    let e: ApiEvent;
    try {
      e = JSON.parse(data) as ApiEvent;
    } catch {
      return; // not one of ours; nothing to deliver
    }
    for (const l of listeners) l(e);
  }

  /**
   * The event stream, over fetch so the token travels in the Authorization
   * header (EventSource can only put it in the URL). Like EventSource it
   * reconnects when the stream drops, until the last listener leaves; a 401
   * or 403 (wrong token, another host) ends it, as retrying cannot help.
   */
  async function streamEvents(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        const res = await doFetch(`${base}/api/events`, {
          headers: { Authorization: `Bearer ${opts.token}`, Accept: 'text/event-stream' },
          cache: 'no-store',
          signal,
        });
        if (res.status === 401 || res.status === 403) return;
        if (res.ok && res.body) {
          failures = 0;
          await readEventStream(res.body, deliver);
        }
      } catch {
        /* dropped, refused or aborted: retry below unless aborted */
      }
      await abortableSleep(Math.min(retryMs * 2 ** failures, 30_000), signal);
    }
  }

  function openEvents(): void {
    if (stream) return;
    stream = new AbortController();
    void streamEvents(stream.signal);
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
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
  };
}

// ---------------------------------------------------------------- choosing

const TOKEN_KEY = 'vasco_token';

interface PageGlobals {
  vasco?: VascoBridge;
  location?: Location;
  history?: History;
  sessionStorage?: Storage;
}

/**
 * The API token of the page: taken from `?token=` of the address `vasco serve`
 * printed, kept in sessionStorage (per origin - port included - and per tab,
 * so a reload works and no page of another port can read it) and removed from
 * the address bar, so it stays out of history, screenshots and copied links.
 */
function adoptPageToken(w: PageGlobals): string {
  if (w.location) {
    const address = new URL(w.location.href);
    const fromQuery = address.searchParams.get('token');
    if (fromQuery !== null) {
      if (fromQuery) w.sessionStorage?.setItem(TOKEN_KEY, fromQuery);
      address.searchParams.delete('token');
      w.history?.replaceState(w.history.state, '', address.pathname + address.search + address.hash);
      if (fromQuery) return fromQuery;
    }
  }
  return w.sessionStorage?.getItem(TOKEN_KEY) ?? '';
}

/** The transport for the page we run in: window.vasco inside Electron, otherwise HTTP with the page's token. */
export function defaultTransport(): Transport {
  const w = globalThis as unknown as PageGlobals;
  if (w.vasco) return w.vasco;
  return createHttpTransport({ token: adoptPageToken(w) });
}

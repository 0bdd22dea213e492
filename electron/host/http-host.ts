/**
 * The browser host behind `vasco serve`: the built renderer plus the API
 * contract over HTTP, bound to 127.0.0.1 only.
 *
 *   POST /api/<method>        JSON args -> { result } | { error }
 *   GET  /api/events          server-sent events, one `data:` JSON ApiEvent each
 *   GET  /anything-else       static files from staticDir (index.html for routes)
 *
 * Rules: a Host header other than 127.0.0.1:PORT / localhost:PORT is refused
 * with 403 (DNS rebinding). The API and the event stream need
 * `Authorization: Bearer <token>`, the token being random per start; it is
 * accepted in no other form (no query parameter, no cookie). The page gets it
 * once in the printed URL (`/?token=...`), keeps it in sessionStorage (which
 * is per origin, port included) and takes it out of the address bar (see
 * electron/api/client.ts). There is deliberately no cookie: cookies ignore
 * ports, so any other server on 127.0.0.1 the browser visits would receive it.
 * Static files are the public renderer code and need no token. A request
 * path or query with broken percent-encoding is a 400. Bodies are capped.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { UserError } from '../core/errors';
import { statusForCode, type ApiErrorBody } from '../api/contract';
import { dispatch, EventHub, type Api } from '../api/dispatch';
import { resolveStaticFile } from './static-files';
import { bearerToken, contentSecurityPolicy, isAllowedHost, newToken, tokenMatches } from './security';

export interface HttpHostOptions {
  /** The workspace (SQLite) the API serves. Needed unless `api` is given. */
  dbPath?: string;
  /** An API already built (tests, `vasco demo`); otherwise made from dbPath. */
  api?: Api;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (dist/renderer); without it only the API is served. */
  staticDir?: string;
  /** Fixed token (tests); random per start otherwise. */
  token?: string;
  offline?: boolean;
  /** The folder files.list offers (electron/api/data-folder.ts); used when the API is made here. */
  dataDir?: string;
  maxBodyBytes?: number;
}

export interface HttpHost {
  /** http://127.0.0.1:PORT/?token=... - what a person opens. */
  url: string;
  origin: string;
  port: number;
  token: string;
  hub: EventHub;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The token travels in the page URL: never leak it through Referer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: ApiErrorBody): void {
  sendJson(res, status, { error });
}

/** Whether a path or query has a broken percent-escape (e.g. `%E0%A4%A`). */
function badPercentEncoding(text: string): boolean {
  try {
    decodeURIComponent(text);
    return false;
  } catch {
    return true;
  }
}

class BodyTooLarge extends Error {}

/**
 * The request body as text, at most `limit` bytes. A larger body is read to
 * its end and dropped (so the client can read our 413 instead of a reset),
 * unless it goes on beyond 64 times the limit, when the connection is cut.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size > limit * 64) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLarge()) : resolveBody(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export async function startHttpHost(opts: HttpHostOptions): Promise<HttpHost> {
  let api = opts.api;
  if (!api) {
    if (!opts.dbPath) throw new Error('startHttpHost: give dbPath or api');
    const { createApi } = await import('../api/handlers');
    const { surveyOverviewSource } = await import('../survey/overview');
    api = await createApi({ dbPath: opts.dbPath, offline: opts.offline ?? false, surveyOverview: surveyOverviewSource(opts.dbPath), ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  }
  const { handlers, hub } = api;
  const token = opts.token ?? newToken();
  const limit = opts.maxBodyBytes ?? 1024 * 1024;
  const staticRoot = opts.staticDir ? resolve(opts.staticDir) : null;
  const csp = contentSecurityPolicy();
  const streams = new Set<ServerResponse>();
  let port = 0;
  const unauthorized = (res: ServerResponse, what: string) =>
    sendError(res, 401, {
      code: 'unauthorized',
      message: `missing or wrong API token for ${what}`,
      hint: 'open the URL printed by `vasco serve` (it carries ?token=...)',
    });

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendError(res, 405, { code: 'method-not-allowed', message: `${method}: use POST` });
    }
    if (!tokenMatches(bearerToken(req.headers.authorization), token)) return unauthorized(res, method);
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      return sendError(res, 415, { code: 'bad-arguments', message: `${method}: send arguments as application/json` });
    }
    let raw: string;
    try {
      raw = await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        return sendError(res, 413, { code: 'too-large', message: `${method}: request body larger than ${limit} bytes` });
      }
      throw err;
    }
    let args: unknown;
    try {
      args = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return sendError(res, 400, { code: 'bad-arguments', message: `${method}: request body is not valid JSON` });
    }
    const env = await dispatch(handlers, method, args);
    if ('error' in env) return sendError(res, statusForCode(env.error.code), env.error);
    sendJson(res, 200, env);
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return sendError(res, 405, { code: 'method-not-allowed', message: 'the event stream: use GET' });
    }
    if (!tokenMatches(bearerToken(req.headers.authorization), token)) return unauthorized(res, 'the event stream');
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = hub.subscribe((e) => res.write(`data: ${JSON.stringify(e)}\n\n`));
    // A comment every 15 s keeps proxies and idle timers from closing the stream.
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const done = () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...COMMON_HEADERS, Allow: 'GET, HEAD' });
      return void res.end();
    }
    if (!staticRoot) {
      res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('no renderer build to serve (run `npm run build:renderer`)\n');
    }
    const found = resolveStaticFile(staticRoot, url.pathname);
    if (found.kind === 'not-found') {
      res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(`not found: ${found.reason}\n`);
    }
    const headers: Record<string, string | string[]> = {
      ...COMMON_HEADERS,
      'Content-Type': found.type,
      'Content-Length': String(statSync(found.file).size),
      'Cache-Control': 'no-store',
    };
    if (found.html) {
      headers['Content-Security-Policy'] = csp;
      headers['X-Frame-Options'] = 'DENY';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(found.file).pipe(res);
  }

  const server = createServer((req, res) => {
    if (!isAllowedHost(req.headers.host, port)) {
      return sendError(res, 403, {
        code: 'forbidden',
        message: `refused a request for host "${req.headers.host ?? ''}"`,
        hint: `this server answers only http://127.0.0.1:${port}/ and http://localhost:${port}/`,
      });
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (badPercentEncoding(url.pathname) || badPercentEncoding(url.search)) {
      return sendError(res, 400, {
        code: 'bad-request',
        message: `malformed percent-encoding in the address ${JSON.stringify(req.url ?? '')}`,
        hint: 'every % must be followed by two hex digits forming valid UTF-8',
      });
    }
    const handle = async () => {
      if (url.pathname === '/api/events') return handleEvents(req, res);
      if (url.pathname.startsWith('/api/')) return handleApi(req, res, decodeURIComponent(url.pathname.slice(5)));
      return handleStatic(req, res, url);
    };
    handle().catch((err: Error) => {
      if (!res.headersSent) sendError(res, 500, { code: 'internal', message: `internal error: ${err.message}` });
      else res.end();
    });
  });
  server.requestTimeout = 120_000;

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    await api.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES')
      throw new UserError(`cannot listen on 127.0.0.1:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`, 'choose another --port, or leave it out to take a free one');
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    hub,
    async close() {
      for (const s of streams) s.end();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
      await api!.close();
    },
  };
}

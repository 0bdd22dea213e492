/**
 * A real HTTP server on 127.0.0.1 that answers with real recorded service
 * responses (../shared/data/responses) and, on request, with the faults the
 * network produces: hanging, slow bodies, bodies cut short, reset
 * connections, error statuses. Clients under test talk to it through their
 * ordinary URL settings; every request is kept for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Fault =
  /** Accept the request and never answer. */
  | 'hang'
  /** Send headers with the full Content-Length, then the body a few bytes at a time, slowly. */
  | 'slow'
  /** Send headers with the full Content-Length and only part of the body, then close. */
  | 'truncate'
  /** Close the connection without answering. */
  | 'reset';

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  fault?: Fault;
  /** 'truncate': bytes sent before the cut (default half). */
  cutAt?: number;
  /** 'slow': pause between 16-byte pieces, ms (default 200). */
  dripMs?: number;
  /** Serve `body` honouring Range requests (206 / 416), as a file server does. */
  ranges?: boolean;
}

export type Responder = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface RecordedServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: RecordedRequest[];
  /** Answer requests whose path starts with `prefix`: one scripted reply per request, the last one repeating. */
  route(prefix: string, replies: Reply | Reply[] | Responder): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, req: IncomingMessage, r: Reply): void {
  if (r.fault === 'hang') return;
  if (r.fault === 'reset') {
    req.socket.destroy();
    return;
  }
  let body = typeof r.body === 'string' ? Buffer.from(r.body) : (r.body ?? Buffer.alloc(0));
  let status = r.status ?? 200;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...r.headers };
  if (r.ranges) {
    headers['accept-ranges'] = 'bytes';
    const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        res.end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
      status = 206;
      body = body.subarray(start);
    }
  }
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  if (r.fault === 'truncate') {
    const cut = r.cutAt ?? Math.floor(body.length / 2);
    // Cut only after the client has had time to read what was sent: a cut errors the body stream, which
    // discards chunks not yet read, and on a busy machine 20 ms left nothing to resume from.
    res.write(body.subarray(0, cut), () => setTimeout(() => req.socket.destroy(), 250));
    return;
  }
  if (r.fault === 'slow') {
    let pos = 0;
    const drip = () => {
      if (res.destroyed) return;
      if (pos >= body.length) return void res.end();
      res.write(body.subarray(pos, pos + 16));
      pos += 16;
      setTimeout(drip, r.dripMs ?? 200);
    };
    drip();
    return;
  }
  res.end(body);
}

export async function startRecordedServer(): Promise<RecordedServer> {
  const routes: { prefix: string; replies: Reply[] | Responder; served: number }[] = [];
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const route = routes
        .filter((r) => rec.url.pathname.startsWith(r.prefix))
        .sort((a, b) => b.prefix.length - a.prefix.length)[0];
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`no route for ${rec.url.pathname}`);
        return;
      }
      let reply: Reply;
      if (typeof route.replies === 'function') reply = await route.replies(rec);
      else reply = route.replies[Math.min(route.served, route.replies.length - 1)];
      route.served++;
      send(res, req, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route(prefix, replies) {
      routes.push({ prefix, replies: typeof replies === 'function' ? replies : Array.isArray(replies) ? replies : [replies], served: 0 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Fields of a multipart/form-data body (enough for XMatch uploads). */
export function parseMultipart(req: RecordedRequest): Record<string, { value: string; filename?: string }> {
  const ct = String(req.headers['content-type'] ?? '');
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(ct);
  if (!m) throw new Error(`not multipart: ${ct}`);
  const boundary = `--${m[1] ?? m[2]}`;
  const text = req.body.toString('latin1');
  const out: Record<string, { value: string; filename?: string }> = {};
  for (const part of text.split(boundary).slice(1)) {
    if (part.startsWith('--')) break;
    const sep = part.indexOf('\r\n\r\n');
    const head = part.slice(0, sep);
    const value = part.slice(sep + 4).replace(/\r\n$/, '');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (name) out[name] = { value: Buffer.from(value, 'latin1').toString('utf8'), filename };
  }
  return out;
}

/**
 * The one HTTP client for every service the pipeline talks to (VizieR, CDS
 * XMatch, SkyBoT, IRSA, STScI). Per attempt: a timeout that covers the whole
 * body; retries with exponential backoff and full jitter on timeouts, 429/5xx,
 * connection errors and truncated or unparsable bodies; a polite minimum
 * interval between requests to the same host; the caller's AbortSignal. What
 * finally fails is a UserError naming the service, the URL and what to do.
 *
 * Several processes (the plates of a survey) can share a limit on requests in
 * flight to each service: a folder of lock slots (VASCO_REQUEST_SLOTS, with
 * VASCO_MAX_REQUESTS_PER_SERVICE places per service) that every attempt holds
 * one place of while it talks to the service.
 */
import { createWriteStream, existsSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, UserError } from '../core/errors';
import { acquireSlot, type HeldLock } from './file-lock';

export type ServiceName = 'vizier' | 'xmatch' | 'skybot' | 'irsa' | 'stsci';

/** Real public endpoints; each can be pointed elsewhere (a mirror, a test server) by environment. */
export const SERVICE_DEFAULTS: Record<ServiceName, { env: string; url: string; label: string }> = {
  vizier: { env: 'VASCO_VIZIER_URL', url: 'https://vizier.cds.unistra.fr/viz-bin/votable', label: 'VizieR' },
  xmatch: { env: 'VASCO_XMATCH_URL', url: 'https://cdsxmatch.cds.unistra.fr/xmatch/api/v1/sync', label: 'CDS XMatch' },
  skybot: { env: 'VASCO_SKYBOT_URL', url: 'https://ssp.imcce.fr/webservices/skybot/api/conesearch.php', label: 'SkyBoT' },
  irsa: { env: 'VASCO_IRSA_URL', url: 'https://irsa.ipac.caltech.edu/data/DSS/images', label: 'IRSA' },
  stsci: { env: 'VASCO_STSCI_URL', url: 'https://archive.stsci.edu/cgi-bin/dss_search', label: 'STScI DSS' },
};

export function serviceUrl(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const d = SERVICE_DEFAULTS[name];
  const v = env[d.env]?.trim();
  return v ? v : d.url;
}

export function serviceLabel(name: ServiceName): string {
  return SERVICE_DEFAULTS[name].label;
}

/** A failure that ended the request; `status` is the HTTP status when there was one. */
export class HttpError extends UserError {
  constructor(
    message: string,
    hint: string,
    code: string,
    readonly service: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message, hint, code);
    this.name = 'HttpError';
  }
}

/** Thrown by a `validate` callback when a body is incomplete or unparsable: the request is retried. */
export class BadBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadBodyError';
  }
}

export interface HttpClientOptions {
  /** Per-attempt limit on the whole exchange (headers and body), ms. */
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Minimum time between the starts of two requests to the same host, ms. */
  minIntervalMs?: number;
  /** Downloads: give up an attempt when no byte arrives for this long, ms. */
  idleTimeoutMs?: number;
  userAgent?: string;
  /**
   * Requests in flight to one service across every process sharing `dir`
   * (default: VASCO_REQUEST_SLOTS and VASCO_MAX_REQUESTS_PER_SERVICE, else no limit).
   */
  requestSlots?: RequestSlots | null;
  /** For tests: the jitter source. */
  random?: () => number;
  log?: (line: string) => void;
}

export interface RequestSlots {
  /** Folder of the lock slots, one subfolder per service. */
  dir: string;
  /** Requests at once to one service. */
  perService: number;
}

/** Default per-service limit when only the slots folder is given. */
export const DEFAULT_REQUESTS_PER_SERVICE = 4;

/** The shared request limit the environment asks for, or null. */
export function requestSlotsFromEnv(env: NodeJS.ProcessEnv = process.env): RequestSlots | null {
  const dir = env.VASCO_REQUEST_SLOTS?.trim();
  if (!dir) return null;
  const n = Number(env.VASCO_MAX_REQUESTS_PER_SERVICE ?? DEFAULT_REQUESTS_PER_SERVICE);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(
      `VASCO_MAX_REQUESTS_PER_SERVICE is "${env.VASCO_MAX_REQUESTS_PER_SERVICE}", not a whole number >= 1`,
      'set it to the number of requests each service may get at once (e.g. 4), or unset it',
    );
  }
  return { dir, perService: n };
}

export interface HttpRequest {
  /** Human name of the service, e.g. "VizieR". */
  service: string;
  url: string;
  /** What this request is for, e.g. "Gaia EDR3 cone (chunk d120r33)". */
  what?: string;
  method?: 'GET' | 'POST';
  body?: FormData | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Check the whole body; throw BadBodyError to retry (e.g. a VOTable that does not parse). */
  validate?: (body: Buffer) => void;
  /** Per-request override of the client's timeout. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  attempts: number;
}

export interface DownloadRequest extends HttpRequest {
  /** Partial file written to and resumed from (Range); renamed by the caller when checked. */
  partPath: string;
  onBytes?: (received: number, total: number | null) => void;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes already present when the first attempt started (a resumed download). */
  resumedFrom: number;
  attempts: number;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

class Timeout extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('request'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError('request'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Why a fetch failed, in words: the undici cause code when there is one. */
function networkReason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code;
  const msg = err.cause?.message ?? err.message ?? String(e);
  return code ? `${code}: ${msg}` : msg;
}

export class HttpClient {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly minIntervalMs: number;
  readonly idleTimeoutMs: number;
  private readonly userAgent: string;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly gates = new Map<string, Promise<void>>();
  private readonly lastStart = new Map<string, number>();
  readonly requestSlots: RequestSlots | null;

  constructor(o: HttpClientOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? envNumber('VASCO_HTTP_TIMEOUT_MS') ?? 300_000;
    this.retries = o.retries ?? envNumber('VASCO_HTTP_RETRIES') ?? 4;
    this.backoffBaseMs = o.backoffBaseMs ?? 2_000;
    this.backoffMaxMs = o.backoffMaxMs ?? 60_000;
    this.minIntervalMs = o.minIntervalMs ?? envNumber('VASCO_HTTP_MIN_INTERVAL_MS') ?? 1_000;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 120_000;
    this.userAgent = o.userAgent ?? 'vasco-workstation/0.1 (POSS-I vanishing-source audit)';
    this.random = o.random ?? Math.random;
    this.log = o.log ?? (() => {});
    this.requestSlots = o.requestSlots === undefined ? requestSlotsFromEnv() : o.requestSlots;
  }

  /** A place among the service's shared request slots (null: no shared limit). */
  private async slot(req: HttpRequest): Promise<HeldLock | null> {
    if (!this.requestSlots) return null;
    const dir = join(this.requestSlots.dir, req.service.replace(/[^A-Za-z0-9._-]+/g, '_'));
    return acquireSlot(dir, this.requestSlots.perService, {
      signal: req.signal,
      onWait: () => this.log(`${req.service}: ${this.requestSlots!.perService} request(s) of this survey already in flight; waiting for a free slot`),
    });
  }

  /** Full jitter: uniform in [0, min(max, base * 2^attempt)]. */
  backoffMs(attempt: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** attempt);
    const jitter = this.random() * ceiling;
    return retryAfterMs !== undefined ? Math.min(this.backoffMaxMs, Math.max(retryAfterMs, jitter)) : jitter;
  }

  /** Wait for this host's turn: request starts are spaced by minIntervalMs. */
  private async polite(url: string, signal?: AbortSignal): Promise<void> {
    const host = new URL(url).host;
    const prev = this.gates.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.gates.set(host, prev.then(() => mine));
    try {
      await prev;
      const wait = (this.lastStart.get(host) ?? -Infinity) + this.minIntervalMs - Date.now();
      if (wait > 0) await sleep(wait, signal);
      this.lastStart.set(host, Date.now());
    } finally {
      release();
    }
  }

  private hint(req: HttpRequest): string {
    return (
      `Check the network connection and try again later (${req.service} may be busy or down). ` +
      `A mirror or local server can be used through the VASCO_*_URL variables; catalogue stages also run offline with --catalog NAME=FILE.`
    );
  }

  private failure(req: HttpRequest, attempts: number, reason: string, code: string, status?: number): HttpError {
    const what = req.what ? `${req.what}: ` : '';
    return new HttpError(
      `${req.service}: ${what}no usable answer after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason} (${req.url})`,
      this.hint(req),
      code,
      req.service,
      req.url,
      status,
    );
  }

  /**
   * Why one attempt failed, for the retry log. Rethrows what must not be
   * retried: a refusal (HttpError) and cancellation.
   */
  private attemptFailure(
    e: unknown,
    req: HttpRequest,
    ctl: AbortController,
    status: number | undefined,
    timeoutReason: string,
    cutReason: (network: string) => string,
  ): { reason: string; code: string } {
    if (e instanceof HttpError) throw e;
    if (e instanceof CancelledError || req.signal?.aborted) throw new CancelledError(req.service);
    if (e instanceof Timeout || ctl.signal.reason instanceof Timeout) return { reason: timeoutReason, code: 'http-timeout' };
    if (e instanceof BadBodyError) return { reason: e.message, code: 'http-bad-body' };
    // Headers arrived, the body did not: the connection was cut.
    if (status !== undefined) return { reason: cutReason(networkReason(e)), code: 'http-bad-body' };
    return { reason: `connection failed (${networkReason(e)})`, code: 'http-network' };
  }

  /** After a failed attempt: the final error, or the logged backoff before the next try. */
  private async retryOrFail(req: HttpRequest, attempt: number, reason: string, code: string, status: number | undefined, retryAfterMs: number | undefined): Promise<void> {
    if (attempt >= this.retries) throw this.failure(req, attempt + 1, reason, code, status);
    const delay = this.backoffMs(attempt, retryAfterMs);
    this.log(`${req.service}: ${reason}; retry ${attempt + 1}/${this.retries} in ${(delay / 1000).toFixed(1)} s (${req.url})`);
    await sleep(delay, req.signal);
  }

  /** One exchange with retries; the whole body in memory. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw new CancelledError(req.service);
      await this.polite(req.url, req.signal);
      const slot = await this.slot(req);
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new Timeout()), timeoutMs);
      const onAbort = () => ctl.abort(new CancelledError(req.service));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      let reason: string;
      let code: string;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(req.url, {
          method: req.method ?? (req.body ? 'POST' : 'GET'),
          body: req.body,
          headers: { 'user-agent': this.userAgent, ...req.headers },
          signal: ctl.signal,
          redirect: 'follow',
        });
        status = res.status;
        if (RETRY_STATUS.has(res.status)) {
          await res.arrayBuffer().catch(() => undefined);
          reason = `HTTP ${res.status} ${res.statusText}`.trim();
          code = 'http-status';
          retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        } else if (!res.ok) {
          const text = await res.text().catch(() => '');
          const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
          throw new HttpError(
            `${req.service}: ${req.what ? `${req.what}: ` : ''}HTTP ${res.status} ${res.statusText}${snippet ? ` - ${snippet}` : ''} (${req.url})`,
            res.status === 404
              ? 'The service has no such resource; check the plate number / catalogue name.'
              : 'The request was refused; check the parameters or report the URL to the service.',
            'http-status',
            req.service,
            req.url,
            res.status,
          );
        } else {
          const body = Buffer.from(await res.arrayBuffer());
          const declared = res.headers.get('content-length');
          if (declared !== null && !res.headers.get('content-encoding') && Number(declared) !== body.length) {
            throw new BadBodyError(`body has ${body.length} bytes, Content-Length said ${declared} (truncated)`);
          }
          req.validate?.(body);
          return { status: res.status, headers: res.headers, body, attempts: attempt + 1 };
        }
      } catch (e) {
        ({ reason, code } = this.attemptFailure(e, req, ctl, status, `no complete answer within ${(timeoutMs / 1000).toFixed(1)} s`, (net) => `body cut short (${net})`));
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        slot?.release();
      }
      await this.retryOrFail(req, attempt, reason, code, status, retryAfterMs);
    }
  }

  /**
   * Stream a (large) file to `partPath`, resuming with Range after a cut
   * connection. The caller checks the file and renames it when whole.
   */
  async download(req: DownloadRequest): Promise<DownloadResult> {
    const startSize = existsSync(req.partPath) ? statSync(req.partPath).size : 0;
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw new CancelledError(req.service);
      await this.polite(req.url, req.signal);
      const slot = await this.slot(req);
      const have = existsSync(req.partPath) ? statSync(req.partPath).size : 0;
      const ctl = new AbortController();
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ctl.abort(new Timeout()), this.idleTimeoutMs);
      };
      const onAbort = () => ctl.abort(new CancelledError(req.service));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      let reason: string;
      let code: string;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      arm();
      try {
        const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
        if (have > 0) headers.range = `bytes=${have}-`;
        const res = await fetch(req.url, { headers, signal: ctl.signal, redirect: 'follow' });
        status = res.status;
        if (res.status === 416 && have > 0) {
          // Nothing left to send: either we have it all or the part file is stale.
          await res.arrayBuffer().catch(() => undefined);
          const total = parseContentRangeTotal(res.headers.get('content-range'));
          if (total === have) return { bytes: have, resumedFrom: startSize, attempts: attempt + 1 };
          truncateSync(req.partPath, 0);
          reason = 'server refused the resume range; starting over';
          code = 'http-status';
        } else if (RETRY_STATUS.has(res.status)) {
          await res.arrayBuffer().catch(() => undefined);
          reason = `HTTP ${res.status} ${res.statusText}`.trim();
          code = 'http-status';
          retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        } else if (!res.ok || !res.body) {
          await res.arrayBuffer().catch(() => undefined);
          throw new HttpError(
            `${req.service}: ${req.what ? `${req.what}: ` : ''}HTTP ${res.status} ${res.statusText} (${req.url})`,
            res.status === 404 ? 'The archive has no such file.' : 'The download was refused; check the URL.',
            'http-status',
            req.service,
            req.url,
            res.status,
          );
        } else {
          const resumed = res.status === 206;
          let offset = 0;
          if (resumed) {
            const start = parseContentRangeStart(res.headers.get('content-range'));
            if (start !== have) throw new BadBodyError(`server resumed at byte ${start}, we have ${have}`);
            offset = have;
          }
          const length = res.headers.get('content-length');
          const expected = length !== null && !res.headers.get('content-encoding') ? offset + Number(length) : null;
          const total = resumed ? parseContentRangeTotal(res.headers.get('content-range')) ?? expected : expected;
          let received = offset;
          const counter = new Transform({
            transform: (chunk: Buffer, _enc, cb) => {
              received += chunk.length;
              arm();
              req.onBytes?.(received, total);
              cb(null, chunk);
            },
          });
          await pipeline(
            Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
            counter,
            createWriteStream(req.partPath, { flags: resumed ? 'a' : 'w' }),
          );
          if (expected !== null && received !== expected) {
            throw new BadBodyError(`got ${received} bytes, expected ${expected} (truncated)`);
          }
          return { bytes: received, resumedFrom: startSize, attempts: attempt + 1 };
        }
      } catch (e) {
        ({ reason, code } = this.attemptFailure(e, req, ctl, status, `no data for ${(this.idleTimeoutMs / 1000).toFixed(1)} s`, (net) => `connection cut during the body (${net}); will resume`));
      } finally {
        clearTimeout(idle);
        req.signal?.removeEventListener('abort', onAbort);
        slot?.release();
      }
      await this.retryOrFail(req, attempt, reason, code, status, retryAfterMs);
    }
  }
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

function parseContentRangeStart(v: string | null): number | null {
  const m = v ? /bytes\s+(\d+)-/.exec(v) : null;
  return m ? Number(m[1]) : null;
}

function parseContentRangeTotal(v: string | null): number | null {
  const m = v ? /\/(\d+)\s*$/.exec(v) : null;
  return m ? Number(m[1]) : null;
}

let shared: HttpClient | null = null;

/** The process-wide client (settings from the environment), so politeness spans all stages. */
export function defaultHttpClient(log?: (line: string) => void): HttpClient {
  if (!shared) shared = new HttpClient({ log });
  return shared;
}

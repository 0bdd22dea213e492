/**
 * An in-memory stand-in for the main process, for the renderer's component
 * tests ONLY (never used by the end-to-end tests, which run the real host).
 * It answers the contract's calls over generated candidates and keeps
 * append-only review events like the store does, so the renderer's own logic
 * (paging, selection, keyboard flow, blind mode) is what is under test.
 */
import type { Transport, Envelope } from '../../electron/api/client';
import type { ApiEvent } from '../../electron/api/contract';
import type { CandidateRow, CommentEvent, ReviewEvent } from '../../electron/store/types';
import type { ReviewLabel } from '../../electron/store/labels';

export interface FakeCall {
  method: string;
  args: Record<string, unknown>;
}

export interface FakeOptions {
  candidates: number;
  /** Labels other reviewers already gave: candidate id -> [reviewer, label][]. */
  others?: Record<number, [string, ReviewLabel][]>;
  /** Delay (ms) before answering reviews.add, to observe the pending state. */
  reviewDelayMs?: number;
  /** Make reviews.add fail with this error. */
  failReviews?: { message: string; hint?: string; code: string };
  /** Store reviews.add, then answer as if the connection dropped, this many times (the reply is lost). */
  loseReviewReplies?: number;
}

export function makeRow(id: number): CandidateRow {
  return {
    id, runId: 1, sourceNumber: 1000 + id, ra: 259.9 + id * 1e-5, dec: -6.1 - id * 1e-5, x: 10 + (id % 700), y: 10 + ((id * 7) % 700),
    mag: 12 + (id % 50) / 10, magErr: 0.02, snr: 30 + (id % 97), fwhm: 2 + (id % 5), elongation: 1 + (id % 3) / 10,
    spreadModel: -0.005, flags: 0, nearestBlueArcsec: null, nearestBlueDetection: null, edgeDistancePx: null, plate: 'XE687', ledger: [], consensus: null, myLabel: null, reviews: 0,
  };
}

export function createFakeTransport(opts: FakeOptions) {
  const calls: FakeCall[] = [];
  const events: ReviewEvent[] = [];
  const comments: CommentEvent[] = [];
  /** Idempotency key -> the answer already given (as the store keeps them). */
  const byKey = new Map<string, unknown>();
  let lostReplies = opts.loseReviewReplies ?? 0;
  const rows = Array.from({ length: opts.candidates }, (_, i) => makeRow(i + 1));
  let nextEvent = 1;
  for (const [id, list] of Object.entries(opts.others ?? {})) {
    for (const [reviewer, label] of list) {
      events.push({ id: nextEvent++, candidateId: Number(id), reviewer, action: 'label', label, confidence: null, note: null, createdUtc: '2026-01-01T00:00:00Z', appVersion: 'test', display: null, undoes: null });
    }
  }

  /** Each reviewer's current label: the last label event not withdrawn by an undo. */
  function current(candidateId: number): Map<string, ReviewLabel> {
    const byReviewer = new Map<string, ReviewEvent[]>();
    for (const e of events.filter((e) => e.candidateId === candidateId)) {
      const list = byReviewer.get(e.reviewer) ?? [];
      if (e.action === 'undo') list.pop();
      else list.push(e);
      byReviewer.set(e.reviewer, list);
    }
    const out = new Map<string, ReviewLabel>();
    for (const [r, list] of byReviewer) if (list.length) out.set(r, list[list.length - 1].label);
    return out;
  }

  function view(row: CandidateRow, reviewer?: string, blind?: boolean): CandidateRow {
    const cur = current(row.id);
    const mine = reviewer ? cur.get(reviewer) ?? null : null;
    const labels = [...cur.values()];
    const counts = new Map<string, number>();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    let consensus: ReviewLabel | null = null;
    for (const [l, n] of counts) if (n * 2 > labels.length) consensus = l as ReviewLabel;
    if (labels.length && !consensus) consensus = 'unsure';
    return blind
      ? { ...row, myLabel: mine, consensus: null, reviews: mine ? 1 : 0 }
      : { ...row, myLabel: mine, consensus, reviews: labels.length };
  }

  function handle(method: string, a: Record<string, any>): unknown {
    switch (method) {
      case 'app.info':
        return { version: '0.0.0-test', offline: true, dbPath: '/tmp/fake.sqlite', tools: {}, reviewer: null };
      case 'runs.list':
        return [{ id: 1, createdUtc: '2026-01-01T00:00:00Z', redRegion: 'XE687', blueRegion: null, mode: 'red-only', candidates: rows.length, reviewed: 0, outDir: '/tmp/run' }];
      case 'reviewers.list':
        return [...new Set(events.map((e) => e.reviewer))];
      case 'reviewers.add':
        return [a.name];
      case 'candidates.list': {
        if (a.blind && !a.reviewer) throw { code: 'bad-arguments', message: "blind mode needs the reviewer's name" };
        let list = rows.map((r) => view(r, a.reviewer, a.blind));
        const f = a.filter ?? {};
        if (f.labels?.length) {
          list = list.filter((r) => {
            const l = f.reviewer ? current(r.id).get(f.reviewer) ?? null : a.blind ? r.myLabel : r.consensus;
            return f.labels.includes(l ?? 'unreviewed');
          });
        }
        if (a.sort) {
          const k = a.sort.column as keyof CandidateRow;
          const dir = a.sort.desc ? -1 : 1;
          list = [...list].sort((x, y) => ((x[k] as number) - (y[k] as number)) * dir || x.id - y.id);
        }
        const located = a.locate === undefined ? {} : { located: list.findIndex((r) => r.id === a.locate) >= 0 ? list.findIndex((r) => r.id === a.locate) : null };
        return { total: list.length, rows: list.slice(a.offset, a.offset + a.limit), ...located };
      }
      case 'candidates.get': {
        const row = rows.find((r) => r.id === a.candidateId);
        if (!row) throw { code: 'not-found', message: `candidate ${a.candidateId} not found` };
        const history = events.filter((e) => e.candidateId === row.id && (!a.blind || e.reviewer === a.reviewer));
        return {
          row: view(row, a.reviewer, a.blind),
          plates: { red: { region: 'XE687', band: 'red', file: '/x.fits', epochJulian: 1951.51, headerSha256: 'x' }, blue: null },
          history,
          comments: comments.filter((c) => c.candidateId === row.id && (!a.blind || c.reviewer === a.reviewer)),
        };
      }
      case 'comments.add': {
        if (byKey.has(a.idempotencyKey)) return byKey.get(a.idempotencyKey);
        const c: CommentEvent = { id: comments.length + 1, candidateId: a.candidateId, reviewer: a.reviewer, body: a.body, createdUtc: new Date().toISOString(), appVersion: 'test' };
        comments.push(c);
        if (a.idempotencyKey) byKey.set(a.idempotencyKey, c);
        return c;
      }
      case 'reviews.add': {
        if (opts.failReviews) throw opts.failReviews;
        if (byKey.has(a.idempotencyKey)) return byKey.get(a.idempotencyKey);
        const ev: ReviewEvent = { id: nextEvent++, candidateId: a.candidateId, reviewer: a.reviewer, action: 'label', label: a.label, confidence: a.confidence ?? null, note: a.note ?? null, createdUtc: new Date().toISOString(), appVersion: 'test', display: a.display ?? null, undoes: null };
        events.push(ev);
        if (a.idempotencyKey) byKey.set(a.idempotencyKey, ev);
        return ev;
      }
      case 'reviews.undo': {
        if (byKey.has(a.idempotencyKey)) return byKey.get(a.idempotencyKey);
        const mine = events.filter((e) => e.candidateId === a.candidateId && e.reviewer === a.reviewer);
        const cur = current(a.candidateId).get(a.reviewer);
        if (!cur) return null;
        const last = [...mine].reverse().find((e) => e.action === 'label')!;
        const ev: ReviewEvent = { ...last, id: nextEvent++, action: 'undo', undoes: last.id, createdUtc: new Date().toISOString() };
        events.push(ev);
        if (a.idempotencyKey) byKey.set(a.idempotencyKey, ev);
        return ev;
      }
      default:
        throw { code: 'unknown-method', message: `fake transport: ${method} not implemented` };
    }
  }

  const transport: Transport = {
    async invoke(method, args): Promise<Envelope> {
      calls.push({ method, args: (args ?? {}) as Record<string, unknown> });
      if (method === 'reviews.add' && opts.reviewDelayMs) await new Promise((r) => setTimeout(r, opts.reviewDelayMs));
      try {
        const result = handle(method, (args ?? {}) as Record<string, any>);
        if (method === 'reviews.add' && lostReplies > 0) {
          lostReplies--;
          return { error: { code: 'unreachable', message: `${method}: cannot reach the VASCO host (connection reset)` } };
        }
        return { result };
      } catch (err) {
        return { error: err as { message: string; code: string } };
      }
    },
    subscribe(_listener: (e: ApiEvent) => void) {
      return () => {};
    },
  };
  return { transport, calls, events };
}

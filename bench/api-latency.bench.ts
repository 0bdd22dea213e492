/**
 * Is the workstation responsive while a plate runs? The browser host serves a
 * workspace holding a small earlier run; a synthetic plate pair (4000x4000,
 * or 14000x14000 with --full) is started through the API, and while it runs
 * candidates.list, candidates.get, cutout.get and reviews.add (a write) are
 * asked at a fixed rate (open loop: a slow answer does not delay the next
 * question). Printed: the latency percentiles with the run as its own process
 * (`vasco run`, today) and in the serving process (the old way), side by
 * side. Target p99 <= 50 ms.
 *
 * VASCO_BENCH_LATENCY_MODES=child skips the in-process comparison.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { MethodArgs, MethodName, MethodResult } from '../electron/api/contract';
import { createApi } from '../electron/api/handlers';
import { startHttpHost, type HttpHost } from '../electron/host/http-host';
import { generatePlatePair } from '../electron/synth/generate-pair';
import { table } from './measure';
import type { BenchOptions } from './run';

export const name = 'api-latency';
export const description = 'API latency (p50/p95/p99) while a plate runs: run as a process of its own vs in the serving process (target p99 <= 50 ms)';

/** Questions a second, spread evenly over the calls. */
const RATE_PER_S = 20;
const TARGET_P99_MS = 50;

async function platePair(dir: string, preset: 'bench-4k' | 'plate' | 'small', stem: string, extra: Parameters<typeof generatePlatePair>[0] = { outDir: dir }) {
  const files = { red: join(dir, `${stem}-red.fits`), blue: join(dir, `${stem}-blue.fits`) };
  if (!existsSync(files.red) || !existsSync(files.blue)) {
    console.log(`generating the ${preset} pair in ${dir} ...`);
    await generatePlatePair({ ...extra, outDir: dir, preset, name: stem });
  }
  return files;
}

function client(host: HttpHost) {
  return async function call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    const res = await fetch(`${host.origin}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    const body = (await res.json()) as { result?: MethodResult<M>; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result!;
  };
}

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

interface ModeResult {
  mode: string;
  runSeconds: number;
  latencies: Map<string, number[]>;
  errors: number;
}

async function measureMode(mode: 'child' | 'in-process', dir: string, seed: { red: string; blue: string }, big: { red: string; blue: string }): Promise<ModeResult> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const api = await createApi({ dbPath: join(dir, 'vasco.sqlite'), offline: true, inProcess: mode === 'in-process' });
  const host = await startHttpHost({ api });
  const call = client(host);
  try {
    // An earlier run to review while the big one runs.
    const first = await call('pipeline.start', { red: seed.red, blue: seed.blue, offline: true, redOnly: false, params: { snrMin: 10 } });
    const seeded = await until(call, first.jobId);
    const ids = (await call('candidates.list', { runId: seeded, offset: 0, limit: 200 })).rows.map((r) => r.id);
    if (!ids.length) throw new Error('bench api-latency: the seed run has no candidates');

    const calls = ['candidates.list', 'candidates.get', 'cutout.get', 'reviews.add'] as const;
    const latencies = new Map<string, number[]>(calls.map((c) => [c, []]));
    let errors = 0;
    const ask = async (i: number) => {
      const id = ids[i % ids.length];
      const which = calls[i % calls.length];
      const t0 = performance.now();
      try {
        if (which === 'candidates.list') await call('candidates.list', { runId: seeded, offset: (i * 7) % Math.max(1, ids.length - 50), limit: 50, sort: { column: 'snr', desc: true } });
        else if (which === 'candidates.get') await call('candidates.get', { candidateId: id });
        else if (which === 'cutout.get') await call('cutout.get', { candidateId: id, band: 'red', sizePx: 64 });
        else await call('reviews.add', { candidateId: id, reviewer: 'bench', label: i % 8 ? 'transient' : 'blend' });
        latencies.get(which)!.push(performance.now() - t0);
      } catch {
        errors++;
      }
    };
    const t0 = performance.now();
    const { jobId } = await call('pipeline.start', { red: big.red, blue: big.blue, offline: true, redOnly: false, params: {} });
    const pending: Promise<void>[] = [];
    let i = 0;
    const ticker = setInterval(() => pending.push(ask(i++)), 1000 / RATE_PER_S);
    try {
      await until(call, jobId);
    } finally {
      clearInterval(ticker);
    }
    const runSeconds = (performance.now() - t0) / 1000;
    await Promise.all(pending);
    return { mode, runSeconds, latencies, errors };
  } finally {
    await host.close();
    await api.close();
  }
}

/** Poll a job until it ends; its run id. */
async function until(call: ReturnType<typeof client>, jobId: string): Promise<number> {
  for (;;) {
    const s = await call('pipeline.status', { jobId });
    if (s.state === 'done') return s.runId!;
    if (s.state !== 'running') throw new Error(`bench api-latency: job ${s.state}: ${s.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function run(opts: BenchOptions): Promise<void> {
  const root = join(opts.workDir, 'api-latency');
  const seed = await platePair(join(root, 'seed'), 'small', 'seed', { outDir: '', size: 600, stars: 400, transients: 20, seed: 5 });
  const big = opts.full
    ? await platePair(join(opts.workDir, 'pairs', 'plate'), 'plate', 'plate')
    : await platePair(join(opts.workDir, 'pairs', '4k'), 'bench-4k', 'p4k');
  const modes = (process.env.VASCO_BENCH_LATENCY_MODES ?? 'child,in-process').split(',') as ('child' | 'in-process')[];
  console.log(`plate pair ${opts.full ? '14000x14000' : '4000x4000'} (fast order); ${RATE_PER_S} questions/s; load average before ${loadavg()[0].toFixed(1)}`);
  const results: ModeResult[] = [];
  for (const mode of modes) {
    results.push(await measureMode(mode, join(root, mode), seed, big));
    console.log(`  ${mode}: run ${results.at(-1)!.runSeconds.toFixed(0)} s, load average now ${loadavg()[0].toFixed(1)}`);
  }
  const rows: (string | number)[][] = [['run', 'call', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
  for (const r of results) {
    const all = [...r.latencies.values()].flat().sort((a, b) => a - b);
    for (const [call, xs] of [...r.latencies, ['all', all] as [string, number[]]]) {
      const s = [...xs].sort((a, b) => a - b);
      rows.push([r.mode, call, String(s.length), percentile(s, 0.5), percentile(s, 0.95), percentile(s, 0.99), s.at(-1) ?? NaN]);
    }
    if (r.errors) rows.push([r.mode, 'errors', String(r.errors), '', '', '', '']);
  }
  console.log(table(rows));
  for (const r of results) {
    const p99 = percentile([...r.latencies.values()].flat().sort((a, b) => a - b), 0.99);
    console.log(`${r.mode}: p99 ${p99.toFixed(1)} ms ${p99 <= TARGET_P99_MS ? '<=' : '>'} ${TARGET_P99_MS} ms target; run took ${r.runSeconds.toFixed(0)} s`);
  }
}

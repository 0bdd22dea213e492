/**
 * The serving process of bench/api-latency.bench.ts: the browser host over a
 * workspace, in a process of its own (as under `vasco serve`), so the bench's
 * own HTTP client (its requests, its garbage) is not measured as the server's.
 * Started with child_process.fork; talks over the IPC channel:
 *   -> { ready, origin, token }                      once it listens
 *   <- { measure: 'start' } / { measure: 'stop' }    -> { loopP99, loopMax, gcMax, gcTotal } (ms)
 *   <- { close: true }                               closes and exits
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { createApi, type ApiOptions } from '../electron/api/handlers';
import { startHttpHost } from '../electron/host/http-host';

const options = JSON.parse(process.argv[2]) as ApiOptions;
const api = await createApi(options);
const host = await startHttpHost({ api });
let loop: IntervalHistogram | null = null;
let gc: number[] = [];
const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => gc.push(e.duration)));

process.on('message', async (m: { measure?: 'start' | 'stop'; close?: boolean }) => {
  if (m.measure === 'start') {
    gc = [];
    loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    observer.observe({ entryTypes: ['gc'] });
  } else if (m.measure === 'stop' && loop) {
    loop.disable();
    observer.disconnect();
    process.send!({ loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, gcMax: gc.length ? Math.max(...gc) : 0, gcTotal: gc.reduce((a, b) => a + b, 0) });
  } else if (m.close) {
    await host.close();
    process.exit(0);
  }
});
process.send!({ ready: true, origin: host.origin, token: host.token });

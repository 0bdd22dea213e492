/** Wall time, CPU time (this process and finished children) and peak RSS of a piece of work. */
import { resourceUsage } from 'node:process';

export interface Measurement {
  wallSeconds: number;
  cpuSeconds: number;
  /** Peak resident set size of this process so far, MiB (children are measured by their own runner). */
  peakRssMiB: number;
}

export async function measure<T>(work: () => Promise<T> | T): Promise<{ result: T; m: Measurement }> {
  const before = resourceUsage();
  const t0 = performance.now();
  const result = await work();
  const wallSeconds = (performance.now() - t0) / 1000;
  const after = resourceUsage();
  const cpuMicros = after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime;
  return { result, m: { wallSeconds, cpuSeconds: cpuMicros / 1e6, peakRssMiB: after.maxRSS / 1024 } };
}

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Math.abs(c) >= 100 ? c.toFixed(0) : c.toFixed(2)) : c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

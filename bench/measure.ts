/** Wall time, CPU time (this process and finished children) and peak RSS of a piece of work. */
import { readFileSync } from 'node:fs';
import { resourceUsage } from 'node:process';

export interface Measurement {
  wallSeconds: number;
  /** This process plus every child it has waited for (SExtractor, PSFEx). */
  cpuSeconds: number;
  /** Peak resident set size of this process so far, MiB (children are measured by their own runner). */
  peakRssMiB: number;
}

/**
 * CPU seconds of the children this process has reaped (utime + stime of
 * waited-for children, fields 16-17 of /proc/self/stat; 0 where there is no /proc).
 */
export function childCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): cutime is field 16, cstime 17.
    return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** CPU seconds of this process and its reaped children so far. */
export function cpuSecondsSoFar(): number {
  const u = resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6 + childCpuSeconds();
}

export async function measure<T>(work: () => Promise<T> | T): Promise<{ result: T; m: Measurement }> {
  const cpu0 = cpuSecondsSoFar();
  const t0 = performance.now();
  const result = await work();
  const wallSeconds = (performance.now() - t0) / 1000;
  return { result, m: { wallSeconds, cpuSeconds: cpuSecondsSoFar() - cpu0, peakRssMiB: resourceUsage().maxRSS / 1024 } };
}

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Math.abs(c) >= 100 ? c.toFixed(0) : c.toFixed(2)) : c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

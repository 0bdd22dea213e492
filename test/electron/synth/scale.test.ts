/**
 * A 4000x4000 pair (the size timed in STACK.md): how long it takes and how
 * much memory it needs go to the test log; the test asserts only the result.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { readTruth } from './measure';

const work = mkdtempSync(join(tmpdir(), 'vasco-synth-4k-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('generatePlatePair at 4000x4000', () => {
  it('streams a bench-4k pair to disk (time and memory in the log)', async () => {
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const pair = await generatePlatePair({ outDir: work, preset: 'bench-4k' }, { onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sample);
    const redBytes = statSync(pair.red).size;
    const rows = readTruth(pair.truth);
    console.log(
      `bench-4k: ${seconds.toFixed(1)} s for red 4000x4000 + blue, ${rows.length} truth rows; ` +
        `RSS ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(peakRss / 1e6).toFixed(0)} MB (+${((peakRss - rssBefore) / 1e6).toFixed(0)} MB); ` +
        `process max RSS ${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB`,
    );
    // BITPIX 16: 2 bytes a pixel after the header, padded to 2880-byte blocks.
    expect(redBytes).toBeGreaterThanOrEqual(4000 * 4000 * 2);
    expect(redBytes % 2880).toBe(0);
    expect(rows.filter((r) => r.kind === 'star').length).toBeGreaterThan(19000);
    expect(rows.filter((r) => r.kind === 'transient')).toHaveLength(200);
  });
});

/**
 * End to end on a synthetic POSS-like plate pair (electron/synth) with a truth
 * table: the real SExtractor and PSFEx, our filters and red-vs-blue. Injected
 * red-only transients of SNR >= 30 must be recovered (>= 95 %), and stars that
 * are plainly on both plates must not be reported.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type RunResult } from '../../../electron/pipeline/run';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { haveAstropy, pythonCsv } from './astropy-reference';

// The generator is loaded when present, so this file also runs in a checkout without it.
const synthModule = join(projectRoot, 'electron', 'synth', 'generate-pair.ts');
function haveSynth(): boolean {
  if (existsSync(synthModule)) return true;
  console.warn('SKIP: electron/synth/generate-pair.ts (the synthetic plate generator) is not in this checkout');
  return false;
}

const ready =
  haveSynth() &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
  haveAstropy(); // only for Python's csv reader of the truth table

interface Truth {
  kind: string;
  ra: number;
  dec: number;
  onRed: boolean;
  onBlue: boolean;
  redSnr: number;
  blueSnr: number;
}

/** Great-circle distance, haversine form, written out here to stay independent of the code under test. */
function sepArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const h = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h)) * 180 * 3600) / Math.PI;
}

describe.skipIf(!ready)('synthetic plate pair, end to end', () => {
  let dir: string;
  let truth: Truth[];
  let result: RunResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-synth-e2e-'));
    // A computed specifier: the bundler must not insist on resolving it when the generator is absent.
    const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
    // 600x600 red at 1.7"/px, 40 red-only transients with expected SNR 20..200.
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 3, transients: 40, transientSnr: [20, 200] });
    const t = pythonCsv(pair.truth);
    const c = (name: string) => t.header.indexOf(name);
    truth = t.rows.map((r) => ({
      kind: r[c('kind')],
      ra: Number(r[c('ra')]),
      dec: Number(r[c('dec')]),
      onRed: r[c('red_x')] !== '',
      onBlue: r[c('blue_x')] !== '',
      redSnr: Number(r[c('red_snr_expected')] || 0),
      blueSnr: Number(r[c('blue_snr_expected')] || 0),
    }));
    result = await runPipeline({ red: pair.red, blue: pair.blue, out: join(dir, 'run'), offline: true });
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const reported = (t: Truth) => result.candidates.some((s) => sepArcsec(s.ra, s.dec, t.ra, t.dec) < 2);

  it('runs in red+blue mode and drops red sources matched on blue', () => {
    expect(result.summary.mode).toBe('red+blue');
    const rvb = result.summary.stages.find((s) => s.name === 'red-vs-blue')!;
    expect(rvb.dropped.blue_match).toBeGreaterThan(0);
    expect(rvb.output).toBe(result.candidates.length);
  });

  it('recovers >= 95 % of the injected red-only transients with SNR >= 30', () => {
    const injected = truth.filter((t) => t.kind === 'transient' && t.onRed && t.redSnr >= 30);
    expect(injected.length).toBeGreaterThanOrEqual(20);
    const found = injected.filter(reported);
    expect(found.length / injected.length).toBeGreaterThanOrEqual(0.95);
  });

  it('does not report stars that are plainly on both plates', () => {
    // Bright on both: the blue counterpart passes the blue filters by a margin.
    const persistent = truth.filter((t) => t.kind === 'star' && t.onRed && t.onBlue && t.redSnr >= 30 && t.blueSnr >= 35);
    expect(persistent.length).toBeGreaterThanOrEqual(10);
    expect(persistent.filter(reported)).toEqual([]);
    // ... and that is the red-vs-blue step's doing for many of them, not just the filters'.
    const matchedOnBlue = persistent.filter((t) =>
      result.sources.some((s) => sepArcsec(s.ra, s.dec, t.ra, t.dec) < 2 && s.ledger.some((e) => e.reason === 'blue_match' && e.distanceArcsec! < 5)),
    );
    expect(matchedOnBlue.length).toBeGreaterThanOrEqual(5);
  });
});

/**
 * Synthetic runs for store tests: a red plate with sources scattered over a
 * small patch of sky, each with a ledger, and a chosen subset as candidates.
 * Positions are random but seeded, so every run of a test sees the same sky.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlateSummary, RunSummary, TrackedSource } from '../../../electron/pipeline/types';
import type { RecordRunInput } from '../../../electron/store/workspace';

export const APP_VERSION = '0.1.0-test';

/** Mulberry32: a tiny seeded generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tempDir(prefix = 'vasco-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function plate(band: 'red' | 'blue', region: string, sha: string): PlateSummary {
  return {
    region,
    survey: band === 'red' ? 'POSSI-E' : 'POSSI-O',
    band,
    plateId: region.slice(2),
    pixelSizeMicron: 25.2845,
    pixelScaleArcsec: 1.7,
    exposureMinutes: band === 'red' ? 45 : 10,
    startUtc: '1951-07-05T04:30:00Z',
    midUtc: '1951-07-05T04:52:30Z',
    endUtc: '1951-07-05T05:15:00Z',
    epochJulian: 1951.5087,
    dateObsRaw: '1951-07-05T04:95:00',
    naxis1: 706,
    naxis2: 706,
    file: `/data/${band}-${region}.fits`,
    solution: 'dss',
    sourcesExtracted: 0,
    headerSha256: sha,
  };
}

export interface SkySource {
  ra: number;
  dec: number;
}

/** `n` positions in a 0.2 deg patch around (259.95, -6.15), at least 5" apart. */
export function sky(n: number, seed = 1): SkySource[] {
  const rnd = seeded(seed);
  const cols = Math.ceil(Math.sqrt(n));
  const step = 0.2 / cols;
  const out: SkySource[] = [];
  for (let i = 0; i < n; i++) {
    // A jittered grid keeps neighbours well over 1" apart at any n used here.
    const gx = i % cols;
    const gy = Math.floor(i / cols);
    out.push({
      ra: 259.85 + (gx + 0.25 + 0.5 * rnd()) * step,
      dec: -6.25 + (gy + 0.25 + 0.5 * rnd()) * step,
    });
  }
  return out;
}

/** Move a position by `arcsec` in a random direction. */
export function jitter(p: SkySource, arcsec: number, rnd: () => number): SkySource {
  const angle = 2 * Math.PI * rnd();
  const d = arcsec / 3600;
  return { ra: p.ra + (d * Math.cos(angle)) / Math.cos((p.dec * Math.PI) / 180), dec: p.dec + d * Math.sin(angle) };
}

export function source(number: number, p: SkySource, candidate: boolean, rnd: () => number = seeded(number)): TrackedSource {
  const mag = 14 + 6 * rnd();
  return {
    id: number,
    x: 1 + 700 * rnd(),
    y: 1 + 700 * rnd(),
    ra: p.ra,
    dec: p.dec,
    flux: 10 ** ((25 - mag) / 2.5),
    fluxErr: 10,
    mag,
    magErr: 0.02,
    snr: 30 + 100 * rnd(),
    fwhm: 2 + 4 * rnd(),
    elongation: 1 + 0.2 * rnd(),
    flags: 0,
    spreadModel: -0.005 + 0.01 * rnd(),
    spreadModelErr: 0.001,
    xmin: 1, xmax: 9, ymin: 1, ymax: 9,
    nearestBlueArcsec: candidate ? null : 0.8,
    ledger: candidate
      ? [
          { stage: 'filters', reason: 'fwhm', dropped: false, detail: 'FWHM within 2..7 px' },
          { stage: 'veto', reason: 'ps1_skipped', dropped: false, detail: 'PS1 does not cover Dec < -30' },
        ]
      : [
          { stage: 'red-vs-blue', reason: 'blue_match', dropped: true, distanceArcsec: 0.8, detail: 'blue source 0.8" away' },
          { stage: 'veto', reason: 'gaia', dropped: false, distanceArcsec: 1.2, counterpart: 'Gaia DR3 1234', counterpartMag: 15.1 },
        ],
  };
}

export function summary(region: string, candidates: number, opts: { blue?: boolean; sha?: string } = {}): RunSummary {
  const red = plate('red', region, opts.sha ?? `sha-red-${region}`);
  return {
    app: { name: 'vasco-workstation', version: APP_VERSION },
    startedUtc: '2026-01-01T00:00:00Z',
    finishedUtc: '2026-01-01T00:01:00Z',
    command: ['vasco', 'run', '--red', red.file],
    parameters: { snrMin: 30, fwhmMin: 2, fwhmMax: 7, spreadModelMin: -0.01 },
    tools: { 'source-extractor': '2.25.0', psfex: '3.24.1' },
    mode: opts.blue === false ? 'red-only' : 'red+blue',
    plates: opts.blue === false ? { red } : { red, blue: plate('blue', region.replace('XE', 'XO'), `sha-blue-${region}`) },
    stages: [{ name: 'filters', input: 10, output: 5, dropped: { fwhm: 5 }, seconds: 0.1 }],
    candidates,
    notes: [],
  };
}

/**
 * A run of the sky `positions`: every `candidateEvery`-th source is a
 * candidate. Source numbers are 1-based positions in the list.
 */
export function runInput(region: string, positions: SkySource[], candidateEvery = 2, outDir = '/tmp/vasco-run'): RecordRunInput {
  const red = positions.map((p, i) => source(i + 1, p, i % candidateEvery === 0));
  const candidates = red.filter((_, i) => i % candidateEvery === 0);
  return { summary: summary(region, candidates.length), red, candidates, outDir };
}

/**
 * The bright-star mask's sizes on a real plate against the stars' light:
 * the masking stars as the run's ledger names them, and how far each one's
 * light reaches by numpy (scripts/star-light.py, written apart from the
 * pipeline's measureStarLight). Used by the real-cutout test and bench.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PYTHON } from './python';
import { projectRoot } from './shared-data';

export interface MaskingStar {
  label: string;
  x: number;
  y: number;
  /** The mask's halo radius and spike length, arcsec, and what it measured, px (from the ledger). */
  halo: number;
  spikes: number;
  haloPx: number;
  spikePx: number;
}

/** The plate's own saturated stars as the mask stage's note lists them (`bright-star mask sizes: ...`), with their sizes. */
export function maskingStars(notes: string[]): MaskingStar[] {
  const note = notes.find((n) => n.startsWith('bright-star mask sizes:')) ?? '';
  const each = /(saturated source \d+) at \(([\d.]+), ([\d.]+)\) halo ([\d.]+)", spikes ([\d.]+)" \(halo measured (\d+) px[^,]*, spikes ([\d.]+) px/g;
  return [...note.matchAll(each)].map((m) => ({ label: m[1], x: Number(m[2]), y: Number(m[3]), halo: Number(m[4]), spikes: Number(m[5]), haloPx: Number(m[6]), spikePx: Number(m[7]) }));
}

export interface StarLightRef {
  sky: number;
  sigma: number;
  haloPx: number;
  armsPx: number[];
  spikePx: number;
  plain: { peakSigma: number; axesPx: number[]; ringPx: number };
}

/** scripts/star-light.py: how far each star's light reaches, by numpy (the mask's definition, and a plain one). */
export function starLight(file: string, stars: { x: number; y: number }[]): StarLightRef[] {
  return JSON.parse(execFileSync(PYTHON, [join(projectRoot, 'scripts', 'star-light.py'), file], { input: JSON.stringify(stars.map((s) => [s.x, s.y])), encoding: 'utf8' }));
}

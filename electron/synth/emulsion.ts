/**
 * How a synthetic scan turns light into pixel values: a sky background with a
 * gentle gradient and vignetting across the plate, photographic grain whose
 * noise grows with density and is correlated between neighbouring pixels, and
 * a response that rolls off smoothly into a flat saturation level.
 */
import type { Band } from '../astro/plate-info';
import type { FieldFrame } from './plate-headers';
import type { SeededRandom } from './prng';

export interface EmulsionParams {
  /** Sky at the plate centre, ADU. */
  skyLevel: number;
  /** Grain noise at the sky level, ADU. */
  skySigma: number;
  /** Fractional sky change from the plate centre to its right (x) and top (y) edge. */
  gradientX: number;
  gradientY: number;
  /** Fractional sky loss in the plate corners. */
  vignetting: number;
  /** Correlation of neighbouring pixels' grain (lag 1, 0 to <0.5). */
  grainCorrelation: number;
  /** Linear up to `knee`, then rolling off to a flat top at `saturation` (ADU). */
  knee: number;
  saturation: number;
}

/** Real DSS scans: XE687 red sky ~3500 +- 280, XO542 blue ~2900 +- 270, tops near 16000. */
export function defaultEmulsion(band: Band, rng: SeededRandom): EmulsionParams {
  const red = band === 'red';
  return {
    skyLevel: red ? 3500 : 2900,
    skySigma: red ? 280 : 270,
    gradientX: rng.between(-0.04, 0.04),
    gradientY: rng.between(-0.04, 0.04),
    vignetting: 0.03,
    grainCorrelation: 0.4,
    knee: red ? 13500 : 13000,
    saturation: red ? 16000 : 15500,
  };
}

export class Emulsion {
  private readonly cx: number;
  private readonly cy: number;
  private readonly rmax: number;
  /** Grain sigma = noiseScale x sqrt(level). */
  readonly noiseScale: number;
  /** Moving-average weight giving the lag-1 correlation asked for. */
  readonly grainMix: number;

  constructor(readonly params: EmulsionParams, readonly field: FieldFrame) {
    this.cx = field.width / 2;
    this.cy = field.height / 2;
    this.rmax = Math.hypot(field.width, field.height) / 2;
    this.noiseScale = params.skySigma / Math.sqrt(params.skyLevel);
    const rho = Math.min(Math.max(params.grainCorrelation, 0), 0.49);
    // (1, c) x (1, c) kernel: lag-1 correlation c / (1 + c²).
    this.grainMix = rho > 0 ? (1 - Math.sqrt(1 - 4 * rho * rho)) / (2 * rho) : 0;
  }

  /** Sky at image pixel (x, y), ADU. */
  skyAt(x: number, y: number): number {
    const { skyLevel, gradientX, gradientY, vignetting } = this.params;
    const u = (x + this.field.offsetX - this.cx) / this.cx;
    const v = (y + this.field.offsetY - this.cy) / this.cy;
    const r2 = ((x + this.field.offsetX - this.cx) ** 2 + (y + this.field.offsetY - this.cy) ** 2) / (this.rmax * this.rmax);
    return skyLevel * (1 + gradientX * u + gradientY * v - vignetting * r2);
  }

  /** Sky along image row y, pixels 1..out.length (a quadratic in x: cheap per pixel). */
  skyRow(y: number, out: Float32Array): void {
    const { skyLevel, gradientX, gradientY, vignetting } = this.params;
    const dy = y + this.field.offsetY - this.cy;
    const base = skyLevel * (1 + (gradientY * dy) / this.cy - (vignetting * dy * dy) / (this.rmax * this.rmax));
    const lin = (skyLevel * gradientX) / this.cx;
    const quad = (skyLevel * vignetting) / (this.rmax * this.rmax);
    for (let i = 0; i < out.length; i++) {
      const dx = i + 1 + this.field.offsetX - this.cx;
      out[i] = base + dx * (lin - quad * dx);
    }
  }

  /** Grain noise at the sky of image pixel (x, y), ADU. */
  sigmaAt(x: number, y: number): number {
    return this.noiseScale * Math.sqrt(this.skyAt(x, y));
  }

  /** Flux a source may hold before its peak reaches the knee of the response. */
  headroom(x: number, y: number): number {
    return this.params.knee - this.skyAt(x, y);
  }
}

/** Smooth roll-off: linear below the knee, C1 quadratic above, flat from knee + 2 x (sat - knee). */
export function photographicResponse(v: number, knee: number, saturation: number): number {
  if (v <= knee) return v < 0 ? 0 : v;
  const w = saturation - knee;
  const d = v - knee;
  return d >= 2 * w ? saturation : knee + d - (d * d) / (4 * w);
}

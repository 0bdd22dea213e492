/**
 * The contents of a synthetic plate pair. Stars and galaxies are placed on the
 * sky and projected into each plate through that plate's own solution, with
 * per-star colours; transients are point sources on red only; defects (specks,
 * scratches, dust) lie on one plate only. Every object gets a truth row.
 */
import type { PlateSolution } from '../astro/plate-solution';
import type { Band } from '../astro/plate-info';
import type { Emulsion } from './emulsion';
import type { ResolvedSynthOptions } from './options';
import type { PlateLayout } from './plate-headers';
import type { SeededRandom } from './prng';
import { expectedSnr, fluxForSnr, moffatPeak, moffatRadius, moffatShape, type MoffatShape, type PlatePsf } from './psf';
import type { RenderItem } from './render';

export type TruthKind = 'star' | 'galaxy' | 'transient' | 'defect' | 'artefact';

/** Where and how bright an object is on one plate. */
export interface PlateTruth {
  /** FITS 1-based pixel of the centre. */
  x: number;
  y: number;
  /** Total ADU above the sky (before saturation and noise). */
  flux: number;
  /** The SNR SExtractor should report (see expectedSnr); null for defects. */
  snr: number | null;
  /** FWHM of the profile drawn, this plate's pixels; null for defects. */
  fwhm: number | null;
}

export interface TruthRow {
  id: number;
  kind: TruthKind;
  /** e.g. "saturated", "speck", "scratch", "dust". */
  note: string;
  ra: number;
  dec: number;
  red: PlateTruth | null;
  blue: PlateTruth | null;
}

/** One plate while the scene is built: its layout, solution, PSF, emulsion, and what to draw. */
export interface PlateModel {
  band: Band;
  layout: PlateLayout;
  solution: PlateSolution;
  psf: PlatePsf;
  emulsion: Emulsion;
  items: RenderItem[];
  /** Occupied places, for keeping injected objects clear of others. */
  grid: OccupancyGrid;
}

/** Objects by position, to find whether a place is free. */
export class OccupancyGrid {
  private readonly cells = new Map<number, number[]>();
  private maxRadius = 0;
  constructor(private readonly cell = 32) {}

  private key(cx: number, cy: number): number {
    return (cx + 4096) * 65536 + (cy + 4096);
  }

  add(x: number, y: number, radius: number): void {
    const k = this.key(Math.floor(x / this.cell), Math.floor(y / this.cell));
    let list = this.cells.get(k);
    if (!list) this.cells.set(k, (list = []));
    list.push(x, y, radius);
    if (radius > this.maxRadius) this.maxRadius = radius;
  }

  /** Forget every object (the grid is only needed while the scene is built). */
  clear(): void {
    this.cells.clear();
    this.maxRadius = 0;
  }

  /** True when no object's radius comes within `clearance` of (x, y). */
  isFree(x: number, y: number, clearance: number): boolean {
    const reach = clearance + this.maxRadius;
    const c0 = Math.floor((x - reach) / this.cell), c1 = Math.floor((x + reach) / this.cell);
    const r0 = Math.floor((y - reach) / this.cell), r1 = Math.floor((y + reach) / this.cell);
    for (let cx = c0; cx <= c1; cx++)
      for (let cy = r0; cy <= r1; cy++) {
        const list = this.cells.get(this.key(cx, cy));
        if (!list) continue;
        for (let i = 0; i < list.length; i += 3) if (Math.hypot(list[i] - x, list[i + 1] - y) < clearance + list[i + 2]) return false;
      }
    return true;
  }
}

/** Stars fainter than this (aperture) SNR are not drawn at all; the faintest drawn sit in the noise. */
const FAINTEST_SNR = 1;
/** Cumulative star counts N(>flux) ~ flux^-slope. */
const STAR_COUNT_SLOPE = 0.8;
/** Brightest star: this many times the faintest flux. */
const FLUX_RANGE = 5000;
/** Saturated stars get a broad halo holding this fraction of their light. */
const HALO_FRACTION = 0.06;
const HALO_FWHM_FACTOR = 6;
const HALO_BETA = 1.8;
/** Profiles are drawn out to where they fall below this fraction of the sky noise. */
const DRAW_LEVEL = 0.02;

function onImage(layout: PlateLayout, x: number, y: number): boolean {
  return x >= 0.5 && x <= layout.width + 0.5 && y >= 0.5 && y <= layout.height + 0.5;
}

function project(plate: PlateModel, ra: number, dec: number): [number, number] | null {
  const [x, y] = plate.solution.skyToPix(ra, dec);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

function moffatItem(x: number, y: number, peak: number, m: MoffatShape, radius: number): RenderItem {
  return { shape: 'moffat', x, y, peak, radius, alphaMajor: m.alphaMajor, alphaMinor: m.alphaMinor, cos: m.cos, sin: m.sin, beta: m.beta };
}

/** Adds a Moffat (and a halo if it saturates) to a plate; returns its truth. */
function placeMoffat(plate: PlateModel, x: number, y: number, flux: number, shape: MoffatShape, allowHalo: boolean): { truth: PlateTruth; saturated: boolean; overexposure: number } {
  const sigma = plate.emulsion.sigmaAt(x, y);
  const fullPeak = moffatPeak(flux, shape);
  const saturated = allowHalo && fullPeak > plate.emulsion.headroom(x, y);
  const coreFlux = saturated ? flux * (1 - HALO_FRACTION) : flux;
  const peak = moffatPeak(coreFlux, shape);
  const radius = Math.min(80, Math.max(2.5 * shape.fwhm, moffatRadius(peak, shape, DRAW_LEVEL * sigma)));
  plate.items.push(moffatItem(x, y, peak, shape, radius));
  let visible = Math.max(shape.fwhm, moffatRadius(peak, shape, sigma));
  if (saturated) {
    const halo = moffatShape(shape.fwhm * HALO_FWHM_FACTOR, HALO_BETA, 0, 0);
    const haloPeak = moffatPeak(flux * HALO_FRACTION, halo);
    const haloRadius = Math.min(300, moffatRadius(haloPeak, halo, DRAW_LEVEL * sigma));
    if (haloRadius > 0) plate.items.push(moffatItem(x, y, haloPeak, halo, haloRadius));
    visible = Math.max(visible, moffatRadius(haloPeak, halo, sigma));
  }
  plate.grid.add(x, y, visible);
  const snr = expectedSnr(flux, shape, sigma);
  return { truth: { x, y, flux, snr, fwhm: shape.fwhm }, saturated, overexposure: fullPeak / plate.emulsion.headroom(x, y) };
}

/**
 * Stars whose peak would be at least ARTEFACT_OVEREXPOSURE times what the
 * emulsion holds (every saturated star) get spikes SPIKE_FWHM x FWHM x sqrt(overexposure) long (at
 * most SPIKE_MAX_PX) and a halo ring at RING_PER_SPIKE of that.
 */
const ARTEFACT_OVEREXPOSURE = 1;
const SPIKE_FWHM = 12;
const SPIKE_MAX_PX = 300;
const RING_PER_SPIKE = 0.25;

/** A saturated star on each plate: where its core is, its FWHM there and how far past saturation its peak is. */
interface OnPlate {
  x: number;
  y: number;
  fwhm: number;
  overexposure: number;
}
interface SaturatedStar {
  ra: number;
  dec: number;
  red: OnPlate | null;
  blue: OnPlate | null;
}

const PLATE_AXES: [number, number][] = [[1, 0], [-1, 0], [0, 1], [0, -1]];

/**
 * Diffraction spikes along the plate axes and a halo ring round each
 * saturated star on both plates, faint (a few sigma) so they make no
 * detections of their own; on red, compact knots on the spikes and the ring
 * (what SExtractor picks up on real plates), which have no blue counterpart
 * and so look like vanished sources. Each knot gets a truth row of kind
 * "artefact"; everything drawn is kept clear of later injected transients.
 */
function drawArtefacts(stars: SaturatedStar[], red: PlateModel, blue: PlateModel, r: SeededRandom, truth: TruthRow[], nextId: () => number): ArtefactStar[] {
  const drawn: ArtefactStar[] = [];
  for (const s of stars) {
    for (const plate of [red, blue]) {
      const at = plate === red ? s.red : s.blue;
      if (!at || at.overexposure < ARTEFACT_OVEREXPOSURE) continue;
      const sigma = plate.emulsion.sigmaAt(at.x, at.y);
      const length = Math.min(SPIKE_MAX_PX, SPIKE_FWHM * at.fwhm * Math.sqrt(at.overexposure));
      for (const [dx, dy] of PLATE_AXES) {
        plate.items.push({ shape: 'spike', x: at.x, y: at.y, dx, dy, length, amplitude: 4 * sigma, sigma: 0.9 });
        for (let t = 0; t <= length; t += 8) plate.grid.add(at.x + dx * t, at.y + dy * t, 8);
      }
      const ring = RING_PER_SPIKE * length;
      plate.items.push({ shape: 'ring', x: at.x, y: at.y, radius: ring, width: 1.5, amplitude: 1.5 * sigma });
      plate.grid.add(at.x, at.y, ring + 8);
      if (plate !== red) continue;
      drawn.push({ x: at.x, y: at.y, spikeLengthPx: length, ringRadiusPx: ring });
      const place = (x: number, y: number, note: string) => {
        if (x < 10 || y < 10 || x > red.layout.width - 10 || y > red.layout.height - 10) return;
        const shape = red.psf.at(x, y);
        const flux = fluxForSnr(r.logBetween(30, 80), shape, red.emulsion.sigmaAt(x, y));
        const placed = placeMoffat(red, x, y, flux, shape, false);
        const [ra, dec] = red.solution.pixToSky(x, y);
        truth.push({ id: nextId(), kind: 'artefact', note, ra, dec, red: placed.truth, blue: null });
      };
      for (const [dx, dy] of PLATE_AXES) {
        if (r.uniform() < 0.5) continue;
        const t = r.between(0.3, 0.85) * length;
        place(at.x + dx * t, at.y + dy * t, 'spike');
      }
      const angle = r.between(0, 2 * Math.PI);
      if (r.uniform() < 0.5) place(at.x + ring * Math.cos(angle), at.y + ring * Math.sin(angle), 'halo');
    }
  }
  return drawn;
}

/** A star drawn with spikes and a ring on red (red pixels), for the sidecar. */
export interface ArtefactStar {
  x: number;
  y: number;
  spikeLengthPx: number;
  ringRadiusPx: number;
}

export interface Scene {
  truth: TruthRow[];
  counts: Record<string, number>;
  /** Stars drawn with spikes and a halo ring on red (brightStarArtefacts only). */
  artefacts: ArtefactStar[];
}

/**
 * Builds the scene into red.items / blue.items and returns the truth. Each kind
 * of object draws from its own random stream, so changing one count leaves the
 * others where they were.
 */
export function buildScene(o: ResolvedSynthOptions, red: PlateModel, blue: PlateModel, rng: SeededRandom): Scene {
  const truth: TruthRow[] = [];
  const counts: Record<string, number> = { star: 0, saturated: 0, galaxy: 0, transient: 0, defectRed: 0, defectBlue: 0 };
  let nextId = 1;
  /** Light per unit red flux on blue: same surface brightness, smaller pixels hold less each. */
  const bluePerRed = (red.layout.scaleArcsec / blue.layout.scaleArcsec) ** 2;
  const W = red.layout.width, H = red.layout.height;

  const saturatedStars: SaturatedStar[] = [];
  // ------------------------------------------------------------ stars
  {
    const r = rng.fork('stars');
    const margin = 40;
    const imageArea = W * H;
    const perImage = o.stars ?? Math.round(o.starsPerSqDeg * imageArea * (red.layout.scaleArcsec / 3600) ** 2);
    const n = Math.round((perImage * (W + 2 * margin) * (H + 2 * margin)) / imageArea);
    const centre = red.psf.at(W / 2, H / 2);
    const faintest = fluxForSnr(FAINTEST_SNR, centre, red.emulsion.params.skySigma);
    for (let k = 0; k < n; k++) {
      const [ra, dec] = red.solution.pixToSky(r.between(0.5 - margin, W + 0.5 + margin), r.between(0.5 - margin, H + 0.5 + margin));
      const flux = faintest * Math.min(FLUX_RANGE, r.uniform() ** (-1 / STAR_COUNT_SLOPE));
      // Blue/red flux ratio: log-normal around 0.75 (a spread of stellar colours).
      const colour = Math.min(2.5, Math.max(0.25, 0.75 * Math.exp(0.35 * r.normal())));
      const rp = project(red, ra, dec);
      const bp = project(blue, ra, dec);
      const onRed = rp !== null && onImage(red.layout, rp[0], rp[1]);
      const onBlue = bp !== null && onImage(blue.layout, bp[0], bp[1]);
      let redTruth: PlateTruth | null = null, blueTruth: PlateTruth | null = null;
      let saturated = false;
      let redSaturated: OnPlate | null = null, blueSaturated: OnPlate | null = null;
      if (rp) {
        const shape = red.psf.at(rp[0], rp[1]);
        const placed = placeMoffat(red, rp[0], rp[1], flux, shape, true);
        redTruth = placed.truth;
        saturated = placed.saturated;
        if (saturated) redSaturated = { x: rp[0], y: rp[1], fwhm: shape.fwhm, overexposure: placed.overexposure };
      }
      if (bp) {
        const shape = blue.psf.at(bp[0], bp[1]);
        const placed = placeMoffat(blue, bp[0], bp[1], flux * colour * bluePerRed, shape, true);
        blueTruth = placed.truth;
        if (placed.saturated) blueSaturated = { x: bp[0], y: bp[1], fwhm: shape.fwhm, overexposure: placed.overexposure };
      }
      if (redSaturated || blueSaturated) saturatedStars.push({ ra, dec, red: redSaturated, blue: blueSaturated });
      if (!onRed && !onBlue) continue;
      truth.push({ id: nextId++, kind: 'star', note: saturated ? 'saturated' : '', ra, dec, red: onRed ? redTruth : null, blue: onBlue ? blueTruth : null });
      counts.star++;
      if (saturated && onRed) counts.saturated++;
    }
  }

  // ------------------------------------------------------------ spikes and halos (opt-in)
  const artefacts = o.brightStarArtefacts ? drawArtefacts(saturatedStars, red, blue, rng.fork('artefacts'), truth, () => nextId++) : [];

  // ------------------------------------------------------------ galaxies
  {
    const r = rng.fork('galaxies');
    for (let k = 0; k < o.galaxies; k++) {
      const x = r.between(20, W - 20), y = r.between(20, H - 20);
      const [ra, dec] = red.solution.pixToSky(x, y);
      const fwhmArcsec = r.between(5, 10) * red.layout.scaleArcsec;
      const ellipticity = r.between(0.15, 0.55);
      const angle = r.between(0, Math.PI);
      const snr = r.logBetween(20, 300);
      const colour = Math.min(2.5, Math.max(0.25, 0.75 * Math.exp(0.35 * r.normal())));
      const rp = project(red, ra, dec);
      if (!rp) continue;
      const redShape = moffatShape(fwhmArcsec / red.layout.scaleArcsec, 2, ellipticity, angle);
      const flux = fluxForSnr(snr, redShape, red.emulsion.sigmaAt(rp[0], rp[1]));
      const redTruth = placeMoffat(red, rp[0], rp[1], flux, redShape, false).truth;
      const bp = project(blue, ra, dec);
      let blueTruth: PlateTruth | null = null;
      if (bp) {
        const blueShape = moffatShape(fwhmArcsec / blue.layout.scaleArcsec, 2, ellipticity, angle);
        const placed = placeMoffat(blue, bp[0], bp[1], flux * colour * bluePerRed, blueShape, false).truth;
        if (onImage(blue.layout, bp[0], bp[1])) blueTruth = placed;
      }
      truth.push({ id: nextId++, kind: 'galaxy', note: '', ra, dec, red: redTruth, blue: blueTruth });
      counts.galaxy++;
    }
  }

  // ------------------------------------------------------------ transients (red only)
  {
    const r = rng.fork('transients');
    const [lo, hi] = o.transientSnr;
    const blueSpacing = 6 / blue.layout.scaleArcsec; // keep 6" clear on blue: no chance counterpart
    for (let k = 0; k < o.transients; k++) {
      // An even ladder of SNRs over the range, so small counts still span it.
      const snr = lo * (hi / lo) ** (o.transients === 1 ? 0.5 : k / (o.transients - 1));
      for (let attempt = 0; attempt < 1000; attempt++) {
        const edge = 25;
        const x = r.between(edge, W + 1 - edge), y = r.between(edge, H + 1 - edge);
        const shape = red.psf.at(x, y);
        if (!red.grid.isFree(x, y, 3 * shape.fwhm)) continue;
        const [ra, dec] = red.solution.pixToSky(x, y);
        const rp = project(red, ra, dec);
        const bp = project(blue, ra, dec);
        if (!rp || !bp || bp[0] < edge || bp[1] < edge || bp[0] > blue.layout.width + 1 - edge || bp[1] > blue.layout.height + 1 - edge) continue;
        if (!blue.grid.isFree(bp[0], bp[1], blueSpacing + blue.psf.fwhmAt(bp[0], bp[1]))) continue;
        const redShape = red.psf.at(rp[0], rp[1]);
        const flux = fluxForSnr(snr, redShape, red.emulsion.sigmaAt(rp[0], rp[1]));
        const placed = placeMoffat(red, rp[0], rp[1], flux, redShape, false);
        blue.grid.add(bp[0], bp[1], blueSpacing);
        truth.push({ id: nextId++, kind: 'transient', note: '', ra, dec, red: placed.truth, blue: null });
        counts.transient++;
        break;
      }
    }
  }

  // ------------------------------------------------------------ defects (one plate each)
  {
    const r = rng.fork('defects');
    for (let k = 0; k < o.defects; k++) {
      const onRed = r.uniform() < 0.5;
      const plate = onRed ? red : blue;
      const other = onRed ? blue : red;
      const kindRoll = r.uniform();
      const note = kindRoll < 0.5 ? 'speck' : kindRoll < 0.75 ? 'scratch' : 'dust';
      for (let attempt = 0; attempt < 1000; attempt++) {
        const edge = 30;
        const x = r.between(edge, plate.layout.width + 1 - edge), y = r.between(edge, plate.layout.height + 1 - edge);
        if (!plate.grid.isFree(x, y, 25)) continue;
        const [ra, dec] = plate.solution.pixToSky(x, y);
        const op = project(other, ra, dec);
        if (op && !other.grid.isFree(op[0], op[1], 25)) continue;
        let item: RenderItem;
        let at: [number, number];
        let flux: number;
        let extent = 8;
        if (note === 'speck') {
          const ix = Math.round(x), iy = Math.round(y);
          const value = r.logBetween(2500, 9000);
          const pixels = [{ dx: 0, dy: 0, value }];
          if (r.uniform() < 0.5) {
            const [dx, dy] = r.pick([[1, 0], [-1, 0], [0, 1], [0, -1]] as const);
            pixels.push({ dx, dy, value: value * r.between(0.5, 1) });
          }
          item = { shape: 'speck', ix, iy, pixels };
          flux = pixels.reduce((s, p) => s + p.value, 0);
          at = [ix + pixels.reduce((s, p) => s + p.dx * p.value, 0) / flux, iy + pixels.reduce((s, p) => s + p.dy * p.value, 0) / flux];
        } else if (note === 'scratch') {
          const length = r.between(10, 40);
          const angle = r.between(0, Math.PI);
          const dx = (Math.cos(angle) * length) / 2, dy = (Math.sin(angle) * length) / 2;
          const amplitude = r.between(1200, 3500);
          const sigma = r.between(0.5, 0.8);
          item = { shape: 'scratch', x1: x - dx, y1: y - dy, x2: x + dx, y2: y + dy, amplitude, sigma };
          flux = amplitude * sigma * Math.sqrt(2 * Math.PI) * length;
          at = [x, y];
          extent = length / 2 + 4;
        } else {
          const radius = r.between(2, 7);
          const amplitude = r.between(500, 1500) * (r.uniform() < 0.75 ? 1 : -1);
          item = { shape: 'dust', x, y, amplitude, radius, softness: 0.8 };
          flux = amplitude * Math.PI * radius * radius;
          at = [x, y];
          extent = radius + 4;
        }
        if (!plate.grid.isFree(at[0], at[1], extent + 10)) continue;
        plate.items.push(item);
        plate.grid.add(at[0], at[1], extent);
        const [dra, ddec] = plate.solution.pixToSky(at[0], at[1]);
        const t: PlateTruth = { x: at[0], y: at[1], flux, snr: null, fwhm: null };
        truth.push({ id: nextId++, kind: 'defect', note, ra: dra, dec: ddec, red: onRed ? t : null, blue: onRed ? null : t });
        counts[onRed ? 'defectRed' : 'defectBlue']++;
        break;
      }
    }
  }
  if (o.brightStarArtefacts) counts.artefact = truth.filter((t) => t.kind === 'artefact').length;
  return { truth, counts, artefacts };
}

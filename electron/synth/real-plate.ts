/**
 * Test material made from a real plate or cutout, for measuring the refit and
 * the masks on real stars, grain and crowding (README, "Astrometry tied to
 * Gaia" and "Bright-star mask"): a copy whose header solution is moved off by
 * the known pattern of distortHeader, and a copy with artificial red-only
 * point sources added at seeded random places. Pixels FITS 1-based.
 */
import { FitsFile, writeFitsImage, type HeaderValues } from '../fits';
import { distortHeader } from './plate-headers';
import { SeededRandom } from './prng';
import { moffatPeak, moffatRadius, moffatShape } from './psf';
import { drawItem } from './render';

interface PlateImage {
  width: number;
  height: number;
  data: Float32Array;
  header: HeaderValues;
}

async function readPlate(file: string): Promise<PlateImage> {
  const fits = await FitsFile.open(file);
  try {
    const hdu = fits.imageHdu();
    const [width, height] = hdu.naxis;
    const data = await fits.readImageRect(1, 1, width, height, hdu.index);
    return { width, height, data, header: hdu.header };
  } finally {
    await fits.close();
  }
}

/** Written as float: the scaling and the integer image's BLANK and range no longer apply. */
function floatHeader(h: HeaderValues): HeaderValues {
  const out = { ...h };
  for (const k of ['BZERO', 'BSCALE', 'BLANK', 'DATAMIN', 'DATAMAX', 'EXTEND']) delete out[k];
  return out;
}

/** The plate with its DSS solution moved off by `amplitudeArcsec` x HEADER_DISTORTION (its TAN removed); pixels unchanged. */
export async function writeDistortedCopy(inFile: string, outFile: string, amplitudeArcsec: number): Promise<void> {
  const p = await readPlate(inFile);
  await writeFitsImage(outFile, p.width, p.height, p.data, floatHeader(distortHeader(p.header, p.width, p.height, amplitudeArcsec)));
}

export interface InjectionOptions {
  count: number;
  seed: number;
  /** Total flux of each source, ADU, drawn log-uniform in [lo, hi]. */
  flux: [number, number];
  fwhmPx: number;
  beta: number;
  /** Fraction of the image (centred) the sources are placed in. */
  inner: number;
}

/** 40 round Moffats (beta 3, FWHM 3 px) of 2e4-1.5e5 ADU in the inner 80 %: the injection of README's real-cutout figures. */
export const REAL_CUTOUT_INJECTION: Omit<InjectionOptions, 'seed'> = { count: 40, flux: [2e4, 1.5e5], fwhmPx: 3, beta: 3, inner: 0.8 };

export interface InjectedSource {
  x: number;
  y: number;
  flux: number;
}

/** The plate with `count` artificial point sources added (no other change), clipped at its ceiling; returns where they are. */
export async function writeInjectedCopy(inFile: string, outFile: string, opts: InjectionOptions): Promise<InjectedSource[]> {
  const p = await readPlate(inFile);
  const rng = new SeededRandom(opts.seed, 'real-plate-injection');
  const shape = moffatShape(opts.fwhmPx, opts.beta, 0, 0);
  const margin = (1 - opts.inner) / 2;
  // The emulsion saturates: no pixel may pass the plate's own ceiling (else an
  // injected source would be the plate's brightest, and the mask's saturation test moves).
  let ceiling = -Infinity;
  for (const v of p.data) if (v > ceiling) ceiling = v;
  const out: InjectedSource[] = [];
  for (let k = 0; k < opts.count; k++) {
    const x = 1 + p.width * rng.between(margin, 1 - margin);
    const y = 1 + p.height * rng.between(margin, 1 - margin);
    const flux = rng.logBetween(opts.flux[0], opts.flux[1]);
    const peak = moffatPeak(flux, shape);
    const { alphaMajor, alphaMinor, cos, sin, beta } = shape;
    drawItem(p.data, p.width, 1, p.height, { shape: 'moffat', x, y, peak, radius: moffatRadius(peak, shape, 0.5), alphaMajor, alphaMinor, cos, sin, beta });
    out.push({ x, y, flux });
  }
  for (let i = 0; i < p.data.length; i++) if (p.data[i] > ceiling) p.data[i] = ceiling;
  await writeFitsImage(outFile, p.width, p.height, p.data, floatHeader(p.header));
  return out;
}

/** Injected sources a run recovered (a candidate within `radiusPx`) and its other candidates (false ones). */
export function scoreInjected(injected: readonly InjectedSource[], candidates: readonly { x: number; y: number }[], radiusPx = 2): { recovered: number; falseCandidates: number } {
  const near = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y) < radiusPx;
  const recovered = injected.filter((s) => candidates.some((c) => near(c, s))).length;
  const fromInjected = candidates.filter((c) => injected.some((s) => near(c, s))).length;
  return { recovered, falseCandidates: candidates.length - fromInjected };
}

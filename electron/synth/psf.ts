/**
 * The point-spread function of a synthetic Schmidt plate: an elliptical Moffat
 * profile whose FWHM grows from the plate centre to its corners, elongated
 * radially towards the edge. Closed forms for its normalisation and for the
 * signal-to-noise SExtractor should measure, so the truth table can say how
 * significant each source should be.
 */
import type { PsfOptions } from './options';
import type { FieldFrame } from './plate-headers';

/** One elliptical Moffat: I(u,v) = peak (1 + u²/a² + v²/b²)^-beta, u along angle (cos, sin). */
export interface MoffatShape {
  fwhm: number;
  alphaMajor: number;
  alphaMinor: number;
  cos: number;
  sin: number;
  beta: number;
}

/** Moffat alpha for a FWHM: FWHM = 2 alpha sqrt(2^(1/beta) - 1). */
export function moffatAlpha(fwhm: number, beta: number): number {
  return fwhm / (2 * Math.sqrt(2 ** (1 / beta) - 1));
}

/** Peak value of a Moffat holding `flux` in total. */
export function moffatPeak(flux: number, s: MoffatShape): number {
  return (flux * (s.beta - 1)) / (Math.PI * s.alphaMajor * s.alphaMinor);
}

/** Distance along the major axis where the profile falls to `level` (0 if the peak is below it). */
export function moffatRadius(peak: number, s: MoffatShape, level: number): number {
  if (!(peak > level)) return 0;
  return s.alphaMajor * Math.sqrt((peak / level) ** (1 / s.beta) - 1);
}

/**
 * Radius, in FWHMs, of the aperture the expected SNR is quoted in: SExtractor's
 * Kron aperture (PHOT_AUTOPARAMS 2.5, 3.5) comes out at 1.8-2.0 FWHM for point
 * sources on these plates.
 */
export const SNR_APERTURE_FWHM = 1.9;

/** Fraction of a Moffat's light inside a circle of radius r (geometric-mean radius for ellipses). */
export function moffatEnclosed(r: number, s: MoffatShape): number {
  return 1 - (1 + (r * r) / (s.alphaMajor * s.alphaMinor)) ** (1 - s.beta);
}

/**
 * Signal-to-noise SExtractor should report (FLUX_AUTO / FLUXERR_AUTO with
 * GAIN 0, as the pipeline runs it on scans): the light inside a circle of
 * SNR_APERTURE_FWHM x FWHM against the sky noise of independent pixels. The
 * grain's correlation and its growth with density make the true scatter
 * larger; SExtractor's error model, like this one, ignores both.
 */
export function expectedSnr(flux: number, s: MoffatShape, skySigma: number): number {
  if (!(flux > 0)) return 0;
  const r = SNR_APERTURE_FWHM * s.fwhm;
  return (flux * moffatEnclosed(r, s)) / (skySigma * Math.sqrt(Math.PI) * r);
}

/** The flux that gives `snr` under expectedSnr. */
export function fluxForSnr(snr: number, s: MoffatShape, skySigma: number): number {
  const r = SNR_APERTURE_FWHM * s.fwhm;
  return (snr * skySigma * Math.sqrt(Math.PI) * r) / moffatEnclosed(r, s);
}

/** A Moffat of given FWHM (pixels), ellipticity 1 - b/a and position angle (radians). */
export function moffatShape(fwhm: number, beta: number, ellipticity: number, angle: number): MoffatShape {
  // Keep the area a*b of the round profile, so the FWHM is the geometric mean.
  const alpha = moffatAlpha(fwhm, beta);
  const q = 1 - ellipticity;
  return { fwhm, alphaMajor: alpha / Math.sqrt(q), alphaMinor: alpha * Math.sqrt(q), cos: Math.cos(angle), sin: Math.sin(angle), beta };
}

/**
 * The PSF across one plate. `pixelScaleFactor` converts the red-pixel FWHMs of
 * the options to this plate's pixels (1 for red; 1.7 for a 1.0"/px blue scan).
 */
export class PlatePsf {
  private readonly cx: number;
  private readonly cy: number;
  private readonly rmax: number;

  constructor(
    readonly opts: PsfOptions,
    readonly field: FieldFrame,
    readonly pixelScaleFactor: number,
    /** Seeing of this plate relative to the red one. */
    readonly seeingFactor = 1,
  ) {
    this.cx = field.width / 2;
    this.cy = field.height / 2;
    this.rmax = Math.hypot(field.width, field.height) / 2;
  }

  /** 0 at the plate centre, 1 in its corners. */
  fieldRadius(x: number, y: number): number {
    return Math.hypot(x + this.field.offsetX - this.cx, y + this.field.offsetY - this.cy) / this.rmax;
  }

  /** FWHM at field radius r (0 centre, 1 corner), this plate's pixels. */
  fwhmAtRadius(r: number): number {
    const { fwhmCentrePx, fwhmEdgePx } = this.opts;
    return (fwhmCentrePx + (fwhmEdgePx - fwhmCentrePx) * r * r) * this.pixelScaleFactor * this.seeingFactor;
  }

  /** FWHM at image pixel (x, y), this plate's pixels. */
  fwhmAt(x: number, y: number): number {
    return this.fwhmAtRadius(this.fieldRadius(x, y));
  }

  at(x: number, y: number): MoffatShape {
    const r = this.fieldRadius(x, y);
    const angle = Math.atan2(y + this.field.offsetY - this.cy, x + this.field.offsetX - this.cx);
    return moffatShape(this.fwhmAt(x, y), this.opts.beta, this.opts.ellipticityEdge * r * r, angle);
  }
}

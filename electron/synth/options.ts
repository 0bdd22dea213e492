/**
 * What a synthetic POSS-I plate pair is made of: the caller's options, their
 * defaults, and the named presets (the built-in demo, benchmark sizes).
 * Defaults follow real DSS scans: red cutout XE687 has sky ~3500 ADU with
 * ~280 ADU grain noise (lag-1 correlation ~0.6), saturating near 16000 ADU.
 */
import { UserError } from '../core/errors';

export interface PsfOptions {
  /** Moffat FWHM at the field centre and in its corners, red pixels. */
  fwhmCentrePx: number;
  fwhmEdgePx: number;
  /** Moffat beta (wings: smaller is broader). */
  beta: number;
  /** Ellipticity 1 - b/a in the field corners (radial elongation), 0 at the centre. */
  ellipticityEdge: number;
}

export interface SynthOptions {
  /** Folder for the FITS files, truth CSV and JSON sidecar (created if missing). */
  outDir: string;
  /** File name stem: NAME-red.fits, NAME-blue.fits, NAME-truth.csv, NAME-params.json. Default "synth". */
  name?: string;
  /** A named preset whose values fill in whatever is not given (see SYNTH_PRESETS). */
  preset?: SynthPresetName;
  /** Square red image of this many pixels, or "plate" for the whole DSS plate. */
  size?: number | 'plate';
  width?: number;
  height?: number;
  /** Same seed, same bytes. Default 1. */
  seed?: number | string;
  /**
   * "tan" (default): a synthetic TAN header. "XE582" etc.: the real DSS plate
   * solution of that red plate from dss1red-plate-headers.jsonl.
   */
  plate?: string;
  /** The JSONL of DSS red plate headers; default ../shared/data/dss/dss1red-plate-headers.jsonl. */
  dssHeadersFile?: string;
  /** DSS: plate pixel of the red image's corner (CNPIX1/2); default centred on the plate. */
  cnpix?: [number, number];
  /** TAN: sky position of the red image centre, degrees. */
  centre?: { ra: number; dec: number };
  /** TAN: field number for REGION XEnnn / XOnnn. Default 0 (no real POSS-I field). */
  field?: number;
  /** Red pixel scale (TAN), arcsec. Default 1.7. */
  redScaleArcsec?: number;
  /** Blue pixel scale, arcsec: 1.7 (25.28 um scans, default) or 1.0 (15 um scans). */
  blueScaleArcsec?: number;
  /** Blue exposure start after red's, days. Default 1. */
  blueEpochOffsetDays?: number;
  /** Red DATE-OBS for TAN headers (DSS headers keep their own). */
  redDateObs?: string;
  redExposureMinutes?: number;
  blueExposureMinutes?: number;
  /** The blue twin's own geometry: image offset (blue pixels) and rotation (degrees). */
  blueShiftPx?: [number, number];
  blueRotationDeg?: number;
  /** Star count on the red image, or a density per square degree (default 5600, ~1.25e-3 per red pixel). */
  stars?: number;
  starsPerSqDeg?: number;
  /** Extended sources on both plates. */
  galaxies?: number;
  /** Red-only point sources with the local PSF. */
  transients?: number;
  /** Expected red SNR range of the transients (log-uniform). Default [15, 200]. */
  transientSnr?: [number, number];
  /** Plate defects (specks, scratches, dust), each on one plate only. */
  defects?: number;
  psf?: Partial<PsfOptions>;
  /**
   * Write the red plate's header with a plate solution this many arcsec off
   * the truth (a fixed shift, turn and quadratic pattern up to ~3x this at the
   * corners; see distortHeader) while every object is placed with the true
   * one: a plate for testing an astrometric refit. Default 0 (exact header).
   */
  headerDistortionArcsec?: number;
  /**
   * Draw diffraction spikes (along the plate axes) and halo rings round the
   * saturated stars, with compact knots on them that SExtractor detects
   * (truth rows of kind "artefact"). Default off.
   */
  brightStarArtefacts?: boolean;
  /** Rows rendered at a time (memory ~ 6 bytes x width x stripRows). Does not change the output. */
  stripRows?: number;
}

export type SynthPresetName = keyof typeof SYNTH_PRESETS;

/**
 * Named sets of options. `demo` is what the built-in demo uses (seconds to
 * make); the bench sizes match the fields timed in STACK.md.
 */
export const SYNTH_PRESETS = {
  demo: { size: 1500, plate: 'tan', seed: 'demo', stars: 2000, galaxies: 12, transients: 25, defects: 30 },
  small: { size: 600, plate: 'tan', stars: 400, galaxies: 3, transients: 10, defects: 10 },
  'bench-1k': { size: 1024, plate: 'tan', transients: 30, defects: 30 },
  'bench-4k': { size: 4000, plate: 'tan', transients: 200, defects: 200 },
  plate: { size: 'plate', plate: 'XE582', transients: 500, defects: 1000 },
} satisfies Record<string, Omit<SynthOptions, 'outDir'>>;

export interface ResolvedSynthOptions {
  outDir: string;
  name: string;
  preset: string | null;
  /** null: the size of the whole DSS plate. */
  width: number | null;
  height: number | null;
  seed: number | string;
  plate: string;
  dssHeadersFile: string | null;
  cnpix: [number, number] | null;
  centre: { ra: number; dec: number };
  field: number;
  redScaleArcsec: number;
  blueScaleArcsec: number;
  blueEpochOffsetDays: number;
  redDateObs: string;
  redExposureMinutes: number;
  blueExposureMinutes: number;
  blueShiftPx: [number, number];
  blueRotationDeg: number;
  stars: number | null;
  starsPerSqDeg: number;
  galaxies: number;
  transients: number;
  transientSnr: [number, number];
  defects: number;
  psf: PsfOptions;
  stripRows: number;
  /** Present only when set (so default options, and their sidecar, stay as they were). */
  headerDistortionArcsec?: number;
  brightStarArtefacts?: true;
}

export const DEFAULT_PSF: PsfOptions = { fwhmCentrePx: 2.5, fwhmEdgePx: 4.5, beta: 3, ellipticityEdge: 0.08 };

function positiveInt(name: string, v: number | undefined, min = 1): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    throw new UserError(`synthetic plate: ${name} must be a whole number >= ${min}, got ${v}`);
}

/** Fills defaults and the preset in, and checks values a person could get wrong. */
export function resolveSynthOptions(opts: SynthOptions): ResolvedSynthOptions {
  let base: Omit<SynthOptions, 'outDir'> = {};
  if (opts.preset !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(SYNTH_PRESETS, opts.preset))
      throw new UserError(`unknown synthetic preset "${opts.preset}"`, `use one of: ${Object.keys(SYNTH_PRESETS).join(', ')}`);
    base = SYNTH_PRESETS[opts.preset];
  }
  const o: SynthOptions = { ...base, ...dropUndefined(opts), outDir: opts.outDir };
  if (!o.outDir) throw new UserError('synthetic plate: no output folder given', 'pass --out DIR');
  const plate = (o.plate ?? 'tan').trim();
  const isTan = plate.toLowerCase() === 'tan';
  if (!isTan && !/^XE\d{3,4}$/i.test(plate))
    throw new UserError(`synthetic plate: "${plate}" is not a red plate name like XE582, nor "tan"`, 'pass --plate XE582 or --tan');

  let width: number | null = o.width ?? null;
  let height: number | null = o.height ?? null;
  const size = o.size ?? (width === null && height === null ? 1000 : undefined);
  if (size === 'plate') {
    if (isTan) throw new UserError('synthetic plate: --size plate needs a real DSS plate (--plate XE582)', 'give a size in pixels with --tan');
    width = height = null;
  } else if (size !== undefined) {
    width = width ?? size;
    height = height ?? size;
  }
  if ((width === null) !== (height === null)) throw new UserError('synthetic plate: give both width and height (or size)');
  positiveInt('width', width ?? undefined, 64);
  positiveInt('height', height ?? undefined, 64);
  positiveInt('stars', o.stars, 0);
  positiveInt('galaxies', o.galaxies, 0);
  positiveInt('transients', o.transients, 0);
  positiveInt('defects', o.defects, 0);
  positiveInt('stripRows', o.stripRows, 1);
  const blueScale = o.blueScaleArcsec ?? 1.7;
  if (!(blueScale >= 0.5 && blueScale <= 3)) throw new UserError(`synthetic plate: blue pixel scale ${blueScale}" is outside 0.5-3"`, 'use 1.7 or 1.0');
  const snr = o.transientSnr ?? [15, 200];
  if (!(snr[0] > 0 && snr[1] >= snr[0])) throw new UserError(`synthetic plate: transient SNR range ${snr.join('-')} is not a range of positive numbers`);
  if (o.headerDistortionArcsec !== undefined && !(o.headerDistortionArcsec >= 0 && o.headerDistortionArcsec <= 60))
    throw new UserError(`synthetic plate: header distortion ${o.headerDistortionArcsec}" is not from 0 to 60 arcsec`);
  const psf = { ...DEFAULT_PSF, ...dropUndefined(o.psf ?? {}) };
  if (!(psf.fwhmCentrePx >= 1 && psf.fwhmEdgePx >= 1 && psf.beta > 1.5 && psf.ellipticityEdge >= 0 && psf.ellipticityEdge < 0.7))
    throw new UserError(`synthetic plate: PSF ${JSON.stringify(psf)} is not sensible (FWHM >= 1 px, beta > 1.5, ellipticity 0-0.7)`);

  return {
    outDir: o.outDir,
    name: o.name ?? 'synth',
    preset: opts.preset ?? null,
    width,
    height,
    seed: o.seed ?? 1,
    plate: isTan ? 'tan' : plate.toUpperCase(),
    dssHeadersFile: o.dssHeadersFile ?? null,
    cnpix: o.cnpix ?? null,
    centre: o.centre ?? { ra: 150, dec: 20 },
    field: o.field ?? 0,
    redScaleArcsec: o.redScaleArcsec ?? 1.7,
    blueScaleArcsec: blueScale,
    blueEpochOffsetDays: o.blueEpochOffsetDays ?? 1,
    redDateObs: o.redDateObs ?? '1951-07-05T04:55:00',
    redExposureMinutes: o.redExposureMinutes ?? 50,
    blueExposureMinutes: o.blueExposureMinutes ?? 12,
    blueShiftPx: o.blueShiftPx ?? [7, -4],
    blueRotationDeg: o.blueRotationDeg ?? 0.03,
    stars: o.stars ?? null,
    starsPerSqDeg: o.starsPerSqDeg ?? 5600,
    galaxies: o.galaxies ?? 0,
    transients: o.transients ?? 20,
    transientSnr: [snr[0], snr[1]],
    defects: o.defects ?? 20,
    psf,
    stripRows: o.stripRows ?? 256,
    ...(o.headerDistortionArcsec ? { headerDistortionArcsec: o.headerDistortionArcsec } : {}),
    ...(o.brightStarArtefacts ? { brightStarArtefacts: true as const } : {}),
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

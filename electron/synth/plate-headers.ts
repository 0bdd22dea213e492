/**
 * Headers of a synthetic red/blue plate pair. Either a real DSS red plate
 * header (its GSSS plate solution, cut to a region the way STScI cutouts set
 * CNPIX1/2) with a blue twin derived from it, or, when no DSS data is at hand,
 * a pair of TAN headers carrying the plate identity keywords of POSS-I scans
 * (and an equivalent linear GSSS solution, as STScI cutouts carry both).
 * Each header is self-consistent: positions are projected through the
 * solution the header itself describes.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors';
import type { Band } from '../astro/plate-info';
import type { HeaderValues } from '../fits/header';
import type { ResolvedSynthOptions } from './options';

/** DSS scan pixel sizes, microns: 25.2845 um (1.7"/px) for all red and most blue scans, 15.0295 um (1.0"/px) for some blue. */
const PIXEL_MICRON_RED = 25.2845;
const PIXEL_MICRON_FINE = 15.0295;
/** POSS-I plate scale, arcsec per mm; plate 355 mm square. */
const PLATE_SCALE = 67.2;
const PLATE_MM = 355;

/** Where on its plate an image lies, for effects that follow the plate (PSF, vignetting). */
export interface FieldFrame {
  /** Image pixel x corresponds to field coordinate x + offsetX (same for y). */
  offsetX: number;
  offsetY: number;
  /** Extent of the whole field (the plate, or the image itself for TAN). */
  width: number;
  height: number;
}

export interface PlateLayout {
  band: Band;
  header: HeaderValues;
  width: number;
  height: number;
  scaleArcsec: number;
  field: FieldFrame;
}

export function defaultDssHeadersFile(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const shared = process.env.VASCO_SHARED_DATA ?? resolve(root, '..', 'shared', 'data');
  return resolve(shared, 'dss', 'dss1red-plate-headers.jsonl');
}

/** The header of one red plate from a JSONL of {"plate": "XE582", "header": {...}} lines. */
export function loadDssPlateHeader(file: string, plate: string): HeaderValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read the DSS plate headers ${file}: ${(err as Error).message}`,
      'point --headers at dss1red-plate-headers.jsonl (from ../shared/data/dss), or use --tan for a synthetic TAN header',
    );
  }
  const needle = `"plate": "${plate}"`;
  for (const line of text.split('\n')) {
    if (!line.includes(needle) && !line.includes(`"plate":"${plate}"`)) continue;
    const parsed = JSON.parse(line) as { plate: string; header: HeaderValues };
    if (parsed.plate === plate) return { ...parsed.header };
  }
  throw new UserError(`plate ${plate} is not in ${file}`, 'pick a red plate listed there (e.g. XE582), or use --tan');
}

function pixelMicronFor(scaleArcsec: number): number {
  if (Math.abs(scaleArcsec - 1.7) < 0.05) return PIXEL_MICRON_RED;
  if (Math.abs(scaleArcsec - 1.0) < 0.05) return PIXEL_MICRON_FINE;
  return (scaleArcsec / PLATE_SCALE) * 1000;
}

/** Field number (digits of the region name), e.g. "582" of XE582. */
function fieldDigits(region: string): string {
  const m = /(\d+)/.exec(region);
  return m ? m[1] : '000';
}

/** DATE-OBS plus some days, as YYYY-MM-DDTHH:MM:SS; accepts minutes past 59 and dd/mm/yy. */
export function addDaysToDateObs(dateObs: string, days: number): string {
  let ms: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?/.exec(dateObs.trim());
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/.exec(dateObs.trim());
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = iso;
    ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, 0) + Number(s) * 1000;
  } else if (dmy) {
    ms = Date.UTC(1900 + Number(dmy[3]), Number(dmy[2]) - 1, Number(dmy[1]));
  } else {
    throw new UserError(`cannot read the date DATE-OBS = '${dateObs}' of the red plate`, 'give a DATE-OBS like 1951-07-05T04:55:00');
  }
  return new Date(ms + Math.round(days * 86400) * 1000).toISOString().slice(0, 19);
}

/** A 4-character plate id for the blue twin, stable for a seed. */
function blueplateId(redId: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let h = 7;
  for (const ch of redId) h = (h * 31 + ch.charCodeAt(0)) % 1679616;
  let out = '';
  for (let i = 0; i < 4; i++) {
    out += alphabet[h % 36];
    h = Math.floor(h / 36);
  }
  return out;
}

const SYNTH_ORIGIN = 'VASCO synthetic';

/**
 * Extra blue pixels on each side so the blue image, shifted and turned, still
 * covers all of the red one: every red object has a blue place to be compared.
 */
function blueMargin(o: ResolvedSynthOptions, width: number, height: number, ratio: number, blueScale: number): number {
  const shift = Math.max(Math.abs(o.blueShiftPx[0]), Math.abs(o.blueShiftPx[1]));
  const turn = (Math.max(width, height) / 2) * ratio * Math.abs((o.blueRotationDeg * Math.PI) / 180);
  return Math.ceil(shift + turn + 3 / blueScale) + 4;
}

// ---------------------------------------------------------------- DSS plates

/**
 * Sexagesimal plate-centre keywords for RA/Dec in degrees; seconds rounded as
 * DSS headers write them, or kept exact when `exact`.
 */
function plateCentreKeywords(ra: number, dec: number, exact = false): HeaderValues {
  const keep = (v: number, decimals: number) => (exact ? v : Math.round(v * 10 ** decimals) / 10 ** decimals);
  let raSec = keep((((ra / 15) % 24) + 24) % 24 * 3600, 3);
  const h = Math.floor(raSec / 3600);
  raSec -= h * 3600;
  const m = Math.floor(raSec / 60);
  const s = keep(raSec - m * 60, 3);
  let decSec = keep(Math.abs(dec) * 3600, 2);
  const dd = Math.floor(decSec / 3600);
  decSec -= dd * 3600;
  const dm = Math.floor(decSec / 60);
  const ds = keep(decSec - dm * 60, 2);
  return { PLTRAH: h, PLTRAM: m, PLTRAS: s, PLTDECSN: dec < 0 ? '-' : '+', PLTDECD: dd, PLTDECM: dm, PLTDECS: ds };
}

/**
 * A GSSS plate solution identical to a TAN one: both are gnomonic about the
 * plate centre, so linear plate polynomials reproduce CRPIX/CRVAL/CD exactly.
 * Readers that see XPIXELSZ expect these keywords (wcslib, and so astropy,
 * refuse XPIXELSZ without them), as on STScI cutouts, which carry both.
 */
function linearDssKeywords(crpix: [number, number], crval: [number, number], cd: [number, number, number, number], micron: number, width: number, height: number): HeaderValues {
  const [cd11, cd12, cd21, cd22] = cd;
  // Plate mm: x_mm = -(x - CRPIX1) um / 1000, y_mm = (y - CRPIX2) um / 1000 (DSS x runs opposite to pixel x).
  const k = (3600 * 1000) / micron;
  return {
    ...plateCentreKeywords(crval[0], crval[1], true),
    CNPIX1: 0,
    CNPIX2: 0,
    XPIXELS: width,
    YPIXELS: height,
    PPO1: 0,
    PPO2: 0,
    PPO3: (crpix[0] - 0.5) * micron,
    PPO4: 0,
    PPO5: 0,
    PPO6: (crpix[1] - 0.5) * micron,
    AMDX1: -cd11 * k,
    AMDX2: cd12 * k,
    AMDX3: 0,
    AMDY1: cd22 * k,
    AMDY2: -cd21 * k,
    AMDY3: 0,
  };
}

function plateCentreOf(h: HeaderValues): { ra: number; dec: number } {
  const ra = (Number(h.PLTRAH) + Number(h.PLTRAM) / 60 + Number(h.PLTRAS) / 3600) * 15;
  const sign = String(h.PLTDECSN ?? '+').trim().startsWith('-') ? -1 : 1;
  const dec = sign * (Number(h.PLTDECD) + Number(h.PLTDECM) / 60 + Number(h.PLTDECS) / 3600);
  return { ra, dec };
}

/** Rotates the linear and constant terms of the GSSS plate model by `deg` on the sky. */
function rotatePlateModel(h: HeaderValues, deg: number, xKey: 'AMDX' | 'AMDREX', yKey: 'AMDY' | 'AMDREY'): void {
  if (typeof h[`${xKey}1`] !== 'number') return;
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const x = [1, 2, 3].map((i) => Number(h[`${xKey}${i}`]));
  const y = [1, 2, 3].map((i) => Number(h[`${yKey}${i}`]));
  // xi = X1 x + X2 y + X3; eta = Y1 y + Y2 x + Y3. xi' = c xi - s eta, eta' = s xi + c eta.
  h[`${xKey}1`] = c * x[0] - s * y[1];
  h[`${xKey}2`] = c * x[1] - s * y[0];
  h[`${xKey}3`] = c * x[2] - s * y[2];
  h[`${yKey}1`] = s * x[1] + c * y[0];
  h[`${yKey}2`] = s * x[0] + c * y[1];
  h[`${yKey}3`] = s * x[2] + c * y[2];
}

export function dssPlatePair(o: ResolvedSynthOptions, redPlate: HeaderValues): { red: PlateLayout; blue: PlateLayout } {
  const plateW = Number(redPlate.XPIXELS ?? redPlate.NAXIS1);
  const plateH = Number(redPlate.YPIXELS ?? redPlate.NAXIS2);
  const redMicron = Number(redPlate.XPIXELSZ);
  if (!(plateW > 0 && plateH > 0 && redMicron > 0 && typeof redPlate.AMDX1 === 'number'))
    throw new UserError(`the DSS header of ${o.plate} has no usable plate solution (XPIXELS, XPIXELSZ, AMDX*)`);
  const width = o.width ?? plateW;
  const height = o.height ?? plateH;
  if (width > plateW || height > plateH)
    throw new UserError(`a ${width}x${height} image does not fit on plate ${o.plate} (${plateW}x${plateH} px)`, 'choose a smaller --size');
  const [cx, cy] = o.cnpix ?? [Math.floor((plateW - width) / 2), Math.floor((plateH - height) / 2)];
  if (cx < 0 || cy < 0 || cx + width > plateW || cy + height > plateH)
    throw new UserError(`the region ${width}x${height} at plate pixel (${cx}, ${cy}) leaves plate ${o.plate}`, 'choose another corner (cnpix) or size');

  const redScale = (PLATE_SCALE * redMicron) / 1000;
  const red: HeaderValues = { ...redPlate, ORIGIN: SYNTH_ORIGIN, CNPIX1: cx, CNPIX2: cy, NAXIS1: width, NAXIS2: height, SYNTH: true };

  // The blue twin: another plate of the same field with its own, slightly
  // different solution (centre moved a few arcsec, turned a little) and
  // optionally scanned with 15 um pixels.
  const blueMicron = pixelMicronFor(o.blueScaleArcsec);
  const ratio = redMicron / blueMicron;
  const blueScale = (PLATE_SCALE * blueMicron) / 1000;
  const bluePlateW = Math.round(plateW * ratio);
  const bluePlateH = Math.round(plateH * ratio);
  const pad = blueMargin(o, width, height, ratio, blueScale);
  const blueW = Math.min(bluePlateW, Math.ceil(width * ratio) + 2 * pad);
  const blueH = Math.min(bluePlateH, Math.ceil(height * ratio) + 2 * pad);
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const bcx = clamp(Math.round((cx + width / 2) * ratio - blueW / 2 + o.blueShiftPx[0]), bluePlateW - blueW);
  const bcy = clamp(Math.round((cy + height / 2) * ratio - blueH / 2 + o.blueShiftPx[1]), bluePlateH - blueH);
  const centre = plateCentreOf(redPlate);
  const moved = { ra: centre.ra + 2.5 / 3600 / Math.cos((centre.dec * Math.PI) / 180), dec: centre.dec - 1.5 / 3600 };
  const digits = fieldDigits(String(redPlate.REGION ?? o.plate));
  const blue: HeaderValues = {
    ...redPlate,
    ORIGIN: SYNTH_ORIGIN,
    SURVEY: 'POSSI-O',
    REGION: `XO${digits}`,
    PLATEID: blueplateId(String(redPlate.PLATEID ?? o.plate)),
    BANDPASS: 7,
    EMULSION: '103aO',
    FILTER: '',
    PLTLABEL: `O${digits}`,
    'DATE-OBS': addDaysToDateObs(String(redPlate['DATE-OBS'] ?? o.redDateObs), o.blueEpochOffsetDays),
    EXPOSURE: o.blueExposureMinutes,
    PLATERA: moved.ra,
    PLATEDEC: moved.dec,
    ...plateCentreKeywords(moved.ra, moved.dec),
    CNPIX1: bcx,
    CNPIX2: bcy,
    XPIXELS: bluePlateW,
    YPIXELS: bluePlateH,
    XPIXELSZ: blueMicron,
    YPIXELSZ: blueMicron,
    NAXIS1: blueW,
    NAXIS2: blueH,
    SYNTH: true,
  };
  rotatePlateModel(blue, o.blueRotationDeg, 'AMDX', 'AMDY');
  rotatePlateModel(blue, o.blueRotationDeg, 'AMDREX', 'AMDREY');
  return {
    red: { band: 'red', header: red, width, height, scaleArcsec: redScale, field: { offsetX: cx, offsetY: cy, width: plateW, height: plateH } },
    blue: {
      band: 'blue',
      header: blue,
      width: blueW,
      height: blueH,
      scaleArcsec: blueScale,
      field: { offsetX: bcx, offsetY: bcy, width: bluePlateW, height: bluePlateH },
    },
  };
}

// ---------------------------------------------------------------- TAN plates

function tanHeader(
  band: Band,
  o: ResolvedSynthOptions,
  width: number,
  height: number,
  scaleArcsec: number,
  centre: { ra: number; dec: number },
  rotationDeg: number,
  dateObs: string,
): HeaderValues {
  const digits = String(o.field).padStart(3, '0');
  const red = band === 'red';
  const cd = scaleArcsec / 3600;
  const c = Math.cos((rotationDeg * Math.PI) / 180);
  const s = Math.sin((rotationDeg * Math.PI) / 180);
  const micron = pixelMicronFor(scaleArcsec);
  const crpix: [number, number] = [(width + 1) / 2, (height + 1) / 2];
  // CDELT1 = -scale (east left), CDELT2 = +scale, turned by CROTA2 = rotationDeg.
  const matrix: [number, number, number, number] = [-cd * c, -cd * s, -cd * s, cd * c];
  return {
    ORIGIN: SYNTH_ORIGIN,
    SURVEY: red ? 'POSSI-E' : 'POSSI-O',
    REGION: `${red ? 'XE' : 'XO'}${digits}`,
    PLATEID: red ? `S${digits}` : `T${digits}`,
    SCANNUM: '00',
    TELESCID: 1,
    BANDPASS: red ? 8 : 7,
    TELESCOP: 'Palomar Schmidt',
    INSTRUME: 'Photographic Plate',
    EMULSION: red ? '103aE' : '103aO',
    FILTER: red ? 'plexi' : '',
    PLTSCALE: PLATE_SCALE,
    PLTSIZEX: PLATE_MM,
    PLTSIZEY: PLATE_MM,
    PLATERA: centre.ra,
    PLATEDEC: centre.dec,
    PLTLABEL: `${red ? 'E' : 'O'}${digits}`,
    'DATE-OBS': dateObs,
    EXPOSURE: red ? o.redExposureMinutes : o.blueExposureMinutes,
    SITELAT: 33.356,
    SITELONG: 116.863,
    XPIXELSZ: micron,
    YPIXELSZ: micron,
    OBJECT: 'synthetic',
    SYNTH: true,
    WCSAXES: 2,
    RADESYS: 'ICRS',
    EQUINOX: 2000.0,
    CTYPE1: 'RA---TAN',
    CTYPE2: 'DEC--TAN',
    CUNIT1: 'deg',
    CUNIT2: 'deg',
    CRPIX1: crpix[0],
    CRPIX2: crpix[1],
    CRVAL1: centre.ra,
    CRVAL2: centre.dec,
    CD1_1: matrix[0],
    CD1_2: matrix[1],
    CD2_1: matrix[2],
    CD2_2: matrix[3],
    ...linearDssKeywords(crpix, [centre.ra, centre.dec], matrix, micron, width, height),
    NAXIS1: width,
    NAXIS2: height,
  };
}

export function tanPlatePair(o: ResolvedSynthOptions): { red: PlateLayout; blue: PlateLayout } {
  const width = o.width ?? 1000;
  const height = o.height ?? 1000;
  const ratio = o.redScaleArcsec / o.blueScaleArcsec;
  const pad = blueMargin(o, width, height, ratio, o.blueScaleArcsec);
  const blueW = Math.ceil(width * ratio) + 2 * pad;
  const blueH = Math.ceil(height * ratio) + 2 * pad;
  // Blue centre: moved by the blue shift (in blue pixels) on the sky.
  const dec0 = (o.centre.dec * Math.PI) / 180;
  const dRa = (-o.blueShiftPx[0] * o.blueScaleArcsec) / 3600 / Math.cos(dec0);
  const dDec = (o.blueShiftPx[1] * o.blueScaleArcsec) / 3600;
  const blueCentre = { ra: o.centre.ra + dRa, dec: o.centre.dec + dDec };
  const red = tanHeader('red', o, width, height, o.redScaleArcsec, o.centre, 0, o.redDateObs);
  const blueDate = addDaysToDateObs(o.redDateObs, o.blueEpochOffsetDays);
  const blue = tanHeader('blue', o, blueW, blueH, o.blueScaleArcsec, blueCentre, o.blueRotationDeg, blueDate);
  return {
    red: { band: 'red', header: red, width, height, scaleArcsec: o.redScaleArcsec, field: { offsetX: 0, offsetY: 0, width, height } },
    blue: { band: 'blue', header: blue, width: blueW, height: blueH, scaleArcsec: o.blueScaleArcsec, field: { offsetX: 0, offsetY: 0, width: blueW, height: blueH } },
  };
}

/** Keywords of an explicit TAN solution, removed from a distorted header so its (distorted) GSSS solution is the one read. */
const TAN_KEYWORDS = ['WCSAXES', 'CTYPE1', 'CTYPE2', 'CUNIT1', 'CUNIT2', 'CRPIX1', 'CRPIX2', 'CRVAL1', 'CRVAL2', 'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'];

/**
 * Distortion pattern of distortHeader, in units of its amplitude: d(xi) and
 * d(eta) as c0 + c1 u + c2 v + c3 u^2 + c4 uv + c5 v^2 of the image position
 * (u, v in -1..1 across the image, u along plate x mm).
 */
export const HEADER_DISTORTION = { xi: [0.8, 0.5, -0.3, 0.6, -0.4, 0.3], eta: [-0.6, 0.3, 0.4, -0.3, 0.5, 0.4] } as const;

/**
 * The header with its GSSS plate solution moved off by `amplitudeArcsec`
 * times HEADER_DISTORTION (a shift, a linear and a quadratic part, all exact
 * in the plate polynomial's own terms) and any explicit TAN solution removed,
 * so the image's header no longer tells where its pixels truly are.
 */
export function distortHeader(h: HeaderValues, width: number, height: number, amplitudeArcsec: number): HeaderValues {
  const out: HeaderValues = { ...h };
  for (const k of TAN_KEYWORDS) delete out[k];
  const n = (k: string) => Number(h[k] ?? 0);
  const xsz = n('XPIXELSZ'), ysz = n('YPIXELSZ');
  // Plate mm of the image centre (as dssSolution's toMm), and the image's half-size in mm.
  const xc = (n('PPO3') - ((width + 1) / 2 + n('CNPIX1') - 0.5) * xsz) / 1000;
  const yc = (((height + 1) / 2 + n('CNPIX2') - 0.5) * ysz - n('PPO6')) / 1000;
  const a = 1 / ((width / 2) * xsz / 1000), b = -xc * a;
  const c = 1 / ((height / 2) * ysz / 1000), d = -yc * c;
  // Pattern in u = a x + b, v = c y + d, expanded into the monomials of x, y (mm).
  const expand = (p: readonly number[]) => ({
    one: p[0] + p[1] * b + p[2] * d + p[3] * b * b + p[4] * b * d + p[5] * d * d,
    x: p[1] * a + 2 * p[3] * a * b + p[4] * a * d,
    y: p[2] * c + p[4] * b * c + 2 * p[5] * c * d,
    xx: p[3] * a * a,
    xy: p[4] * a * c,
    yy: p[5] * c * c,
  });
  const add = (key: string, v: number) => (out[key] = n(key) + amplitudeArcsec * v);
  const xi = expand(HEADER_DISTORTION.xi);
  // xi's terms: x, y, 1, x^2, xy, y^2 (AMDX1..6).
  add('AMDX1', xi.x), add('AMDX2', xi.y), add('AMDX3', xi.one), add('AMDX4', xi.xx), add('AMDX5', xi.xy), add('AMDX6', xi.yy);
  const eta = expand(HEADER_DISTORTION.eta);
  // eta's terms swap x and y: y, x, 1, y^2, yx, x^2 (AMDY1..6).
  add('AMDY1', eta.y), add('AMDY2', eta.x), add('AMDY3', eta.one), add('AMDY4', eta.yy), add('AMDY5', eta.xy), add('AMDY6', eta.xx);
  out.SYNTHDST = amplitudeArcsec;
  return out;
}

export function platePair(o: ResolvedSynthOptions): { red: PlateLayout; blue: PlateLayout } {
  if (o.plate === 'tan') return tanPlatePair(o);
  return dssPlatePair(o, loadDssPlateHeader(o.dssHeadersFile ?? defaultDssHeadersFile(), o.plate));
}

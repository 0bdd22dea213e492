/**
 * The pictures the review screen shows, cut from the plates by random access
 * (a 400 MB plate is never read whole):
 *  - cutout: the plate's own pixels around a position, as a small FITS whose
 *    header keeps the plate's WCS right (CRPIX shifted; for DSS, CNPIX);
 *  - blink: red and blue resampled onto one TAN grid centred on a position
 *    (bilinear, through each plate's own solution), so the frames align;
 *  - sky context: a cutout with a plain TAN header fitted to the plate
 *    solution, for Aladin Lite (which reads neither DSS plate solutions nor,
 *    correctly, SIP distortion); where TAN alone would be off, the pixels are
 *    resampled onto that TAN grid.
 * Pixels FITS 1-based, degrees, arcsec only in names ending Arcsec.
 */
import { UserError } from '../core/errors';
import { chooseSolution, type PlateSolution } from '../astro/plate-solution';
import { encodeFitsImage, FitsFile } from '../fits';
import type { HeaderValues } from '../fits/header';
import { tanHeader, tanPixToSky, type TanWcs } from '../astro/projection';
import { fitTanSip, sipDisplacementPx, type TanSipFit } from '../astro/tan-sip-fit';

export interface OpenPlate {
  file: string;
  fits: FitsFile;
  header: HeaderValues;
  width: number;
  height: number;
  solution: PlateSolution;
  /** Approximate pixel scale at the image centre, arcsec per pixel. */
  scaleArcsec: number;
}

/** Keeps a few plates open: a review session hops between the same two files. */
export class PlateCache {
  private plates = new Map<string, Promise<OpenPlate>>();
  constructor(private readonly capacity = 4) {}

  get(file: string): Promise<OpenPlate> {
    let p = this.plates.get(file);
    if (p) {
      this.plates.delete(file); // re-insert: most recently used last
      this.plates.set(file, p);
      return p;
    }
    p = openPlate(file);
    p.catch(() => this.plates.delete(file));
    this.plates.set(file, p);
    while (this.plates.size > this.capacity) {
      const [oldest, old] = this.plates.entries().next().value as [string, Promise<OpenPlate>];
      this.plates.delete(oldest);
      void old.then((o) => o.fits.close()).catch(() => undefined);
    }
    return p;
  }

  async close(): Promise<void> {
    const all = [...this.plates.values()];
    this.plates.clear();
    await Promise.all(all.map((p) => p.then((o) => o.fits.close()).catch(() => undefined)));
  }
}

export async function openPlate(file: string): Promise<OpenPlate> {
  const fits = await FitsFile.open(file);
  try {
    const hdu = fits.imageHdu();
    const [width, height] = hdu.naxis;
    const { solution } = chooseSolution(hdu.header);
    const cx = (width + 1) / 2, cy = (height + 1) / 2;
    const [r0, d0] = solution.pixToSky(cx, cy);
    const [r1, d1] = solution.pixToSky(cx + 1, cy);
    const [r2, d2] = solution.pixToSky(cx, cy + 1);
    const sx = Math.hypot((r1 - r0) * Math.cos((d0 * Math.PI) / 180), d1 - d0) * 3600;
    const sy = Math.hypot((r2 - r0) * Math.cos((d0 * Math.PI) / 180), d2 - d0) * 3600;
    return { file, fits, header: hdu.header, width, height, solution, scaleArcsec: Math.sqrt(sx * sy) };
  } catch (err) {
    await fits.close();
    throw err;
  }
}

// ------------------------------------------------------------ cutouts

export interface Rect {
  /** Lower-left pixel, FITS 1-based, and size. */
  x1: number;
  y1: number;
  width: number;
  height: number;
}

/** A size x size rectangle centred on (x, y), moved (not cropped) to stay inside the image when it can. */
export function rectAround(x: number, y: number, size: number, imageWidth: number, imageHeight: number): Rect {
  const w = Math.min(size, imageWidth), h = Math.min(size, imageHeight);
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  const x1 = clamp(Math.round(x) - Math.floor(w / 2), 1, imageWidth - w + 1);
  const y1 = clamp(Math.round(y) - Math.floor(h / 2), 1, imageHeight - h + 1);
  return { x1, y1, width: w, height: h };
}

/** Keywords that describe the whole plate's pixels and would be wrong for a cutout. */
const PLATE_ONLY = /^(DATAMIN|DATAMAX|CHECKSUM|DATASUM|BZERO|BSCALE|BLANK|OBJCTX|OBJCTY)$/;

/**
 * The plate header adjusted for a sub-image starting at (x1, y1): explicit WCS
 * reference pixels move by -(x1-1, y1-1); the DSS corner CNPIX moves by
 * +(x1-1, y1-1) (the GSSS solution adds it back); IRAF LTV likewise.
 */
export function cutoutHeader(plateHeader: HeaderValues, rect: Rect): HeaderValues {
  const dx = rect.x1 - 1, dy = rect.y1 - 1;
  const h: HeaderValues = {};
  for (const [k, v] of Object.entries(plateHeader)) if (!PLATE_ONLY.test(k)) h[k] = v;
  const shift = (key: string, by: number) => {
    if (typeof h[key] === 'number') h[key] = (h[key] as number) + by;
  };
  shift('CRPIX1', -dx);
  shift('CRPIX2', -dy);
  shift('LTV1', -dx);
  shift('LTV2', -dy);
  if ('PLTRAH' in h || 'AMDX1' in h) {
    h.CNPIX1 = Number(h.CNPIX1 ?? 0) + dx;
    h.CNPIX2 = Number(h.CNPIX2 ?? 0) + dy;
  }
  return h;
}

export interface Cutout {
  fits: Buffer;
  width: number;
  height: number;
  /** The requested position in the cutout's own pixels. */
  centerX: number;
  centerY: number;
  rect: Rect;
}

export async function makeCutout(plate: OpenPlate, x: number, y: number, sizePx: number): Promise<Cutout> {
  if (!(x >= 0.5 && x <= plate.width + 0.5 && y >= 0.5 && y <= plate.height + 0.5))
    throw new UserError(
      `position (${x.toFixed(1)}, ${y.toFixed(1)}) is outside ${plate.file} (${plate.width}x${plate.height} px)`,
      'the candidate does not fall on this plate; look at the other band',
      'not-found',
    );
  const rect = rectAround(x, y, sizePx, plate.width, plate.height);
  const data = await plate.fits.readImageRect(rect.x1, rect.y1, rect.width, rect.height);
  const header = cutoutHeader(plate.header, rect);
  return {
    fits: encodeFitsImage(rect.width, rect.height, data, header, -32),
    width: rect.width,
    height: rect.height,
    centerX: x - rect.x1 + 1,
    centerY: y - rect.y1 + 1,
    rect,
  };
}

// ------------------------------------------------------------ blink

export interface TanGrid {
  ra: number;
  dec: number;
  /** Output pixels per side. */
  size: number;
  pixelArcsec: number;
}

/** Largest blink frame we resample (pixels per side). */
export const MAX_GRID = 1024;

/** The WCS of a north-up, east-left TAN grid centred on (ra, dec). */
export function tanGridWcs(g: TanGrid): TanWcs {
  const c = (g.size + 1) / 2;
  const s = g.pixelArcsec / 3600;
  return { crpix: [c, c], crval: [g.ra, g.dec], cd: [[-s, 0], [0, s]] };
}

export function tanGridHeader(g: TanGrid, extra: HeaderValues = {}): HeaderValues {
  return { ...tanHeader(tanGridWcs(g)), ...extra };
}

/**
 * Resample a plate onto a width x height image with a TAN WCS: each output
 * pixel's sky position goes through the plate's own solution to plate pixels,
 * where the image is interpolated bilinearly. Pixels off the plate are NaN.
 */
export async function resampleOnto(plate: OpenPlate, wcs: TanWcs, width: number, height: number): Promise<Float32Array> {
  const n = width * height;
  const px = new Float64Array(n), py = new Float64Array(n);
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++) {
      const [ra, dec] = tanPixToSky(wcs, i + 1, j + 1);
      const [x, y] = plate.solution.skyToPix(ra, dec);
      const k = j * width + i;
      px[k] = x;
      py[k] = y;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
        ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
      }
    }
  const out = new Float32Array(n).fill(NaN);
  const x1 = Math.max(1, Math.floor(xmin) - 1), y1 = Math.max(1, Math.floor(ymin) - 1);
  const x2 = Math.min(plate.width, Math.ceil(xmax) + 1), y2 = Math.min(plate.height, Math.ceil(ymax) + 1);
  if (!(x2 >= x1 + 1 && y2 >= y1 + 1)) return out; // the grid misses the plate
  const w = x2 - x1 + 1, h = y2 - y1 + 1;
  const data = await plate.fits.readImageRect(x1, y1, w, h);
  for (let k = 0; k < n; k++) {
    const fx = px[k] - x1, fy = py[k] - y1; // 0-based within the rectangle
    const i0 = Math.floor(fx), j0 = Math.floor(fy);
    if (!(i0 >= 0 && j0 >= 0 && i0 + 1 < w && j0 + 1 < h)) continue;
    const tx = fx - i0, ty = fy - j0;
    const a = data[j0 * w + i0], b = data[j0 * w + i0 + 1];
    const cc = data[(j0 + 1) * w + i0], d = data[(j0 + 1) * w + i0 + 1];
    out[k] = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * cc + tx * d);
  }
  return out;
}

/** Resample a plate onto a north-up TAN grid (the blink frames). */
export function resampleToTan(plate: OpenPlate, g: TanGrid): Promise<Float32Array> {
  return resampleOnto(plate, tanGridWcs(g), g.size, g.size);
}

export function blinkGrid(ra: number, dec: number, sizeArcsec: number, pixelArcsec: number): TanGrid {
  const size = Math.max(8, Math.round(sizeArcsec / pixelArcsec));
  if (size > MAX_GRID)
    throw new UserError(
      `a blink frame of ${sizeArcsec}" at ${pixelArcsec}"/px would be ${size} px wide (limit ${MAX_GRID})`,
      'ask for a smaller field or coarser pixels',
      'bad-arguments',
    );
  return { ra, dec, size, pixelArcsec };
}

export async function makeBlinkFrame(plate: OpenPlate, g: TanGrid, band: 'red' | 'blue'): Promise<Buffer> {
  const data = await resampleToTan(plate, g);
  const header = tanGridHeader(g, { BAND: band, SRCFILE: plate.file.slice(-68), SURVEY: plate.header.SURVEY ?? null, REGION: plate.header.REGION ?? null });
  if ('DATE-OBS' in plate.header) header['DATE-OBS'] = plate.header['DATE-OBS'];
  return encodeFitsImage(g.size, g.size, data, header, -32);
}

// ------------------------------------------------------------ sky context

/** Keywords of the DSS plate solution (Aladin Lite refuses headers carrying them) and of any old WCS. */
const SOLUTION_KEYS =
  /^(PLT(RAH|RAM|RAS|DECSN|DECD|DECM|DECS)|AMD(X|Y|REX|REY)\d+|PPO\d+|CNPIX\d|XPIXELSZ|YPIXELSZ|DSS_.*|WCSAXES|WCSNAME|RADESYS|RADECSYS|EQUINOX|EPOCH|C(TYPE|RPIX|RVAL|DELT|ROTA|UNIT)\d|CD\d_\d|PC\d_\d|LTV\d|LTM\d_\d|(A|B|AP|BP)_(ORDER|\d+_\d+))$/;

/**
 * Largest distortion (pixels) a plain TAN header may leave out before the sky
 * context is resampled instead: 0.02 px is 0.034" at 1.7"/px, well inside the
 * plate solutions' own accuracy.
 */
export const SKY_TAN_TOLERANCE_PX = 0.02;

export interface SkyContextImage {
  fits: Buffer;
  /** The image's WCS (plain TAN; CRPIX in the image's own pixels). */
  wcs: TanWcs;
  /** The TAN-SIP fit to the plate solution the TAN part was taken from. */
  fit: TanSipFit;
  /** How far the plate solution departs from plain TAN over the image, pixels. */
  distortionPx: number;
  /** true: the pixels were resampled onto the TAN grid; false: they are the plate's own. */
  resampled: boolean;
  cutout: Cutout;
}

/**
 * The plate around (x, y) for Aladin Lite, with a plain TAN header.
 *
 * Aladin Lite 3.8 misreads SIP distortion: even coefficients that move no
 * pixel by more than 1e-3 px smear round stars into long diagonal streaks
 * (upstream: cds-astro/aladin-lite#365, "SIP support never really worked").
 * Plain TAN it draws correctly. So a TAN-SIP fit to the plate solution
 * (lowest order 3..5 whose worst residual is under 0.02") gives the CD matrix,
 * and its SIP part says what plain TAN leaves out: when that stays under
 * SKY_TAN_TOLERANCE_PX the plate's own pixels go out under the TAN header,
 * otherwise they are resampled onto the TAN grid through the plate solution.
 */
export async function makeSkyContext(
  plate: OpenPlate,
  x: number,
  y: number,
  sizePx: number,
  tolerancePx = SKY_TAN_TOLERANCE_PX,
): Promise<SkyContextImage> {
  const cutout = await makeCutout(plate, x, y, sizePx);
  const { x1, y1, width, height } = cutout.rect;
  const pixToSky = (cx: number, cy: number) => plate.solution.pixToSky(cx + x1 - 1, cy + y1 - 1);
  let fit = fitTanSip({ width, height, pixToSky, order: 3 });
  for (let order = 4; order <= 5 && fit.maxArcsec > 0.02; order++) {
    const next = fitTanSip({ width, height, pixToSky, order });
    if (next.maxArcsec < fit.maxArcsec) fit = next;
  }
  const wcs: TanWcs = { crpix: fit.crpix, crval: fit.crval, cd: fit.cd };
  const distortionPx = sipDisplacementPx(fit, width, height);
  const resampled = distortionPx > tolerancePx;
  const data = resampled ? await resampleOnto(plate, wcs, width, height) : await plate.fits.readImageRect(x1, y1, width, height);
  const header: HeaderValues = {};
  for (const [k, v] of Object.entries(cutoutHeader(plate.header, cutout.rect))) if (!SOLUTION_KEYS.test(k)) header[k] = v;
  Object.assign(header, tanHeader(wcs), {
    TANDISPX: Number(distortionPx.toPrecision(3)),
    RESAMPLD: resampled,
  });
  return { fits: encodeFitsImage(width, height, data, header, -32), wcs, fit, distortionPx, resampled, cutout };
}

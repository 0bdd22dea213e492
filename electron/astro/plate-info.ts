/**
 * Who a plate is and when it was exposed, from its DSS header.
 *
 * DATE-OBS is taken as the UT START of the exposure, and the plate's epoch is
 * mid-exposure (start + EXPOSURE/2). The reference documents in
 * shared/reference say nothing about it; STScI's DSS headers label DATE-OBS
 * "Observation: Date/Time" (new) or "UT date of Observation" plus UT (old), and
 * the FITS standard defines DATE-OBS as the start of the observation, so we
 * follow the standard. Choosing start instead of mid moves the epoch by at
 * most 30 minutes (EXPOSURE is 8..60 min), far below anything the pipeline
 * can measure. Quirks handled: minutes or seconds past 59
 * ("1951-07-05T04:95:00" is 05:35), "dd/mm/yy" dates (19yy) with the time in
 * a separate UT or TIME-OBS keyword.
 */
import { UserError } from '../core/errors';
import type { HeaderValues } from '../fits/header';
import { cdMatrix, cdScaleArcsec, type CdSource } from './projection';

export type Band = 'red' | 'blue';

/**
 * Where a plate's pixel scale came from: the scan's pixel size times the plate
 * scale (DSS headers), or the explicit WCS's CD matrix (CDi_j, or CDELTi with
 * PC/CROTA2) when those are absent (re-solved plates, other scanners).
 */
export type PixelScaleSource = 'XPIXELSZ*PLTSCALE' | CdSource;

/** Who a plate is and when it was exposed (from its header). */
export interface PlateInfo {
  /** REGION, e.g. "XE687". */
  region: string;
  /** SURVEY, e.g. "POSSI-E" (red) or "POSSI-O" (blue). */
  survey: string;
  band: Band;
  plateId: string | null;
  /** Scan pixel size, microns (XPIXELSZ; null when the header has none), and arcsec per pixel. */
  pixelSizeMicron: number | null;
  pixelScaleArcsec: number;
  /** Which keywords gave pixelScaleArcsec (set by plateInfoFromHeader; absent in summaries of older versions). */
  pixelScaleSource?: PixelScaleSource;
  /** Exposure in minutes; start/mid/end as ISO UTC strings. */
  exposureMinutes: number | null;
  startUtc: string | null;
  midUtc: string | null;
  endUtc: string | null;
  /** Julian epoch (e.g. 1951.5087) of mid-exposure. */
  epochJulian: number | null;
  /** DATE-OBS exactly as written in the header. */
  dateObsRaw: string | null;
  naxis1: number;
  naxis2: number;
  /** Path of the FITS file. */
  file: string;
}

const MS_PER_DAY = 86_400_000;
const JD_UNIX_EPOCH = 2440587.5;

/** Julian epoch (e.g. 1951.5087) of a UTC instant: J2000.0 + (JD - 2451545) / 365.25. */
export function julianEpoch(date: Date): number {
  const jd = date.getTime() / MS_PER_DAY + JD_UNIX_EPOCH;
  return 2000 + (jd - 2451545.0) / 365.25;
}

/** "hh:mm[:ss[.sss]]" -> milliseconds, tolerating minutes/seconds past 59. */
function timeOfDayMs(text: string, raw: string): number {
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?$/.exec(text.trim());
  if (!m) throw new UserError(`DATE-OBS/UT time "${raw}" is not hh:mm[:ss]`, 'check the plate header');
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000;
}

/**
 * A header date/time as a UTC Date. Accepts ISO "YYYY-MM-DD[Thh:mm[:ss[.s]]]"
 * (minutes/seconds past 59 carry over), "dd/mm/yy" (1900s) optionally followed
 * by a time, and "YYYY-MM-DD hh:mm:ss".
 */
export function parseDateObs(raw: string): Date {
  const s = raw.trim();
  let day: number;
  let rest = '';
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](.*))?$/.exec(s);
  if (m) {
    day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    rest = m[4] ?? '';
    if (Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31)
      throw new UserError(`DATE-OBS "${raw}" has no such month or day`, 'check the plate header');
  } else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{2})(?:[T ](.*))?$/.exec(s))) {
    // Old DSS headers: dd/mm/yy, all plates 1949-1958.
    day = Date.UTC(1900 + Number(m[3]), Number(m[2]) - 1, Number(m[1]));
    rest = m[4] ?? '';
    if (Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[1]) < 1 || Number(m[1]) > 31)
      throw new UserError(`DATE-OBS "${raw}" has no such month or day`, 'check the plate header');
  } else {
    throw new UserError(`DATE-OBS "${raw}" is not a date this reader knows (YYYY-MM-DDThh:mm:ss or dd/mm/yy)`, 'check the plate header');
  }
  const ms = rest.replace(/Z$/, '') ? timeOfDayMs(rest.replace(/Z$/, ''), raw) : 0;
  return new Date(day + ms);
}

function str(h: HeaderValues, key: string): string | null {
  const v = h[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null;
}

function num(h: HeaderValues, key: string): number | null {
  const v = h[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const SURVEY_BAND: Record<string, Band> = { 'POSSI-E': 'red', 'POSSI-O': 'blue' };

/**
 * The survey of a header: SURVEY when present; old STScI headers have none, and
 * then a POSS-I region name (XE### red 103aE, XO### blue 103aO) identifies the
 * plate. Anything else is not POSS-I and is refused.
 */
function surveyOf(h: HeaderValues, file: string): { survey: string; band: Band } {
  const survey = str(h, 'SURVEY')?.toUpperCase() ?? null;
  if (survey !== null) {
    const band = SURVEY_BAND[survey];
    if (!band)
      throw new UserError(
        `${file} is from survey ${survey}, not POSS-I (POSSI-E red or POSSI-O blue)`,
        'use a POSS-I plate: DSS1 red (dss1red_XE###) or blue (dss1blue_XO###)',
        'not-poss1',
      );
    return { survey, band };
  }
  const region = str(h, 'REGION')?.toUpperCase() ?? '';
  const m = /^X([EO])\d{3}$/.exec(region);
  if (m) return m[1] === 'E' ? { survey: 'POSSI-E', band: 'red' } : { survey: 'POSSI-O', band: 'blue' };
  throw new UserError(
    `${file} has no SURVEY keyword and no POSS-I region (REGION XE### or XO###), so it is not a POSS-I plate`,
    'use a POSS-I plate or cutout with its original DSS header',
    'not-poss1',
  );
}

/**
 * The POSS-I field number of a region name: XE687 (red) and XO687 (blue) are
 * both field 687. null when the name is not a POSS-I region.
 */
export function poss1Field(region: string): number | null {
  const m = /^X[EO](\d{1,4})$/i.exec(region.trim());
  return m ? Number(m[1]) : null;
}

/**
 * Arcsec per pixel: XPIXELSZ (microns) x PLTSCALE (arcsec/mm) as DSS scans
 * give it; without them, from the explicit WCS's CD matrix (or CDELT).
 */
function pixelScaleOf(header: HeaderValues, pixelSizeMicron: number | null, file: string): { pixelScaleArcsec: number; pixelScaleSource: PixelScaleSource } {
  const plateScale = num(header, 'PLTSCALE');
  if (pixelSizeMicron !== null && plateScale !== null)
    return { pixelScaleArcsec: (plateScale * pixelSizeMicron) / 1000, pixelScaleSource: 'XPIXELSZ*PLTSCALE' };
  const m = cdMatrix(header);
  const scale = m ? cdScaleArcsec(m.cd) : 0;
  if (!m || !(scale > 0)) {
    const lacking = [pixelSizeMicron === null ? 'XPIXELSZ' : null, plateScale === null ? 'PLTSCALE' : null].filter(Boolean).join(' and ');
    throw new UserError(
      `${file} lacks ${lacking} and has no usable CD matrix or CDELT, so its pixel scale is unknown`,
      'use the original DSS header, or a plate with a celestial TAN WCS (CD1_1..CD2_2 or CDELT1/2)',
    );
  }
  return { pixelScaleArcsec: scale, pixelScaleSource: m.source };
}

/** Plate identity, scale and exposure times from a DSS header (or a plain celestial WCS). */
export function plateInfoFromHeader(header: HeaderValues, file: string): PlateInfo {
  const { survey, band } = surveyOf(header, file);
  const region = str(header, 'REGION')?.toUpperCase() ?? '';
  const pixelSizeMicron = num(header, 'XPIXELSZ');
  const { pixelScaleArcsec, pixelScaleSource } = pixelScaleOf(header, pixelSizeMicron, file);

  const dateObsRaw = str(header, 'DATE-OBS');
  let start: Date | null = null;
  if (dateObsRaw !== null) {
    try {
      start = parseDateObs(dateObsRaw);
      // Old headers keep the time apart: DATE-OBS = 'dd/mm/yy', UT = 'hh:mm:ss'.
      const ut = str(header, 'UT') ?? str(header, 'TIME-OBS');
      if (!/[T ]\d/.test(dateObsRaw) && ut !== null) start = new Date(start.getTime() + timeOfDayMs(ut, ut));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new UserError(
        `${file}: ${err.message}`,
        'correct DATE-OBS in the header (e.g. with astropy: fits.setval(file, "DATE-OBS", value="1951-07-05T04:55:00")), ' +
          'or delete it to run without an epoch (no Gaia proper motions, no asteroid check)',
        'bad-date-obs',
      );
    }
  }
  const exposureMinutes = num(header, 'EXPOSURE');
  const at = (minutes: number) => (start ? new Date(start.getTime() + minutes * 60_000) : null);
  const mid = at((exposureMinutes ?? 0) / 2);
  const end = exposureMinutes !== null ? at(exposureMinutes) : null;
  return {
    region,
    survey,
    band,
    plateId: str(header, 'PLATEID'),
    pixelSizeMicron,
    pixelScaleArcsec,
    pixelScaleSource,
    exposureMinutes,
    startUtc: start ? start.toISOString() : null,
    midUtc: exposureMinutes !== null && mid ? mid.toISOString() : null,
    endUtc: end ? end.toISOString() : null,
    epochJulian: mid ? julianEpoch(mid) : null,
    dateObsRaw,
    naxis1: num(header, 'NAXIS1') ?? 0,
    naxis2: num(header, 'NAXIS2') ?? 0,
    file,
  };
}

/** Refuse a plate of the wrong band (a blue plate given as the red one, etc.). */
export function assertBand(info: PlateInfo, expected: Band): void {
  if (info.band !== expected)
    throw new UserError(
      `${info.file} is a ${info.band} plate (${info.survey}, ${info.region}) but a ${expected} plate was expected`,
      expected === 'red' ? 'give the POSS-I E (red, XE###) plate here' : 'give the POSS-I O (blue, XO###) plate here',
      'wrong-band',
    );
}

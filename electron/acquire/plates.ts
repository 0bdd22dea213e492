/**
 * Getting the plates: full POSS-I scans from IRSA by field number (red XE,
 * blue XO), or STScI DSS cutouts of POSS-I E and O around a position.
 *
 * A download goes to NAME.part (resumed with Range after a cut connection),
 * is checked (FITS structure, data as long as the header declares, SURVEY
 * POSSI-E / POSSI-O) and only then renamed to its final name, so a file under
 * its final name is always whole. The folder may be shared by many runs (the
 * plates of a survey, Slurm tasks on other hosts): NAME.lock makes a second
 * run wait for the first one's download and use its file instead of fetching
 * it again. A missing blue plate (HTTP 404) falls back to a red-only run, said
 * in the notes.
 */
import { existsSync, renameSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FitsFile } from '../fits';
import { defaultHttpClient, HttpError, type HttpClient, serviceLabel, serviceUrl } from '../catalogs/http';
import { acquireFileLock } from '../catalogs/file-lock';
import { UserError, throwIfAborted } from '../core/errors';
import type { StageContext } from '../core/stage';
import type { Band } from '../astro/plate-info';

export interface AcquireRequest {
  /** POSS-I field number: fetches XE<nnn> and XO<nnn> from IRSA. */
  plate?: number;
  /** Or a cutout centre (degrees, J2000) and size from STScI DSS. */
  ra?: number;
  dec?: number;
  sizeArcmin?: number;
}

export interface AcquireResult {
  red: string;
  blue: string | null;
  notes: string[];
}

export const SURVEY_OF: Record<Band, string> = { red: 'POSSI-E', blue: 'POSSI-O' };

interface Target {
  band: Band;
  url: string;
  file: string;
  label: string;
  service: string;
}

export function plateId(band: Band, plate: number): string {
  return `${band === 'red' ? 'XE' : 'XO'}${String(plate).padStart(3, '0')}`;
}

export function irsaPlateUrl(band: Band, plate: number, base = serviceUrl('irsa')): string {
  const folder = band === 'red' ? 'dss1red' : 'dss1blue';
  return `${base.replace(/\/$/, '')}/${folder}/${folder}_${plateId(band, plate)}.fits`;
}

export function stsciCutoutUrl(band: Band, ra: number, dec: number, sizeArcmin: number, base = serviceUrl('stsci')): string {
  const u = new URL(base);
  u.searchParams.set('v', band === 'red' ? 'poss1_red' : 'poss1_blue');
  u.searchParams.set('r', ra.toFixed(6));
  u.searchParams.set('d', dec.toFixed(6));
  u.searchParams.set('e', 'J2000');
  u.searchParams.set('h', String(sizeArcmin));
  u.searchParams.set('w', String(sizeArcmin));
  u.searchParams.set('f', 'fits');
  u.searchParams.set('c', 'none');
  u.searchParams.set('fov', 'NONE');
  u.searchParams.set('v3', '');
  return u.toString();
}

/**
 * Check a downloaded plate: a FITS file whose data are all there and whose
 * SURVEY is the expected POSS-I emulsion. Throws a UserError saying what is wrong.
 */
export async function checkPlateFile(path: string, band: Band, what: string): Promise<void> {
  let fits: FitsFile;
  try {
    fits = await FitsFile.open(path);
  } catch (e) {
    const msg = e instanceof UserError ? e.message : (e as Error).message;
    throw new UserError(`${what}: the download is not a complete FITS file (${msg})`, 'the archive may have sent an error page; try again later or check the plate number / position', 'bad-plate');
  }
  try {
    const h = fits.imageHdu();
    const survey = String(h.header.SURVEY ?? '').trim();
    if (survey !== SURVEY_OF[band]) {
      throw new UserError(
        `${what}: SURVEY is "${survey || 'missing'}", expected ${SURVEY_OF[band]} (POSS-I ${band === 'red' ? 'red, 103aE' : 'blue, 103aO'})`,
        'only first-epoch Palomar plates can be used; check the plate number or cutout survey',
        'bad-survey',
      );
    }
    const need = h.dataStart + h.dataBytes;
    const size = statSync(path).size;
    if (size < need) throw new UserError(`${what}: file has ${size} bytes, its header needs ${need}`, 'download it again', 'bad-plate');
  } finally {
    await fits.close();
  }
}

/** One plate, fetched by whichever run gets its lock first; the others wait and use that file. */
async function fetchPlate(t: Target, http: HttpClient, ctx: StageContext, notes: string[]): Promise<string> {
  const lock = await acquireFileLock(`${t.file}.lock`, {
    signal: ctx.signal,
    onWait: (owner) => ctx.log?.(`acquire: ${t.label} is being fetched by ${owner}; waiting for it`),
  });
  try {
    return await fetchPlateLocked(t, http, ctx, notes);
  } finally {
    lock.release();
  }
}

async function fetchPlateLocked(t: Target, http: HttpClient, ctx: StageContext, notes: string[]): Promise<string> {
  if (existsSync(t.file)) {
    try {
      await checkPlateFile(t.file, t.band, t.file);
      notes.push(`${t.label}: using ${t.file} already on disk`);
      return t.file;
    } catch (e) {
      notes.push(`${t.label}: ${t.file} on disk failed its check (${(e as Error).message}); downloading again`);
      rmSync(t.file, { force: true });
    }
  }
  const part = `${t.file}.part`;
  const r = await http.download({
    service: t.service,
    url: t.url,
    what: t.label,
    partPath: part,
    signal: ctx.signal,
    onBytes: (got, total) =>
      ctx.onProgress?.({ stage: `acquire-${t.band}`, fraction: total ? got / total : 0, message: `${t.label}: ${(got / 1e6).toFixed(1)} MB` }),
  });
  if (r.resumedFrom > 0) notes.push(`${t.label}: resumed a partial download at byte ${r.resumedFrom}`);
  try {
    await checkPlateFile(part, t.band, `${t.label} from ${t.url}`);
  } catch (e) {
    rmSync(part, { force: true });
    throw e;
  }
  renameSync(part, t.file);
  ctx.log?.(`acquire: ${t.label} -> ${t.file} (${r.bytes} bytes, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`);
  return t.file;
}

export async function acquirePlates(req: AcquireRequest, dir: string, ctx: StageContext = {}, opts: { http?: HttpClient } = {}): Promise<AcquireResult> {
  const http = opts.http ?? defaultHttpClient(ctx.log);
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  let targets: Record<Band, Target>;
  if (req.plate !== undefined) {
    if (!Number.isInteger(req.plate) || req.plate < 1 || req.plate > 9999) {
      throw new UserError(`--plate ${req.plate} is not a POSS-I field number`, 'give the field number, e.g. --plate 582 for XE582/XO582');
    }
    const mk = (band: Band): Target => ({
      band,
      url: irsaPlateUrl(band, req.plate!),
      file: join(dir, `${band === 'red' ? 'dss1red' : 'dss1blue'}_${plateId(band, req.plate!)}.fits`),
      label: `${band} plate ${plateId(band, req.plate!)}`,
      service: serviceLabel('irsa'),
    });
    targets = { red: mk('red'), blue: mk('blue') };
  } else if (req.ra !== undefined && req.dec !== undefined) {
    const size = req.sizeArcmin ?? 30;
    if (!(req.ra >= 0 && req.ra < 360) || !(req.dec >= -90 && req.dec <= 90) || !(size > 0 && size <= 60)) {
      throw new UserError(`cutout ${req.ra}, ${req.dec}, ${size}' is out of range`, 'RA in [0, 360), Dec in [-90, 90], --size-arcmin in (0, 60]');
    }
    const tag = `ra${req.ra.toFixed(4)}_dec${req.dec >= 0 ? '+' : ''}${req.dec.toFixed(4)}_${size}arcmin`;
    const mk = (band: Band): Target => ({
      band,
      url: stsciCutoutUrl(band, req.ra!, req.dec!, size),
      file: join(dir, `poss1_${band}_${tag}.fits`),
      label: `POSS-I ${band === 'red' ? 'E' : 'O'} cutout ${tag}`,
      service: serviceLabel('stsci'),
    });
    targets = { red: mk('red'), blue: mk('blue') };
  } else {
    throw new UserError('nothing to acquire', 'give --plate N, or --ra/--dec (with --size-arcmin)');
  }
  const red = await fetchPlate(targets.red, http, ctx, notes);
  throwIfAborted(ctx.signal, 'acquire');
  let blue: string | null = null;
  try {
    blue = await fetchPlate(targets.blue, http, ctx, notes);
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 404)) throw e;
    notes.push(`${targets.blue.label} is not available (HTTP 404 at ${targets.blue.url}): red-only run, no red-vs-blue comparison`);
    ctx.log?.(`acquire: ${notes[notes.length - 1]}`);
  }
  return { red, blue, notes };
}

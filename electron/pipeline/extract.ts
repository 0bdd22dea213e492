/**
 * Extraction of one image: SExtractor pass 1 (detection + VIGNET stamps) ->
 * PSFEx (degree-2 spatially varying PSF) -> SExtractor pass 2 with the PSF
 * (SPREAD_MODEL). A function of (image file + HDU, settings) -> sources, so a
 * later tiled version can call it per tile.
 *
 * Sky positions are not SExtractor's business here (it cannot read the DSS plate
 * solution); see positions.ts.
 */
import { mkdirSync } from 'node:fs';
import { UserError } from '../core/errors';
import type { StageContext } from '../core/stage';
import { FitsFile, type FitsTable } from '../fits';
import { runPsfex, type PsfStats } from '../../native-tools/psfex';
import { runSextractor, type DetectionSettings } from '../../native-tools/sextractor';
import type { NativeTools } from '../../native-tools/find';
import type { Source } from './types';

export interface ExtractJob {
  image: string;
  hdu: number;
  /** Folder for configs, catalogues, PSF model. */
  workDir: string;
  pixelScaleArcsec: number;
  saturLevel: number;
  /** Image rows, for progress. */
  imageHeight: number;
  detection: DetectionSettings;
  psfDegrees: number;
  /** Pixels of this image. */
  psfFwhmRangePx: [number, number];
}

export interface ExtractResult {
  sources: Source[];
  psf: PsfStats | null;
  seconds: { pass1: number; psfex: number; pass2: number };
}

// Share of the stage's time each step takes on a plate (pass 2 with SPREAD_MODEL dominates).
const WEIGHTS = { pass1: 0.05, psfex: 0.1, pass2: 0.85 };

/** The LDAC_OBJECTS table of a SExtractor FITS_LDAC catalogue. */
export async function readLdacObjects(catalog: string): Promise<FitsTable> {
  const f = await FitsFile.open(catalog);
  try {
    const hdu = f.byName('LDAC_OBJECTS')[0];
    if (!hdu) throw new UserError(`${catalog} has no LDAC_OBJECTS table`, 'the SExtractor run did not finish; run again with --fresh');
    return await f.readTable(hdu.index);
  } finally {
    await f.close();
  }
}

/** Sources from a pass-2 catalogue. SExtractor pixels are already FITS 1-based. */
export function sourcesFromCatalog(t: FitsTable): Source[] {
  const col = (name: string) => t.numeric(name);
  const [id, x, y, flux, fluxErr, mag, magErr, fwhm, elong, flags, xmin, xmax, ymin, ymax, cls, bg, spread, spreadErr] = [
    'NUMBER', 'XWIN_IMAGE', 'YWIN_IMAGE', 'FLUX_AUTO', 'FLUXERR_AUTO', 'MAG_AUTO', 'MAGERR_AUTO', 'FWHM_IMAGE',
    'ELONGATION', 'FLAGS', 'XMIN_IMAGE', 'XMAX_IMAGE', 'YMIN_IMAGE', 'YMAX_IMAGE', 'CLASS_STAR', 'BACKGROUND',
    'SPREAD_MODEL', 'SPREADERR_MODEL',
  ].map(col);
  const out: Source[] = new Array(t.rows);
  for (let i = 0; i < t.rows; i++) {
    out[i] = {
      id: id[i],
      x: x[i],
      y: y[i],
      ra: NaN,
      dec: NaN,
      flux: flux[i],
      fluxErr: fluxErr[i],
      mag: mag[i],
      magErr: magErr[i],
      snr: fluxErr[i] > 0 ? flux[i] / fluxErr[i] : 0,
      fwhm: fwhm[i],
      elongation: elong[i],
      flags: flags[i],
      spreadModel: Number.isFinite(spread[i]) ? spread[i] : null,
      spreadModelErr: Number.isFinite(spreadErr[i]) ? spreadErr[i] : null,
      xmin: xmin[i],
      xmax: xmax[i],
      ymin: ymin[i],
      ymax: ymax[i],
      classStar: cls[i],
      background: bg[i],
    };
  }
  return out;
}

export async function extractSources(tools: NativeTools, job: ExtractJob, ctx: StageContext & { stage?: string } = {}): Promise<ExtractResult> {
  mkdirSync(job.workDir, { recursive: true });
  const stage = ctx.stage ?? 'extract';
  const report = (base: number, weight: number, message: string) => (f: number) =>
    ctx.onProgress?.({ stage, fraction: base + weight * f, message });
  const common = {
    image: job.image,
    hdu: job.hdu,
    workDir: job.workDir,
    detection: job.detection,
    pixelScaleArcsec: job.pixelScaleArcsec,
    saturLevel: job.saturLevel,
    imageHeight: job.imageHeight,
  };

  // Pass 1 only needs a rough seeing for CLASS_STAR, which PSFEx does not read.
  const p1 = await runSextractor(
    tools.sextractor,
    { ...common, pass: 'pass1', seeingFwhmArcsec: 2.5 * job.pixelScaleArcsec, onFraction: report(0, WEIGHTS.pass1, 'SExtractor pass 1') },
    ctx,
  );
  report(WEIGHTS.pass1, WEIGHTS.psfex, 'PSFEx')(0);
  const psf = await runPsfex(
    tools.psfex,
    { catalog: p1.catalog, workDir: job.workDir, degrees: job.psfDegrees, fwhmRangePx: job.psfFwhmRangePx },
    ctx,
  );
  const seeing = (psf.stats?.fwhmPx ?? 2.5) * job.pixelScaleArcsec;
  const p2 = await runSextractor(
    tools.sextractor,
    {
      ...common,
      pass: 'pass2',
      seeingFwhmArcsec: seeing,
      psfFile: psf.psfFile,
      onFraction: report(WEIGHTS.pass1 + WEIGHTS.psfex, WEIGHTS.pass2, 'SExtractor pass 2 (SPREAD_MODEL)'),
    },
    ctx,
  );
  const sources = sourcesFromCatalog(await readLdacObjects(p2.catalog));
  return {
    sources,
    psf: psf.stats,
    seconds: { pass1: p1.run.seconds, psfex: psf.run.seconds, pass2: p2.run.seconds },
  };
}

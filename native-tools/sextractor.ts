/**
 * One SExtractor pass over one image HDU, writing a FITS_LDAC catalogue into
 * the work folder.
 *
 *   pass1:  detection and every measurement that needs no PSF (what the
 *           FLAGS/FWHM/ELONGATION/symmetry/SNR cuts read, and what picks PSF stars);
 *   stamps: the 35x35 VIGNET stamps PSFEx needs (of every source, or only of
 *           the listed stars);
 *   pass2:  the measurements we keep, with the PSF model loaded so that
 *           SPREAD_MODEL / SPREADERR_MODEL can be computed (of every source, or
 *           only of the listed ones).
 *
 * Every pass detects on the same image with the same settings, so the same
 * objects come out with the same NUMBER and the same PSF-free measurements; a
 * pass given an association list measures only the listed objects and tells
 * which list entry each is (VECTOR_ASSOC).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../electron/core/errors';
import type { StageContext } from '../electron/core/stage';
import { installParamFile, writeConfig } from './config';
import { INSTALL_HINT, type ToolInfo } from './find';
import { toolFileName } from './paths';
import { runTool, type ToolRun } from './spawn';

export type SextractorPass = 'pass1' | 'stamps' | 'pass2';

/**
 * Detection settings that may differ per run. Defaults follow the reference
 * replication (5 sigma, 5 pixels, 256 px background mesh): the SNR >= 30 cut
 * discards fainter sources anyway, and isophotes at 5 sigma keep the grain
 * noise of the emulsion out of the bounding boxes the symmetry cut measures.
 */
export interface DetectionSettings {
  /** Sigmas above the local background. */
  detectThresh: number;
  analysisThresh: number;
  detectMinArea: number;
  /** Background mesh, pixels. */
  backSize: number;
  /** Diameter of the pass-1 aperture PSFEx normalises with, pixels. */
  photAperturePx: number;
}

export const DEFAULT_DETECTION: DetectionSettings = {
  detectThresh: 5,
  analysisThresh: 5,
  detectMinArea: 5,
  backSize: 256,
  photAperturePx: 10,
};

export interface SextractorJob {
  image: string;
  /** HDU holding the image, 0 = primary. Given explicitly: SExtractor would otherwise also "measure" every extension. */
  hdu: number;
  workDir: string;
  pass: SextractorPass;
  detection: DetectionSettings;
  pixelScaleArcsec: number;
  /** Stellar FWHM for CLASS_STAR, arcsec (pass 2 uses PSFEx's measurement). */
  seeingFwhmArcsec: number;
  saturLevel: number;
  /** Pass 2 only. */
  psfFile?: string;
  /** Measure only these objects (see writeAssocList); absent: every object. */
  assoc?: AssocList;
  /** Catalogue/config file stem; default the pass name (several pass-2 rounds in one folder). */
  name?: string;
  /** Rows of the image, to turn "Line: N" into a fraction. */
  imageHeight?: number;
  /** Progress: called with 0..1 as SExtractor scans. */
  onFraction?: (fraction: number) => void;
  onSpawn?: (pid: number) => void;
}

export interface SextractorResult {
  catalog: string;
  configFile: string;
  run: ToolRun;
}

/** An association list file: one "x y id" line per object to measure. */
export interface AssocList {
  file: string;
  /** Match radius, pixels. */
  radiusPx: number;
  count: number;
}

/**
 * ASSOC match radius for lists made from an earlier pass over the same image:
 * the barycentres are identical, so anything above rounding would do; small,
 * so that a close deblended neighbour is never taken for the listed object.
 */
export const ASSOC_SAME_IMAGE_RADIUS_PX = 0.01;

/**
 * Write an association list of isophotal barycentres (X_IMAGE, Y_IMAGE of an
 * earlier pass over the same image, which SExtractor matches against) and the
 * ids to carry back. Written with 17 significant digits, so the doubles read
 * back exactly.
 */
export function writeAssocList(file: string, rows: { x: number; y: number; id: number }[], radiusPx = ASSOC_SAME_IMAGE_RADIUS_PX): AssocList {
  writeFileSync(file, '');
  const chunk: string[] = [];
  for (const r of rows) {
    chunk.push(`${r.x.toPrecision(17)} ${r.y.toPrecision(17)} ${r.id}`);
    if (chunk.length >= 10_000) appendFileSync(file, chunk.splice(0).join('\n') + '\n');
  }
  if (chunk.length) appendFileSync(file, chunk.join('\n') + '\n');
  return { file, radiusPx, count: rows.length };
}

/**
 * SATUR_LEVEL for a floating-point image, which has no ceiling: far above any
 * pixel value, and inside the range SExtractor accepts (it refuses 1e30 itself
 * with "SATUR_LEVEL keyword out of range").
 */
export const FLOAT_CEILING = 1e20;

/**
 * Largest value the image format can hold: photographic plates saturate
 * softly, so only scanner clipping is flagged (see config/vasco.sex).
 */
export function formatCeiling(bitpix: number, bzero = 0, bscale = 1): number {
  if (bitpix === 8) return 255 * bscale + bzero;
  if (bitpix === 16) return 32767 * bscale + bzero;
  if (bitpix === 32) return 2147483647 * bscale + bzero;
  return FLOAT_CEILING;
}

/** Debian keeps default.conv / default.nnw next to the binary's share folder. */
function sharedFile(tool: ToolInfo, name: string): string {
  const path = tool.shareDir ? join(tool.shareDir, name) : null;
  if (!path || !existsSync(path)) {
    throw new UserError(
      `SExtractor's ${name} was not found (looked in ${tool.shareDir ?? `the share folder next to ${tool.path}`})`,
      `reinstall the package: ${INSTALL_HINT}`,
      'tool-missing',
    );
  }
  return path;
}

export interface ScanTick {
  line: number;
  detected: number;
  sextracted: number;
}

/** SExtractor's progress line "> Line:  250  Objects:  1111 detected /  0 sextracted". */
export function parseScanTick(line: string): ScanTick | null {
  const m = /^> Line:\s+(\d+)(?:\s+Objects:\s+(\d+) detected \/\s+(\d+) sextracted)?/.exec(line);
  return m ? { line: Number(m[1]), detected: Number(m[2] ?? 0), sextracted: Number(m[3] ?? 0) } : null;
}

/**
 * Rows scanned and objects measured count half each: measuring (SPREAD_MODEL
 * above all) lags the scan and goes on after the last row.
 */
export function scanFraction(t: ScanTick, height: number): number {
  const rows = Math.min(1, t.line / height);
  const measured = t.detected > 0 ? Math.min(1, t.sextracted / t.detected) : 0;
  return 0.5 * rows + 0.5 * measured;
}

export async function runSextractor(tool: ToolInfo, job: SextractorJob, ctx?: StageContext): Promise<SextractorResult> {
  const workDir = resolve(job.workDir);
  if (job.pass === 'pass2' && !job.psfFile) throw new Error('SExtractor pass 2 needs the PSFEx model');
  const name = job.name ?? job.pass;
  const catalog = join(workDir, `${name}.cat`);
  const paramFile = installParamFile(`${job.pass}.param`, workDir, name);
  if (job.assoc) appendFileSync(paramFile, 'VECTOR_ASSOC(1)\n');
  // Every file by a safe name relative to the work folder, the tool's cwd (see paths.ts).
  const safe = (path: string) => toolFileName(workDir, path);
  const configFile = writeConfig('vasco.sex', join(workDir, `${name}.sex`), {
    CATALOG_NAME: safe(catalog),
    PARAMETERS_NAME: safe(paramFile),
    DETECT_MINAREA: job.detection.detectMinArea,
    DETECT_THRESH: job.detection.detectThresh,
    ANALYSIS_THRESH: job.detection.analysisThresh,
    FILTER_NAME: safe(sharedFile(tool, 'default.conv')),
    PHOT_APERTURE: job.detection.photAperturePx,
    SATUR_LEVEL: job.saturLevel,
    PIXEL_SCALE: job.pixelScaleArcsec,
    SEEING_FWHM: Number(job.seeingFwhmArcsec.toFixed(3)),
    STARNNW_NAME: safe(sharedFile(tool, 'default.nnw')),
    BACK_SIZE: job.detection.backSize,
    // Pass 1 asks for nothing PSF-based, so SExtractor never opens this.
    PSF_NAME: job.psfFile ? safe(job.psfFile) : 'NONE',
    ASSOC_NAME: job.assoc ? safe(job.assoc.file) : 'NONE',
    ASSOC_RADIUS: job.assoc?.radiusPx ?? ASSOC_SAME_IMAGE_RADIUS_PX,
    ASSOCSELEC_TYPE: job.assoc ? 'MATCHED' : 'ALL',
  });

  const height = job.imageHeight ?? 0;
  const run = await runTool(tool.path, [`${safe(job.image)}[${job.hdu}]`, '-c', safe(configFile)], {
    cwd: workDir,
    ctx,
    label: `sextractor ${name}`,
    onSpawn: job.onSpawn,
    onLine: (line) => {
      const tick = parseScanTick(line);
      if (!tick) return false;
      if (height > 0) job.onFraction?.(scanFraction(tick, height));
      return true;
    },
  });
  job.onFraction?.(1);
  if (!existsSync(catalog)) {
    throw new UserError(`sextractor ${name} finished but wrote no catalogue (${catalog})`, 'see the log in the work folder', 'tool-failed');
  }
  return { catalog, configFile, run };
}

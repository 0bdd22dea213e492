/**
 * PSFEx on a pass-1 catalogue: a spatially varying PSF model (.psf) for
 * SExtractor pass 2. Always without check plots and check images, and with an
 * explicit XML_NAME (PSFEx dies on PLPLOT otherwise).
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../electron/core/errors';
import type { StageContext } from '../electron/core/stage';
import { writeConfig } from './config';
import type { ToolInfo } from './find';
import { toolFileName } from './paths';
import { runTool, type ToolRun } from './spawn';

export interface PsfexJob {
  catalog: string;
  workDir: string;
  /** Polynomial degree of the PSF variation in X and Y (reference: 2). */
  degrees: number;
  /** Range of FWHM, pixels, of the stars PSFEx may pick. */
  fwhmRangePx: [number, number];
  onSpawn?: (pid: number) => void;
}

/** PSFEx's one-line diagnostics of the model it built. */
export interface PsfStats {
  accepted: number;
  total: number;
  sampling: number;
  chi2: number;
  /** Mean FWHM of the model, pixels. */
  fwhmPx: number;
  ellipticity: number;
  residuals: number;
  asymmetry: number;
}

export interface PsfexResult {
  psfFile: string;
  xmlFile: string;
  configFile: string;
  stats: PsfStats | null;
  run: ToolRun;
}

// "pass1   231/234   0.58   0.85   2.29  0.02  0.02  0.03"
const STATS_LINE = /^\S+\s+(\d+)\/(\d+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)$/;

export function parsePsfStats(lines: string[]): PsfStats | null {
  for (const line of lines) {
    const m = STATS_LINE.exec(line);
    if (!m) continue;
    const n = m.slice(1).map(Number);
    return {
      accepted: n[0], total: n[1], sampling: n[2], chi2: n[3],
      fwhmPx: n[4], ellipticity: n[5], residuals: n[6], asymmetry: n[7],
    };
  }
  return null;
}

export async function runPsfex(tool: ToolInfo, job: PsfexJob, ctx?: StageContext): Promise<PsfexResult> {
  const workDir = resolve(job.workDir);
  // Safe names relative to the work folder, the tool's cwd (see paths.ts).
  const catalog = toolFileName(workDir, job.catalog);
  const xmlFile = join(workDir, 'psfex.xml');
  const configFile = writeConfig('vasco.psfex', join(workDir, 'psfex.conf'), {
    PSFVAR_DEGREES: job.degrees,
    SAMPLE_FWHMRANGE: `${job.fwhmRangePx[0]},${job.fwhmRangePx[1]}`,
    PSF_DIR: '.',
    XML_NAME: 'psfex.xml',
  });
  const args = [
    catalog, '-c', 'psfex.conf',
    '-CHECKPLOT_TYPE', 'NONE', '-CHECKIMAGE_TYPE', 'NONE', '-XML_NAME', 'psfex.xml',
  ];
  const run = await runTool(tool.path, args, { cwd: workDir, ctx, label: 'psfex', onSpawn: job.onSpawn });
  const psfFile = join(workDir, basename(catalog).replace(/\.[^.]*$/, '') + '.psf');
  if (!existsSync(psfFile)) {
    throw new UserError(
      `PSFEx built no PSF model from ${resolve(job.catalog)} (expected ${psfFile})`,
      'too few clean stars on the image? see psfex lines in the log; a larger image gives PSFEx more stars',
      'tool-failed',
    );
  }
  return { psfFile, xmlFile, configFile, stats: parsePsfStats(run.lines), run };
}

/**
 * The stages of `vasco run`, in order: extraction, positions, filters, red vs
 * blue, then the catalogue stages (veto, asteroids, dec-cut, dedup, score; see
 * catalogue-stages.ts). A stage's shape is in state.ts.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors';
import { assertBand, plateInfoFromHeader } from '../astro/plate-info';
import { chooseSolution } from '../astro/plate-solution';
import { FitsFile, headerDigest } from '../fits';
import { formatCeiling } from '../../native-tools/sextractor';
import { CATALOGUE_STAGES } from './catalogue-stages';
import { extractSources } from './extract';
import { applyFilters, FILTER_STAGE } from './filters';
import { compareRedBlue, RED_BLUE_STAGE } from './red-vs-blue';
import { aliveSources, ledgerCount, tracked, type PipelineContext, type PipelineState, type PlateState, type Stage } from './state';
import type { RunParameters } from './parameters';
import type { Band } from './types';

async function assertNotGzip(file: string): Promise<void> {
  const fh = await open(file, 'r').catch((err) => {
    throw new UserError(`cannot open ${file}: ${(err as Error).message}`, 'check the path');
  });
  try {
    const { buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    if (buffer[0] === 0x1f && buffer[1] === 0x8b)
      throw new UserError(`${file} is gzip-compressed; SExtractor reads only plain FITS`, `unpack it first: gunzip -k ${file}`);
  } finally {
    await fh.close();
  }
}

/** Header, identity and band check of one plate (no pixels read). */
export async function loadPlate(file: string, band: Band): Promise<PlateState> {
  await assertNotGzip(file);
  const f = await FitsFile.open(file);
  try {
    const hdu = f.imageHdu();
    const info = plateInfoFromHeader(hdu.header, file);
    assertBand(info, band);
    return {
      band,
      file,
      hdu: hdu.index,
      header: hdu.header,
      info,
      headerSha256: headerDigest(hdu),
      saturLevel: formatCeiling(hdu.bitpix, Number(hdu.header.BZERO ?? 0), Number(hdu.header.BSCALE ?? 1)),
      sources: [],
    };
  } finally {
    await f.close();
  }
}

/**
 * The state a run starts from: both plates identified and band-checked (a blue
 * plate given as --red is refused here, before any work), and the run's mode.
 */
export async function initialState(params: RunParameters): Promise<PipelineState> {
  const red = await loadPlate(params.red, 'red');
  const base = { red, tools: {}, notes: [] as string[] };
  if (params.redOnly) {
    const reason = params.blue ? `--red-only given: blue plate ${params.blue} not used` : '--red-only given';
    return { ...base, mode: 'red-only', modeReason: reason };
  }
  if (!params.blue) return { ...base, mode: 'red-only', modeReason: 'no blue plate given' };
  return { ...base, mode: 'red+blue', blue: await loadPlate(params.blue, 'blue') };
}

function extractStage(band: Band): Stage {
  const name = `extract-${band}`;
  return {
    name,
    inputs: (p) => ({ extraction: p.extraction, referencePixelScaleArcsec: p.filters.referencePixelScaleArcsec }),
    async run(state, ctx: PipelineContext) {
      const plate = state[band];
      if (!plate) return { state, count: { input: 0, output: 0, dropped: {}, skipped: `red-only: ${state.modeReason}` } };
      const ex = ctx.params.extraction;
      const scale = ctx.params.filters.referencePixelScaleArcsec / plate.info.pixelScaleArcsec;
      const workDir = join(ctx.workDir, band);
      const result = await extractSources(
        ctx.tools,
        {
          image: plate.file,
          hdu: plate.hdu,
          workDir,
          pixelScaleArcsec: plate.info.pixelScaleArcsec,
          saturLevel: plate.saturLevel,
          imageHeight: plate.info.naxis2,
          detection: ex.detection,
          psfDegrees: ex.psfDegrees,
          psfFwhmRangePx: [ex.psfFwhmRangePx[0] * scale, ex.psfFwhmRangePx[1] * scale],
        },
        { ...ctx, stage: name },
      );
      const done: PlateState = {
        ...plate,
        sources: result.sources.map(tracked),
        extraction: { workDir, psf: result.psf, seconds: result.seconds },
      };
      if (result.psf) ctx.log?.(`${name}: PSF FWHM ${result.psf.fwhmPx} px from ${result.psf.accepted}/${result.psf.total} stars`);
      const n = done.sources.length;
      return {
        state: { ...state, [band]: done, tools: { ...state.tools, ...ctx.toolVersions } },
        count: { input: n, output: n, dropped: {} },
      };
    },
  };
}

const positionsStage: Stage = {
  name: 'positions',
  inputs: () => ({}),
  async run(state) {
    let n = 0;
    const next = { ...state };
    for (const band of ['red', 'blue'] as const) {
      const plate = state[band];
      if (!plate) continue;
      const chosen = chooseSolution(plate.header);
      const sources = plate.sources.map((s) => {
        const [ra, dec] = chosen.solution.pixToSky(s.x, s.y);
        return { ...s, ra, dec };
      });
      next[band] = { ...plate, sources, solution: { kind: chosen.kind, offset: chosen.offset } };
      n += sources.length;
    }
    return { state: next, count: { input: n, output: n, dropped: {} } };
  },
};

function filtersStage(band: Band): Stage {
  // The red plate's filter stage is plain 'filters' (the ledger stage name in sources.csv).
  const name = band === 'red' ? FILTER_STAGE : `${FILTER_STAGE}-blue`;
  return {
    name,
    inputs: (p) => p.filters,
    async run(state, ctx) {
      const plate = state[band];
      if (!plate) return { state, count: { input: 0, output: 0, dropped: {}, skipped: `red-only: ${state.modeReason}` } };
      const sources = plate.sources.map((s) => ({ ...s, ledger: [...s.ledger] }));
      const before = aliveSources(sources).length;
      applyFilters(sources, ctx.params.filters, plate.info, name);
      return { state: { ...state, [band]: { ...plate, sources } }, count: ledgerCount(sources, name, before) };
    },
  };
}

const redVsBlueStage: Stage = {
  name: RED_BLUE_STAGE,
  inputs: (p) => p.redBlue,
  async run(state, ctx) {
    const sources = state.red.sources.map((s) => ({ ...s, ledger: [...s.ledger] }));
    const before = aliveSources(sources).length;
    if (!state.blue) {
      return { state, count: { input: before, output: before, dropped: {}, skipped: `red-only: ${state.modeReason}` } };
    }
    compareRedBlue(sources, aliveSources(state.blue.sources), ctx.params.redBlue, RED_BLUE_STAGE);
    return { state: { ...state, red: { ...state.red, sources } }, count: ledgerCount(sources, RED_BLUE_STAGE, before) };
  },
};

/** The ordered stage list of a run. */
export const PIPELINE_STAGES: Stage[] = [
  extractStage('red'),
  extractStage('blue'),
  positionsStage,
  filtersStage('blue'),
  filtersStage('red'),
  redVsBlueStage,
  ...CATALOGUE_STAGES,
];

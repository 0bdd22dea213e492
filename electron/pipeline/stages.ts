/**
 * The stages of `vasco run`, in order: extraction, positions, filters, red vs
 * blue, then the catalogue stages (veto, asteroids, dec-cut, dedup, score; see
 * catalogue-stages.ts). A stage's shape is in state.ts.
 */
import { join } from 'node:path';
import { chooseSolution } from '../astro/plate-solution';
import { gaiaRefitStage } from './astrometry';
import { CATALOGUE_STAGES } from './catalogue-stages';
import { assertSettledDropped, explainUnmeasured, extractionCount, extractStraightforward, measureFast, prepareFast, refitMarginArcsec, type TiledExtractionRecord } from './extraction-stages';
import { applyFilters, FILTER_STAGE, flagNearEdge, recordEdgeDistances } from './filters';
import { blueMatchNote, checkPlatePair, comparedBlue, comparisonInputs, compareRedBlue, dropWithoutBlueCoverage, plateFrame, recordNearestBlueDetection, RED_BLUE_STAGE } from './red-vs-blue';
import { brightStarMaskStage } from './masks';
import { loadPlate } from './plate-input';
import { plateEdgeStage } from './plate-edge';
import { publishedAuditStage } from './published-audit';
import { ledgerCount, type PipelineContext, type PipelineState, type PlateState, type Stage } from './state';
import type { RunParameters } from './parameters';
import type { Band } from './types';

export { loadPlate } from './plate-input';

/**
 * The state a run starts from: both plates identified and band-checked (a blue
 * plate given as --red is refused here, before any work), the blue plate
 * checked to overlap the red one and to be of its field (checkPlatePair), and
 * the run's mode.
 */
export async function initialState(params: RunParameters): Promise<PipelineState> {
  const workDir = join(params.out, 'work');
  const red = await loadPlate(params.red, 'red', workDir);
  const base = { red, tools: {}, notes: [] as string[] };
  if (params.redOnly) {
    const reason = params.blue ? `--red-only given: blue plate ${params.blue} not used` : '--red-only given';
    return { ...base, mode: 'red-only', modeReason: reason };
  }
  if (!params.blue) return { ...base, mode: 'red-only', modeReason: 'no blue plate given' };
  const blue = await loadPlate(params.blue, 'blue', workDir);
  const blueCoverage = checkPlatePair(red, blue, params.redBlue.allowOtherField);
  return { ...base, mode: 'red+blue', blue, blueCoverage };
}

/**
 * What the extraction's result depends on: the extraction parameters, never
 * the worker count. (In the fast order the filters decide which sources get
 * SPREAD_MODEL, which happens in the filter stages; see measureIfFast.)
 */
function extractInputs(p: RunParameters): unknown {
  return { extraction: p.extraction, referencePixelScaleArcsec: p.filters.referencePixelScaleArcsec };
}

function extractStage(band: Band): Stage {
  const name = `extract-${band}`;
  return {
    name,
    inputs: extractInputs,
    async run(state, ctx: PipelineContext) {
      const plate = state[band];
      if (!plate) return { state, count: { input: 0, output: 0, dropped: {}, skipped: `red-only: ${state.modeReason}` } };
      let next: PipelineState;
      if (ctx.params.extraction.mode === 'straightforward') next = { ...state, [band]: await extractStraightforward(plate, ctx, name) };
      else if (band === 'red') next = await prepareFast(state, ctx, name);
      else {
        // The fast order prepared blue together with red (one pool, extract-red's checkpoint holds both).
        if ((plate.extraction as TiledExtractionRecord | undefined)?.mode !== 'fast') throw new Error('extract-blue: the fast order prepares blue in extract-red');
        next = state;
      }
      const done = next[band]!;
      const rec = done.extraction as TiledExtractionRecord;
      const psf = rec.psf;
      if (psf) ctx.log?.(`${name}: PSF FWHM ${psf.fwhmPx} px from ${psf.accepted}/${psf.total} stars in ${rec.tiles.length} tile(s)`);
      if (band === 'red' || rec.mode === 'straightforward') next = { ...next, tools: { ...next.tools, ...ctx.toolVersions } };
      const note = rec.mode === 'straightforward' ? extractionNote(done) : null;
      if (note) next = { ...next, notes: [...next.notes.filter((n) => !n.startsWith(`${band} extraction:`)), note] };
      return { state: next, count: extractionCount(done) };
    },
  };
}

/** One line for summary.json: how this plate was extracted. */
function extractionNote(plate: PlateState): string | null {
  const rec = plate.extraction as TiledExtractionRecord | undefined;
  if (!rec?.tiles) return null;
  const n = plate.sources.length;
  const psf = !rec.tiles.some((t) => t.psf) ? 'no PSF model made (no source needed SPREAD_MODEL)' : rec.psfSample === 'lean'
    ? `PSF from a lean sample of ${rec.psfStamps} isolated stars (a change of method from PSFEx's pick among every detection: ` +
      'on synthetic pairs the model FWHM differed by -2 % to +7 % and SPREAD_MODEL by 0.0003-0.0016 (median); see README, Performance)'
    : 'PSF from stamps of every detection';
  const how = rec.mode === 'fast'
    ? `fast order, SPREAD_MODEL measured for ${rec.measured} of ${n} sources in ${rec.rounds} pass-2 round(s)`
    : `straightforward order, SPREAD_MODEL measured for all ${n} sources`;
  return `${plate.band} extraction: ${how}; ${rec.tiles.length} tile(s); ${psf}`;
}

const positionsStage: Stage = {
  name: 'positions',
  inputs: () => ({}),
  async run(state) {
    const n = { red: 0, blue: 0 };
    const next = { ...state };
    for (const band of ['red', 'blue'] as const) {
      const plate = state[band];
      if (!plate) continue;
      const chosen = chooseSolution(plate.header);
      const t = plate.sources;
      for (let i = 0; i < t.length; i++) {
        const [ra, dec] = chosen.solution.pixToSky(t.floats.x[i], t.floats.y[i]);
        t.setFloat('ra', i, ra);
        t.setFloat('dec', i, dec);
      }
      next[band] = { ...plate, solution: { kind: chosen.kind, offset: chosen.offset } };
      n[band] = t.length;
    }
    const blue = state.blue ? { blue: { input: n.blue, output: n.blue } } : {};
    return { state: next, count: { input: n.red, output: n.red, dropped: {}, ...blue } };
  },
};

/**
 * The fast order measures SPREAD_MODEL (SExtractor pass 2) at the start of
 * the first filter stage that runs - filters-blue, or filters when red-only -
 * because which sources need it depends on the filters (and on the red-vs-blue
 * radii): red sources passing every PSF-free cut, then the blue sources red
 * candidates need (extraction-stages.ts). Changing a cut so re-runs pass 2
 * from the kept pass 1 and PSF, never the whole extraction.
 */
async function measureIfFast(state: PipelineState, ctx: PipelineContext, stage: string): Promise<PipelineState> {
  const rec = state.red.extraction as TiledExtractionRecord | undefined;
  if (ctx.params.extraction.mode !== 'fast' || rec?.mode !== 'fast' || rec.rounds > 0) return state;
  const next = await measureFast(state, ctx, stage);
  const notes = next.notes.filter((n) => !/^(red|blue) extraction:/.test(n));
  for (const p of [next.red, next.blue]) {
    const note = p && extractionNote(p);
    if (note) notes.push(note);
  }
  return { ...next, notes };
}

function filtersInputs(p: RunParameters): unknown {
  // The fast order's pass 2 depends on red vs blue too (extraction-stages.ts, measureFast).
  return p.extraction.mode === 'fast' ? { filters: p.filters, redBlue: comparisonInputs(p.redBlue), settleMarginArcsec: refitMarginArcsec(p) } : p.filters;
}

function filtersStage(band: Band): Stage {
  // The red plate's filter stage is plain 'filters' (the ledger stage name in sources.csv).
  const name = band === 'red' ? FILTER_STAGE : `${FILTER_STAGE}-blue`;
  return {
    name,
    inputs: filtersInputs,
    async run(original, ctx) {
      if (!original[band]) return { state: original, count: { input: 0, output: 0, dropped: {}, skipped: `red-only: ${original.modeReason}` } };
      const state = await measureIfFast(original, ctx, name);
      const plate = state[band]!;
      const table = plate.sources;
      const before = table.aliveCount();
      const from = table.ledger.length;
      const rec = plate.extraction as TiledExtractionRecord | undefined;
      const explain = rec?.mode === 'fast' ? explainUnmeasured(table, name, rec) : null;
      const nearEdge = band === 'red' ? flagNearEdge(table, plate.info, ctx.params.extraction.detection.backSize, name) : null;
      applyFilters(table, ctx.params.filters, plate.info, name, (i, entries) => {
        // First: a red source blue settled before its pass 2 stays alive here, and is flagged as any other.
        explain?.(i, entries);
        nearEdge?.(i, entries);
      });
      // Every red source, dropped or not, gets its distance to the edge.
      if (band === 'red') recordEdgeDistances(table, plate.info);
      return { state, count: ledgerCount(table, name, from, before) };
    },
  };
}

const redVsBlueStage: Stage = {
  name: RED_BLUE_STAGE,
  inputs: (p) => comparisonInputs(p.redBlue),
  async run(state, ctx) {
    const red = state.red.sources;
    const before = red.aliveCount();
    const from = red.ledger.length;
    if (!state.blue) {
      return { state, count: { input: before, output: before, dropped: {}, skipped: `red-only: ${state.modeReason}` } };
    }
    // Off the blue image first: those cannot be compared, so they must not pass as vanished.
    const off = dropWithoutBlueCoverage(red, plateFrame(state.blue), RED_BLUE_STAGE);
    const blue = state.blue.sources;
    compareRedBlue(red, comparedBlue(blue, ctx.params.redBlue.blueMatch), ctx.params.redBlue, RED_BLUE_STAGE);
    assertSettledDropped(state.red, refitMarginArcsec(ctx.params));
    recordNearestBlueDetection(red, blue, ctx.params.redBlue.nearestSearchArcsec);
    const blueCoverage = state.blueCoverage && { ...state.blueCoverage, redSourcesOutside: off.outside, droppedNoBlueCoverage: off.dropped };
    const notes = [...state.notes.filter((n) => !n.startsWith('red vs blue:')), blueMatchNote(ctx.params.redBlue)];
    return { state: { ...state, blueCoverage, notes }, count: ledgerCount(red, RED_BLUE_STAGE, from, before) };
  },
};

/** The ordered stage list of a run. */
export const PIPELINE_STAGES: Stage[] = [
  extractStage('red'),
  extractStage('blue'),
  positionsStage,
  plateEdgeStage,
  filtersStage('blue'),
  filtersStage('red'),
  gaiaRefitStage,
  redVsBlueStage,
  brightStarMaskStage,
  ...CATALOGUE_STAGES,
  publishedAuditStage,
];

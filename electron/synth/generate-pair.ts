/**
 * generatePlatePair: a synthetic POSS-I red/blue plate pair with a truth
 * table, for tests, the built-in demo and benchmarks. Same options and seed,
 * same bytes.
 *
 *   const { red, blue, truth } = await generatePlatePair({ outDir, preset: 'demo' });
 *   const pair = await generatePlatePair({ outDir, size: 800, seed: 7, transients: 12 });
 *   const plate = await generatePlatePair({ outDir, plate: 'XE582', size: 'plate' });
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseSolution } from '../astro/plate-solution';
import { throwIfAborted, UserError } from '../core/errors';
import type { StageContext } from '../core/stage';
import type { HeaderValues } from '../fits/header';
import { defaultEmulsion, Emulsion } from './emulsion';
import { resolveSynthOptions, type ResolvedSynthOptions, type SynthOptions } from './options';
import { distortHeader, platePair, type PlateLayout } from './plate-headers';
import { SeededRandom } from './prng';
import { PlatePsf } from './psf';
import { renderPlateImage } from './render';
import { buildScene, OccupancyGrid, type PlateModel } from './scene';
import { TRUTH_COLUMN_NOTES, writeTruthCsv } from './truth';

export type { SynthOptions } from './options';
export { SYNTH_PRESETS } from './options';

export interface SynthPair {
  red: string;
  blue: string;
  truth: string;
  /** The JSON sidecar: generation parameters, seed, plate summaries, counts. */
  params: string;
}

/** Bump when the same options would give different bytes. */
export const SYNTH_VERSION = 1;

function plateModel(o: ResolvedSynthOptions, layout: PlateLayout, redScale: number, rng: SeededRandom): PlateModel {
  return {
    band: layout.band,
    layout,
    solution: chooseSolution(layout.header).solution,
    psf: new PlatePsf(o.psf, layout.field, redScale / layout.scaleArcsec),
    emulsion: new Emulsion(defaultEmulsion(layout.band, rng.fork(`emulsion-${layout.band}`)), layout.field),
    items: [],
    grid: new OccupancyGrid(),
  };
}

function plateSummary(p: PlateModel, file: string) {
  const h = p.layout.header;
  return {
    file,
    survey: h.SURVEY,
    region: h.REGION,
    dateObs: h['DATE-OBS'],
    exposureMinutes: h.EXPOSURE,
    width: p.layout.width,
    height: p.layout.height,
    scaleArcsec: p.layout.scaleArcsec,
    solution: p.solution.kind,
    cnpix: typeof h.CNPIX1 === 'number' ? [h.CNPIX1, h.CNPIX2] : null,
    emulsion: p.emulsion.params,
    psfFwhmPx: { fieldCentre: p.psf.fwhmAtRadius(0), fieldCorner: p.psf.fwhmAtRadius(1), imageCentre: p.psf.fwhmAt(p.layout.width / 2, p.layout.height / 2) },
    drawnItems: p.items.length,
  };
}

/** The header written into a plate's file: the true one, or for red with headerDistortionArcsec a distorted one. */
function writtenHeader(o: ResolvedSynthOptions, plate: PlateModel): HeaderValues {
  const h = plate.layout.header as HeaderValues;
  if (plate.band !== 'red' || !o.headerDistortionArcsec) return h;
  return distortHeader(h, plate.layout.width, plate.layout.height, o.headerDistortionArcsec);
}

export async function generatePlatePair(opts: SynthOptions, ctx: StageContext = {}): Promise<SynthPair> {
  const o = resolveSynthOptions(opts);
  const log = ctx.log ?? (() => undefined);
  const started = Date.now();
  try {
    await mkdir(o.outDir, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot create the output folder ${o.outDir}: ${(err as Error).message}`, 'choose a writable folder with --out');
  }
  const files = {
    red: join(o.outDir, `${o.name}-red.fits`),
    blue: join(o.outDir, `${o.name}-blue.fits`),
    truth: join(o.outDir, `${o.name}-truth.csv`),
    params: join(o.outDir, `${o.name}-params.json`),
  };

  const layouts = platePair(o);
  const rng = new SeededRandom(o.seed);
  const red = plateModel(o, layouts.red, layouts.red.scaleArcsec, rng);
  const blue = plateModel(o, layouts.blue, layouts.red.scaleArcsec, rng);
  const scene = buildScene(o, red, blue, rng);
  throwIfAborted(ctx.signal, 'synthetic plate generation');
  log(
    `synth: ${layouts.red.header.REGION} ${red.layout.width}x${red.layout.height} + ${layouts.blue.header.REGION} ${blue.layout.width}x${blue.layout.height} ` +
      `(${red.solution.kind}): ${scene.counts.star} stars, ${scene.counts.galaxy} galaxies, ${scene.counts.transient} transients, ` +
      `${scene.counts.defectRed}+${scene.counts.defectBlue} defects (red+blue), seed ${o.seed}`,
  );

  await writeTruthCsv(files.truth, scene.truth);
  // Where the files go and the strip height do not change the bytes, so they stay out.
  const { outDir: _outDir, stripRows: _stripRows, ...generation } = o;
  const sidecar = {
    generator: 'vasco synth',
    version: SYNTH_VERSION,
    seed: o.seed,
    options: generation,
    red: plateSummary(red, `${o.name}-red.fits`),
    blue: plateSummary(blue, `${o.name}-blue.fits`),
    truth: { file: `${o.name}-truth.csv`, rows: scene.truth.length, columns: TRUTH_COLUMN_NOTES },
    counts: scene.counts,
    ...(o.brightStarArtefacts ? { artefactStars: scene.artefacts.map((a) => ({ x: +a.x.toFixed(3), y: +a.y.toFixed(3), spikeLengthPx: +a.spikeLengthPx.toFixed(1), ringRadiusPx: +a.ringRadiusPx.toFixed(1) })) } : {}),
  };
  await writeFile(files.params, JSON.stringify(sidecar, null, 2) + '\n');
  // Only the drawing list is needed from here on: let a full plate's truth go.
  scene.truth.length = 0;
  red.grid.clear();
  blue.grid.clear();

  for (const plate of [red, blue]) {
    const path = plate === red ? files.red : files.blue;
    await renderPlateImage(
      {
        path,
        width: plate.layout.width,
        height: plate.layout.height,
        header: writtenHeader(o, plate),
        items: plate.items,
        emulsion: plate.emulsion,
        seed: o.seed,
        stream: `grain-${plate.band}`,
        stripRows: o.stripRows,
        stage: `synth-${plate.band}`,
      },
      ctx,
    );
    log(`synth: wrote ${path}`);
  }
  log(`synth: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return files;
}

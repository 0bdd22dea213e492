/**
 * `vasco run --red FILE [--blue FILE] --out DIR ...`: the plate pipeline from
 * FITS to red-only candidates. Progress goes to stderr (with --progress-json:
 * JSON lines on stdout, how the workstation follows its runs); Ctrl-C cancels and the
 * same command later resumes after the last finished stage.
 */
import { join, resolve } from 'node:path';
import { acquirePlates } from '../../acquire/plates';
import { CATALOG_IDS, defaultCatalogs, isCatalogId, type CatalogId } from '../../catalogs/catalogs';
import { parseCatalogFileArgs } from '../../catalogs/local-files';
import { CancelledError, UserError } from '../../core/errors';
import type { RunMessage } from '../../api/jobs';
import { mergeGroupOptions, paramsToOptions, parseParamArgs } from '../../api/run-params';
import type { Progress } from '../../core/stage';
import { DEFAULT_CATALOGUE } from '../../pipeline/parameters';
import { DEFAULT_FILTERS } from '../../pipeline/filters';
import { prepareOutDir, runPipeline, type RunOptions, type RunResult } from '../../pipeline/run';
import type { VetoMode } from '../../pipeline/veto';
import { openWorkspace, recordPipelineRun } from '../../store/workspace';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'run the plate pipeline: plates -> extraction -> filters -> red vs blue -> veto -> candidates';

const f = DEFAULT_FILTERS;
const c = DEFAULT_CATALOGUE;
const USAGE = `usage: vasco run (--red FILE [--blue FILE] | --plate N | --ra DEG --dec DEG --size-arcmin M) --out DIR [options]

 plates
  --red FILE         red POSS-I E plate or cutout (FITS)
  --blue FILE        blue POSS-I O plate of the same field; without it the run is red-only
  --plate N          POSS-I field number: fetch red XE<N> and blue XO<N> full scans from IRSA
  --ra, --dec DEG    or a field centre: fetch STScI DSS POSS-I E and O cutouts ...
  --size-arcmin M    ... of this size (default 30)
  --out DIR          output folder: candidates.csv, sources.csv, summary.json, vasco.sqlite, work/
  --db FILE          record the run in this review workspace instead of DIR/vasco.sqlite
  --red-only         ignore --blue (no red-vs-blue comparison)
  --allow-other-field  accept a blue plate of another POSS-I field that overlaps the red one
                     (only the overlap is compared; a pair that does not overlap is always refused)
  --offline          use no network at all
  --spread-min X     keep SPREAD_MODEL > X          (default ${f.spreadModelMin}; published -0.002)
  --fwhm-min PX      keep FWHM >= PX at 1.7"/px     (default ${f.fwhmMinPx}; scaled to each plate's pixels)
  --fwhm-max PX      keep FWHM <= PX at 1.7"/px     (default ${f.fwhmMaxPx})
  --elong-max X      keep ELONGATION < X            (default ${f.elongationMax})
  --snr-min X        keep FLUX_AUTO/FLUXERR_AUTO >= X (default ${f.snrMin})
  --mad              local MAD clipping of FWHM and ELONGATION (2 sigma, 30' cells; off by default)

 modern catalogues and later stages
  --veto MODE        xmatch (CDS XMatch upload of the survivors; default) | cone (VizieR) | local | none
  --catalogs LIST    comma list of ${CATALOG_IDS.join(', ')} (default ${defaultCatalogs().join(',')})
  --ir               add AllWISE, 2MASS, CatWISE2020, UKIDSS-LAS (off, as in the published catalogue)
  --usnob            add USNO-B1.0 (off: it holds POSS-I measurements itself)
  --catalog ID=FILE  a local catalogue file (CSV, VOTable or FITS) for ID; repeatable; works offline
  --veto-radius AS   counterpart radius, arcsec (default ${c.vetoRadiusArcsec})
  --cache-dir DIR    catalogue query cache (default DIR/cache)
  --asteroid-radius AS  SkyBoT flag radius, arcsec (default ${c.asteroidRadiusArcsec})
  --dec-min DEG      drop candidates south of this (default ${c.decMin}, the published limit)
  --dedup-dir DIR    drop candidates within 5" of earlier runs' candidates.csv in DIR
  --vasco FILE       score against the published catalogue (CSV with RA/Dec): recall, precision, F1

 execution
  --workers N        tool processes at once: tiles, red and blue (default: the core count; never changes the answer)
  --extraction MODE  fast (default): SPREAD_MODEL only for sources that can still change the answer
                     straightforward: every source measured with SPREAD_MODEL, then all filters (the reference order)
  --psf-sample S     lean (default with fast): PSF stamps of isolated bright stars only; all: of every detection
  --tile-size PX     tile core side in pixels, 0 = whole plate (default 7168 with fast: 2x2 on a full plate; 0 with straightforward)
  --tile-overlap PX  pixels a tile reaches beyond its core (default 768: three 256 px background meshes)
  --resume           resume after the last finished stage (default)
  --fresh            ignore and delete earlier checkpoints

 the workstation (which starts its runs as this command)
  --param NAME=VALUE a pipeline parameter by the workstation's name (e.g. filters.snrMin=20,
                     extraction.detection.detectThresh=1.5); repeatable; wins over the flags above
  --note TEXT        add a line to the run's notes; repeatable
  --progress-json    progress, log, the recorded run id and errors as JSON lines on stdout
`;

function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastStage = '';
  let lastAt = 0;
  let lastFraction = 0;
  return (p: Progress) => {
    const now = Date.now();
    const changed = p.stage !== lastStage;
    const finished = p.fraction >= 1 && lastFraction < 1;
    if (!changed && !finished && now - lastAt < (tty ? 200 : 2000)) return;
    if (!changed && p.fraction >= 1 && !finished) return;
    lastAt = now;
    lastStage = p.stage;
    lastFraction = p.fraction;
    const eta = p.etaSeconds !== undefined && p.fraction < 1 ? `, about ${Math.ceil(p.etaSeconds)} s left` : '';
    const line = `${p.message ?? ''} ${p.stage} ${(100 * p.fraction).toFixed(0)}%${eta}`.trim();
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.fraction >= 1 ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

/** Progress as JSON lines for the workstation: every stage change and finish, otherwise at most ten a second. */
function progressEmitter(emit: (m: RunMessage) => void) {
  let lastStage = '';
  let lastAt = 0;
  return (p: Progress) => {
    const now = Date.now();
    if (p.stage === lastStage && p.fraction < 1 && now - lastAt < 100) return;
    lastStage = p.stage;
    lastAt = now;
    emit({ type: 'progress', stage: p.stage, fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message });
  };
}

function funnel(r: RunResult): string {
  const lines = ['', `funnel (${r.summary.mode}${r.summary.modeReason ? `: ${r.summary.modeReason}` : ''}):`];
  for (const s of r.summary.stages) {
    const dropped = Object.entries(s.dropped)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const what = s.skipped ? `skipped: ${s.skipped}` : `${s.input} -> ${s.output}${dropped ? `  (dropped: ${dropped})` : ''}`;
    lines.push(`  ${s.name.padEnd(14)} ${what}${s.fromCheckpoint ? '  [from checkpoint]' : ''}`);
  }
  lines.push(`  candidates: ${r.summary.candidates} of ${r.sourceCount} red sources`);
  const s = r.summary.score;
  if (s) {
    lines.push(
      `  against the published catalogue (${s.selection}, ${s.radiusArcsec}"): recall ${s.recall.toFixed(3)} (${s.recovered}/${s.vascoSources}), ` +
        `precision ${s.precision.toFixed(3)} (${s.confirmed}/${s.candidates}), F1 ${s.f1.toFixed(3)}`,
    );
  }
  for (const n of r.summary.notes) lines.push(`  note: ${n}`);
  lines.push(`wrote ${r.files.candidates}, ${r.files.sources}, ${r.files.summary}`);
  return lines.join('\n') + '\n';
}

function parseRunArgs(argv: string[]) {
  return parseCommandArgs('run', argv, {
    red: { type: 'string' },
    blue: { type: 'string' },
    out: { type: 'string' },
    offline: { type: 'boolean', default: false },
    'red-only': { type: 'boolean', default: false },
    'allow-other-field': { type: 'boolean', default: false },
    'spread-min': { type: 'string' },
    'fwhm-min': { type: 'string' },
    'fwhm-max': { type: 'string' },
    'elong-max': { type: 'string' },
    'snr-min': { type: 'string' },
    mad: { type: 'boolean', default: false },
    workers: { type: 'string' },
    extraction: { type: 'string' },
    'psf-sample': { type: 'string' },
    'tile-size': { type: 'string' },
    'tile-overlap': { type: 'string' },
    plate: { type: 'string' },
    ra: { type: 'string' },
    dec: { type: 'string' },
    'size-arcmin': { type: 'string' },
    db: { type: 'string' },
    veto: { type: 'string' },
    catalogs: { type: 'string' },
    ir: { type: 'boolean', default: false },
    usnob: { type: 'boolean', default: false },
    catalog: { type: 'string', multiple: true },
    'veto-radius': { type: 'string' },
    'cache-dir': { type: 'string' },
    'asteroid-radius': { type: 'string' },
    'dec-min': { type: 'string' },
    'dedup-dir': { type: 'string' },
    vasco: { type: 'string' },
    resume: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true },
    note: { type: 'string', multiple: true },
    'progress-json': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseRunArgs(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values['progress-json']) return runCommand(values, argv, null);
  const emit = (m: RunMessage) => process.stdout.write(`${JSON.stringify(m)}\n`);
  try {
    return await runCommand(values, argv, emit);
  } catch (err) {
    // The message and hint still go to stderr too (vasco.ts), for a person reading the log.
    if (err instanceof UserError) emit({ type: 'error', message: err.message, ...(err.hint ? { hint: err.hint } : {}), code: err.code });
    else if (err instanceof CancelledError) emit({ type: 'cancelled' });
    else emit({ type: 'error', message: (err as Error).message });
    throw err;
  }
}

type RunValues = ReturnType<typeof parseRunArgs>['values'];

async function runCommand(values: RunValues, argv: string[], emit: ((m: RunMessage) => void) | null): Promise<number> {
  if (!values.out) throw new UserError('vasco run needs --out DIR (where candidates.csv and summary.json go)', 'run `vasco run --help`');
  const fetchPlate = values.plate !== undefined || values.ra !== undefined || values.dec !== undefined;
  if (!values.red && !fetchPlate) {
    throw new UserError('vasco run needs plates: --red FILE [--blue FILE], --plate N, or --ra/--dec', 'run `vasco run --help`');
  }
  if (values.red && fetchPlate) throw new UserError('vasco run: give either local plates (--red) or a field to fetch (--plate, --ra/--dec), not both');
  if (fetchPlate && values.offline) {
    throw new UserError('vasco run: --offline cannot fetch plates', 'download them first, then run with --red FILE --blue FILE --offline');
  }
  if (values.resume && values.fresh) throw new UserError('vasco run: --resume and --fresh contradict each other', 'give one of them');
  const workers = values.workers === undefined ? undefined : numberOption('run', 'workers', values.workers, 1);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new UserError(`vasco run: --workers must be a whole number >= 1, got ${values.workers}`);
  const mode = values.extraction;
  if (mode !== undefined && mode !== 'fast' && mode !== 'straightforward')
    throw new UserError(`vasco run: --extraction must be fast or straightforward, got "${mode}"`);
  const psfSample = values['psf-sample'];
  if (psfSample !== undefined && psfSample !== 'lean' && psfSample !== 'all')
    throw new UserError(`vasco run: --psf-sample must be lean or all, got "${psfSample}"`);
  const wholePx = (name: 'tile-size' | 'tile-overlap') => {
    if (values[name] === undefined) return undefined;
    const v = numberOption('run', name, values[name], 0);
    if (!Number.isInteger(v) || v < 0) throw new UserError(`vasco run: --${name} must be a whole number of pixels >= 0, got ${values[name]}`);
    return v;
  };

  const num = (name: string, fallback: number) => numberOption('run', name, values[name as keyof typeof values] as string | undefined, fallback);
  const vetoMode = (values.veto ?? c.veto) as VetoMode;
  if (!['xmatch', 'cone', 'local', 'none'].includes(vetoMode)) throw new UserError(`vasco run: --veto must be xmatch, cone, local or none, got "${values.veto}"`);
  let catalogs: CatalogId[] = defaultCatalogs({ ir: values.ir, usnob: values.usnob });
  if (values.catalogs !== undefined) {
    const named = values.catalogs.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = named.filter((n) => !isCatalogId(n));
    if (unknown.length) throw new UserError(`vasco run: unknown catalogue(s) ${unknown.join(', ')}`, `choose from ${CATALOG_IDS.join(', ')}`);
    catalogs = named as CatalogId[];
  }
  const localFiles = parseCatalogFileArgs(values.catalog ?? []);
  const params = paramsToOptions(parseParamArgs(values.param ?? []));
  // A local file for a catalogue not in the list means the person wants it used.
  for (const id of Object.keys({ ...localFiles, ...params.catalogue?.localFiles }) as CatalogId[]) if (!catalogs.includes(id)) catalogs.push(id);
  const onProgress = emit ? progressEmitter(emit) : progressPrinter();
  const log = emit ? (line: string) => emit({ type: 'log', line }) : undefined;

  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nvasco run: cancelling (run the same command again to resume)\n');
    controller.abort();
  };
  // A file or an unwritable folder as --out is refused before any download or extraction.
  prepareOutDir(resolve(values.out));
  // Installed before any download, so Ctrl-C cancels a plate fetch cleanly too (.part files resume).
  process.once('SIGINT', onSigint);
  const plates = fetchPlate
    ? await acquirePlates(
        {
          plate: values.plate !== undefined ? num('plate', NaN) : undefined,
          ra: values.ra !== undefined ? num('ra', NaN) : undefined,
          dec: values.dec !== undefined ? num('dec', NaN) : undefined,
          sizeArcmin: values.ra !== undefined ? num('size-arcmin', 30) : undefined,
        },
        join(values.out, 'plates'),
        { signal: controller.signal, onProgress, log: log ?? ((l) => process.stderr.write(`${l}\n`)) },
      )
    : { red: values.red!, blue: values.blue ?? null, notes: [] as string[] };
  for (const n of plates.notes) process.stderr.write(`vasco run: ${n}\n`);
  const notes = [...(values.note ?? []), ...plates.notes.map((n) => `acquire: ${n}`)];

  const fromFlags: RunOptions = {
    red: plates.red,
    blue: plates.blue ?? undefined,
    out: values.out,
    redOnly: values['red-only'],
    offline: values.offline,
    filters: {
      spreadModelMin: num('spread-min', f.spreadModelMin),
      fwhmMinPx: num('fwhm-min', f.fwhmMinPx),
      fwhmMaxPx: num('fwhm-max', f.fwhmMaxPx),
      elongationMax: num('elong-max', f.elongationMax),
      snrMin: num('snr-min', f.snrMin),
      mad: { ...f.mad, enabled: values.mad },
    },
    redBlue: { allowOtherField: values['allow-other-field'] },
    catalogue: {
      veto: vetoMode,
      catalogs,
      localFiles,
      vetoRadiusArcsec: num('veto-radius', c.vetoRadiusArcsec),
      asteroidRadiusArcsec: num('asteroid-radius', c.asteroidRadiusArcsec),
      decMin: num('dec-min', c.decMin),
      dedupDir: values['dedup-dir'] ?? null,
      vasco: values.vasco ?? null,
      cacheDir: values['cache-dir'] ?? null,
    },
    extraction: { mode, psfSample, tileSizePx: wholePx('tile-size'), tileOverlapPx: wholePx('tile-overlap') },
    workers,
    resume: !values.fresh,
    command: ['vasco', 'run', ...argv],
  };
  const options = mergeGroupOptions(fromFlags, params);

  try {
    const warn = (line: string) => {
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}vasco run: warning: ${line}\n`);
      log?.(`warning: ${line}`);
    };
    const result = await runPipeline(options, { signal: controller.signal, onProgress, log, warn });
    result.summary.notes.push(...notes);
    process.stderr.write(funnel(result));
    const dbFile = resolve(values.db ?? join(values.out, 'vasco.sqlite'));
    const ws = openWorkspace(dbFile);
    try {
      const stored = recordPipelineRun(ws, result, values.out);
      emit?.({ type: 'done', runId: stored.runId, outDir: resolve(values.out), alreadyRecorded: stored.alreadyRecorded });
      if (stored.alreadyRecorded) {
        const what = result.unchanged ? 'nothing to do' : 'resumed, nothing re-recorded';
        process.stderr.write(`same inputs and parameters as run ${stored.runId} in ${dbFile}: ${what}\n`);
        return 0;
      }
      process.stderr.write(`stored as run ${stored.runId} in ${dbFile}`);
      if (stored.reattached) process.stderr.write(`; ${stored.reattached} earlier review(s) follow their sources`);
      process.stderr.write('\n');
      for (const o of stored.orphanedReviews) {
        process.stderr.write(`  review ${o.reviewId} lost its source (no source within 1" of RA ${o.ra.toFixed(5)} Dec ${o.dec.toFixed(5)} in this run)\n`);
      }
    } finally {
      ws.close();
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

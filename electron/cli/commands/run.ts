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
import { catalogDirFiles } from '../../catalogs/catalog-dir';
import { CancelledError, UserError } from '../../core/errors';
import type { RunMessage } from '../../api/jobs';
import { shellQuote } from '../../core/shell';
import { mergeGroupOptions, paramsToOptions, parseParamArgs, type RunParams } from '../../api/run-params';
import type { Progress } from '../../core/stage';
import { RUN_PARAMETER_LIST, checkParameter, parameterHelp, type RunParameter } from '../../pipeline/parameter-schema';
import { prepareOutDir, runPipeline, type RunOptions, type RunResult } from '../../pipeline/run';
import { openWorkspace, recordPipelineRun } from '../../store/workspace';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'run the plate pipeline: plates -> extraction -> filters -> red vs blue -> veto -> candidates';

const USAGE = `usage: vasco run (--red FILE [--blue FILE] | --plate N | --ra DEG --dec DEG --size-arcmin M) --out DIR [options]

 plates
  --red FILE         red POSS-I E plate or cutout (FITS)
  --blue FILE        blue POSS-I O plate of the same field; without it the run is red-only
  --plate N          POSS-I field number: fetch red XE<N> and blue XO<N> full scans from IRSA
  --ra, --dec DEG    or a field centre: fetch STScI DSS POSS-I E and O cutouts ...
  --size-arcmin M    ... of this size (default 30)
  --plates-dir DIR   keep fetched plates in DIR (default OUT/plates); runs may share it: a plate is fetched once
  --out DIR          output folder: candidates.csv, sources.csv, summary.json, vasco.sqlite, work/
  --db FILE          record the run in this review workspace instead of DIR/vasco.sqlite
  --red-only         ignore --blue (no red-vs-blue comparison)
  --offline          use no network at all
${parameterHelp(['filters.spreadModelMin', 'filters.fwhmMinPx', 'filters.fwhmMaxPx', 'filters.elongationMax', 'filters.symmetryMaxPx', 'filters.snrMin', 'filters.mad.enabled', 'redBlue.radiusArcsec', 'redBlue.blueMatch', 'redBlue.allowOtherField'])}

 modern catalogues and later stages
${parameterHelp(['catalogue.veto'])}
  --catalogs LIST    comma list of ${CATALOG_IDS.join(', ')} (default ${defaultCatalogs().join(',')})
  --ir               add AllWISE, 2MASS, CatWISE2020, UKIDSS-LAS (off, as in the published catalogue)
  --usnob            add USNO-B1.0 (off: it holds POSS-I measurements itself)
  --catalog ID=FILE  a local catalogue file (CSV, VOTable or FITS) for ID; repeatable; works offline
${parameterHelp(['catalogue.vetoRadiusArcsec', 'catalogue.supercosmosRole', 'catalogue.ptfMinGoodObs', 'catalogue.asteroidRadiusArcsec', 'catalogue.decMin', 'filters.maxCentreDeg', 'catalogue.gaiaRefit', 'catalogue.brightStarMask'])}
  --catalog-dir DIR  local catalogue mirrors cut into HEALPix tiles (vasco catalog-dir build): the catalogues it
                     holds are read from the tiles under the plate instead of the network; --catalog wins
  --cache-dir DIR    catalogue query cache (default DIR/cache)
  --dedup-dir DIR    drop candidates within 5" of earlier runs' candidates.csv in DIR
  --vasco FILE       score against the published catalogue (SVO CSV or VOTable, RA/Dec): recall, precision, F1;
                     DIR/published.csv says which stage kept or dropped each published source

 execution
  --workers N        tool processes at once: tiles, red and blue (default: the core count; never changes the answer)
${parameterHelp(['extraction.mode', 'extraction.psfSample', 'extraction.tileSizePx', 'extraction.tileOverlapPx'])}
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
    const blue = s.blue ? `; blue ${s.blue.input} -> ${s.blue.output}` : '';
    const what = s.skipped ? `skipped: ${s.skipped}` : `${s.input} -> ${s.output}${blue}${dropped ? `  (dropped: ${dropped})` : ''}`;
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
  const p = r.summary.published;
  if (p) {
    const buckets = Object.entries(p.buckets).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`  published sources on the plate: ${p.sources} (${buckets || 'none'}); RA/Dec from columns ${p.columns.ra}/${p.columns.dec} of the ${p.format}; rows in published.csv`);
  }
  for (const n of r.summary.notes) lines.push(`  note: ${n}`);
  lines.push(`wrote ${r.files.candidates}, ${r.files.sources}, ${r.files.summary}`);
  return lines.join('\n') + '\n';
}

/** The flags of the parameters in parameter-schema.ts: numbers and words arrive as text, switches as booleans. */
const PARAMETER_FLAGS = Object.fromEntries(
  RUN_PARAMETER_LIST.map((p) => [p.flag, { type: p.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
) as Record<string, { type: 'string' | 'boolean' }>;

/** What a flag must be, as the CLI says it ("fast or straightforward"). */
function allowedOnCommandLine(p: RunParameter, schemaSays: string): string {
  if (p.kind !== 'choice') return schemaSays;
  return `${p.choices.slice(0, -1).join(', ')} or ${p.choices[p.choices.length - 1]}`;
}

/** The parameter flags given, as typed parameters under their dotted names; a value out of its limits is refused naming the flag. */
function parameterFlagValues(values: Record<string, unknown>): RunParams {
  const out: RunParams = {};
  for (const p of RUN_PARAMETER_LIST) {
    const text = values[p.flag] as string | boolean | undefined;
    if (text === undefined) continue;
    const value = p.kind === 'number' ? numberOption('run', p.flag, text as string, NaN) : text;
    const allowed = checkParameter(p, value);
    if (allowed) throw new UserError(`vasco run: --${p.flag} must be ${allowedOnCommandLine(p, allowed)}, got "${text}"`, 'run `vasco run --help`');
    out[p.key] = value;
  }
  return out;
}

function parseRunArgs(argv: string[]) {
  return parseCommandArgs('run', argv, {
    red: { type: 'string' },
    blue: { type: 'string' },
    out: { type: 'string' },
    offline: { type: 'boolean', default: false },
    'red-only': { type: 'boolean', default: false },
    ...PARAMETER_FLAGS,
    workers: { type: 'string' },
    plate: { type: 'string' },
    ra: { type: 'string' },
    dec: { type: 'string' },
    'size-arcmin': { type: 'string' },
    db: { type: 'string' },
    catalogs: { type: 'string' },
    ir: { type: 'boolean', default: false },
    usnob: { type: 'boolean', default: false },
    catalog: { type: 'string', multiple: true },
    'cache-dir': { type: 'string' },
    'catalog-dir': { type: 'string' },
    'plates-dir': { type: 'string' },
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
  const fromParameterFlags = paramsToOptions(parameterFlagValues(values));
  const num = (name: string, fallback: number) => numberOption('run', name, values[name as keyof typeof values] as string | undefined, fallback);
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
  // Mirrors serve only the catalogues this run uses; a --catalog file for one of them wins.
  if (values['catalog-dir'] !== undefined) Object.assign(localFiles, { ...catalogDirFiles(values['catalog-dir'], catalogs), ...localFiles });
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
        values['plates-dir'] ?? join(values.out, 'plates'),
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
    catalogue: {
      catalogs,
      localFiles,
      dedupDir: values['dedup-dir'] ?? null,
      vasco: values.vasco ?? null,
      cacheDir: values['cache-dir'] ?? null,
    },
    workers,
    resume: !values.fresh,
    command: ['vasco', 'run', ...argv],
  };
  const options = mergeGroupOptions(mergeGroupOptions(fromFlags, fromParameterFlags), params);

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
      const stored = await recordPipelineRun(ws, result, values.out);
      emit?.({ type: 'done', runId: stored.runId, outDir: resolve(values.out), alreadyRecorded: stored.alreadyRecorded });
      const reviewHint = `review it: vasco serve --db ${shellQuote(dbFile)}\n`;
      if (stored.alreadyRecorded) {
        const what = result.unchanged ? 'nothing to do' : 'resumed, nothing re-recorded';
        process.stderr.write(`same inputs and parameters as run ${stored.runId} in ${dbFile}: ${what}\n${reviewHint}`);
        return 0;
      }
      process.stderr.write(`stored as run ${stored.runId} in ${dbFile}`);
      if (stored.reattached) process.stderr.write(`; ${stored.reattached} earlier review(s) follow their sources`);
      process.stderr.write('\n');
      for (const o of stored.orphanedReviews) {
        process.stderr.write(`  review ${o.reviewId} lost its source (no source within 1" of RA ${o.ra.toFixed(5)} Dec ${o.dec.toFixed(5)} in this run)\n`);
      }
      process.stderr.write(reviewHint);
    } finally {
      ws.close();
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

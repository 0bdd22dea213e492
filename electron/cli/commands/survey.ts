/**
 * `vasco survey plan|run|status|cancel|merge`: many plates as one survey, each plate
 * a `vasco run` of its own, on this machine or as a Slurm job array (see
 * electron/survey/). `vasco survey task DIR INDEX` is what each plate's process
 * runs (internal).
 */
import { resolve } from 'node:path';
import { UserError } from '../../core/errors';
import { fieldsInRegion, loadFieldList, parseFieldNumbers, parseRegion } from '../../survey/fields';
import { makePlan, platesFromFields, platesFromPairs, readPlan, savePlan, type PlannedPlate } from '../../survey/plan';
import { mergeSurvey } from '../../survey/merge';
import { cancelSurvey, readStatus, runSurvey } from '../../survey/run';
import type { SurveyStatus } from '../../survey/state';
import { runPlateTask } from '../../survey/task';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'many plates as one survey: plan, run (local or Slurm), status, cancel, merge';

const USAGE = `usage: vasco survey plan --out DIR (--pairs FILE.csv | --plates LIST | --all | --region RA,DEC,R) [vasco run options]
       vasco survey run DIR [--engine local|slurm] [options]
       vasco survey status DIR [--json]
       vasco survey cancel DIR
       vasco survey merge DIR [--vasco FILE]

 plan: writes DIR/plan.json; every option other than these is a \`vasco run\` option shared by all plates
  --pairs FILE.csv   local plates: a CSV with header red,blue (blue may be empty; paths relative to the CSV)
  --plates LIST      POSS-I field numbers, e.g. 582,583,600-610 (each fetched as \`vasco run --plate N\` does)
  --all              every field of the POSS-I field list (VizieR VI/25)
  --region RA,DEC,R  fields whose centres lie within R degrees of RA,DEC (degrees)
  --field-list FILE  the VizieR VI/25 CSV to read fields from (default: the list shipped with the app)
  Planning again into DIR with the same selection and options does nothing; with others it is refused.

 run: the plates not yet done (failed ones again); each into DIR/plates/<plate>/
  --engine E         local (default): plates in parallel on this machine; slurm: one job array, one task a plate
  --parallel N       plates at once (local default: half the cores; slurm: the array's %N, default no limit)
  --retries N        extra attempts for a plate that fails during this run (default 1; refused inputs are not retried)
  --max-requests-per-service N
                     requests in flight to each service (VizieR, XMatch, IRSA, ...) across all the survey's plates,
                     on any host (default 4); fetched plates and catalogue answers are shared in DIR/cache/
  --detach           return once started/submitted (follow with \`vasco survey status DIR\`)
  --quiet            no progress lines
  slurm only (passed to sbatch; SLURM_CONF and your sbatch defaults apply; DIR and vasco on a shared filesystem):
  --partition P  --time T  --mem M  --account A  --cpus-per-task N  --sbatch-arg ARG (repeatable, verbatim)

 status: each plate planned, queued, running (with its stage), done or failed (with the reason); --json for scripts
 cancel: cancels the survey's Slurm jobs, or stops its local run (every plate's processes)
 merge: the done plates as one review store DIR/survey.sqlite, DIR/candidates.csv (one row per position within 5"
        across plates, from the plate where it lies farthest from the edge; also_on lists the other plates'
        detections) and DIR/survey-summary.json (the funnel summed and per plate); plates not done are named
  --vasco FILE       also recall, precision and F1 against the published catalogue over the surveyed plates
`;

/** Survey-plan options (name -> takes a value); everything else goes to `vasco run`. */
const PLAN_OPTIONS: Record<string, boolean> = { out: true, pairs: true, plates: true, all: false, region: true, 'field-list': true, help: false };

function splitPlanArgs(argv: string[]): { own: Record<string, string | boolean>; runArgs: string[] } {
  const own: Record<string, string | boolean> = {};
  const runArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in PLAN_OPTIONS)) {
      runArgs.push(argv[i]);
      continue;
    }
    const takesValue = PLAN_OPTIONS[m[1]];
    if (!takesValue) own[m[1]] = true;
    else if (m[2] !== undefined) own[m[1]] = m[2];
    else if (i + 1 < argv.length) own[m[1]] = argv[++i];
    else throw new UserError(`vasco survey plan: --${m[1]} needs a value`, 'run `vasco survey --help`');
  }
  return { own, runArgs };
}

function plan(argv: string[]): number {
  const { own, runArgs } = splitPlanArgs(argv);
  if (own.help) return help();
  const out = own.out as string | undefined;
  if (!out) throw new UserError('vasco survey plan needs --out DIR (the survey folder)', 'run `vasco survey --help`');
  const chosen = (['pairs', 'plates', 'all', 'region'] as const).filter((k) => own[k] !== undefined);
  if (chosen.length !== 1)
    throw new UserError(
      `vasco survey plan needs exactly one selection, got ${chosen.length ? chosen.map((c) => `--${c}`).join(' and ') : 'none'}`,
      'give one of --pairs FILE.csv, --plates LIST, --all, --region RA,DEC,RADIUS',
    );
  const fieldList = own['field-list'] as string | undefined;
  if (fieldList && (own.pairs || own.plates)) throw new UserError('vasco survey plan: --field-list is used only with --all or --region');
  let plates: PlannedPlate[];
  let selection: string;
  if (own.pairs) {
    plates = platesFromPairs(own.pairs as string);
    selection = `pairs ${resolve(own.pairs as string)}`;
  } else if (own.plates) {
    plates = platesFromFields(parseFieldNumbers(own.plates as string).map((field) => ({ field, ra: NaN, dec: NaN }))).map(({ centre: _, ...p }) => p);
    selection = `plates ${own.plates}`;
  } else if (own.all) {
    plates = platesFromFields(loadFieldList(fieldList));
    selection = 'all POSS-I fields';
  } else {
    const region = parseRegion(own.region as string);
    const fields = fieldsInRegion(loadFieldList(fieldList), region);
    if (!fields.length) throw new UserError(`no POSS-I field centre lies within ${region.radiusDeg}° of ${region.ra}, ${region.dec}`, 'widen the radius (field centres are about 6° apart)');
    plates = platesFromFields(fields);
    selection = `region ${own.region}`;
  }
  const dir = resolve(out);
  const p = makePlan(selection, plates, runArgs, process.cwd());
  const wrote = savePlan(dir, p);
  process.stderr.write(
    wrote
      ? `planned ${plates.length} plate(s) into ${dir}/plan.json${runArgs.length ? ` with: vasco run ${runArgs.join(' ')}` : ''}\n`
      : `${dir} already holds this plan (${plates.length} plate(s)): nothing to do\n`,
  );
  return 0;
}

function hours(seconds: number): string {
  return (seconds / 3600).toFixed(seconds < 36 ? 3 : 2);
}

/** One line: done/running/failed, CPU-hours and an ETA from the mean time of the plates done. */
function progressLine(s: SurveyStatus, slots: number): string {
  const c = s.counts;
  const total = s.plates.length;
  const done = s.plates.filter((p) => p.state === 'done' && p.wallSeconds > 0);
  const mean = done.length ? done.reduce((a, p) => a + p.wallSeconds, 0) / done.length : null;
  const left = c.planned + c.queued + c.running;
  const eta = mean !== null && left ? `, ETA ${Math.ceil((mean * left) / Math.max(1, slots) / 60)} min` : '';
  return `survey: ${c.done}/${total} done, ${c.running} running, ${c.failed} failed, ${c.planned + c.queued} waiting; CPU ${hours(s.cpuSeconds)} h${eta}`;
}

function statusReport(s: SurveyStatus): string {
  const lines = [];
  for (const p of s.plates) {
    const stage = p.state === 'running' && p.stage ? ` ${p.stage}${p.fraction !== undefined ? ` ${(100 * p.fraction).toFixed(0)}%` : ''}` : '';
    const memory = p.peakRssMiB ? `, peak ${p.peakRssMiB.toFixed(0)} MiB` : '';
    const extra = p.state === 'done' ? ` ${p.candidates ?? '?'} candidates, ${p.wallSeconds.toFixed(0)} s${memory}` : p.reason ? `: ${p.reason}` : '';
    const tries = p.attempts > 1 ? ` (${p.attempts} attempts)` : '';
    lines.push(`  ${p.id.padEnd(16)} ${p.state}${stage}${extra}${tries}`);
    if (p.state === 'failed' && p.stderrTail?.length) lines.push(...p.stderrTail.slice(-4).map((l) => `      | ${l}`));
  }
  const c = s.counts;
  lines.push(
    `${s.plates.length} plates: ${c.done} done, ${c.running} running, ${c.queued} queued, ${c.failed} failed, ${c.planned} planned; ` +
      `CPU ${hours(s.cpuSeconds)} h, wall ${hours(s.wallSeconds)} h summed over plates` +
      (s.engine ? `; last run: ${s.engine.engine} from ${s.engine.startedUtc}${s.engine.slurmJobs.length ? ` (jobs ${s.engine.slurmJobs.map((j) => j.jobId).join(', ')})` : ''}` : ''),
  );
  return lines.join('\n') + '\n';
}

async function runSubcommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'survey run',
    argv,
    {
      engine: { type: 'string', default: 'local' },
      parallel: { type: 'string' },
      retries: { type: 'string' },
      'max-requests-per-service': { type: 'string' },
      detach: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      partition: { type: 'string' },
      time: { type: 'string' },
      mem: { type: 'string' },
      account: { type: 'string' },
      'cpus-per-task': { type: 'string' },
      'sbatch-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
    true,
  );
  if (values.help) return help();
  const dir = surveyDir('run', positionals);
  const engine = values.engine;
  if (engine !== 'local' && engine !== 'slurm') throw new UserError(`vasco survey run: --engine must be local or slurm, got "${engine}"`);
  const whole = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = numberOption('survey run', name, v, NaN);
    if (!Number.isInteger(n) || n < min) throw new UserError(`vasco survey run: --${name} must be a whole number >= ${min}, got ${v}`);
    return n;
  };
  const parallel = whole('parallel', values.parallel, 1);
  const slurmOnly = (['partition', 'time', 'mem', 'account', 'cpus-per-task', 'sbatch-arg'] as const).filter((k) => values[k] !== undefined);
  if (engine === 'local' && slurmOnly.length) throw new UserError(`vasco survey run: ${slurmOnly.map((k) => `--${k}`).join(', ')} apply to --engine slurm only`);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write(
      engine === 'local' ? '\nvasco survey: stopping the plates (run the same command again to resume)\n' : '\nvasco survey: no longer waiting; the Slurm job goes on (vasco survey cancel DIR stops it)\n',
    );
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY;
  const slots = parallel ?? 1;
  try {
    const status = await runSurvey(dir, {
      engine,
      parallel,
      retries: whole('retries', values.retries, 0) ?? 1,
      maxRequestsPerService: whole('max-requests-per-service', values['max-requests-per-service'], 1),
      detach: values.detach,
      slurm: {
        partition: values.partition,
        time: values.time,
        mem: values.mem,
        account: values.account,
        cpusPerTask: whole('cpus-per-task', values['cpus-per-task'], 1),
        sbatchArgs: values['sbatch-arg'] ?? [],
      },
      signal: controller.signal,
      onStatus: values.quiet ? undefined : (s) => process.stderr.write(tty ? `\r\x1b[K${progressLine(s, slots)}` : `${progressLine(s, slots)}\n`),
    });
    if (!values.quiet) process.stderr.write(`${tty ? '\n' : ''}${statusReport(status)}`);
    if (controller.signal.aborted) return 130;
    if (values.detach) {
      process.stderr.write(`${engine === 'slurm' ? 'submitted' : 'started'}; follow with: vasco survey status ${dir}\n`);
      return 0;
    }
    return status.counts.failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function surveyDir(sub: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UserError(`vasco survey ${sub} needs the survey folder: vasco survey ${sub} DIR`, 'run `vasco survey --help`');
  return resolve(positionals[0]);
}

function status(argv: string[]): number {
  const { values, positionals } = parseCommandArgs('survey status', argv, { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, true);
  if (values.help) return help();
  const dir = surveyDir('status', positionals);
  const s = readStatus(dir, readPlan(dir));
  process.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : statusReport(s));
  return 0;
}

async function cancel(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('survey cancel', argv, { help: { type: 'boolean', default: false } }, true);
  if (values.help) return help();
  process.stderr.write(`${await cancelSurvey(surveyDir('cancel', positionals))}\n`);
  return 0;
}

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('survey merge', argv, { vasco: { type: 'string' }, help: { type: 'boolean', default: false } }, true);
  if (values.help) return help();
  const dir = surveyDir('merge', positionals);
  const m = await mergeSurvey(dir, { vasco: values.vasco, log: (line) => process.stderr.write(`${line}\n`) });
  const dupes = m.plateCandidates - m.candidates;
  process.stderr.write(
    `merged ${m.merged.length}/${m.plates} plate(s): ${m.candidates} candidates (${m.plateCandidates} on the plates, ${dupes} cross-plate duplicate(s) joined)\n` +
      `  ${dir}/candidates.csv, ${dir}/survey.sqlite, ${dir}/survey-summary.json\n`,
  );
  if (m.missing.length) process.stderr.write(`not merged (not done): ${m.missing.map((p) => `${p.id} (${p.state}${p.reason ? `: ${p.reason}` : ''})`).join(', ')}\n`);
  if (m.score) {
    const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');
    const o = m.score.overall;
    process.stderr.write(`VASCO over the surveyed plates: recall ${pct(o.recall)} (${o.recovered}/${o.vascoSources}), precision ${pct(o.precision)}, F1 ${pct(o.f1)}\n`);
    for (const [id, s] of Object.entries(m.score.perPlate)) process.stderr.write(`  ${id}: recall ${pct(s.recall)}, precision ${pct(s.precision)}, F1 ${pct(s.f1)}\n`);
  }
  return 0;
}

async function task(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('survey task', argv, { workers: { type: 'string' } }, true);
  if (positionals.length !== 2 || !/^\d+$/.test(positionals[1])) throw new UserError('usage: vasco survey task DIR INDEX [--workers N] (run by `vasco survey run`)');
  const workers = values.workers === undefined ? undefined : Math.max(1, Math.floor(numberOption('survey task', 'workers', values.workers, 1)));
  return runPlateTask(resolve(positionals[0]), Number(positionals[1]), { workers });
}

function help(): number {
  process.stdout.write(USAGE);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'plan':
      return plan(rest);
    case 'run':
      return runSubcommand(rest);
    case 'status':
      return status(rest);
    case 'cancel':
      return cancel(rest);
    case 'merge':
      return merge(rest);
    case 'task':
      return task(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      help();
      return sub ? 0 : 2;
    default:
      throw new UserError(`vasco survey: unknown subcommand "${sub}"`, 'use plan, run, status, cancel or merge (vasco survey --help)');
  }
}

/**
 * A survey plan: which plates, where each one's inputs are, and the `vasco run`
 * options the whole survey shares, written once to DIR/plan.json with a digest
 * of all three. Every plate runs into DIR/plates/<id>/ (summary.json,
 * candidates.csv, vasco.sqlite), which is what a later merge reads.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { findColumn, readCsvFile } from '../core/csv';
import { UserError } from '../core/errors';
import type { SurveyField } from './fields';

export const PLAN_VERSION = 1;

/** What one plate runs on: local files, or a field number that `vasco run --plate N` fetches from IRSA. */
export type PlateInput = { red: string; blue: string | null } | { field: number };

export interface PlannedPlate {
  /** Position in the plan: the Slurm array index. */
  index: number;
  /** Folder name under DIR/plates/: the field number, or the red file's name. */
  id: string;
  input: PlateInput;
  /** Plate centre when the selection knew it (field list), ICRS degrees. */
  centre?: { ra: number; dec: number };
}

export interface SurveyPlan {
  version: number;
  createdUtc: string;
  /** How the plates were chosen, as given (for people; the plates list is what counts). */
  selection: string;
  plates: PlannedPlate[];
  /** `vasco run` options shared by every plate, verbatim. */
  runArgs: string[];
  /** Folder the run options' relative paths are read from. */
  cwd: string;
  /** sha256 of plates, runArgs and cwd: the same digest is the same survey. */
  digest: string;
}

/** `vasco run` options a survey sets per plate itself: not allowed among the shared ones. */
const PER_PLATE_OPTIONS = ['--red', '--blue', '--plate', '--ra', '--dec', '--size-arcmin', '--out', '--db', '--progress-json', '--help'];

export function checkRunArgs(runArgs: string[]): void {
  for (const a of runArgs) {
    const name = a.split('=')[0];
    if (PER_PLATE_OPTIONS.includes(name))
      throw new UserError(`vasco survey plan: ${name} is set by the survey for each plate`, 'choose the plates with --pairs, --plates, --all or --region; every other `vasco run` option is shared');
  }
}

/** Folder names: letters, digits, dot, dash, underscore; unique (a -2, -3 suffix on repeats). */
function plateIds(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const base = n.replace(/\.fits(\.gz)?$|\.fz$|\.fit$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'plate';
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}-${k}`;
  });
}

/** Plates of a `red,blue` CSV; relative paths are read from the CSV's folder. */
export function platesFromPairs(file: string): PlannedPlate[] {
  const { header, rows } = readCsvFile(file);
  const [ri, bi] = [findColumn(header, ['red']), findColumn(header, ['blue'])];
  if (ri < 0) throw new UserError(`${file} has no "red" column (header: ${header.join(',')})`, 'the first line must be `red,blue`');
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const pairs = rows
    .map((r, i) => ({ line: i + 2, red: (r[ri] ?? '').trim(), blue: bi >= 0 ? (r[bi] ?? '').trim() : '' }))
    .filter((p) => p.red || p.blue);
  if (!pairs.length) throw new UserError(`${file} lists no plates`, 'add one line per plate pair: red,blue');
  for (const p of pairs) {
    if (!p.red) throw new UserError(`${file} line ${p.line}: no red plate (blue ${p.blue})`, 'every line needs a red plate; blue may be empty');
    for (const f of [p.red, p.blue].filter(Boolean)) {
      if (!existsSync(abs(f)) || !statSync(abs(f)).isFile())
        throw new UserError(`${file} line ${p.line}: ${abs(f)} is not a file`, 'fix the path (relative paths are read from the CSV\'s folder)');
    }
  }
  const ids = plateIds(pairs.map((p) => basename(p.red)));
  return pairs.map((p, index) => ({ index, id: ids[index], input: { red: abs(p.red), blue: p.blue ? abs(p.blue) : null } }));
}

export function platesFromFields(fields: SurveyField[]): PlannedPlate[] {
  return fields.map((f, index) => ({ index, id: String(f.field), input: { field: f.field }, centre: { ra: f.ra, dec: f.dec } }));
}

/** Same plates, options and folder: the same digest. */
function planDigest(plates: PlannedPlate[], runArgs: string[], cwd: string): string {
  const what = { plates: plates.map((p) => ({ id: p.id, input: p.input })), runArgs, cwd };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

export function makePlan(selection: string, plates: PlannedPlate[], runArgs: string[], cwd: string): SurveyPlan {
  checkRunArgs(runArgs);
  return { version: PLAN_VERSION, createdUtc: new Date().toISOString(), selection, plates, runArgs, cwd, digest: planDigest(plates, runArgs, cwd) };
}

export const planFile = (dir: string) => join(dir, 'plan.json');
export const plateDir = (dir: string, plate: PlannedPlate) => join(dir, 'plates', plate.id);

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function readPlan(dir: string): SurveyPlan {
  const file = planFile(dir);
  if (!existsSync(file)) throw new UserError(`${dir} holds no survey plan (no plan.json)`, 'make one first: vasco survey plan --out DIR (--pairs FILE | --plates LIST | --all | --region RA,DEC,R)');
  try {
    const plan = JSON.parse(readFileSync(file, 'utf8')) as SurveyPlan;
    if (plan.version !== PLAN_VERSION || !Array.isArray(plan.plates)) throw new Error(`version ${plan.version}`);
    return plan;
  } catch (err) {
    throw new UserError(`${file} is not a survey plan this version reads (${(err as Error).message})`, 'plan the survey again into a new folder');
  }
}

/**
 * Writes the plan into DIR, or finds the same plan there (returns false: nothing to do).
 * Another plan in DIR is refused: its plates' results would no longer match it.
 */
export function savePlan(dir: string, plan: SurveyPlan): boolean {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${dir} is a file`, 'give a folder for the survey');
  if (existsSync(planFile(dir))) {
    const old = readPlan(dir);
    if (old.digest === plan.digest) return false;
    const what = [
      JSON.stringify(old.plates.map((p) => [p.id, p.input])) !== JSON.stringify(plan.plates.map((p) => [p.id, p.input])) ? 'plates' : '',
      JSON.stringify(old.runArgs) !== JSON.stringify(plan.runArgs) ? `run options (planned: ${old.runArgs.join(' ') || 'none'})` : '',
      old.cwd !== plan.cwd ? `working folder (planned from ${old.cwd})` : '',
    ].filter(Boolean);
    throw new UserError(
      `${dir} already holds another survey plan (different ${what.join(', ')})`,
      'plan into a new folder, or repeat the same selection and options (from the same folder) to keep this survey',
      'plan-differs',
    );
  }
  try {
    mkdirSync(join(dir, 'plates'), { recursive: true });
    mkdirSync(join(dir, 'state'), { recursive: true });
  } catch (err) {
    throw new UserError(`cannot create the survey folder ${dir}: ${(err as Error).message}`, 'give a folder you can write');
  }
  writeJsonAtomic(planFile(dir), plan);
  return true;
}

/**
 * What every task of the survey shares, in DIR/cache/: fetched plates (each fetched
 * once, see acquire/plates.ts), the catalogue query cache, and the lock slots that
 * limit the requests in flight to each service (see catalogs/http.ts).
 */
export const sharedDirs = (dir: string) => ({
  plates: join(resolve(dir), 'cache', 'plates'),
  queries: join(resolve(dir), 'cache', 'queries'),
  requestSlots: join(resolve(dir), 'cache', 'request-slots'),
});

const hasOption = (args: string[], name: string) => args.some((a) => a === name || a.startsWith(`${name}=`));

/** `vasco run` arguments of one plate (the survey's shared caches unless the options name others; the shared options last, as given). */
export function plateRunArgs(dir: string, plan: SurveyPlan, plate: PlannedPlate): string[] {
  const out = resolve(plateDir(dir, plate));
  const shared = sharedDirs(dir);
  const input = 'field' in plate.input ? ['--plate', String(plate.input.field)] : ['--red', plate.input.red, ...(plate.input.blue ? ['--blue', plate.input.blue] : [])];
  const caches = [
    ...('field' in plate.input && !hasOption(plan.runArgs, '--plates-dir') ? ['--plates-dir', shared.plates] : []),
    ...(hasOption(plan.runArgs, '--cache-dir') ? [] : ['--cache-dir', shared.queries]),
  ];
  return [...input, '--out', out, ...caches, ...plan.runArgs];
}

/**
 * `vasco survey merge DIR`: the finished plates of a survey as one review store
 * and one candidate list.
 *
 *   DIR/survey.sqlite         every finished plate's run, recorded by `vasco run`
 *                             itself (resumed from the plate's checkpoints with
 *                             --db pointing here: the one recording path, and a
 *                             second merge finds each run already recorded)
 *   DIR/candidates.csv        one row per sky position within 5" across plates,
 *                             from the plate where it lies farthest from the
 *                             edge; `also_on` names the other plates' detections
 *   DIR/survey-summary.json   plates merged and missing, the funnel per stage
 *                             summed and per plate, and with --vasco the score
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { vascoBin } from '../api/jobs';
import { readCsvFile } from '../core/csv';
import { UserError } from '../core/errors';
import { FitsFile } from '../fits';
import { matchAll } from '../match/sky-match';
import { footprintOfImage } from '../pipeline/plate-footprint';
import { scoreAgainstVasco, type Footprint } from '../pipeline/score';
import type { RunSummary, ScoreResult, TrackedSource } from '../pipeline/types';
import { plateDir, plateRunArgs, readPlan, writeJsonAtomic, type PlannedPlate, type SurveyPlan } from './plan';
import { readStatus } from './run';

/** Detections of one position on several plates within this distance are one source. */
export const MERGE_RADIUS_ARCSEC = 5;

export const surveyStoreFile = (dir: string) => join(dir, 'survey.sqlite');
export const surveyCandidatesFile = (dir: string) => join(dir, 'candidates.csv');
export const surveySummaryFile = (dir: string) => join(dir, 'survey-summary.json');

/** One plate's candidate as its candidates.csv gives it. */
interface PlateCandidate {
  plate: string;
  id: number;
  ra: number;
  dec: number;
  mag: number;
  snr: number;
  edgeDistancePx: number;
}

export interface MergedCandidate extends PlateCandidate {
  /** The other plates' detections of this position, `plate:source`. */
  alsoOn: string[];
}

type Score = Omit<ScoreResult, 'missed' | 'extra'>;

export interface SurveyMergeSummary {
  plates: number;
  merged: string[];
  /** Planned plates not (yet) done, with their state: left out of this merge. */
  missing: { id: string; state: string; reason?: string }[];
  /** Candidates of the merged plates before and after joining cross-plate duplicates. */
  plateCandidates: number;
  candidates: number;
  funnel: { summed: { name: string; input: number; output: number }[]; perPlate: Record<string, { name: string; input: number; output: number }[]> };
  score?: { vasco: string; radiusArcsec: number; overall: Score; perPlate: Record<string, Score> };
}

/** Records a finished plate's run in the survey store: `vasco run` again with --db, which resumes from its checkpoints. */
function recordPlate(dir: string, plan: SurveyPlan, plate: PlannedPlate, store: string): void {
  const r = spawnSync(process.execPath, [vascoBin(), 'run', ...plateRunArgs(dir, plan, plate), '--db', store], { cwd: plan.cwd, encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new UserError(
      `vasco survey merge: could not record plate ${plate.id} in ${store} (${r.error?.message ?? tail})`,
      `check the plate's folder ${plateDir(dir, plate)}; \`vasco survey run ${dir}\` runs it again`,
    );
  }
}

function plateCandidates(dir: string, plate: PlannedPlate): PlateCandidate[] {
  const file = join(plateDir(dir, plate), 'candidates.csv');
  const { header, rows } = readCsvFile(file);
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new UserError(`${file} has no ${name} column`, `run the plate again: vasco survey run ${dir}`);
    return i;
  };
  const [id, ra, dec, mag, snr, edge] = ['id', 'ra', 'dec', 'mag', 'snr', 'edge_distance_px'].map(col);
  return rows.map((r) => ({
    plate: plate.id,
    id: Number(r[id]),
    ra: Number(r[ra]),
    dec: Number(r[dec]),
    mag: Number(r[mag]),
    snr: Number(r[snr]),
    // An unknown edge distance never wins over a known one.
    edgeDistancePx: r[edge] === '' ? -Infinity : Number(r[edge]),
  }));
}

/**
 * Friends of friends within MERGE_RADIUS_ARCSEC across plates; each group's
 * row is the detection farthest from its plate's edge (ties: plate order, then
 * source number), the others listed in also_on.
 */
export function mergeDetections(all: PlateCandidate[]): MergedCandidate[] {
  const parent = all.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const pts = { ra: all.map((c) => c.ra), dec: all.map((c) => c.dec) };
  const m = matchAll(pts, pts, MERGE_RADIUS_ARCSEC);
  for (let k = 0; k < m.left.length; k++) {
    const [a, b] = [m.left[k], m.right[k]];
    if (a !== b && all[a].plate !== all[b].plate) parent[find(a)] = find(b);
  }
  const groups = new Map<number, number[]>();
  all.forEach((_, i) => {
    const g = find(i);
    groups.set(g, [...(groups.get(g) ?? []), i]);
  });
  const out: MergedCandidate[] = [];
  for (const members of groups.values()) {
    // `all` is in plate order, then source order: a stable sort keeps that for ties.
    const best = [...members].sort((a, b) => all[b].edgeDistancePx - all[a].edgeDistancePx || a - b)[0];
    const alsoOn = members.filter((i) => i !== best).sort((a, b) => a - b).map((i) => `${all[i].plate}:${all[i].id}`);
    out.push({ ...all[best], alsoOn });
  }
  return out.sort((a, b) => a.ra - b.ra || a.dec - b.dec);
}

function csvCell(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeMergedCsv(file: string, rows: MergedCandidate[]): void {
  const lines = ['plate,id,ra,dec,mag,snr,edge_distance_px,also_on'];
  for (const r of rows) lines.push([r.plate, r.id, r.ra, r.dec, r.mag, r.snr, r.edgeDistancePx, r.alsoOn.join(' ')].map(csvCell).join(','));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${lines.join('\n')}\n`);
  renameSync(tmp, file);
}

async function redFootprint(summary: RunSummary): Promise<Footprint> {
  const red = summary.plates.red;
  const f = await FitsFile.open(red.file);
  try {
    return footprintOfImage(f.imageHdu().header, red.naxis1, red.naxis2, red.region);
  } finally {
    await f.close();
  }
}

const asSources = (rows: PlateCandidate[]) => rows.map((c) => ({ id: c.id, ra: c.ra, dec: c.dec }) as TrackedSource);
const scoreOnly = ({ missed: _m, extra: _e, ...rest }: ScoreResult): Score => rest;

export async function mergeSurvey(dir: string, opts: { vasco?: string; log?: (line: string) => void } = {}): Promise<SurveyMergeSummary> {
  const plan = readPlan(dir);
  const status = readStatus(dir, plan);
  const state = new Map(status.plates.map((p) => [p.id, p]));
  const done = plan.plates.filter((p) => state.get(p.id)?.state === 'done');
  const missing = plan.plates
    .filter((p) => state.get(p.id)?.state !== 'done')
    .map((p) => ({ id: p.id, state: state.get(p.id)?.state ?? 'planned', ...(state.get(p.id)?.reason ? { reason: state.get(p.id)!.reason } : {}) }));
  if (!done.length) throw new UserError(`vasco survey merge: no plate of ${dir} is done yet`, `run it first: vasco survey run ${dir}`);
  if (opts.vasco && !existsSync(opts.vasco)) throw new UserError(`--vasco ${opts.vasco}: no such file`, 'give the published VASCO catalogue CSV');

  const store = surveyStoreFile(dir);
  const summaries = new Map<string, RunSummary>();
  const perPlateCands = new Map<string, PlateCandidate[]>();
  for (const p of done) {
    opts.log?.(`recording plate ${p.id}`);
    recordPlate(dir, plan, p, store);
    summaries.set(p.id, JSON.parse(readFileSync(join(plateDir(dir, p), 'summary.json'), 'utf8')) as RunSummary);
    perPlateCands.set(p.id, plateCandidates(dir, p));
  }
  const all = done.flatMap((p) => perPlateCands.get(p.id)!);
  const merged = mergeDetections(all);
  writeMergedCsv(surveyCandidatesFile(dir), merged);

  const perPlate: SurveyMergeSummary['funnel']['perPlate'] = {};
  const summed = new Map<string, { name: string; input: number; output: number }>();
  for (const p of done) {
    perPlate[p.id] = summaries.get(p.id)!.stages.map((s) => ({ name: s.name, input: s.input, output: s.output }));
    for (const s of perPlate[p.id]) {
      const t = summed.get(s.name) ?? { name: s.name, input: 0, output: 0 };
      t.input += s.input;
      t.output += s.output;
      summed.set(s.name, t);
    }
  }
  const result: SurveyMergeSummary = {
    plates: plan.plates.length,
    merged: done.map((p) => p.id),
    missing,
    plateCandidates: all.length,
    candidates: merged.length,
    funnel: { summed: [...summed.values(), { name: 'survey merge', input: all.length, output: merged.length }], perPlate },
  };
  if (opts.vasco) {
    const vasco = resolve(opts.vasco);
    const footprints = await Promise.all(done.map((p) => redFootprint(summaries.get(p.id)!)));
    const surveyed: Footprint = { contains: (ra, dec) => footprints.some((f) => f.contains(ra, dec)) };
    const perPlateScore: Record<string, Score> = {};
    done.forEach((p, i) => (perPlateScore[p.id] = scoreOnly(scoreAgainstVasco(asSources(perPlateCands.get(p.id)!), vasco, footprints[i], { radiusArcsec: MERGE_RADIUS_ARCSEC }))));
    const overall = scoreOnly(scoreAgainstVasco(asSources(merged), vasco, surveyed, { radiusArcsec: MERGE_RADIUS_ARCSEC }));
    result.score = { vasco, radiusArcsec: MERGE_RADIUS_ARCSEC, overall, perPlate: perPlateScore };
  }
  writeJsonAtomic(surveySummaryFile(dir), result);
  return result;
}

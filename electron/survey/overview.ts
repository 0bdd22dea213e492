/**
 * A survey as the workstation shows it, when the open review store is a
 * survey's DIR/survey.sqlite: every planned plate with its state (from the
 * survey folder), its footprint on the sky (from its red plate's solution), its
 * run in the store with the funnel and review counts, and where the candidates
 * lie. Plates the merge has not recorded yet are there too, without a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { chooseSolution } from '../astro/plate-solution';
import { footprint } from '../astro/footprint';
import { gnomonicInverse } from '../astro/projection';
import { FitsFile } from '../fits';
import type { Workspace } from '../store/workspace';
import type { SurveyOverview, SurveyPlateView, SurveyStage } from '../store/survey';
import { surveySummaryFile, type SurveyMergeSummary } from './merge';
import { planFile, plateDir, readPlan, type PlannedPlate } from './plan';
import { readStatus } from './run';

/** Half the side of a POSS-I plate (6.5 deg square) for a planned field plate whose file is not here yet. */
const POSS1_HALF_SIDE_DEG = 3.25;

/** The survey folder of a review store: its folder when that holds a plan.json, else null. */
export function surveyDirOf(dbFile: string): string | null {
  const dir = dirname(resolve(dbFile));
  return basename(dbFile) === 'survey.sqlite' && existsSync(planFile(dir)) ? dir : null;
}

/** A plate image's border from its header (read once per file; the header tells where it lies). */
export class FootprintCache {
  private readonly known = new Map<string, Promise<[number, number][]>>();

  get(file: string): Promise<[number, number][]> {
    let p = this.known.get(file);
    if (!p) {
      p = (async () => {
        const f = await FitsFile.open(file);
        try {
          const hdu = f.imageHdu();
          return footprint({ solution: chooseSolution(hdu.header).solution, width: hdu.naxis[0], height: hdu.naxis[1] }, 4);
        } finally {
          await f.close();
        }
      })();
      this.known.set(file, p);
    }
    return p;
  }
}

/** A square of half-side h degrees about (ra, dec) on the tangent plane. */
function squareAbout(ra: number, dec: number, h: number): [number, number][] {
  const corners: [number, number][] = [[-h, -h], [h, -h], [h, h], [-h, h]];
  return corners.map(([xi, eta]) => gnomonicInverse(xi, eta, ra, dec));
}

async function plateFootprint(
  plate: PlannedPlate,
  recordedFile: string | null,
  cache: FootprintCache,
): Promise<{ footprint: [number, number][] | null; footprintNote?: string }> {
  const file = recordedFile ?? ('red' in plate.input ? plate.input.red : null);
  if (file) {
    try {
      return { footprint: await cache.get(file) };
    } catch (err) {
      if (!plate.centre) return { footprint: null, footprintNote: `no plate solution read from ${file}: ${(err as Error).message}` };
    }
  }
  if (plate.centre) return { footprint: squareAbout(plate.centre.ra, plate.centre.dec, POSS1_HALF_SIDE_DEG) };
  return { footprint: null, footprintNote: 'its red plate is not on this machine yet' };
}

function readMergeSummary(dir: string): SurveyOverview['merge'] {
  try {
    const s = JSON.parse(readFileSync(surveySummaryFile(dir), 'utf8')) as SurveyMergeSummary;
    return { plateCandidates: s.plateCandidates, candidates: s.candidates };
  } catch {
    return null; // not merged yet
  }
}

/**
 * What serves survey.overview for the store `dbFile` (the hosts hand it to createApi): undefined when the store
 * is not a survey's. Footprints are read once per plate file.
 */
export function surveyOverviewSource(dbFile: string): ((ws: Workspace, opts: { reviewer?: string; blind?: boolean }) => Promise<SurveyOverview>) | undefined {
  const dir = surveyDirOf(dbFile);
  if (!dir) return undefined;
  const footprints = new FootprintCache();
  return (ws, opts) => surveyOverview(ws, dir, footprints, opts);
}

export async function surveyOverview(
  ws: Workspace,
  dir: string,
  cache: FootprintCache,
  opts: { reviewer?: string; blind?: boolean } = {},
): Promise<SurveyOverview> {
  const plan = readPlan(dir);
  const status = readStatus(dir, plan);
  // A plate's run is the newest one recorded from its folder.
  const runs = new Map(ws.surveyRuns(opts.reviewer).map((r) => [resolve(r.outDir), r]));
  const plates = await Promise.all(
    plan.plates.map(async (p): Promise<SurveyPlateView> => {
      const st = status.plates[p.index];
      const run = runs.get(resolve(plateDir(dir, p))) ?? null;
      return {
        id: p.id,
        index: p.index,
        state: st.state,
        ...(st.reason ? { reason: st.reason } : {}),
        ...(st.stage ? { stage: st.stage } : {}),
        runId: run?.runId ?? null,
        region: run?.redRegion ?? null,
        ...(await plateFootprint(p, run?.redFile ?? null, cache)),
        funnel: run?.stages ?? null,
        candidates: run?.candidates ?? 0,
        reviewed: run?.reviewed ?? 0,
        mine: run?.mine ?? 0,
      };
    }),
  );
  const summed = new Map<string, SurveyStage>();
  for (const s of plates.flatMap((p) => p.funnel ?? [])) {
    const t = summed.get(s.name) ?? { name: s.name, input: 0, output: 0 };
    t.input += s.input;
    t.output += s.output;
    summed.set(s.name, t);
  }
  const runIds = plates.flatMap((p) => (p.runId === null ? [] : [p.runId]));
  return {
    dir,
    selection: plan.selection,
    plates,
    counts: status.counts,
    funnel: [...summed.values()],
    merge: readMergeSummary(dir),
    candidates: ws.surveyCandidatePoints(runIds, opts),
  };
}

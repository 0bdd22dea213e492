/**
 * A workspace with one recorded run over a small synthetic red/blue pair, so
 * cutouts, blink frames and sky views have real pixels and a real WCS: the
 * candidates sit on stars that are on both plates (from the generator's truth
 * table), recorded straight into a SQLite store as test/electron/store does.
 * The review screen's e2e tests and the SAMP tests start from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrackedSource } from '../../electron/pipeline/types';
import { openWorkspace } from '../../electron/store/workspace';
import { generatePlatePair } from '../../electron/synth/generate-pair';
import { seeded, source, summary } from '../electron/store/fixtures';

export interface ReviewRun {
  dbPath: string;
  runId: number;
  /** Candidate ids in id order (the order the table and the exports have). */
  ids: number[];
  /** The candidates as recorded, in id order. */
  candidates: TrackedSource[];
  red: string;
  blue: string;
}

export interface ReviewRunOptions {
  /** Add reviews (or anything) to the store once the run is recorded. */
  seedStore?(ws: ReturnType<typeof openWorkspace>): void;
  /** The red-only transients (nothing on blue) first, then the stars on both plates. */
  transientsFirst?: boolean;
}

/** `count` candidates (at most the stars on both plates, ~40, after the 8 transients with `transientsFirst`) in `dir`/workspace.sqlite. */
export async function recordReviewRun(dir: string, count: number, o: ReviewRunOptions = {}): Promise<ReviewRun> {
  const pair = await generatePlatePair({ outDir: join(dir, 'synth'), name: 'review', preset: 'small', size: 500, stars: 200, transients: 8, defects: 2, seed: 7 });
  const truth = readFileSync(pair.truth, 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => truth[0].indexOf(name);
  const redOnly = o.transientsFirst ? truth.slice(1).filter((r) => r[col('kind')] === 'transient' && r[col('red_x')] !== '') : [];
  const onBoth = [...redOnly, ...truth.slice(1).filter((r) => r[col('red_x')] !== '' && r[col('blue_x')] !== '')].slice(0, count);
  const rnd = seeded(5);
  const candidates = onBoth.map((r, i) => ({
    ...source(i + 1, { ra: Number(r[col('ra')]), dec: Number(r[col('dec')]) }, true, rnd),
    x: Number(r[col('red_x')]),
    y: Number(r[col('red_y')]),
  }));
  const run = summary('XE687', candidates.length);
  run.plates.red = { ...run.plates.red, file: pair.red, naxis1: 500, naxis2: 500 };
  run.plates.blue = { ...run.plates.blue!, file: pair.blue, naxis1: 500, naxis2: 500 };
  const dbPath = join(dir, 'workspace.sqlite');
  const ws = openWorkspace(dbPath);
  try {
    const { runId } = ws.recordRun({ summary: run, red: candidates, candidates, outDir: join(dir, 'run') });
    const ids = ws.listCandidates({ runId, sort: { column: 'id' } }).rows.map((r) => r.id);
    o.seedStore?.(ws);
    return { dbPath, runId, ids, candidates, red: pair.red, blue: pair.blue };
  } finally {
    ws.close();
  }
}

/**
 * A workspace with one recorded run over a small synthetic red/blue pair (so
 * cutouts have real pixels and a real WCS), as the review e2e test makes it:
 * what the SAMP tests hand to the other tools.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace } from '../../../electron/store/workspace';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { seeded, source, summary } from '../store/fixtures';

export interface SynthRun {
  dbPath: string;
  runId: number;
  /** Candidate ids in id order (the order the exported table has). */
  ids: number[];
  red: string;
  blue: string;
}

export async function synthRun(dir: string, count = 12): Promise<SynthRun> {
  const pair = await generatePlatePair({ outDir: join(dir, 'synth'), name: 'samp', preset: 'small', size: 500, stars: 200, transients: 8, defects: 2, seed: 5 });
  const truth = readFileSync(pair.truth, 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => truth[0].indexOf(name);
  const onBoth = truth.slice(1).filter((r) => r[col('red_x')] !== '' && r[col('blue_x')] !== '').slice(0, count);
  const rnd = seeded(3);
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
    const runId = ws.recordRun({ summary: run, red: candidates, candidates, outDir: join(dir, 'run') }).runId;
    const ids = ws.listCandidates({ runId, sort: { column: 'id' } }).rows.map((r) => r.id);
    return { dbPath, runId, ids, red: pair.red, blue: pair.blue };
  } finally {
    ws.close();
  }
}

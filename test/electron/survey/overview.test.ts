/**
 * What the survey view is served (survey.overview, candidates.list over several
 * runs) on a real merged survey of synthetic plates (three done, one truncated
 * plate failed), checked against the survey folder itself: each plate's state
 * as built, its footprint against astropy's WCS of its red file, its funnel
 * against its own summary.json, its candidates against its own candidates.csv.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api/handlers';
import type { Api } from '../../../electron/api/dispatch';
import { separationArcsec } from '../../../electron/astro/sphere';
import { readCsvFile } from '../../../electron/core/csv';
import type { SurveyOverview } from '../../../electron/store/survey';
import { surveyOverviewSource } from '../../../electron/survey/overview';
import { astropy } from '../../helpers/python';
import { haveSyntheticRunTools } from '../pipeline/synthetic-plates';
import { BROKEN_PLATE, buildSyntheticSurvey, SURVEY_PLATES } from './synthetic-survey';

const tools = haveSyntheticRunTools();
const tmp = mkdtempSync(join(tmpdir(), 'vasco survey overview '));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function plateCsv(dir: string, id: string): { ra: number; dec: number }[] {
  const { header, rows } = readCsvFile(join(dir, 'plates', id, 'candidates.csv'));
  return rows.map((r) => ({ ra: Number(r[header.indexOf('ra')]), dec: Number(r[header.indexOf('dec')]) }));
}

describe.runIf(tools)('survey.overview on a merged survey', () => {
  let dir: string;
  let api: Api;
  let overview: SurveyOverview;
  const call = <T>(method: string, args: unknown) => (api.handlers as unknown as Record<string, (a: unknown) => Promise<T>>)[method](args);

  beforeAll(async () => {
    ({ dir } = await buildSyntheticSurvey(tmp));
    const dbPath = join(dir, 'survey.sqlite');
    api = await createApi({ dbPath, offline: true, surveyOverview: surveyOverviewSource(dbPath) });
    overview = (await call<SurveyOverview | null>('survey.overview', {}))!;
  }, 900_000);
  afterAll(async () => api?.close());

  it('gives every planned plate with its state; the failed one says why and has no run', () => {
    expect(overview.plates.map((p) => p.id)).toEqual([...SURVEY_PLATES, BROKEN_PLATE]);
    for (const id of SURVEY_PLATES) expect(overview.plates.find((p) => p.id === id)).toMatchObject({ state: 'done', runId: expect.any(Number) });
    const broken = overview.plates.find((p) => p.id === BROKEN_PLATE)!;
    expect(broken).toMatchObject({ state: 'failed', runId: null, funnel: null, footprint: null });
    expect(broken.reason).toMatch(/truncated/);
    expect(broken.footprintNote).toMatch(/broken red\.fits/);
    expect(overview.counts).toMatchObject({ done: 3, failed: 1, planned: 0 });
  });

  it('draws each plate where astropy puts its red image corners', () => {
    for (const id of SURVEY_PLATES) {
      const fp = overview.plates.find((p) => p.id === id)!.footprint!;
      // Pixel edges: FITS 1-based 0.5 .. N + 0.5 is astropy's 0-based -0.5 .. N - 0.5.
      const corners = astropy<[number, number][]>(
        `from astropy.io import fits
from astropy.wcs import WCS
import re
with fits.open(INPUT['file']) as f:
    h = f[0].header
    # The TAN keywords only: the cut plates kept the whole synthetic plate's DSS solution (astropy would prefer it).
    w = WCS(fits.Header([c for c in h.cards if re.match(r'(NAXIS|CRPIX|CRVAL|CD[0-9]|CDELT|CTYPE|CUNIT|PC[0-9]|RADESYS|EQUINOX|WCSAXES|LONPOLE|LATPOLE|[AB]P?_)', c.keyword)]))
    n1, n2 = h['NAXIS1'], h['NAXIS2']
    xy = [(-0.5, -0.5), (n1 - 0.5, -0.5), (n1 - 0.5, n2 - 0.5), (-0.5, n2 - 0.5)]
    print(json.dumps([[float(v) for v in w.pixel_to_world_values(x, y)] for x, y in xy]))`,
        { file: join(tmp, 'pairs', `${id}.fits`) },
      );
      // perSide 4: the corners are every fourth point.
      corners.forEach(([ra, dec], k) => expect(separationArcsec(fp[4 * k][0], fp[4 * k][1], ra, dec), `${id} corner ${k}`).toBeLessThan(0.5));
    }
  });

  it("gives each plate's funnel and candidates as its own folder has them, and the candidates' positions", () => {
    let all = 0;
    for (const id of SURVEY_PLATES) {
      const p = overview.plates.find((q) => q.id === id)!;
      const summary = JSON.parse(readFileSync(join(dir, 'plates', id, 'summary.json'), 'utf8')) as { stages: { name: string; input: number; output: number }[] };
      expect(p.funnel).toEqual(summary.stages.map(({ name, input, output }) => ({ name, input, output })));
      const csv = plateCsv(dir, id);
      expect(p.candidates).toBe(csv.length);
      expect(overview.candidates.filter((c) => c.runId === p.runId)).toHaveLength(csv.length);
      all += csv.length;
    }
    expect(overview.candidates).toHaveLength(all);
    expect(overview.merge?.plateCandidates).toBe(all);
    expect(overview.funnel[0].input).toBe(SURVEY_PLATES.reduce((n, id) => n + overview.plates.find((p) => p.id === id)!.funnel![0].input, 0));
  });

  it('candidates.list spans the plates (runIds) and one plate when filtered to its run, sorted by plate', async () => {
    const runIds = overview.plates.flatMap((p) => (p.runId === null ? [] : [p.runId]));
    type List = { total: number; rows: { runId: number; ra: number; dec: number }[] };
    const every = await call<List>('candidates.list', { runIds, offset: 0, limit: 1000, sort: { column: 'plate', desc: true } });
    expect(every.total).toBe(overview.candidates.length);
    // Plan order reversed: the last plate's run first.
    expect(every.rows[0].runId).toBe(Math.max(...runIds));
    const two = overview.plates.find((p) => p.id === 'plate-2')!;
    const one = await call<List>('candidates.list', { runIds: [two.runId], offset: 0, limit: 1000 });
    const csv = plateCsv(dir, 'plate-2');
    expect(one.total).toBe(csv.length);
    for (const r of one.rows) {
      expect(r.runId).toBe(two.runId);
      expect(Math.min(...csv.map((c) => separationArcsec(c.ra, c.dec, r.ra, r.dec)))).toBeLessThan(0.01);
    }
    // A plate not merged yet: no rows, not an error.
    expect((await call<List>('candidates.list', { runIds: [], offset: 0, limit: 10 })).total).toBe(0);
    await expect(call('candidates.list', { offset: 0, limit: 10 })).rejects.toThrow(/candidates of which run/);
  });

  it('answers null for a workspace that is not a survey', async () => {
    const dbPath = join(tmp, 'plain', 'workspace.sqlite');
    expect(surveyOverviewSource(dbPath)).toBeUndefined();
    const other = await createApi({ dbPath, offline: true, surveyOverview: surveyOverviewSource(dbPath) });
    try {
      expect(await (other.handlers as Record<string, (a: unknown) => Promise<unknown>>)['survey.overview']({})).toBeNull();
    } finally {
      await other.close();
    }
  });
});

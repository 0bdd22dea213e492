/**
 * `vasco survey merge` on a real survey: one synthetic 1000x400 pair cut (by
 * astropy) into three red plates of 400 px whose fields overlap by 100 px, each
 * with the whole blue plate, plus a broken plate; run by the local engine
 * (`vasco run` with SExtractor and PSFEx), then merged. A transient in an
 * overlap is on two plates and must come out once, from the plate where it lies
 * farther from the edge; merging twice changes nothing; the broken plate is
 * named as missing. (The survey is built by synthetic-survey.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationDeg } from '../../../electron/astro/sphere';
import { readCsvFile } from '../../../electron/core/csv';
import type { SurveyMergeSummary } from '../../../electron/survey/merge';
import { haveSyntheticRunTools } from '../pipeline/synthetic-plates';
import { surveyCli } from './survey-cli';
import { buildSyntheticSurvey, PLATE_STARTS, PLATE_WIDTH, SURVEY_PLATES } from './synthetic-survey';

const tools = haveSyntheticRunTools();
const tmp = mkdtempSync(join(tmpdir(), 'vasco survey merge '));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CROP = PLATE_WIDTH;
const STARTS = PLATE_STARTS;
const IDS = SURVEY_PLATES;

const survey = (args: string[]) => surveyCli(tmp, args);

type Row = Record<string, string>;
function csvRows(file: string): Row[] {
  const { header, rows } = readCsvFile(file);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

function storeCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { runs: n('runs'), sources: n('sources'), candidates: n('candidates'), objects: n('objects'), plates: n('plates') };
  } finally {
    db.close();
  }
}

let truth: { ra: number; dec: number; x: number }[] = [];

describe.runIf(tools)('vasco survey merge', () => {
  beforeAll(async () => {
    const built = await buildSyntheticSurvey(tmp, { merge: false });
    truth = csvRows(built.truth)
      .filter((r) => r.kind === 'transient')
      .map((r) => ({ ra: Number(r.ra), dec: Number(r.dec), x: Number(r.red_x) }));
  }, 900_000);

  const dir = () => join(tmp, 'sv');

  it('merges the done plates, names the failed one, and keeps every transient once', () => {
    const m = survey(['merge', 'sv']);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/merged 3\/4 plate\(s\)/);
    expect(m.stderr).toMatch(/not merged \(not done\): broken_red \(failed: .*truncated/);
    const summary = JSON.parse(readFileSync(join(dir(), 'survey-summary.json'), 'utf8')) as SurveyMergeSummary;
    expect(summary.merged).toEqual(IDS);
    expect(summary.missing.map((p) => p.id)).toEqual(['broken_red']);

    const perPlate = Object.fromEntries(IDS.map((id) => [id, csvRows(join(dir(), 'plates', id, 'candidates.csv'))]));
    const merged = csvRows(join(dir(), 'candidates.csv'));
    expect(merged.length).toBe(summary.candidates);
    expect(summary.plateCandidates).toBe(IDS.reduce((n, id) => n + perPlate[id].length, 0));
    const near = (rows: Row[], t: { ra: number; dec: number }) => rows.filter((r) => separationDeg(Number(r.ra), Number(r.dec), t.ra, t.dec) * 3600 <= 5);

    let recovered = 0;
    let onTwo = 0;
    for (const t of truth) {
      const detections = IDS.flatMap((id) => near(perPlate[id], t).map((r) => ({ id, r })));
      const rows = near(merged, t);
      if (!detections.length) {
        expect(rows).toHaveLength(0);
        continue;
      }
      recovered++;
      expect(rows, `transient at ${t.ra}, ${t.dec}`).toHaveLength(1);
      const [row] = rows;
      // The row is the detection farthest from its plate's edge; the others are listed.
      const best = Math.max(...detections.map((d) => Number(d.r.edge_distance_px)));
      expect(Number(row.edge_distance_px)).toBe(best);
      const others = detections.filter((d) => !(d.id === row.plate && d.r.id === row.id)).map((d) => `${d.id}:${d.r.id}`);
      expect(row.also_on.split(' ').filter(Boolean).sort()).toEqual(others.sort());
      if (detections.length > 1) {
        onTwo++;
        // Truth: in an overlap, the plate whose columns hold it more centrally.
        const centreOf = (id: string) => STARTS[IDS.indexOf(id)] + CROP / 2;
        const expected = detections.map((d) => d.id).sort((a, b) => Math.abs(t.x - centreOf(a)) - Math.abs(t.x - centreOf(b)))[0];
        expect(row.plate).toBe(expected);
      }
    }
    expect(recovered).toBeGreaterThan(truth.length / 2);
    expect(onTwo, 'no recovered transient lies in an overlap').toBeGreaterThan(0);
    // No two merged rows within 5" of each other.
    for (const [i, a] of merged.entries()) expect(near(merged.slice(i + 1), { ra: Number(a.ra), dec: Number(a.dec) })).toHaveLength(0);

    // The funnel: each plate's stages as its summary.json has them, summed.
    for (const id of IDS) {
      const s = JSON.parse(readFileSync(join(dir(), 'plates', id, 'summary.json'), 'utf8')) as { stages: { name: string; input: number }[] };
      expect(summary.funnel.perPlate[id].map((x) => x.input)).toEqual(s.stages.map((x) => x.input));
    }
    expect(summary.funnel.summed[0].input).toBe(IDS.reduce((n, id) => n + summary.funnel.perPlate[id][0].input, 0));
    expect(summary.funnel.summed.at(-1)).toEqual({ name: 'survey merge', input: summary.plateCandidates, output: summary.candidates });

    const counts = storeCounts(join(dir(), 'survey.sqlite'));
    expect(counts.runs).toBe(3);
    expect(counts.candidates).toBe(summary.plateCandidates);
  }, 600_000);

  it('merging again gives identical files and adds no rows to survey.sqlite', () => {
    const files = ['candidates.csv', 'survey-summary.json'].map((f) => readFileSync(join(dir(), f), 'utf8'));
    const before = storeCounts(join(dir(), 'survey.sqlite'));
    const m = survey(['merge', 'sv']);
    expect(m.status, m.stderr).toBe(0);
    expect(['candidates.csv', 'survey-summary.json'].map((f) => readFileSync(join(dir(), f), 'utf8'))).toEqual(files);
    expect(storeCounts(join(dir(), 'survey.sqlite'))).toEqual(before);
  }, 600_000);

  it('--vasco scores the merged candidates over the surveyed plates', () => {
    // The truth transients as a published catalogue: the three plates cover the whole synthetic field.
    writeFileSync(join(tmp, 'vasco.csv'), `ra,dec\n${truth.map((t) => `${t.ra},${t.dec}`).join('\n')}\n`);
    const m = survey(['merge', 'sv', '--vasco', 'vasco.csv']);
    expect(m.status, m.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(dir(), 'survey-summary.json'), 'utf8')) as SurveyMergeSummary;
    const merged = csvRows(join(dir(), 'candidates.csv'));
    const hit = truth.filter((t) => merged.some((r) => separationDeg(Number(r.ra), Number(r.dec), t.ra, t.dec) * 3600 <= 5)).length;
    expect(s.score!.overall).toMatchObject({ vascoSources: truth.length, recovered: hit, candidates: merged.length });
    for (const [i, id] of IDS.entries()) {
      const inside = truth.filter((t) => t.x > STARTS[i] + 0.5 && t.x < STARTS[i] + CROP + 0.5).length;
      expect(s.score!.perPlate[id].vascoSources, id).toBe(inside);
    }
    expect(m.stderr).toMatch(/VASCO over the surveyed plates: recall/);
  }, 600_000);

  it('a folder without a plan, or with no plate done, is refused with what to do', () => {
    const r = survey(['merge', 'nowhere']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/holds no survey plan/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(survey(['plan', '--out', 'none done', '--pairs', 'pairs/pairs.csv', '--offline', '--tile-size', '0']).status).toBe(0);
    const none = survey(['merge', 'none done']);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/no plate of .*none done is done yet[\s\S]*vasco survey run/);
    const vasco = survey(['merge', 'sv', '--vasco', 'no such.csv']);
    expect(vasco.status).not.toBe(0);
    expect(vasco.stderr).toMatch(/--vasco no such\.csv: no such file/);
    for (const e of [none, vasco]) expect(e.stderr).not.toMatch(/^\s+at /m);
  });
});

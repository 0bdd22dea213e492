/**
 * runPipeline end to end on the real XE198 cutout (353x353 px, red-only):
 * outputs, ledgers, checkpoints, cancel and resume. Independent checks by
 * Python (csv, hashlib) and astropy.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../../electron/core/errors';
import { runPipeline, type RunResult } from '../../../electron/pipeline/run';
import { DEFAULT_FILTERS } from '../../../electron/pipeline/filters';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import type { RunSummary } from '../../../electron/pipeline/types';
import { haveCommand, haveSharedData, sharedData } from '../../helpers/shared-data';
import { astropyPixToSky, haveAstropy, pythonCsv, pythonHeaderSha256 } from './astropy-reference';

const RED = 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits';
const BLUE = 'cutouts/poss1-blue-XO542-20arcmin.fits';
const ready =
  haveSharedData(RED, BLUE) &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
  haveAstropy();

const STAGE_NAMES = ['extract-red', 'extract-blue', 'positions', 'plate-edge', 'filters-blue', 'filters', 'gaia-refit', 'red-vs-blue', 'mask', 'veto', 'asteroids', 'dec-cut', 'dedup', 'score', 'published-audit'];

describe.skipIf(!ready)('runPipeline on XE198, red-only', () => {
  let out: string;
  let first: RunResult;
  const red = () => sharedData(RED);

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'vasco-run-'));
  });
  afterAll(() => out && rmSync(out, { recursive: true, force: true }));

  it('refuses a blue plate given as red before any work', async () => {
    const dir = join(out, 'wrong-band');
    const err = await runPipeline({ red: sharedData(BLUE), out: dir, offline: true }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe('wrong-band');
    expect(err.message).toMatch(/XO542.*blue plate .*red plate was expected/);
    expect(existsSync(join(dir, 'work', 'red'))).toBe(false);
    // ... and a red plate given as blue.
    const err2 = await runPipeline({ red: red(), blue: red(), out: dir, offline: true }).catch((e) => e);
    expect(err2.code).toBe('wrong-band');
  });

  it('cancelling during extraction throws CancelledError and leaves no checkpoint', async () => {
    const controller = new AbortController();
    const err = await runPipeline(
      { red: red(), out, offline: true },
      {
        signal: controller.signal,
        onProgress: (p) => p.stage === 'extract-red' && p.fraction > 0.2 && controller.abort(),
      },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(existsSync(join(out, 'work', 'checkpoints', '00-extract-red.cp'))).toBe(false);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });

  it('then runs to the end, reporting progress with an ETA', async () => {
    const progress: { stage: string; fraction: number; eta?: number }[] = [];
    first = await runPipeline(
      { red: red(), out, offline: true, command: ['vasco', 'run', '--red', red()] },
      { onProgress: (p) => progress.push({ stage: p.stage, fraction: p.fraction, eta: p.etaSeconds }) },
    );
    expect(first.resumedAfter).toBeNull();
    expect([...new Set(progress.map((p) => p.stage))]).toEqual(STAGE_NAMES);
    expect(progress.some((p) => p.stage === 'extract-red' && p.eta !== undefined && p.eta > 0)).toBe(true);
  });

  it('writes summary.json: mode, plates, tools, parameters and per-stage counts that add up', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.mode).toBe('red-only');
    expect(s.modeReason).toBe('no blue plate given');
    expect(s.notes.join(' ')).toMatch(/red-only/);
    expect(s.stages.map((x) => x.name)).toEqual(STAGE_NAMES);
    const byName = Object.fromEntries(s.stages.map((x) => [x.name, x]));
    expect(byName['extract-blue'].skipped).toMatch(/red-only/);
    expect(byName['red-vs-blue'].skipped).toMatch(/red-only/);
    const extracted = byName['extract-red'].output;
    expect(extracted).toBeGreaterThan(100);
    expect(byName.filters.input).toBe(extracted);
    expect(byName.filters.output).toBe(s.candidates);
    expect(Object.keys(byName.filters.dropped).length).toBeGreaterThan(2);
    for (const st of s.stages) expect(st.seconds).toBeGreaterThanOrEqual(0);

    expect(s.plates.red.region).toBe('XE198');
    expect(s.plates.red.sourcesExtracted).toBe(extracted);
    expect(s.plates.red.epochJulian).toBeGreaterThan(1957.9);
    expect(s.plates.red.epochJulian).toBeLessThan(1958);
    expect(s.plates.red.headerSha256).toBe(pythonHeaderSha256(red()));
    expect(['dss', 'fits']).toContain(s.plates.red.solution);
    expect(s.tools.sextractor).toMatch(/^\d+\.\d+/);
    expect(s.tools.psfex).toMatch(/^\d+\.\d+/);
    expect((s.parameters.filters as typeof DEFAULT_FILTERS).snrMin).toBe(30);
    expect(s.command).toEqual(['vasco', 'run', '--red', red()]);
  });

  it('sources.csv explains every source, candidates.csv holds exactly the undropped ones', () => {
    const src = pythonCsv(join(out, 'sources.csv'));
    const cand = pythonCsv(join(out, 'candidates.csv'));
    expect(cand.header.slice(0, 5)).toEqual(['id', 'ra', 'dec', 'x', 'y']);
    for (const c of ['fwhm', 'elongation', 'spread_model', 'snr', 'flags', 'nearest_blue_arcsec', 'ledger']) expect(cand.header).toContain(c);
    expect(src.header.slice(0, 3)).toEqual(['id', 'status', 'dropped_by']);
    expect(src.rows.length).toBe(first.sources.length);

    const col = (name: string) => src.header.indexOf(name);
    const kept = src.rows.filter((r) => r[col('status')] === 'candidate');
    expect(kept.map((r) => r[0]).sort()).toEqual(cand.rows.map((r) => r[0]).sort());
    for (const r of src.rows) {
      const by = r[col('dropped_by')];
      expect(r[col('status')]).toBe(by ? 'dropped' : 'candidate');
      // Every reason named in dropped_by is explained in the ledger column.
      for (const reason of by.split(' ').filter(Boolean)) expect(r[col('ledger')]).toContain(`DROP ${reason}: `);
    }
    // A source failing several cuts carries all of them.
    expect(src.rows.some((r) => r[col('dropped_by')].split(' ').length >= 3)).toBe(true);
  });

  it('positions in sources.csv agree with astropy on the same pixels to < 1 mas', () => {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const src = pythonCsv(join(out, 'sources.csv'));
    const at = (n: string) => src.header.indexOf(n);
    const rows = src.rows.filter((_, i) => i % 5 === 0);
    const ref = astropyPixToSky(red(), s.plates.red.solution, rows.map((r) => [Number(r[at('x')]), Number(r[at('y')])]));
    rows.forEach((r, i) => {
      const ra = Number(r[at('ra')]), dec = Number(r[at('dec')]);
      const d = Math.hypot((ra - ref[i][0]) * Math.cos((dec * Math.PI) / 180), dec - ref[i][1]) * 3600;
      expect(d).toBeLessThan(0.001);
    });
  });

  it('a second run resumes after the last stage without running SExtractor again: the same run', async () => {
    // The extraction's files sit in a folder named by the key of the plate's content and the settings.
    const [folder] = readdirSync(join(out, 'work', 'red'));
    const cat = join(out, 'work', 'red', folder, 'pass2.cat');
    const mtime = statSync(cat).mtimeMs;
    const again = await runPipeline({ red: red(), out, offline: true });
    expect(again.resumedAfter).toBe(PIPELINE_STAGES[PIPELINE_STAGES.length - 1].name);
    expect(again.unchanged).toBe(true);
    expect(again.summary).toEqual(first.summary);
    expect(again.summary.runKey).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(cat).mtimeMs).toBe(mtime);
    expect(again.candidates.length).toBe(first.candidates.length);
    expect(again.summary.notes.join(' ')).toMatch(/offline: no network used/);
  });

  it('a changed filter parameter keeps the extraction and re-runs the filters', async () => {
    const r = await runPipeline({ red: red(), out, offline: true, filters: { snrMin: 20 } });
    // Every stage before the filters came from checkpoints.
    expect(r.resumedAfter).toBe(PIPELINE_STAGES[PIPELINE_STAGES.findIndex((s) => s.name === 'filters-blue') - 1].name);
    const by = Object.fromEntries(r.summary.stages.map((x) => [x.name, x]));
    expect(by['extract-red'].fromCheckpoint).toBe(true);
    expect(by.filters.fromCheckpoint).toBeUndefined();
    expect(r.candidates.length).toBeGreaterThanOrEqual(first.candidates.length);
  });

  it('a run cancelled between stages resumes after the last finished one', async () => {
    const controller = new AbortController();
    const err = await runPipeline(
      { red: red(), out, offline: true, filters: { snrMin: 25 } },
      { signal: controller.signal, onProgress: (p) => p.stage === 'filters' && p.fraction === 1 && controller.abort() },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    const r = await runPipeline({ red: red(), out, offline: true, filters: { snrMin: 25 } });
    expect(r.resumedAfter).toBe('filters');
  });

  it('ignores checkpoints whose key does not match', async () => {
    const dir = join(out, 'work', 'checkpoints');
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.cp') && !name.startsWith('00-'))) {
      // The key sits in the file's JSON header: another key of the same length.
      const file = readFileSync(join(dir, f));
      const key = /"key":"([0-9a-f]{64})"/.exec(file.toString('latin1'))![1];
      const at = file.indexOf(key);
      file.write('0'.repeat(64), at, 'latin1');
      writeFileSync(join(dir, f), file);
    }
    const r = await runPipeline({ red: red(), out, offline: true, filters: { snrMin: 25 } });
    expect(r.resumedAfter).toBe('extract-red');
  });
});

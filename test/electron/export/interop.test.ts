/**
 * Exports opened the way astronomers open them: STILTS (the engine of TOPCAT)
 * reads the CSV, ECSV and VOTable and `votlint` passes the VOTable; a plain
 * `pandas.read_csv` reads the CSV; astropy-regions reads the DS9 regions.
 * Every cell is checked against the workspace's own rows and the reviews
 * written by hand in reviewed-run.ts. (The CSV's old `#` preamble made STILTS
 * fail with "Wrong number of columns at row 4".)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { exportCatalogue } from '../../../electron/export/catalogue';
import type { CandidateRow } from '../../../electron/store/types';
import { openWorkspace } from '../../../electron/store/workspace';
import { APP_VERSION, runInput, sky, tempDir } from '../store/fixtures';
import { PYTHON } from '../../helpers/python';
import { havePythonModules, reviewedRun, type ReviewedRun } from './reviewed-run';

const READER = join(dirname(fileURLToPath(import.meta.url)), 'read_interop.py');

function haveStilts(): boolean {
  if (spawnSync('stilts', ['-version'], { stdio: 'ignore' }).status === 0) return true;
  console.warn('SKIP: stilts not found (bash scripts/setup.sh installs Debian stilts and starlink-ecsv-java)');
  return false;
}

function stilts(...args: string[]): string {
  const r = spawnSync('stilts', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stilts ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The columns as a reader should see them, written out by hand. */
const COLUMNS = [
  'id', 'run_id', 'source_number', 'ra', 'dec', 'x', 'y', 'plate', 'epoch', 'mag', 'mag_err', 'snr', 'fwhm', 'elongation',
  'spread_model', 'flags', 'nearest_blue_arcsec', 'centre_distance_deg', 'edge_distance_deg', 'stage_flags', 'consensus', 'n_reviews', 'labels', 'comments',
];

/** Numeric columns and where the store keeps them. */
const NUMBERS: Record<string, (c: CandidateRow) => number | null> = {
  id: (c) => c.id,
  run_id: (c) => c.runId,
  source_number: (c) => c.sourceNumber,
  ra: (c) => c.ra,
  dec: (c) => c.dec,
  x: (c) => c.x,
  y: (c) => c.y,
  epoch: () => 1951.5087, // the fixture plate's mid-exposure
  mag: (c) => c.mag,
  mag_err: (c) => c.magErr,
  snr: (c) => c.snr,
  fwhm: (c) => c.fwhm,
  elongation: (c) => c.elongation,
  spread_model: (c) => c.spreadModel,
  flags: (c) => c.flags,
  nearest_blue_arcsec: (c) => c.nearestBlueArcsec,
  centre_distance_deg: (c) => c.centreDistanceDeg ?? null,
  edge_distance_deg: (c) => c.edgeDistanceDeg ?? null,
  n_reviews: (c) => c.reviews,
};

type Cell = string | number | null | undefined;

/** Every row and column of a table as read by some tool, against the store and the hand-written reviews. */
function expectCells(run: ReviewedRun, who: string, columns: string[], rowCount: number, cell: (row: number, column: string) => Cell) {
  const stored = run.ws.listCandidates({ runId: run.runId, sort: { column: 'id' } }).rows;
  expect(columns, who).toEqual(COLUMNS);
  expect(rowCount, who).toBe(stored.length);
  stored.forEach((c, i) => {
    const at = (column: string) => {
      const v = cell(i, column);
      return v === '' || v === undefined ? null : v;
    };
    for (const [column, of] of Object.entries(NUMBERS)) {
      const want = of(c);
      const got = at(column);
      if (want === null) expect(got, `${who} row ${i} ${column}`).toBeNull();
      else expect(Number(got), `${who} row ${i} ${column}`).toBeCloseTo(want, 12);
    }
    expect(at('plate'), who).toBe('XE687');
    expect(at('stage_flags'), who).toBe(c.ledger.map((e) => `${e.dropped ? '!' : ''}${e.stage}:${e.reason}`).join(';'));
    expect(at('consensus'), `${who} row ${i}`).toBe(run.expected.consensus[i]);
    expect(at('labels') ?? '', `${who} row ${i}`).toBe(run.expected.labels[i]);
    expect(String(at('comments') ?? ''), `${who} row ${i}`).toMatch(run.expected.comments[i]);
  });
}

describe.skipIf(!haveStilts())('exports read by STILTS (TOPCAT)', () => {
  let run: ReviewedRun;
  const dir = tempDir('vasco-interop-');
  beforeAll(() => {
    run = reviewedRun(dir);
  });
  afterAll(() => run.ws.close());

  const all = (format: 'csv' | 'ecsv' | 'votable', name = `all.${format}`) =>
    exportCatalogue(run.ws, { scope: 'all', format, out: join(dir, name), appVersion: APP_VERSION }).file;

  it.each(['csv', 'ecsv', 'votable'] as const)('%s: every row and column with its value', (format) => {
    const file = all(format);
    expect(stilts('tpipe', `in=${file}`, `ifmt=${format}`, 'omode=count').trim()).toBe('columns: 24   rows: 10');
    const t = parseCsv(stilts('tpipe', `in=${file}`, `ifmt=${format}`, 'omode=out', 'ofmt=csv'), `stilts ${format}`);
    const col = (name: string) => t.header.indexOf(name);
    expectCells(run, `stilts ${format}`, t.header, t.rows.length, (i, name) => t.rows[i][col(name)]);
  });

  it.each(['ecsv', 'votable'] as const)('%s: units, descriptions and the provenance as table parameters', (format) => {
    const meta = stilts('tpipe', `in=${all(format)}`, `ifmt=${format}`, 'omode=meta');
    expect(meta).toMatch(/ ra\(Double\)\/deg - Right ascension \(ICRS\) from the plate solution\n/);
    expect(meta).toMatch(/ nearest_blue_arcsec\(Double\)\/arcsec - /);
    expect(meta).toMatch(/ epoch\(Double\)\/yr - Julian epoch/);
    expect(meta).toContain('reviewers:\n    Smith, J. "cy", ann, bob\n');
    expect(meta).toContain(`exported_by:\n    vasco-workstation ${APP_VERSION}\n`);
    expect(meta).toContain('selection:\n    all candidates, reviewed or not\n');
  });

  it('votlint passes the VOTable, whole and empty', () => {
    const empty = exportCatalogue(run.ws, { scope: 'all', labels: ['asteroid'], format: 'votable', out: join(dir, 'none.vot'), appVersion: APP_VERSION });
    expect(empty.rows).toBe(0);
    for (const file of [all('votable'), empty.file]) {
      const r = spawnSync('stilts', ['votlint', `votable=${file}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`.trim(), file).toBe('');
    }
  });
});

describe.skipIf(!havePythonModules('pandas'))('the CSV read by a plain pandas.read_csv', () => {
  it('every row and column, numbers as numbers', () => {
    const dir = tempDir('vasco-pandas-');
    const run = reviewedRun(dir);
    try {
      const file = exportCatalogue(run.ws, { scope: 'all', format: 'csv', out: join(dir, 'all.csv'), appVersion: APP_VERSION }).file;
      const t = JSON.parse(execFileSync(PYTHON, [READER, 'pandas', file], { encoding: 'utf8' })) as {
        shape: [number, number];
        columns: string[];
        dtypes: Record<string, string>;
        data: Record<string, Cell[]>;
      };
      expect(t.shape).toEqual([10, 24]);
      expect(t.dtypes).toMatchObject({ id: 'i', ra: 'f', dec: 'f', epoch: 'f', flags: 'i', n_reviews: 'i', plate: 'O' });
      expectCells(run, 'pandas', t.columns, t.shape[0], (i, name) => t.data[name][i]);
    } finally {
      run.ws.close();
    }
  });
});

describe.skipIf(!havePythonModules('regions'))('DS9 regions read by astropy-regions', () => {
  interface Region { shape: string; frame: string; ra: number; dec: number; radius_arcsec: number; text: string; tags: string[]; color: string; linestyle?: string }
  const readRegions = (file: string) => JSON.parse(execFileSync(PYTHON, [READER, 'ds9', file], { encoding: 'utf8' })) as Region[];

  it('one labelled fk5 circle per candidate, comments in its tags', () => {
    const dir = tempDir('vasco-regions-');
    const run = reviewedRun(dir);
    try {
      // Braces and semicolons would end a DS9 property or region early.
      run.ws.addComment({ candidateId: run.ids[1], reviewer: 'ann', body: 'faint {halo}; see\nblue', appVersion: APP_VERSION });
      const read = (scope: 'all' | 'vetted', name: string) => {
        return readRegions(exportCatalogue(run.ws, { scope, format: 'ds9', out: join(dir, name), appVersion: APP_VERSION }).file);
      };
      const stored = run.ws.listCandidates({ runId: run.runId, sort: { column: 'id' } }).rows;
      const regions = read('all', 'all.reg');
      expect(regions).toHaveLength(stored.length);
      regions.forEach((r, i) => {
        const consensus = run.expected.consensus[i];
        expect(r).toMatchObject({ shape: 'CircleSkyRegion', frame: 'fk5', radius_arcsec: 5 });
        expect(Math.abs(r.ra - stored[i].ra)).toBeLessThan(1e-8);
        expect(Math.abs(r.dec - stored[i].dec)).toBeLessThan(1e-8);
        expect(r.text).toBe(consensus ? `${run.ids[i]} ${consensus}` : String(run.ids[i]));
        expect(r.tags[0]).toBe(consensus ?? 'unreviewed');
        expect(r.color).toBe(consensus === 'transient' ? 'red' : consensus === null ? 'green' : consensus === 'unsure' ? 'yellow' : 'cyan');
        if (i !== 1) expect(r.tags[1] ?? '').toMatch(run.expected.comments[i]);
      });
      expect(regions[1].tags[1]).toMatch(/^ann \S+: faint \(halo\), see blue$/);

      // The vetted export: the three transients, with their reviewers' comments.
      const vetted = read('vetted', 'vetted.reg');
      expect(vetted.map((r) => r.text)).toEqual(run.ids.slice(0, 3).map((id) => `${id} transient`));
      expect(vetted[0].tags[1]).toMatch(run.expected.comments[0]);
      expect(vetted[2].tags[1]).toMatch(run.expected.comments[2]);
    } finally {
      run.ws.close();
    }
  });

  it('a scored run adds the published sources no candidate recovered, dashed', () => {
    const dir = tempDir('vasco-regions-score-');
    const ws = openWorkspace(join(dir, 'vasco.sqlite'));
    try {
      const input = runInput('XE688', sky(6, 3), 2, join(dir, 'run'));
      const missed = [{ ra: 259.9012345678, dec: -6.2012345678, id: '17' }, { ra: 260.0123, dec: -6.1, id: 'V; {x}' }];
      input.summary.score = { radiusArcsec: 5, selection: 'plate column', vascoRows: 3, vascoSources: 3, candidates: 3, recovered: 1, confirmed: 1, recall: 1 / 3, precision: 1 / 3, f1: 1 / 3, missed, extra: [] };
      ws.recordRun(input);
      const regions = readRegions(exportCatalogue(ws, { scope: 'all', format: 'ds9', out: join(dir, 'scored.reg'), appVersion: APP_VERSION }).file);
      expect(regions).toHaveLength(3 + missed.length);
      const published = regions.slice(3);
      published.forEach((r, i) => {
        expect(r).toMatchObject({ color: 'magenta', linestyle: 'dashed', radius_arcsec: 5, tags: ['published, not recovered'] });
        expect(Math.abs(r.ra - missed[i].ra)).toBeLessThan(1e-8);
        expect(Math.abs(r.dec - missed[i].dec)).toBeLessThan(1e-8);
      });
      expect(published.map((r) => r.text)).toEqual(['VASCO 17', 'VASCO V, (x)']);
    } finally {
      ws.close();
    }
  });
});

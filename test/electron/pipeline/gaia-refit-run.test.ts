/**
 * The Gaia refit on a synthetic plate whose written header solution is off
 * the truth by a known pattern (up to ~6" at the corners) while every star is
 * placed with the true one: `vasco run` with a Gaia file made from the
 * generator's truth table brings the positions back onto the truth (checked
 * against the truth table's ra/dec, not our own solution), per tile, says the
 * residuals before and after in summary.json, and refuses (saying why) when
 * Gaia has too few stars.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { haveSyntheticRunTools, vascoRun } from './synthetic-plates';

const ready = haveSyntheticRunTools();
const DISTORTION_ARCSEC = 2;

interface Row {
  x: number;
  y: number;
  ra: number;
  dec: number;
  status: string;
}

function readRows(file: string): Row[] {
  const t = parseCsv(readFileSync(file, 'utf8'));
  const c = (n: string) => t.header.indexOf(n);
  return t.rows.map((r) => ({ x: Number(r[c('x')]), y: Number(r[c('y')]), ra: Number(r[c('ra')]), dec: Number(r[c('dec')]), status: r[c('status')] }));
}

function truthStars(file: string) {
  const t = parseCsv(readFileSync(file, 'utf8'));
  const c = (n: string) => t.header.indexOf(n);
  return t.rows
    .filter((r) => r[c('kind')] === 'star' && r[c('red_x')] !== '')
    .map((r) => ({
      ra: Number(r[c('ra')]), dec: Number(r[c('dec')]), x: Number(r[c('red_x')]), y: Number(r[c('red_y')]),
      flux: Number(r[c('red_flux')]), snr: Number(r[c('red_snr_expected')]), saturated: r[c('note')] === 'saturated',
    }));
}

/**
 * The error of the plate solution, arcsec, in each cell of a 3x3 grid over
 * the image: the mean sky error (source minus truth) of well-measured stars
 * less the part their centroid errors (source minus truth pixel) make, which
 * on this unrotated TAN plate is (-dx, +dy) times the pixel scale (east left).
 * What is left is where the solution puts a pixel against where it truly is.
 */
function systematicErrorByCell(rows: Row[], truth: ReturnType<typeof truthStars>, size: number, scaleArcsec = 1.7): number[] {
  const bright = truth.filter((s) => !s.saturated && s.snr > 20);
  const sums = Array.from({ length: 9 }, () => ({ dx: 0, dy: 0, n: 0 }));
  for (const s of bright) {
    let best: Row | null = null;
    for (const r of rows) if (Math.hypot(r.x - s.x, r.y - s.y) < 1.5 && (!best || Math.hypot(r.x - s.x, r.y - s.y) < Math.hypot(best.x - s.x, best.y - s.y))) best = r;
    if (!best) continue;
    const cell = Math.min(2, Math.floor((s.x / size) * 3)) + 3 * Math.min(2, Math.floor((s.y / size) * 3));
    sums[cell].dx += (best.ra - s.ra) * Math.cos((s.dec * Math.PI) / 180) * 3600 + (best.x - s.x) * scaleArcsec;
    sums[cell].dy += (best.dec - s.dec) * 3600 - (best.y - s.y) * scaleArcsec;
    sums[cell].n++;
  }
  for (const c of sums) expect(c.n).toBeGreaterThanOrEqual(10);
  return sums.map((c) => Math.hypot(c.dx / c.n, c.dy / c.n));
}

describe.skipIf(!ready)('Gaia refit of a plate with a distorted header', () => {
  let dir: string;
  let truth: ReturnType<typeof truthStars>;
  const size = 1000;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-gaia-refit-'));
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), size, seed: 21, stars: 6000, transients: 20, transientSnr: [40, 200], headerDistortionArcsec: DISTORTION_ARCSEC });
    truth = truthStars(pair.truth);
    // Gaia from the truth: every star, no motion, G from its red flux.
    const gaia = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
    truth.forEach((s, k) => gaia.push(`${5000 + k},${s.ra.toFixed(9)},${s.dec.toFixed(9)},0,0,2016.0,${(26 - 2.5 * Math.log10(s.flux)).toFixed(2)}`));
    writeFileSync(join(dir, 'gaia.csv'), gaia.join('\n') + '\n');
    // Too few stars: the five brightest.
    writeFileSync(join(dir, 'gaia-few.csv'), [gaia[0], ...gaia.slice(1, 6)].join('\n') + '\n');
    const common = ['--red', pair.red, '--blue', pair.blue, '--offline', '--workers', '2'];
    const runs: [string, string[]][] = [
      ['off', ['--catalog', `gaia=${join(dir, 'gaia.csv')}`, '--gaia-refit', 'off']],
      ['on', ['--catalog', `gaia=${join(dir, 'gaia.csv')}`]],
      ['tiled', ['--catalog', `gaia=${join(dir, 'gaia.csv')}`, '--tile-size', '512', '--tile-overlap', '256']],
      ['few', ['--catalog', `gaia=${join(dir, 'gaia-few.csv')}`]],
    ];
    for (const [name, args] of runs) {
      const r = vascoRun([...common, ...args, '--out', join(dir, name)]);
      if (r.status !== 0) throw new Error(`vasco run (${name}) failed: ${r.stderr}`);
    }
  }, 900_000);

  const summary = (name: string) => JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8'));

  it('brings every part of the plate back onto the truth to 0.1" (the header alone is off by arcseconds)', () => {
    const off = systematicErrorByCell(readRows(join(dir, 'off', 'sources.csv')), truth, size);
    const on = systematicErrorByCell(readRows(join(dir, 'on', 'sources.csv')), truth, size);
    console.log(`systematic error per cell, header: ${off.map((v) => v.toFixed(2)).join(' ')}; refitted: ${on.map((v) => v.toFixed(3)).join(' ')}`);
    expect(Math.max(...off)).toBeGreaterThan(1.5);
    expect(Math.max(...on)).toBeLessThanOrEqual(0.1);
  });

  it('says the residuals before and after (median, P90) in summary.json, for both plates', () => {
    const s = summary('on');
    const red = s.astrometry.red;
    console.log(`red residuals before ${JSON.stringify(red.before)}, after ${JSON.stringify(red.after)}; ${red.tiles[0].matched} stars, order ${red.tiles[0].order}`);
    expect(s.astrometry.gaia).toMatch(/local file .*gaia\.csv/);
    expect(red.tiles).toHaveLength(1);
    expect(red.tiles[0]).toMatchObject({ accepted: true });
    expect(red.tiles[0].matched).toBeGreaterThan(100);
    expect(red.before.medianArcsec).toBeGreaterThan(1);
    expect(red.after.medianArcsec).toBeLessThan(0.4);
    expect(red.after.p90Arcsec).toBeLessThan(red.before.p90Arcsec);
    expect(red.sourcesCorrected).toBe(red.sources);
    // The blue header is true: its refit changes little, and is said too.
    expect(s.astrometry.blue.tiles[0].accepted).toBe(true);
    expect(s.astrometry.blue.before.medianArcsec).toBeLessThan(0.5);
    expect(s.stages.find((x: { name: string }) => x.name === 'gaia-refit').skipped).toBeUndefined();
    expect(s.notes.join('\n')).toMatch(/gaia-refit red: 1 of 1 tile\(s\) refitted/);
  });

  it('refits tile by tile on a tiled plate, each tile onto the truth', () => {
    const s = summary('tiled');
    expect(s.astrometry.red.tiles).toHaveLength(4);
    for (const t of s.astrometry.red.tiles) expect(t.accepted).toBe(true);
    const cells = systematicErrorByCell(readRows(join(dir, 'tiled', 'sources.csv')), truth, size);
    expect(Math.max(...cells)).toBeLessThanOrEqual(0.1);
  });

  it('keeps every injected transient the header solution found (recall and false candidates printed for the README)', () => {
    const t = parseCsv(readFileSync(join(dir, 'synth', 'synth-truth.csv'), 'utf8'));
    const c = (n: string) => t.header.indexOf(n);
    const transients = t.rows.filter((r) => r[c('kind')] === 'transient').map((r) => ({ x: Number(r[c('red_x')]), y: Number(r[c('red_y')]) }));
    const found = (name: string) => {
      const cands = readRows(join(dir, name, 'candidates.csv'));
      const hit = transients.filter((tr) => cands.some((r) => Math.hypot(r.x - tr.x, r.y - tr.y) < 2)).length;
      return { hit, falseCandidates: cands.length - hit };
    };
    const off = found('off');
    const on = found('on');
    console.log(`transients recovered: header ${off.hit}/${transients.length}, refitted ${on.hit}/${transients.length}; false candidates: header ${off.falseCandidates}, refitted ${on.falseCandidates}`);
    expect(on.hit).toBeGreaterThanOrEqual(off.hit);
  });

  it('refuses a fit with too few Gaia stars, says why, and keeps the header positions', () => {
    const s = summary('few');
    const t = s.astrometry.red.tiles[0];
    expect(t.accepted).toBe(false);
    expect(t.reason).toMatch(/too few stars matched/);
    expect(s.astrometry.red.sourcesCorrected).toBe(0);
    expect(s.notes.join('\n')).toMatch(/refused: tile 0: too few stars/);
    const offRows = readRows(join(dir, 'off', 'sources.csv'));
    const fewRows = readRows(join(dir, 'few', 'sources.csv'));
    expect(fewRows.map((r) => [r.ra, r.dec])).toEqual(offRows.map((r) => [r.ra, r.dec]));
  });
});

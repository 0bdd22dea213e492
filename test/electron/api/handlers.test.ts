/**
 * The API end to end in plain Node: a real synthetic plate pair, the real
 * pipeline (SExtractor/PSFEx) run as a job, the real SQLite workspace, and
 * the pictures checked with astropy.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../electron/api/contract';
import { dispatch } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { apiHarness, sepArcsec, writeGaiaNear } from './harness';
import { gnomonicForward } from '../../../electron/astro/projection';
import type { Api } from '../../../electron/api/dispatch';
import { FitsFile } from '../../../electron/fits';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import { haveCommand } from '../../helpers/shared-data';
import { astropy, haveAstropy } from '../../helpers/python';

const tools = haveCommand('source-extractor', 'apt-get install source-extractor') && haveCommand('psfex', 'apt-get install psfex');
const tmp = mkdtempSync(join(tmpdir(), 'vasco-api-'));
let api: Api;
let pair: SynthPair;
const events: ApiEvent[] = [];

const { call, untilDone } = apiHarness(() => api);
function writeTmp(name: string, base64: string): string {
  const f = join(tmp, name);
  writeFileSync(f, Buffer.from(base64, 'base64'));
  return f;
}

beforeAll(async () => {
  if (!tools) return;
  pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 't', preset: 'small', size: 500, stars: 300, transients: 8, defects: 4, seed: 3 });
  api = await createApi({ dbPath: join(tmp, 'ws', 'vasco.sqlite'), offline: true });
  api.hub.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await api?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!tools)('API handlers on a real run', () => {
  let runId = 0;

  it('runs the pipeline as a job with progress, log and done events, and records the run', async () => {
    const { jobId } = await call('pipeline.start', { red: pair.red, blue: pair.blue, offline: true, redOnly: false, params: { snrMin: 10 } });
    const done = await untilDone(jobId);
    expect(done.state, done.error).toBe('done');
    runId = done.runId!;
    const status = await call('pipeline.status', { jobId });
    expect(status.state).toBe('done');
    expect(status.runId).toBe(runId);
    const mine = events.filter((e) => 'jobId' in e.data && e.data.jobId === jobId);
    const stages = new Set(mine.filter((e) => e.event === 'pipeline.progress').map((e) => (e.data as { stage: string }).stage));
    expect(stages.has('extract-red')).toBe(true);
    expect(mine.some((e) => e.event === 'pipeline.log')).toBe(true);
    const runs = await call('runs.list', {});
    expect(runs.map((r) => r.id)).toContain(runId);
    const { summary } = await call('runs.get', { runId });
    expect((summary.parameters as { filters: { snrMin: number } }).filters.snrMin).toBe(10);
  });

  it('histograms count every red source and carry the run’s cuts', async () => {
    const h = await call('runs.histograms', { runId });
    const { summary } = await call('runs.get', { runId });
    expect(h.positions.x.length).toBe(summary.plates.red.sourcesExtracted);
    expect(h.positions.width).toBe(500);
    expect(h.spreadModel.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(h.spreadModel.edges.length).toBe(h.spreadModel.counts.length + 1);
    expect(h.spreadModel.cut).toBe(-0.01);
    expect(h.fwhm.min).toBeLessThan(h.fwhm.max);
  });

  it.skipIf(!haveAstropy())('cutout.get: astropy reads each band’s cutout and finds the candidate at its centre', async () => {
    const { rows, total } = await call('candidates.list', { runId, offset: 0, limit: 5, sort: { column: 'snr', desc: true } });
    expect(total).toBeGreaterThan(0);
    const c = rows[0];
    const red = await call('cutout.get', { candidateId: c.id, band: 'red', sizePx: 40 });
    const blue = await call('cutout.get', { candidateId: c.id, band: 'blue', sizePx: 40 });
    expect([red.width, red.height]).toEqual([40, 40]);
    const sky = astropy<number[][]>(
      `
from astropy.io import fits
from astropy.wcs import WCS
print(json.dumps([WCS(fits.getheader(p['file'])).all_pix2world([[p['x'], p['y']]], 1)[0].tolist() for p in INPUT]))
`,
      [
        { file: writeTmp('red.fits', red.fitsBase64), x: red.centerX, y: red.centerY },
        { file: writeTmp('blue.fits', blue.fitsBase64), x: blue.centerX, y: blue.centerY },
        { file: pair.red, x: c.x, y: c.y },
      ],
    );
    expect(sepArcsec(sky[0], sky[2])).toBeLessThan(0.001); // the cutout header is the plate's, shifted
    expect(sepArcsec(sky[0], [c.ra, c.dec])).toBeLessThan(0.05); // and agrees with our plate solution
    expect(sepArcsec(sky[1], [c.ra, c.dec])).toBeLessThan(0.05); // the blue cutout is centred on the same sky
  });

  it('blink.get: red and blue frames on one grid put a star at the same pixel', async () => {
    const { rows } = await call('candidates.list', { runId, offset: 0, limit: 1 });
    const b = await call('blink.get', { candidateId: rows[0].id, sizeArcsec: 600 });
    expect(b.blue).not.toBeNull();
    const read = async (base64: string, name: string) => {
      const f = await FitsFile.open(writeTmp(name, base64));
      const img = await f.readImage();
      const h = f.imageHdu().header;
      await f.close();
      return { img, h };
    };
    const r = await read(b.red, 'blink-red.fits');
    const u = await read(b.blue!, 'blink-blue.fits');
    for (const k of ['NAXIS1', 'NAXIS2', 'CRPIX1', 'CRPIX2', 'CRVAL1', 'CRVAL2', 'CD1_1', 'CD2_2']) expect(u.h[k]).toEqual(r.h[k]);
    const n = b.width;
    // Unsaturated stars of the truth table inside the frame, where the TAN grid puts them.
    const truth = readFileSync(pair.truth, 'utf8').trim().split('\n');
    const col = Object.fromEntries(truth[0].split(',').map((c, i) => [c, i]));
    const h = r.h as Record<string, number>;
    const stars = truth
      .slice(1)
      .map((l) => l.split(','))
      .filter((t) => t[col.kind] === 'star' && Number(t[col.red_snr_expected]) > 15 && Number(t[col.red_snr_expected]) < 500 && Number(t[col.blue_snr_expected]) > 15)
      .map((t) => {
        const [xi, eta] = gnomonicForward(Number(t[col.ra]), Number(t[col.dec]), h.CRVAL1, h.CRVAL2);
        return [h.CRPIX1 + xi / h.CD1_1 - 1, h.CRPIX2 + eta / h.CD2_2 - 1]; // 0-based
      })
      .filter(([x, y]) => x > 8 && y > 8 && x < n - 9 && y < n - 9);
    expect(stars.length).toBeGreaterThan(2);
    const centroid = (img: Float32Array, cx: number, cy: number) => {
      const bi = Math.round(cx), bj = Math.round(cy);
      const ring: number[] = [];
      for (let j = bj - 6; j <= bj + 6; j++) for (let i = bi - 6; i <= bi + 6; i++) if (Math.max(Math.abs(i - bi), Math.abs(j - bj)) === 6) ring.push(img[j * n + i]);
      const bg = ring.sort((p, q) => p - q)[ring.length >> 1];
      let w = 0, x = 0, y = 0;
      for (let j = bj - 3; j <= bj + 3; j++)
        for (let i = bi - 3; i <= bi + 3; i++) {
          const v = Math.max(0, img[j * n + i] - bg);
          w += v; x += v * i; y += v * j;
        }
      return [x / w, y / w];
    };
    const offsets = stars.map(([x, y]) => {
      const [rx, ry] = centroid(r.img, x, y);
      const [ux, uy] = centroid(u.img, x, y);
      return Math.hypot(rx - ux, ry - uy);
    });
    offsets.sort((p, q) => p - q);
    expect(offsets[offsets.length >> 1]).toBeLessThan(0.15);
  });

  it('skycontext.get: a plain TAN image (Aladin Lite misdraws SIP) and the run’s candidates in the field', async () => {
    const { rows } = await call('candidates.list', { runId, offset: 0, limit: 1 });
    const s = await call('skycontext.get', { candidateId: rows[0].id, sizeArcmin: 3 });
    const f = await FitsFile.open(writeTmp('sky.fits', s.fitsBase64));
    expect(f.imageHdu().header.CTYPE1).toBe('RA---TAN');
    expect(Object.keys(f.imageHdu().header).filter((k) => /^(A|B|AP|BP)_/.test(k))).toEqual([]);
    await f.close();
    expect(s.overlays.candidates.map((c) => c.id)).toContain(rows[0].id);
  });

  it('skycontext.get: the veto’s catalogue counterparts (offline Gaia file) come back as overlays at their catalogue positions', async () => {
    const before = (await call('candidates.list', { runId, offset: 0, limit: 10_000 })).rows;
    // Gaia counterparts 2" from every other candidate, no proper motion: their plate-epoch position is the file's.
    const gaia = join(tmp, 'gaia.csv');
    const written = writeGaiaNear(gaia, before, 5000);
    const { jobId } = await call('pipeline.start', {
      red: pair.red, blue: pair.blue, offline: true, redOnly: false,
      params: { snrMin: 10, 'catalogue.veto': 'local', 'catalogue.localFiles.gaia': gaia },
    });
    const done = await untilDone(jobId);
    expect(done.state, done.error).toBe('done');
    const after = (await call('candidates.list', { runId: done.runId!, offset: 0, limit: 10_000 })).rows;
    expect(after.length).toBe(before.length - written.length);
    // Centre the field on the remaining candidate closest to a vetoed one.
    const nearest = (c: { ra: number; dec: number }) => Math.min(...written.map((w) => sepArcsec([w.ra, w.dec], [c.ra, c.dec])));
    const centre = [...after].sort((a, b) => nearest(a) - nearest(b))[0];
    expect(nearest(centre)).toBeLessThan(60);
    const s = await call('skycontext.get', { candidateId: centre.id, sizeArcmin: 3 });
    expect(s.overlays.counterparts.length).toBeGreaterThan(0);
    for (const cp of s.overlays.counterparts) {
      expect(cp.catalog).toBe('Gaia EDR3');
      const w = written.find((r) => r.id === cp.id)!;
      expect(w, `counterpart ${cp.id} was not in the file`).toBeDefined();
      expect(sepArcsec([cp.ra, cp.dec], [w.ra, w.dec])).toBeLessThan(0.01);
    }
    // Every written counterpart well inside the 3' field is shown.
    const inside = written.filter((w) => sepArcsec([w.ra, w.dec], [centre.ra, centre.dec]) < 60);
    expect(s.overlays.counterparts.map((c) => c.id).sort()).toEqual(expect.arrayContaining(inside.map((w) => w.id)));
  });

  it('pipeline.start refuses a misspelt catalogue parameter, naming it', async () => {
    const bad = await dispatch(api.handlers, 'pipeline.start', { red: pair.red, offline: true, redOnly: true, params: { 'catalogue.veto': 'vizier' } });
    expect('error' in bad && bad.error.message).toMatch(/"catalogue.veto" must be one of xmatch, cone, local, none/);
    const file = await dispatch(api.handlers, 'pipeline.start', { red: pair.red, offline: true, redOnly: true, params: { 'catalogue.localFiles.simbad': '/x.csv' } });
    expect('error' in file && file.error.message).toMatch(/catalogue.localFiles.simbad/);
  });

  it('reviews: add, undo, and refuse an unknown label or candidate', async () => {
    const { rows } = await call('candidates.list', { runId, offset: 0, limit: 1 });
    const e = await call('reviews.add', { candidateId: rows[0].id, reviewer: 'ann', label: 'transient', confidence: 0.9 });
    expect(e.label).toBe('transient');
    expect((await call('candidates.get', { candidateId: rows[0].id, reviewer: 'ann' })).row.myLabel).toBe('transient');
    expect((await call('reviews.undo', { candidateId: rows[0].id, reviewer: 'ann' }))?.action).toBe('undo');
    expect(await call('reviewers.list', {})).toContain('ann');
    const missing = await dispatch(api.handlers, 'cutout.get', { candidateId: 999999, band: 'red', sizePx: 32 });
    expect('error' in missing && missing.error.code).toBe('not-found');
  });

  it('export.run returns the written catalogue', async () => {
    const r = await call('export.run', { runId, scope: 'all', format: 'csv' });
    expect(r.rows).toBeGreaterThan(0);
    expect(Buffer.from(r.contentBase64, 'base64').toString('utf8')).toContain(',');
  });

  it('cancels a running job and resumes it to the end', async () => {
    const { jobId } = await call('pipeline.start', { red: pair.red, blue: pair.blue, offline: true, redOnly: false, params: {} });
    const cancelled = untilDone(jobId);
    await call('pipeline.cancel', { jobId });
    expect((await cancelled).state).toBe('cancelled');
    const again = await call('pipeline.resume', { jobId });
    const done = await untilDone(again.jobId);
    expect(done.state, done.error).toBe('done');
  });
});

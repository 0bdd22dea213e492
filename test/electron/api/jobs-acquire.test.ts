/**
 * pipeline.start by POSS-I field number and by sky position: the plates are
 * downloaded from an archive on 127.0.0.1 (VASCO_IRSA_URL / VASCO_STSCI_URL)
 * into the run's folder with progress, then the real pipeline runs on them.
 * A missing blue plate (404) gives a red-only run that says so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../electron/api/contract';
import { dispatch } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { apiHarness } from './harness';
import type { Api } from '../../../electron/api/dispatch';
import { runPipeline } from '../../../electron/pipeline/run';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import { haveCommand } from '../../helpers/shared-data';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';

const tools = haveCommand('source-extractor', 'apt-get install source-extractor') && haveCommand('psfex', 'apt-get install psfex');
const tmp = mkdtempSync(join(tmpdir(), 'vasco-api-acquire-'));
const saved = { irsa: process.env.VASCO_IRSA_URL, stsci: process.env.VASCO_STSCI_URL };
let api: Api;
let srv: RecordedServer;
let pair: SynthPair;
const events: ApiEvent[] = [];

const { call, untilDone } = apiHarness(() => api);

beforeAll(async () => {
  if (!tools) return;
  pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'acq', preset: 'small', size: 300, stars: 120, transients: 4, defects: 2, seed: 21 });
  srv = await startRecordedServer();
  process.env.VASCO_IRSA_URL = `${srv.url}/irsa`;
  process.env.VASCO_STSCI_URL = `${srv.url}/stsci/dss_search`;
  // The stages up to red vs blue: the catalogue stages after them would ask services beyond this test's archive
  // (and so would the Gaia refit before it: the runs below turn it off).
  const upToRedBlue = PIPELINE_STAGES.slice(0, PIPELINE_STAGES.findIndex((s) => s.name === 'red-vs-blue') + 1);
  api = await createApi({ dbPath: join(tmp, 'ws', 'vasco.sqlite'), offline: false, run: (o, ctx) => runPipeline(o, ctx, upToRedBlue) });
  api.hub.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await api?.close();
  await srv?.close();
  process.env.VASCO_IRSA_URL = saved.irsa;
  process.env.VASCO_STSCI_URL = saved.stsci;
  if (saved.irsa === undefined) delete process.env.VASCO_IRSA_URL;
  if (saved.stsci === undefined) delete process.env.VASCO_STSCI_URL;
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!tools)('pipeline.start with a field number or a position', () => {
  it('field "XE582": downloads red XE582 and blue XO582 from IRSA into the run folder, with progress, and runs red+blue', async () => {
    srv.route('/irsa/dss1red/dss1red_XE582.fits', { body: readFileSync(pair.red), ranges: true });
    srv.route('/irsa/dss1blue/dss1blue_XO582.fits', { body: readFileSync(pair.blue), ranges: true });
    const { jobId } = await call('pipeline.start', { plate: 'XE582', offline: false, redOnly: false, params: { snrMin: 10, 'catalogue.gaiaRefit': 'off' } });
    const done = await untilDone(jobId);
    expect(done.state, done.error).toBe('done');
    const { row, summary } = await call('runs.get', { runId: done.runId! });
    expect(summary.mode).toBe('red+blue');
    expect(summary.plates.red.file).toBe(join(row.outDir, 'plates', 'dss1red_XE582.fits'));
    expect(summary.plates.blue!.file).toBe(join(row.outDir, 'plates', 'dss1blue_XO582.fits'));
    expect(readFileSync(summary.plates.red.file).equals(readFileSync(pair.red))).toBe(true);
    const mine = events.filter((e) => e.event === 'pipeline.progress' && e.data.jobId === jobId).map((e) => (e.data as { stage: string }).stage);
    expect(mine).toContain('acquire-red');
    expect(mine).toContain('acquire-blue');
    expect(mine.indexOf('acquire-red')).toBeLessThan(mine.indexOf('extract-red'));
  }, 300_000);

  it('sky position without a blue cutout (404): a red-only run whose notes say why', async () => {
    srv.route('/stsci/dss_search', (req) =>
      req.url.searchParams.get('v') === 'poss1_red' ? { body: readFileSync(pair.red) } : { status: 404, body: 'not found' },
    );
    const { jobId } = await call('pipeline.start', { ra: 259.9534, dec: -6.1475, sizeArcmin: 5, offline: false, redOnly: false, params: { snrMin: 10, 'catalogue.gaiaRefit': 'off' } });
    const done = await untilDone(jobId);
    expect(done.state, done.error).toBe('done');
    const { summary } = await call('runs.get', { runId: done.runId! });
    expect(summary.mode).toBe('red-only');
    expect(summary.notes.join('\n')).toMatch(/acquire: POSS-I O cutout .* is not available \(HTTP 404/);
    const asked = srv.requests.filter((q) => q.url.pathname === '/stsci/dss_search').map((q) => q.url.searchParams.get('v'));
    expect(asked).toEqual(['poss1_red', 'poss1_blue']);
  }, 300_000);

  it('refuses a download in an offline run and a malformed field number, before starting a job', async () => {
    const offline = await dispatch(api.handlers, 'pipeline.start', { plate: '687', offline: true, redOnly: true, params: {} });
    expect('error' in offline && offline.error.message).toMatch(/offline/);
    expect('error' in offline && offline.error.hint).toMatch(/untick "offline"/);
    const bad = await dispatch(api.handlers, 'pipeline.start', { plate: 'M31', offline: false, redOnly: true, params: {} });
    expect('error' in bad && bad.error.message).toMatch(/"M31" is not a POSS-I field number/);
  });
});

/**
 * The workstation's SAMP session through the API contract (dispatch, as
 * every host calls it), against a real hub: astropy's SAMPHubServer with a
 * private lockfile, and a receiving client written here in astropy
 * (samp_peer.py) that reads each file it is sent with astropy. Each message's
 * content is checked on the receiving side: the table's rows and ids, the
 * highlighted row, the pointed position, where astropy's WCS puts the
 * candidate on each cutout; and the other way, a row the peer highlights
 * becomes a samp.select event naming that candidate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiEvent } from '../../../electron/api/contract';
import type { Api } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { haveAstropy } from '../../helpers/python';
import { apiHarness } from '../api/harness';
import { SampPeer } from './samp-peer';
import { recordReviewRun, type ReviewRun } from '../../helpers/review-run';

type Selection = Extract<ApiEvent, { event: 'samp.select' }>['data'];

describe.skipIf(!haveAstropy())('SAMP session against astropy\'s hub', () => {
  let tmp: string;
  let run: ReviewRun;
  let peer: SampPeer;
  let api: Api;
  const lockfile = () => join(tmp, 'samp lock');
  const events: ApiEvent[] = [];
  const { call } = apiHarness(() => api);
  const oldHub = process.env.SAMP_HUB;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-samp-'));
    run = await recordReviewRun(tmp, 12);
    peer = await SampPeer.start(lockfile(), { hub: true });
    process.env.SAMP_HUB = `std-lockurl:file://${lockfile()}`;
    api = await createApi({ dbPath: run.dbPath, offline: true });
    api.hub.subscribe((e) => events.push(e));
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await peer?.stop();
    process.env.SAMP_HUB = oldHub;
    if (oldHub === undefined) delete process.env.SAMP_HUB;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('connects: the status names the peer, and the hub lists the workstation by name', async () => {
    const s = await call('samp.connect', {});
    expect(s.connected).toBe(true);
    expect(s.peers.map((p) => p.name)).toContain('astropy peer');
    expect((await peer.clients()).map((c) => c.name)).toContain('VASCO Workstation');
    expect(events.some((e) => e.event === 'samp.status' && e.data.connected)).toBe(true);
  });

  it('sends the candidate table as table.load.votable: astropy reads every candidate, in id order, at its position', async () => {
    const r = await call('samp.sendTable', { runId: run.runId, scope: 'all' });
    expect(r.rows).toBe(run.ids.length);
    expect(r.summary).toContain(`astropy peer loaded the table of ${run.ids.length} rows`);
    const got = await peer.message('table.load.votable', (m) => m.params['table-id'] === r.tableId);
    expect(got.call).toBe(true);
    expect(got.readError).toBeUndefined();
    expect(got.table!.id).toEqual(run.ids);
    const { rows } = await call('candidates.list', { runId: run.runId, sort: { column: 'id' }, offset: 0, limit: 100 });
    expect(got.table!.ra).toEqual(rows.map((c) => c.ra));
    expect(got.table!.dec).toEqual(rows.map((c) => c.dec));
    expect(String(got.params.url)).toMatch(/^file:\/\//);
  });

  it('highlights the reviewer\'s candidate as table.highlight.row of that table (0-based row)', async () => {
    const status = await call('samp.status', {});
    const r = await call('samp.highlight', { candidateId: run.ids[4] });
    expect(r.row).toBe(4);
    const got = await peer.message('table.highlight.row', (m) => m.params.row === '4');
    expect(got.params['table-id']).toBe(status.table!.tableId);
  });

  it('follows a row the peer highlights or selects: a samp.select event names that candidate', async () => {
    const { table } = await call('samp.status', {});
    const picked = (id: number) => () => events.find((e): e is { event: 'samp.select'; data: Selection } => e.event === 'samp.select' && e.data.candidateId === id);
    await peer.notify('table.highlight.row', { 'table-id': table!.tableId, url: '', row: '3' });
    await expect.poll(picked(run.ids[3]), { timeout: 15_000 }).toBeTruthy();
    expect(picked(run.ids[3])()!.data).toEqual({ runId: run.runId, candidateId: run.ids[3], row: 3, from: 'astropy peer' });
    // A row list (TOPCAT's subset selection): the first listed row is the one to look at.
    await peer.notify('table.select.rowList', { 'table-id': table!.tableId, url: '', 'row-list': ['7', '2'] });
    await expect.poll(picked(run.ids[7]), { timeout: 15_000 }).toBeTruthy();
  });

  it('a vetted table sent next becomes the one highlights refer to; a candidate outside it is not highlighted', async () => {
    const { rows } = await call('candidates.list', { runId: run.runId, sort: { column: 'id' }, offset: 0, limit: 100 });
    await call('reviews.add', { candidateId: rows[2].id, reviewer: 'ann', label: 'transient' });
    const r = await call('samp.sendTable', { runId: run.runId, scope: 'vetted' });
    expect(r.rows).toBe(1);
    const got = await peer.message('table.load.votable', (m) => m.params['table-id'] === r.tableId);
    expect(got.table!.id).toEqual([rows[2].id]);
    expect((await call('samp.highlight', { candidateId: rows[5].id })).row).toBeNull();
    expect((await call('samp.highlight', { candidateId: rows[2].id })).row).toBe(0);
  });

  it('points at the candidate with coord.pointAt.sky (degrees)', async () => {
    const d = await call('candidates.get', { candidateId: run.ids[1] });
    const r = await call('samp.pointAt', { candidateId: run.ids[1] });
    expect(r.recipients.map((p) => p.name)).toContain('astropy peer');
    const got = await peer.message('coord.pointAt.sky', (m) => Number(m.params.ra) === d.row.ra);
    expect(Number(got.params.dec)).toBe(d.row.dec);
  });

  it('sends the red and blue cutouts as image.load.fits: astropy\'s WCS puts the candidate where the cutout says it is', async () => {
    const id = run.ids[2];
    const d = await call('candidates.get', { candidateId: id });
    await peer.command({ cmd: 'locate', ra: d.row.ra, dec: d.row.dec }, 'locating');
    const r = await call('samp.sendCutouts', { candidateId: id, sizePx: 64 });
    expect(r.images.map((i) => i.band)).toEqual(['red', 'blue']);
    expect(r.summary).toContain('astropy peer loaded the red cutout');
    expect(r.summary).toContain('astropy peer loaded the blue cutout');
    for (const band of ['red', 'blue'] as const) {
      const got = await peer.message('image.load.fits', (m) => String(m.params.name).endsWith(`#${id} ${band}`));
      const shown = await call('cutout.get', { candidateId: id, band, sizePx: 64 });
      expect(got.image).toMatchObject({ naxis1: shown.width, naxis2: shown.height });
      // The candidate's sky position through astropy's reading of the sent header, against the cutout's own centre.
      expect(Math.abs(got.image!.pix![0] - shown.centerX)).toBeLessThan(0.05);
      expect(Math.abs(got.image!.pix![1] - shown.centerY)).toBeLessThan(0.05);
      expect(fileURLToPath(String(got.params.url))).toMatch(/\.fits$/);
    }
  });

  it('says which tool refused an image and why', async () => {
    await peer.command({ cmd: 'refuse', mtype: 'image.load.fits' }, 'refusing');
    const r = await call('samp.sendCutouts', { candidateId: run.ids[0] });
    expect(r.summary).toContain('astropy peer refused the red cutout: refused by the test peer');
  });

  it('a disconnect asked for unregisters and reports no problem; connecting again works', async () => {
    const before = events.length;
    const s = await call('samp.disconnect', {});
    expect(s).toEqual({ connected: false, peers: [], table: expect.anything() });
    expect((await peer.clients()).map((c) => c.name)).not.toContain('VASCO Workstation');
    const said = events.slice(before).filter((e) => e.event === 'samp.status');
    expect(said.map((e) => e.data)).toEqual([s]);
    expect((await call('samp.connect', {})).connected).toBe(true);
  });

  it('notices the hub shutting down and then says to start TOPCAT or DS9', async () => {
    await peer.stop();
    await expect.poll(() => events.some((e) => e.event === 'samp.status' && !e.data.connected && /shut down/.test(e.data.message ?? '')), { timeout: 15_000 }).toBe(true);
    expect((await call('samp.status', {})).connected).toBe(false);
    await expect(call('samp.pointAt', { candidateId: run.ids[0] })).rejects.toMatchObject({ code: 'samp-no-hub', hint: expect.stringContaining('start TOPCAT or DS9') });
  });
});

describe.skipIf(!haveAstropy())('SAMP when the hub dies without a word, and a new one starts', () => {
  let tmp: string;
  let run: ReviewRun;
  let api: Api;
  const events: ApiEvent[] = [];
  const { call } = apiHarness(() => api);
  const oldHub = process.env.SAMP_HUB;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-samp-crash-'));
    run = await recordReviewRun(tmp, 4);
    process.env.SAMP_HUB = `std-lockurl:file://${join(tmp, 'lock')}`;
    api = await createApi({ dbPath: run.dbPath, offline: true });
    api.hub.subscribe((e) => events.push(e));
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    process.env.SAMP_HUB = oldHub;
    if (oldHub === undefined) delete process.env.SAMP_HUB;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the next action says the hub stopped answering; with a new hub the same action connects again and is delivered', async () => {
    const first = await SampPeer.start(join(tmp, 'lock'), { hub: true });
    expect((await call('samp.connect', {})).connected).toBe(true);
    await first.kill();
    await expect(call('samp.pointAt', { candidateId: run.ids[0] })).rejects.toMatchObject({ code: 'samp-no-hub', hint: expect.stringContaining('start TOPCAT or DS9') });
    expect(events.some((e) => e.event === 'samp.status' && !e.data.connected)).toBe(true);
    expect((await call('samp.status', {})).connected).toBe(false);

    const second = await SampPeer.start(join(tmp, 'lock'), { hub: true, name: 'second peer' });
    try {
      const r = await call('samp.sendTable', { runId: run.runId, scope: 'all' });
      expect(r.summary).toBe(`second peer loaded the table of ${run.ids.length} rows`);
      expect((await second.message('table.load.votable')).table!.id).toEqual(run.ids);
    } finally {
      await second.stop();
    }
  });
});

describe('SAMP without a hub', () => {
  let tmp: string;
  let api: Api;
  const { call } = apiHarness(() => api);
  const oldHub = process.env.SAMP_HUB;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-samp-nohub-'));
    api = await createApi({ dbPath: join(tmp, 'w.sqlite'), offline: true });
  });
  afterAll(async () => {
    await api.close();
    process.env.SAMP_HUB = oldHub;
    if (oldHub === undefined) delete process.env.SAMP_HUB;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('no lockfile: a clear message naming it and what to start', async () => {
    process.env.SAMP_HUB = `std-lockurl:file://${join(tmp, 'missing-lock')}`;
    await expect(call('samp.connect', {})).rejects.toMatchObject({
      code: 'samp-no-hub',
      message: `no SAMP hub is running (no lockfile ${join(tmp, 'missing-lock')})`,
      hint: expect.stringContaining('start TOPCAT or DS9'),
    });
  });

  it('a lockfile left by a hub that stopped: says the hub does not answer', async () => {
    const lock = join(tmp, 'stale-lock');
    writeFileSync(lock, '# SAMP lockfile\nsamp.secret=abc\nsamp.hub.xmlrpc.url=http://127.0.0.1:9/\nsamp.profile.version=1.3\n');
    process.env.SAMP_HUB = `std-lockurl:file://${lock}`;
    await expect(call('samp.connect', {})).rejects.toMatchObject({ code: 'samp-no-hub', message: expect.stringContaining('which does not answer') });
  });

  it('SAMP_HUB that is not a Standard Profile address is named', async () => {
    process.env.SAMP_HUB = 'web-hub:whatever';
    await expect(call('samp.status', {})).resolves.toMatchObject({ connected: false });
    await expect(call('samp.connect', {})).rejects.toMatchObject({ code: 'samp-no-hub', message: expect.stringContaining('SAMP_HUB="web-hub:whatever"') });
  });
});

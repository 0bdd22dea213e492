/**
 * The real desktop tools under Xvfb, on a private astropy hub: TOPCAT
 * (`topcat`) and DS9 (Debian's saods9, binary `ds9`) started by this test
 * with SAMP_HUB pointing at it. TOPCAT answers our table.load.votable call
 * only once it has read the table (and refuses a broken one, which shows the
 * answer means something); DS9 answers image.load.fits, and its XPA says
 * which file it shows, its size, where its own WCS puts the candidate, and
 * where coord.pointAt.sky panned it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Api } from '../../../electron/api/dispatch';
import { createApi } from '../../../electron/api/handlers';
import { SampClient } from '../../../electron/samp/client';
import { haveAstropy } from '../../helpers/python';
import { haveCommand } from '../../helpers/shared-data';
import { apiHarness } from '../api/harness';
import { SampPeer, sampEnv } from './samp-peer';
import { recordReviewRun, type ReviewRun } from '../../helpers/review-run';

const ready =
  haveAstropy() &&
  haveCommand('xvfb-run', 'apt-get install -y xvfb') &&
  haveCommand('ds9', 'apt-get install -y saods9') &&
  haveCommand('xpaget', 'apt-get install -y xpa-tools') &&
  haveCommand('topcat', 'apt-get install -y topcat');

describe.skipIf(!ready)('TOPCAT and DS9 under Xvfb on a private hub', () => {
  let tmp: string;
  let run: ReviewRun;
  let peer: SampPeer;
  let api: Api;
  const tools: ChildProcess[] = [];
  /** DS9's XPA name: its title, unique to this test run. */
  const ds9 = `vasco-samp-${process.pid}`;
  const { call } = apiHarness(() => api);
  const oldHub = process.env.SAMP_HUB;
  const xpaget = (...args: string[]) => execFileSync('xpaget', [ds9, ...args], { encoding: 'utf8', timeout: 20_000 }).trim();
  const xpaset = (...args: string[]) => execFileSync('xpaset', ['-p', ds9, ...args], { encoding: 'utf8', timeout: 20_000 });

  /** Start a tool on its own X server, in its own process group (stopped as a whole). */
  const startTool = (...cmd: string[]) => {
    const child = spawn('xvfb-run', ['-a', ...cmd], { env: sampEnv(peer.lockfile), detached: true, stdio: 'ignore' });
    tools.push(child);
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-samp-tools-'));
    run = await recordReviewRun(tmp, 12);
    peer = await SampPeer.start(join(tmp, 'lock'), { hub: true });
    startTool('ds9', '-title', ds9);
    startTool('topcat');
    // Both register with the hub once started (TOPCAT's JVM takes a while on a busy machine).
    await peer.waitForClients(['SAOImageDS9', 'topcat'], 240_000);
    process.env.SAMP_HUB = `std-lockurl:file://${peer.lockfile}`;
    api = await createApi({ dbPath: run.dbPath, offline: true });
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    for (const t of tools) {
      try {
        if (t.pid) process.kill(-t.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await peer?.stop();
    process.env.SAMP_HUB = oldHub;
    if (oldHub === undefined) delete process.env.SAMP_HUB;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the workstation sees both tools on the hub by name', async () => {
    const s = await call('samp.connect', {});
    expect(s.peers.map((p) => p.name)).toEqual(expect.arrayContaining(['topcat', 'SAOImageDS9', 'astropy peer']));
  });

  it('TOPCAT loads the candidate table (its answer), and refuses a broken one with its reason', async () => {
    const r = await call('samp.sendTable', { runId: run.runId, scope: 'all' });
    const topcat = r.replies.find((x) => x.peer.name === 'topcat');
    expect(topcat, r.summary).toMatchObject({ ok: true });
    expect(r.summary).toContain(`topcat loaded the table of ${run.ids.length} rows`);
    // The same call with a truncated VOTable: TOPCAT's answer is an error, so "ok" above meant "read it".
    const broken = join(tmp, 'broken.vot');
    writeFileSync(broken, '<VOTABLE><RESOURCE><TABLE><FIELD name="id" datatype="int"/><DATA><TABLEDATA><TR><TD>1');
    const client = await SampClient.connect({ metadata: { 'samp.name': 'vasco test' }, subscriptions: [], onMessage: () => undefined });
    try {
      const replies = await client.callAll('table.load.votable', { url: pathToFileURL(broken).href, 'table-id': 'broken', name: 'broken' }, 60_000);
      expect(replies.find((x) => x.peer.name === 'topcat')).toMatchObject({ ok: false, text: expect.stringContaining('broken.vot') });
    } finally {
      await client.close();
    }
  });

  it('DS9 loads the cutouts: XPA shows the blue one, its size, and DS9\'s WCS puts the candidate at the cutout\'s centre', async () => {
    const id = run.ids[3];
    const r = await call('samp.sendCutouts', { candidateId: id, sizePx: 64 });
    for (const img of r.images) expect(img.replies.find((x) => x.peer.name === 'SAOImageDS9'), r.summary).toMatchObject({ ok: true });
    const sent = peer.received.filter((m) => m.mtype === 'image.load.fits' && m.params.name === `VASCO #${id} blue`);
    expect(sent).toHaveLength(1);
    expect(xpaget('file')).toBe(fileURLToPath(String(sent[0].params.url)));
    const shown = await call('cutout.get', { candidateId: id, band: 'blue', sizePx: 64 });
    expect(xpaget('fits', 'size').split(/\s+/).map(Number)).toEqual([shown.width, shown.height]);
    // DS9's own reading of the header: the candidate's sky position in image pixels, through its crosshair.
    const d = await call('candidates.get', { candidateId: id });
    xpaset('mode', 'crosshair');
    xpaset('crosshair', String(d.row.ra), String(d.row.dec), 'wcs', 'fk5');
    const [x, y] = xpaget('crosshair', 'image').split(/\s+/).map(Number);
    expect(Math.abs(x - shown.centerX)).toBeLessThan(0.05);
    expect(Math.abs(y - shown.centerY)).toBeLessThan(0.05);
    xpaset('mode', 'none');
  });

  it('coord.pointAt.sky pans DS9 to the candidate', async () => {
    const id = run.ids[3];
    const d = await call('candidates.get', { candidateId: id });
    // Away from it first (the cutout it shows is centred on it): the image's corner pixel.
    xpaset('pan', 'to', '1', '1', 'image');
    const [ra0, dec0] = xpaget('pan', 'wcs', 'fk5', 'degrees').split(/\s+/).map(Number);
    expect(Math.hypot((ra0 - d.row.ra) * Math.cos((d.row.dec * Math.PI) / 180), dec0 - d.row.dec) * 3600).toBeGreaterThan(10);
    const r = await call('samp.pointAt', { candidateId: id });
    expect(r.recipients.map((p) => p.name)).toContain('SAOImageDS9');
    await expect
      .poll(() => xpaget('pan', 'wcs', 'fk5', 'degrees').split(/\s+/).slice(0, 2).map(Number), { timeout: 20_000, interval: 200 })
      .toSatisfy(([ra, dec]: number[]) => Math.abs(ra - d.row.ra) * 3600 < 0.5 && Math.abs(dec - d.row.dec) * 3600 < 0.5);
  });
});

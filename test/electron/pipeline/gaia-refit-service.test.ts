/**
 * The Gaia refit through the veto's own service: `vasco run` (not offline)
 * against a CDS XMatch stand-in on 127.0.0.1 that answers from the synthetic
 * pair's truth the way XMatch does (every Gaia row within distMaxArcsec of
 * each uploaded position). One Gaia request serves both the refit and the
 * veto: the refit's upload holds the reference stars and every red source
 * still standing, and the veto asks nothing more.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { parseMultipart, startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';
import { haveSyntheticRunTools } from './synthetic-plates';

/** `vasco run ARGS` as a child process, awaited without blocking this process. */
function vascoRunAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (status) => done({ status, stderr }));
  });
}

const SKYBOT = 'responses/imcce-skybot_query.vot';
const ready = haveSyntheticRunTools() && haveSharedData(SKYBOT);

interface GaiaRow {
  id: number;
  ra: number;
  dec: number;
  g: number;
}

/** An XMatch answer (CSV) for an upload, from Gaia rows: all pairs within the radius. */
function xmatchAnswer(upload: string, radiusArcsec: number, gaia: GaiaRow[]): string {
  const t = parseCsv(upload);
  const lines = ['angDist,vasco_ra,vasco_dec,vasco_id,RA_ICRS,DE_ICRS,Source,Gmag,pmRA,pmDE,Epoch'];
  const cell = radiusArcsec / 3600;
  const grid = new Map<string, GaiaRow[]>();
  const key = (ra: number, dec: number) => `${Math.floor(ra / cell)},${Math.floor(dec / cell)}`;
  for (const g of gaia) {
    const k = key(g.ra, g.dec);
    grid.set(k, [...(grid.get(k) ?? []), g]);
  }
  for (const [raText, decText, id] of t.rows) {
    const ra = Number(raText), dec = Number(decText);
    const [a, b] = key(ra, dec).split(',').map(Number);
    for (let i = a - 2; i <= a + 2; i++)
      for (let j = b - 2; j <= b + 2; j++)
        for (const g of grid.get(`${i},${j}`) ?? []) {
          const d = Math.hypot((g.ra - ra) * Math.cos((dec * Math.PI) / 180), g.dec - dec) * 3600;
          if (d <= radiusArcsec) lines.push(`${d.toFixed(6)},${raText},${decText},${id},${g.ra.toFixed(9)},${g.dec.toFixed(9)},${g.id},${g.g.toFixed(3)},0,0,2016.0`);
        }
  }
  return lines.join('\n') + '\n';
}

describe.skipIf(!ready)('Gaia refit through the veto service (one request)', () => {
  let srv: RecordedServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-gaia-refit-service-'));
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), size: 800, seed: 23, stars: 3000, transients: 15, transientSnr: [40, 200], headerDistortionArcsec: 1.5 });
    const t = parseCsv(readFileSync(pair.truth, 'utf8'));
    const c = (n: string) => t.header.indexOf(n);
    const gaia: GaiaRow[] = t.rows
      .filter((r) => r[c('kind')] === 'star')
      .map((r, k) => ({ id: 9000 + k, ra: Number(r[c('ra')]), dec: Number(r[c('dec')]), g: 26 - 2.5 * Math.log10(Number(r[c('red_flux')])) }));
    srv = await startRecordedServer();
    srv.route('/xmatch', (req) => {
      const form = parseMultipart(req);
      if (form.cat2.value !== 'vizier:I/350/gaiaedr3') return { status: 400, body: `unexpected ${form.cat2.value}` };
      return { body: xmatchAnswer(form.cat1.value, Number(form.distMaxArcsec.value), gaia) };
    });
    srv.route('/skybot', { body: readFileSync(sharedData(SKYBOT)) });
    const env = { VASCO_XMATCH_URL: `${srv.url}/xmatch`, VASCO_SKYBOT_URL: `${srv.url}/skybot` };
    // Not spawnSync: the stand-in answers from this process, whose event loop must keep running.
    const r = await vascoRunAsync(['--red', pair.red, '--blue', pair.blue, '--out', join(dir, 'run'), '--catalogs', 'gaia', '--workers', '2'], env);
    if (r.status !== 0) throw new Error(`vasco run failed (${r.status}): ${r.stderr.split('\n').filter((l) => !/^\[\d+\/\d+\]/.test(l)).join('\n')}`);
  }, 600_000);
  afterAll(() => srv?.close());

  it('asks XMatch for Gaia once, refits with the answer and vetoes with the same rows', () => {
    const gaiaRequests = srv.requests.filter((q) => q.url.pathname.startsWith('/xmatch'));
    expect(gaiaRequests).toHaveLength(1);
    const s = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    expect(s.astrometry.gaia).toMatch(/^CDS XMatch around \d+ positions/);
    expect(s.astrometry.prefetched.source).toBe('CDS XMatch');
    expect(s.astrometry.red.tiles[0].accepted).toBe(true);
    expect(s.astrometry.red.before.medianArcsec).toBeGreaterThan(1);
    expect(s.astrometry.red.after.medianArcsec).toBeLessThan(0.4);
    // Every red candidate that reached the veto was in the upload, so the veto found its Gaia counterparts there.
    const upload = parseCsv(parseMultipart(gaiaRequests[0]).cat1.value).rows.length;
    const veto = s.stages.find((x: { name: string }) => x.name === 'veto');
    console.log(`one XMatch request of ${upload} positions; refit ${JSON.stringify(s.astrometry.red.before)} -> ${JSON.stringify(s.astrometry.red.after)}; veto ${veto.input} -> ${veto.output}`);
    expect(veto.skipped).toBeUndefined();
    expect(veto.input).toBeGreaterThan(0);
    // The veto matched Gaia against its candidates (from the rows it was handed: no request of its own above).
    expect(readFileSync(join(dir, 'run', 'work', 'run.log'), 'utf8')).toMatch(/veto: Gaia EDR3: \d+ of \d+ candidates have a counterpart/);
  });
});

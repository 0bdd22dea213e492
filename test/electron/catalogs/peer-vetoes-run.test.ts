/**
 * A whole `vasco run` on a synthetic plate pair with the peer's vetoes on
 * (--catalogs ptf,supercosmos,vsx), every service served on 127.0.0.1 with
 * answers shaped like the real ones and reached through the VASCO_*_URL
 * variables a person would set for a mirror: the candidates the served rows
 * condemn are dropped with veto/ptf, veto/supercosmos (not confirmed by
 * SuperCOSMOS's own POSS-I E scan) or veto/vsx; all others are kept.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { parseCsv } from '../../../electron/core/csv';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { offsetBy } from '../pipeline/synthetic';
import { gavoSupercosmosAnswer, irsaPtfAnswer, readTapRequest, vizierVsxAnswer, type ScosRow } from './tap-answers';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const synthModule = join(projectRoot, 'electron', 'synth', 'generate-pair.ts');
const ready =
  (existsSync(synthModule) || (console.warn('SKIP: electron/synth/generate-pair.ts is not in this checkout'), false)) &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex');
const VOT = { 'content-type': 'application/x-votable+xml' };

/** vasco run as a child process; asynchronous, so this process's server can answer it. */
function vascoRun(args: string[], env: Record<string, string> = {}): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [vasco, 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ stderr }) : reject(new Error(`vasco run failed (${code}):\n${stderr}`))));
  });
}

interface Cand {
  id: number;
  ra: number;
  dec: number;
}
function candidates(dir: string): Cand[] {
  const t = parseCsv(readFileSync(join(dir, 'candidates.csv'), 'utf8'));
  const col = (n: string) => t.header.indexOf(n);
  return t.rows.map((row) => ({ id: Number(row[col('id')]), ra: Number(row[col('ra')]), dec: Number(row[col('dec')]) }));
}

describe.skipIf(!ready)('a run with the SuperCOSMOS, PTF and VSX vetoes on a synthetic pair', () => {
  let dir: string;
  let srv: RecordedServer;
  let before: Cand[];
  let plates: { red: string; blue: string };
  /** Candidate k's fate by k % 5: 0 not confirmed by SuperCOSMOS, 1 a PTF object, 2 a VSX variable, else kept. */
  const fate = (k: number) => (['supercosmos', 'ptf', 'vsx', null, null] as const)[k % 5];
  const nearest = (ra: number, dec: number) => before.findIndex((c) => separationArcsec(c.ra, c.dec, ra, dec) < 0.05);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-peer-run-'));
    const { generatePlatePair } = (await import(/* @vite-ignore */ synthModule)) as typeof import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 12, transients: 30, transientSnr: [40, 200] });
    plates = { red: pair.red, blue: pair.blue };
    await vascoRun(['--red', pair.red, '--blue', pair.blue, '--out', join(dir, 'run'), '--offline']);
    before = candidates(join(dir, 'run'));

    srv = await startRecordedServer();
    // SuperCOSMOS: a source seen on B and R1 near every candidate but the 'supercosmos' ones; like the real
    // service, only rows meeting the query's band condition come back.
    srv.route('/gavo/sync', (req) => {
      const { form, positions } = readTapRequest(req);
      const bands = [...form.QUERY.value.matchAll(/c\.objid(b|r1|r2|i) IS NOT NULL/g)].map((m) => m[1] as 'b' | 'r1' | 'r2' | 'i');
      const rows: ScosRow[] = [];
      for (const p of positions) {
        const k = nearest(p.ra, p.dec);
        if (k < 0 || fate(k) === 'supercosmos') continue;
        const [ra, dec] = offsetBy(p.ra, p.dec, 1.2, 45);
        const row: ScosRow = { uploadId: p.id, raj2000: ra, dej2000: dec, b: 40000 + k, r1: 50000 + k, r2: null, i: null };
        if (bands.some((b) => row[b] !== null)) rows.push(row);
      }
      return { body: gavoSupercosmosAnswer(rows, form.QUERY.value), headers: VOT };
    });
    // PTF: an object with 9 good observations near the 'ptf' candidates; the service applies the query's minimum.
    srv.route('/irsa/sync', (req) => {
      const { form, positions } = readTapRequest(req);
      const min = Number(/c\.ngoodobs >= (\d+)/.exec(form.QUERY.value)![1]);
      const rows = positions
        .map((p) => ({ p, k: nearest(p.ra, p.dec) }))
        .filter(({ k }) => k >= 0 && fate(k) === 'ptf' && 9 >= min)
        .map(({ p, k }) => {
          const [ra, dec] = offsetBy(p.ra, p.dec, 3, 300);
          return { uploadId: p.id, oid: 35000000000000 + k, ra, dec, ngoodobs: 9 };
        });
      return { body: irsaPtfAnswer(rows, form.QUERY.value), headers: VOT };
    });
    srv.route('/viz-bin/votable', (req) => {
      if (req.url.searchParams.get('-source') !== 'B/vsx/vsx') return { status: 400, body: 'not VSX' };
      const rows = before
        .map((c, k) => ({ c, k }))
        .filter(({ k }) => fate(k) === 'vsx')
        .map(({ c, k }) => {
          const [ra, dec] = offsetBy(c.ra, c.dec, 4, 10 * k);
          return { Name: `ASASSN-V J${k}`, RAJ2000: ra, DEJ2000: dec, max: 13.5 };
        });
      return { body: vizierVsxAnswer(rows), headers: VOT };
    });
    // SkyBoT: no solar-system body anywhere near.
    srv.route('/skybot', {
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.3" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results"><INFO name="QUERY_STATUS" value="OK">No solar system object was found in the FOV</INFO></RESOURCE></VOTABLE>\n',
      headers: VOT,
    });
  }, 900_000);
  afterAll(async () => {
    await srv?.close();
  });

  const env = () => ({
      VASCO_GAVO_TAP_URL: `${srv.url}/gavo`,
      VASCO_IRSA_TAP_URL: `${srv.url}/irsa`,
      VASCO_VIZIER_URL: `${srv.url}/viz-bin/votable`,
      VASCO_SKYBOT_URL: `${srv.url}/skybot`,
      VASCO_XMATCH_URL: `${srv.url}/xmatch-not-used`,
      VASCO_HTTP_MIN_INTERVAL_MS: '0',
  });

  it('drops exactly the candidates the served rows condemn, each with its reason, and keeps the rest', async () => {
    expect(before.length).toBeGreaterThan(10);
    const out = join(dir, 'run');
    await vascoRun(['--red', plates.red, '--blue', plates.blue, '--out', out, '--catalogs', 'ptf,supercosmos,vsx'], env());

    const kept = new Set(candidates(out).map((c) => c.id));
    const expectKept = before.filter((_, k) => fate(k) === null).map((c) => c.id);
    expect([...kept].sort((a, b) => a - b)).toEqual(expectKept.sort((a, b) => a - b));

    const sources = parseCsv(readFileSync(join(out, 'sources.csv'), 'utf8'));
    const col = (n: string) => sources.header.indexOf(n);
    const byId = new Map(sources.rows.map((r) => [Number(r[col('id')]), r]));
    before.forEach((c, k) => {
      const f = fate(k);
      const row = byId.get(c.id)!;
      if (f) expect(row[col('dropped_by')], `candidate ${c.id}`).toBe(`veto/${f}`);
      else expect(row[col('ledger')]).toMatch(/supercosmos_confirmed/);
    });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const veto = summary.stages.find((s: { name: string }) => s.name === 'veto');
    const n = (f: string) => before.filter((_, k) => fate(k) === f).length;
    expect(veto.dropped).toEqual({ ptf: n('ptf'), supercosmos: n('supercosmos'), vsx: n('vsx') });
    // Every service was asked through the URL it was given; no XMatch (no VizieR-uploaded catalogue was on).
    const paths = new Set(srv.requests.map((r) => r.url.pathname));
    expect([...paths].filter((p) => p !== '/skybot').sort()).toEqual(['/gavo/sync', '/irsa/sync', '/viz-bin/votable']);
  });

  it('--supercosmos-role veto and --ptf-min-good reach the queries: later-plate sources drop, PTF objects below the minimum do not', async () => {
    const out = join(dir, 'run');
    const n0 = srv.requests.length;
    await vascoRun(['--red', plates.red, '--blue', plates.blue, '--out', out, '--catalogs', 'ptf,supercosmos,vsx', '--supercosmos-role', 'veto', '--ptf-min-good', '10'], env());
    const asked = srv.requests.slice(n0).filter((r) => r.url.pathname !== '/skybot' && r.method === 'POST').map((r) => readTapRequest(r).form.QUERY.value);
    expect(asked.some((q) => q.includes('ptf_objects') && q.includes('c.ngoodobs >= 10'))).toBe(true);
    expect(asked.some((q) => q.includes('supercosmos.sources') && q.includes('(c.objidb IS NOT NULL OR c.objidr2 IS NOT NULL OR c.objidi IS NOT NULL)'))).toBe(true);
    // Every candidate with a (B-band) SuperCOSMOS source is now vetoed as still there, PTF's 9-observation objects no
    // longer count, VSX still drops its variables (none of which is left by then): only the unseen ones stay.
    const kept = candidates(out).map((c) => c.id).sort((a, b) => a - b);
    expect(kept).toEqual(before.filter((_, k) => fate(k) === 'supercosmos').map((c) => c.id).sort((a, b) => a - b));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const veto = summary.stages.find((s: { name: string }) => s.name === 'veto');
    expect(veto.dropped.ptf ?? 0).toBe(0);
    expect(veto.dropped.supercosmos).toBe(before.length - kept.length);
  });
});


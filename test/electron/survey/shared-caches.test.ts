/**
 * What the tasks of a survey share, tried with several real processes against a
 * server on 127.0.0.1: a plate fetched once into the shared folder (the others
 * wait for it and never see part of it), a limit on requests in flight to a
 * service that holds across processes (the server counts them), and a query
 * cache that concurrent writers and readers never see damaged.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFitsImage } from '../../../electron/fits';
import { makePlan, plateRunArgs, sharedDirs } from '../../../electron/survey/plan';
import { requestLimitEnv } from '../../../electron/survey/task';
import { writeEngine } from '../../../electron/survey/state';
import { projectRoot } from '../../helpers/shared-data';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';

const WORKER = join(projectRoot, 'test', 'electron', 'survey', 'shared-cache-worker.ts');

/** A worker process; resolves with its last stdout line parsed, rejects with its stderr. */
function worker(args: string[], env: Record<string, string> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: projectRoot, env: { ...process.env, VASCO_HTTP_MIN_INTERVAL_MS: '0', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`worker ${args[0]} exited ${code}: ${err}`))));
  });
}

const until = async (ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
};

function plate(survey: string, region: string): Buffer {
  const w = 200, h = 150;
  const data = new Float64Array(w * h).map((_, i) => (i * 37) % 4000);
  return encodeFitsImage(w, h, data, { SURVEY: survey, REGION: region, TELESCOP: 'Palomar Schmidt' }, 16);
}

describe('shared by the tasks of a survey (several processes)', () => {
  let srv: RecordedServer;
  beforeAll(async () => {
    srv = await startRecordedServer();
  });
  afterAll(() => srv.close());

  it('a plate is fetched once into the shared folder; the other processes wait and use it; no reader sees part of it', async () => {
    const n = 4;
    const root = mkdtempSync(join(tmpdir(), 'vasco-shared-plates-'));
    const dir = join(root, 'cache plates');
    const ready = (k: number) => join(root, `ready-${k}`);
    const red = plate('POSSI-E', 'XE701');
    const blue = plate('POSSI-O', 'XO701');
    // The archive answers only once every process is about to fetch: without a lock each would download it.
    const held = (body: Buffer) => async () => {
      await until(() => Array.from({ length: n }, (_, k) => existsSync(ready(k))).every(Boolean), 60_000);
      await new Promise((r) => setTimeout(r, 300));
      return { body, ranges: true, fault: 'slow' as const, dripMs: 0 };
    };
    srv.route('/irsa/dss1red/dss1red_XE701.fits', held(red));
    srv.route('/irsa/dss1blue/dss1blue_XO701.fits', held(blue));
    // A reader in this process looks at the final names all along: whenever a file is there, it is whole.
    const partial: string[] = [];
    let seen = 0;
    const look = setInterval(() => {
      for (const [name, bytes] of [['dss1red_XE701.fits', red], ['dss1blue_XO701.fits', blue]] as const) {
        const f = join(dir, name);
        if (!existsSync(f)) continue;
        seen++;
        if (!readFileSync(f).equals(bytes)) partial.push(name);
      }
    }, 5);
    const n0 = srv.requests.length;
    try {
      const results = await Promise.all(Array.from({ length: n }, (_, k) => worker(['plate', dir, '701', ready(k)], { VASCO_IRSA_URL: `${srv.url}/irsa` })));
      const fetched = srv.requests.slice(n0).map((q) => q.url.pathname);
      expect(fetched.filter((p) => p.endsWith('XE701.fits'))).toHaveLength(1);
      expect(fetched.filter((p) => p.endsWith('XO701.fits'))).toHaveLength(1);
      for (const r of results) {
        expect(readFileSync(r.red).equals(red)).toBe(true);
        expect(readFileSync(r.blue).equals(blue)).toBe(true);
      }
      // The ones that did not fetch said they used the file on disk.
      expect(results.filter((r) => r.notes.some((l: string) => /red plate XE701: using .* already on disk/.test(l)))).toHaveLength(n - 1);
      expect(readdirSync(dir).sort()).toEqual(['dss1blue_XO701.fits', 'dss1red_XE701.fits']); // no .part or .lock left
    } finally {
      clearInterval(look);
    }
    expect(seen).toBeGreaterThan(0);
    expect(partial).toEqual([]);
  }, 180_000);

  async function busiest(limitEnv: Record<string, string>, processes: number, each: number): Promise<{ max: number; total: number }> {
    const root = mkdtempSync(join(tmpdir(), 'vasco-shared-limit-'));
    const route = `/limit-${Math.random().toString(36).slice(2)}`;
    let inFlight = 0;
    let max = 0;
    let total = 0;
    // Each request is held until a third one arrives (or 1.5 s): without a limit, three are in flight at once.
    srv.route(route, async () => {
      inFlight++;
      total++;
      max = Math.max(max, inFlight);
      await until(() => inFlight >= 3, 1_500);
      await new Promise((r) => setTimeout(r, 50));
      inFlight--;
      return { body: 'ok' };
    });
    const go = join(root, 'go');
    const ready = (k: number) => join(root, `ready-${k}`);
    const running = Array.from({ length: processes }, (_, k) => worker(['requests', String(each), `${srv.url}${route}`, ready(k), go], limitEnv));
    await until(() => Array.from({ length: processes }, (_, k) => existsSync(ready(k))).every(Boolean), 120_000);
    writeFileSync(go, '');
    const results = await Promise.all(running);
    expect(results.every((r) => r.ok === each)).toBe(true);
    return { max, total };
  }

  it('requests in flight to a service never exceed the survey limit across processes (and do without it)', async () => {
    const slots = join(mkdtempSync(join(tmpdir(), 'vasco-slots-')), 'request-slots');
    const limited = await busiest({ VASCO_REQUEST_SLOTS: slots, VASCO_MAX_REQUESTS_PER_SERVICE: '2' }, 3, 2);
    expect(limited.total).toBe(6);
    expect(limited.max).toBeLessThanOrEqual(2);
    expect(readdirSync(join(slots, 'VizieR'))).toEqual([]); // every slot given back
    const free = await busiest({ VASCO_REQUEST_SLOTS: '' }, 3, 2);
    expect(free.total).toBe(6);
    expect(free.max).toBeGreaterThan(2);
  }, 240_000);

  it('the query cache: writers and readers in four processes never see a partial, mixed or damaged entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vasco-shared-cache-'));
    const results = await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((tag) => worker(['cache', dir, '150', tag])));
    for (const r of results) {
      expect(r.misses).toBe(0);
      expect(r.damaged).toEqual([]);
    }
    expect(results.some((r) => r.sizes > 1)).toBe(true); // they did overwrite each other
    expect(readdirSync(join(dir, 'vizier-gaia')).filter((f) => !f.endsWith('.cache'))).toEqual([]);
  }, 180_000);
});

describe('a survey plate run uses the survey-wide shared folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-survey-shared-'));
  mkdirSync(join(dir, 'state'), { recursive: true });

  it('fetched plates and the query cache in DIR/cache, unless the shared options name others', () => {
    const plan = makePlan('plates 582,583', [{ index: 0, id: '582', input: { field: 582 } }, { index: 1, id: 'x', input: { red: '/d/r.fits', blue: null } }], ['--veto', 'cone'], dir);
    const shared = sharedDirs(dir);
    const field = plateRunArgs(dir, plan, plan.plates[0]);
    expect(field).toEqual(expect.arrayContaining(['--plates-dir', shared.plates, '--cache-dir', shared.queries]));
    expect(field.slice(-2)).toEqual(['--veto', 'cone']);
    expect(plateRunArgs(dir, plan, plan.plates[1])).not.toContain('--plates-dir'); // local files: nothing to fetch
    const own = makePlan('plates 582', [plan.plates[0]], ['--cache-dir=/elsewhere', '--plates-dir', '/mine'], dir);
    const args = plateRunArgs(dir, own, own.plates[0]);
    expect(args.filter((a) => a.startsWith('--cache-dir') || a === '--plates-dir')).toEqual(['--cache-dir=/elsewhere', '--plates-dir']);
  });

  it('the request limit from the survey run (default 4) in DIR/cache/request-slots; a person\'s own slots folder wins', () => {
    expect(requestLimitEnv(dir, {})).toEqual({ VASCO_REQUEST_SLOTS: sharedDirs(dir).requestSlots, VASCO_MAX_REQUESTS_PER_SERVICE: '4' });
    writeEngine(dir, { engine: 'local', startedUtc: new Date().toISOString(), host: 'h', pid: 1, slurmJobs: [], maxRequestsPerService: 2 });
    expect(requestLimitEnv(dir, {}).VASCO_MAX_REQUESTS_PER_SERVICE).toBe('2');
    expect(requestLimitEnv(dir, { VASCO_REQUEST_SLOTS: '/mine' })).toEqual({});
  });
});

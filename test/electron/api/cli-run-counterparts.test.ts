/**
 * A run made by `vasco run` (the real CLI process, real SExtractor/PSFEx, an
 * offline Gaia file) shows its catalogue counterparts through the API's sky
 * view. Before schema v6 only runs started from the workstation wrote them
 * (a side file), so a CLI run showed none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api/handlers';
import type { Api } from '../../../electron/api/dispatch';
import { generatePlatePair, type SynthPair } from '../../../electron/synth/generate-pair';
import { haveCommand } from '../../helpers/shared-data';
import { apiHarness, sepArcsec, writeGaiaNear } from './harness';

const tools = haveCommand('source-extractor', 'apt-get install source-extractor') && haveCommand('psfex', 'apt-get install psfex');
const vasco = resolve(__dirname, '../../../bin/vasco.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'vasco-cli-cp-'));
let pair: SynthPair;
let api: Api | undefined;
const { call } = apiHarness(() => api!);

beforeAll(async () => {
  if (!tools) return;
  pair = await generatePlatePair({ outDir: join(tmp, 'synth'), name: 'cp', preset: 'small', size: 400, stars: 200, transients: 8, defects: 2, seed: 11 });
});
afterAll(async () => {
  await api?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!tools)('a CLI run in the sky view', () => {
  it('shows the counterparts its veto found, at the catalogue positions, through skycontext.get', async () => {
    const cli = (out: string, ...extra: string[]) =>
      execa(process.execPath, [vasco, 'run', '--red', pair.red, '--blue', pair.blue, '--out', out, '--offline', '--snr-min', '10', ...extra], { reject: false });
    // First without a catalogue: the candidates, to place Gaia stars 2" from half of them.
    const plain = await cli(join(tmp, 'plain'), '--veto', 'none');
    expect(plain.exitCode, plain.stderr).toBe(0);
    api = await createApi({ dbPath: join(tmp, 'plain', 'vasco.sqlite'), offline: true });
    const before = (await call('candidates.list', { runId: 1, offset: 0, limit: 10_000 })).rows;
    await api.close();
    api = undefined;
    expect(before.length).toBeGreaterThan(3);
    const gaia = join(tmp, 'gaia.csv');
    const written = writeGaiaNear(gaia, before, 7000);

    // As the workstation starts it: JSON lines on stdout, a note for the run.
    const vetoed = await cli(join(tmp, 'vetoed'), '--veto', 'local', '--catalog', `gaia=${gaia}`, '--progress-json', '--note', 'acquire: a note');
    expect(vetoed.exitCode, vetoed.stderr).toBe(0);
    const messages = vetoed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; stage?: string; runId?: number });
    expect(messages.at(-1)).toEqual({ type: 'done', runId: 1, outDir: join(tmp, 'vetoed'), alreadyRecorded: false });
    expect(new Set(messages.filter((m) => m.type === 'progress').map((m) => m.stage))).toContain('veto');
    api = await createApi({ dbPath: join(tmp, 'vetoed', 'vasco.sqlite'), offline: true });
    expect((await call('runs.get', { runId: 1 })).summary.notes).toContain('acquire: a note');
    const after = (await call('candidates.list', { runId: 1, offset: 0, limit: 10_000 })).rows;
    expect(after.length).toBe(before.length - written.length);
    const nearest = (c: { ra: number; dec: number }) => Math.min(...written.map((w) => sepArcsec([w.ra, w.dec], [c.ra, c.dec])));
    const centre = [...after].sort((a, b) => nearest(a) - nearest(b))[0];
    const s = await call('skycontext.get', { candidateId: centre.id, sizeArcmin: 3 });
    const inside = written.filter((w) => sepArcsec([w.ra, w.dec], [centre.ra, centre.dec]) < 60);
    expect(inside.length).toBeGreaterThan(0);
    expect(s.overlays.counterparts.map((c) => c.id).sort()).toEqual(expect.arrayContaining(inside.map((w) => w.id)));
    for (const cp of s.overlays.counterparts) {
      expect(cp.catalog).toBe('Gaia EDR3');
      const w = written.find((r) => r.id === cp.id);
      expect(w, `counterpart ${cp.id} was not in the file`).toBeDefined();
      expect(sepArcsec([cp.ra, cp.dec], [w!.ra, w!.dec])).toBeLessThan(0.01);
      expect(cp.distanceArcsec).toBeCloseTo(2, 0);
    }
  }, 300_000);
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/shared-data';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const work = mkdtempSync(join(tmpdir(), 'vasco-synth-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [vasco, 'synth', ...args], { encoding: 'utf8' });

describe('vasco synth', () => {
  it('writes the pair, truth and sidecar and lists them', () => {
    const out = join(work, 'pair');
    const r = run('--out', out, '--size', '256', '--seed', '4', '--tan', '--stars', '60', '--transients', '3', '--defects', '2', '--name', 'tiny');
    expect(r.status, r.stderr).toBe(0);
    const files = r.stdout.trim().split('\n');
    expect(files).toEqual(['tiny-red.fits', 'tiny-blue.fits', 'tiny-truth.csv', 'tiny-params.json'].map((f) => join(out, f)));
    for (const f of files) expect(existsSync(f)).toBe(true);
    const params = JSON.parse(readFileSync(files[3], 'utf8'));
    expect(params).toMatchObject({ generator: 'vasco synth', seed: 4, counts: { transient: 3 } });
    expect(r.stderr).toMatch(/synth-red 100%/);
  });

  it('refuses a plate that is not a red plate name, saying what to do', () => {
    const r = run('--out', join(work, 'bad'), '--plate', 'M31');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/"M31" is not a red plate name/);
    expect(r.stderr).toMatch(/what to do: pass --plate XE582 or --tan/);
  });

  it('refuses a malformed --snr range', () => {
    const r = run('--out', join(work, 'bad2'), '--snr', '30');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--snr must be MIN,MAX/);
  });
});

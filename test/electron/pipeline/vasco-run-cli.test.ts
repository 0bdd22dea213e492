/**
 * `vasco run` as a person meets it: refusals with exit code 2 and a hint, and a
 * real run printing progress and the funnel to stderr. (Lives with the pipeline
 * tests: electron/cli/commands/run.ts belongs to the pipeline core.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';
import { pythonCsv } from './astropy-reference';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const RED = 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits';
const BLUE = 'cutouts/poss1-blue-XO542-20arcmin.fits';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [vasco, 'run', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
}

describe.skipIf(!haveSharedData(RED, BLUE))('vasco run', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'vasco-cli-run-'));
  });
  afterAll(() => out && rmSync(out, { recursive: true, force: true }));

  it('refuses a blue plate given as --red', () => {
    const r = run(['--red', sharedData(BLUE), '--out', join(out, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/XO542.* is a blue plate .*but a red plate was expected/);
    expect(r.stderr).toMatch(/what to do: give the POSS-I E/);
  });

  it('refuses clearly when SExtractor is missing, naming the install command', () => {
    const r = run(['--red', sharedData(RED), '--out', join(out, 'x')], { VASCO_SEXTRACTOR: '/nonexistent/sex' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not found at \/nonexistent\/sex/);
    expect(r.stderr).toContain('sudo apt-get install source-extractor psfex');
  });

  it('refuses contradictory or malformed options', () => {
    expect(run(['--red', sharedData(RED), '--out', out, '--resume', '--fresh']).stderr).toMatch(/--resume and --fresh/);
    expect(run(['--red', sharedData(RED), '--out', out, '--snr-min', 'lots']).stderr).toMatch(/--snr-min must be a number/);
    expect(run(['--out', out]).stderr).toMatch(/needs plates: --red FILE/);
    expect(run(['--red', sharedData(RED)]).stderr).toMatch(/needs --out/);
  });

  it.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex'))(
    'runs red-only with the given thresholds, prints the funnel and how to open the result',
    () => {
      const dir = join(out, "Bob's run, take 2");
      const r = run(['--red', sharedData(RED), '--blue', sharedData(BLUE), '--red-only', '--out', dir, '--snr-min', '20', '--elong-max', '1.4', '--workers', '2', '--offline']);
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/extract-red .*%/);
      expect(r.stderr).toMatch(/funnel \(red-only: --red-only given/);
      expect(r.stderr).toMatch(/filters\s+\d+ -> \d+ {2}\(dropped: /);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.parameters.filters.snrMin).toBe(20);
      expect(summary.parameters.filters.elongationMax).toBe(1.4);
      expect(summary.parameters.workers).toBe(2);
      expect(summary.parameters.offline).toBe(true);
      expect(summary.plates.blue).toBeUndefined();
      expect(existsSync(join(dir, 'work', 'blue'))).toBe(false);
      const m = /candidates: (\d+) of (\d+) red sources/.exec(r.stderr);
      expect(Number(m?.[1])).toBe(pythonCsv(join(dir, 'candidates.csv')).rows.length);
      // The hint is a command a person can paste: the shell gives back the workspace path, quote and comma and all.
      const hint = /^review it: vasco serve (.*)$/m.exec(r.stderr)?.[1];
      expect(hint).toBeDefined();
      const words = spawnSync('sh', ['-c', `printf '%s\\n' ${hint}`], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(words).toEqual(['--db', join(dir, 'vasco.sqlite')]);
      expect(existsSync(words[1])).toBe(true);
    },
  );
});

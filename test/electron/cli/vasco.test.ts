import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommand, projectRoot } from '../../helpers/shared-data';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');

describe('vasco command line', () => {
  it('lists its subcommands with --help', () => {
    const out = execFileSync(process.execPath, [vasco, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/usage: vasco <command>/);
  });

  it('refuses an unknown subcommand with exit code 2', () => {
    const r = spawnSync(process.execPath, [vasco, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});

// The bundle bin/vasco.mjs runs when no source is newer (scripts/build-node.mjs):
// built here into a folder of its own and run directly, against the sources through tsx.
describe('the bundled vasco command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-cli-bundle-'));
  const bundleDir = join(dir, 'bundle');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => {
    execFileSync(process.execPath, [join(projectRoot, 'scripts', 'build-node.mjs'), 'cli', bundleDir], { cwd: projectRoot, stdio: 'pipe' });
  }, 120_000);

  const viaBundle = (args: string[], input?: string) =>
    spawnSync(process.execPath, [join(bundleDir, 'vasco.mjs'), ...args], { cwd: dir, input, encoding: 'utf8', timeout: 120_000 });
  const viaSources = (args: string[], input?: string) =>
    spawnSync(process.execPath, [vasco, ...args], { cwd: dir, input, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VASCO_DEV: '1' } });

  it('prints the same help, and the same refusal of an unknown command', () => {
    const b = viaBundle(['--help']);
    expect(b.status).toBe(0);
    expect(b.stdout).toBe(viaSources(['--help']).stdout);
    expect(b.stdout).toMatch(/^ {2}run {8}run the plate pipeline/m);
    const u = viaBundle(['frobnicate']);
    expect(u.status).toBe(2);
    expect(u.stderr).toBe(viaSources(['frobnicate']).stderr);
  });

  it('runs synth, wcs and a small offline vasco run with the same output as the sources', () => {
    const synth = ['synth', '--size', '400', '--stars', '200', '--transients', '5', '--name', 't'];
    expect(viaBundle([...synth, '--out', 'b']).status).toBe(0);
    expect(viaSources([...synth, '--out', 's']).status).toBe(0);
    for (const f of ['t-red.fits', 't-blue.fits', 't-truth.csv']) expect(readFileSync(join(dir, 'b', f))).toEqual(readFileSync(join(dir, 's', f)));

    const xy = '1 1\n200.5 200.5\n400 17.25\n';
    const wcsB = viaBundle(['wcs', 'pix2sky', join(dir, 'b', 't-red.fits')], xy);
    expect(wcsB.status, wcsB.stderr).toBe(0);
    expect(wcsB.stdout.trim().split('\n')).toHaveLength(3);
    expect(wcsB.stdout).toBe(viaSources(['wcs', 'pix2sky', join(dir, 's', 't-red.fits')], xy).stdout);

    if (!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex')) return;
    const run = (out: string) => ['run', '--red', join(dir, 'b', 't-red.fits'), '--blue', join(dir, 'b', 't-blue.fits'), '--offline', '--veto', 'none', '--workers', '1', '--out', join(dir, out)];
    const rb = viaBundle(run('run-b'));
    expect(rb.status, rb.stderr).toBe(0);
    expect(viaSources(run('run-s')).status).toBe(0);
    for (const f of ['candidates.csv', 'sources.csv']) expect(readFileSync(join(dir, 'run-b', f), 'utf8')).toBe(readFileSync(join(dir, 'run-s', f), 'utf8'));
    const summary = (out: string) => {
      const { app, tools, parameters, plates, candidates, stages } = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8'));
      return { app, tools, parameters: { ...parameters, out: undefined }, plates, candidates, stages: stages.map((s: { name: string; input: number; output: number }) => [s.name, s.input, s.output]) };
    };
    const sb = summary('run-b');
    expect(sb.app.version).toBe(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version); // package.json found from the bundle
    expect(sb).toEqual(summary('run-s'));
  }, 180_000);

  it('bin/vasco.mjs takes the bundle only while no file it was built from is newer, and never with VASCO_DEV=1', () => {
    const fake = join(dir, 'fake');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'vasco.mjs'), "process.stdout.write('from the bundle\\n');\n");
    const launch = (builtAt: number, env: Record<string, string> = {}) => {
      writeFileSync(join(fake, 'bundle.json'), JSON.stringify({ builtAt, inputs: ['electron/cli/vasco.ts', 'electron/cli'] }));
      return spawnSync(process.execPath, [vasco, '--help'], { encoding: 'utf8', env: { ...process.env, VASCO_CLI_BUNDLE: fake, ...env } }).stdout;
    };
    expect(launch(Date.now() + 60_000)).toBe('from the bundle\n');
    expect(launch(0)).toMatch(/^usage: vasco <command>/); // a source newer than the bundle: tsx
    expect(launch(Date.now() + 60_000, { VASCO_DEV: '1' })).toMatch(/^usage: vasco <command>/);
  });
});

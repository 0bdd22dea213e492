/**
 * `vasco demo`, the README's first command, as a person meets it: it generates
 * the demo pair, runs the pipeline printing each stage's counts as it ends,
 * records the run and serves the workstation. The candidates it reports are
 * the ones in candidates.csv (read by astropy) and the ones the workstation's
 * API lists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PIPELINE_STAGES } from '../../../electron/pipeline/stages';
import { haveCommand, projectRoot } from '../../helpers/shared-data';
import { pythonCsv } from '../pipeline/astropy-reference';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');

describe.skipIf(!haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex'))('vasco demo', () => {
  const home = mkdtempSync(join(tmpdir(), 'vasco-demo-'));
  const dir = join(home, 'demo field, first look');
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('prints every stage with its counts as it goes, then serves the recorded run', async () => {
    child = spawn(process.execPath, [vasco, 'demo', '--out', dir, '--no-open', '--port', '0'], {
      env: { ...process.env, HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    const url = await new Promise<URL>((resolve, reject) => {
      let stdout = '';
      child!.stdout!.on('data', (b) => {
        stdout += b;
        const m = /VASCO Workstation: (\S+)/.exec(stdout);
        if (m) resolve(new URL(m[1]));
      });
      child!.on('exit', (code) => reject(new Error(`vasco demo exited with ${code} before serving:\n${stderr}`)));
    });

    // One line per pipeline stage, in pipeline order, each with its sources in and out (or why skipped),
    // all printed before the run was recorded.
    const recordedAt = stderr.indexOf('demo: run ');
    expect(recordedAt).toBeGreaterThan(0);
    const stageLines = stderr
      .slice(0, recordedAt)
      .split('\n')
      .map((l) => /^ {2}(\S+)\s+(\d+ -> \d+(; blue \d+ -> \d+)?|skipped \(.+\))$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(stageLines.map((m) => m[1])).toEqual(PIPELINE_STAGES.map((s) => s.name));
    // A stage that works on both plates says red and blue apart, never their sum.
    const positions = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')).stages.find((s: { name: string }) => s.name === 'positions');
    const sources = pythonCsv(join(dir, 'run', 'sources.csv')).rows.length;
    expect(positions.input).toBe(sources);
    expect(stageLines.find((m) => m[1] === 'positions')![2]).toBe(`${sources} -> ${sources}; blue ${positions.blue.input} -> ${positions.blue.output}`);
    expect(positions.blue.input).toBeGreaterThan(0);
    const reported = Number(/demo: run \d+ recorded in .*: (\d+) candidates/.exec(stderr)?.[1]);
    const fromCsv = pythonCsv(join(dir, 'run', 'candidates.csv')).rows.length;
    expect(reported).toBe(fromCsv);
    expect(fromCsv).toBeGreaterThan(0);

    // The workstation it serves lists the same run and the same candidates.
    const token = url.searchParams.get('token')!;
    const call = async (method: string, args: object) => {
      const res = await fetch(new URL(`/api/${method}`, url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(JSON.stringify(body));
      return body.result;
    };
    const runs = await call('runs.list', {});
    expect(runs).toHaveLength(1);
    const listed = await call('candidates.list', { runId: runs[0].id, offset: 0, limit: 10_000 });
    expect(listed.total).toBe(fromCsv);
  }, 600_000);
});

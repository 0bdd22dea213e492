import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/shared-data';

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

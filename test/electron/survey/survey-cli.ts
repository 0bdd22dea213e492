/** `vasco survey ARGS` as a real process (bin/vasco.mjs), for the survey tests. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../helpers/shared-data';

export function surveyCli(cwd: string, args: string[], opts: { env?: Record<string, string>; timeout?: number } = {}) {
  return spawnSync(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'survey', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: opts.timeout ?? 600_000,
    env: { ...process.env, ...opts.env },
  });
}

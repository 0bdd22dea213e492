/**
 * Which workspace (SQLite file) a host serves: `--db FILE`, else $VASCO_DB,
 * else ~/.vasco/workspace.sqlite. Shared by the Electron shell and `vasco serve`.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultWorkspacePath(home = homedir()): string {
  return join(home, '.vasco', 'workspace.sqlite');
}

export function workspacePathFromArgv(argv: string[], env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--db' && argv[i + 1]) return resolve(argv[i + 1]);
    if (a.startsWith('--db=')) return resolve(a.slice(5));
  }
  if (env.VASCO_DB) return resolve(env.VASCO_DB);
  return defaultWorkspacePath(home);
}

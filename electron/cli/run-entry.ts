/**
 * What Electron's utility process runs for a pipeline run (see ../api/run-launcher.ts):
 * `vasco run` with the arguments the workstation gave in VASCO_RUN_ARGV (a
 * utility process's own argv is Electron's), or from the command line when run
 * by Node. Bundled by scripts/build-node.mjs into dist/electron/run.mjs next to
 * main.js, so it finds the same tool configuration and better-sqlite3.
 */
import { main } from './vasco';

const fromEnv = process.env.VASCO_RUN_ARGV;
const args: string[] = fromEnv ? (JSON.parse(fromEnv) as string[]) : process.argv.slice(2);
const code = await main(['run', ...args]);
// A utility process does not end by itself while Electron keeps its channel open; stdout is a pipe (written synchronously on Linux).
process.exit(code);

/**
 * `vasco serve [--db FILE] [--port N] [--no-open]`: the workstation in a
 * browser. Serves the built renderer and the API contract on 127.0.0.1 only,
 * with a token that is new on every start, and prints the URL to open.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpHost, type HttpHost } from '../../host/http-host';
import { workspacePathFromArgv } from '../../host/workspace-path';
import { dataFolderFromArgv } from '../../api/data-folder';
import { numberOption, parseCommandArgs } from '../args';

export const summary = 'open the review workstation in a browser (local only, token-protected)';

const USAGE = `usage: vasco serve [--db FILE] [--data-dir DIR] [--port N] [--no-open] [--offline]

  --db FILE     workspace (SQLite) to review (default $VASCO_DB or ~/.vasco/workspace.sqlite)
  --data-dir DIR  the folder whose plates and catalogue files the run form's picker offers
                (default $VASCO_DATA_DIR, else the folder you start \`vasco serve\` in);
                the page can list nothing outside it (typed paths still work)
  --port N      port on 127.0.0.1 (default: a free one)
  --no-open     print the URL only; do not start a browser
  --offline     tell the workstation to use no network (recorded in app.info)

The URL carries a token that changes on every start; anyone without it is refused.
The page keeps the token for its tab only and removes it from the address bar
(reloading works); to open another tab, use the printed URL again.
Stop with Ctrl-C.
`;

/** dist/renderer of this checkout (built by \`npm run build:renderer\`). */
export function rendererDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'renderer');
}

/** Start a browser on the URL without waiting for it; failures only print. */
export function openInBrowser(url: string): void {
  try {
    const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write('could not start a browser (xdg-open); open the URL above yourself\n'));
    child.unref();
  } catch {
    process.stderr.write('could not start a browser; open the URL above yourself\n');
  }
}

/** Serve until SIGINT/SIGTERM, then close cleanly. */
export async function serveUntilStopped(host: HttpHost, open: boolean): Promise<number> {
  process.stdout.write(`VASCO Workstation: ${host.url}\n`);
  if (!existsSync(join(rendererDir(), 'index.html')))
    process.stderr.write(`note: no renderer build in ${rendererDir()}; the API works, the page needs \`npm run build:renderer\`\n`);
  if (open) openInBrowser(host.url);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await host.close();
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', argv, {
    db: { type: 'string' },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'no-open': { type: 'boolean' },
    offline: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dbPath = values.db ? resolve(values.db) : workspacePathFromArgv([]);
  const port = numberOption('serve', 'port', values.port, 0);
  const dataDir = dataFolderFromArgv(values['data-dir'] ? ['--data-dir', values['data-dir']] : [], process.env, process.cwd());
  const host = await startHttpHost({ dbPath, port, staticDir: rendererDir(), offline: !!values.offline, dataDir });
  return serveUntilStopped(host, !values['no-open']);
}

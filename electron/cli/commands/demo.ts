/**
 * `vasco demo [--out DIR] [--no-open] [--port N] [--fresh]`: the built-in
 * demo field end to end, offline. Generates the synthetic red/blue plate pair,
 * runs the pipeline on it, records the run in DIR/vasco.sqlite and opens the
 * workstation on it: the Electron app when its binary is installed, otherwise
 * the browser host (printing its URL).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress } from '../../core/stage';
import { startHttpHost } from '../../host/http-host';
import { runPipeline } from '../../pipeline/run';
import { openWorkspace, recordPipelineRun } from '../../store/workspace';
import { generatePlatePair } from '../../synth/generate-pair';
import { numberOption, parseCommandArgs } from '../args';
import { rendererDir, serveUntilStopped } from './serve';

export const summary = 'generate the demo field, run the pipeline on it offline, and open the workstation';

const USAGE = `usage: vasco demo [--out DIR] [--no-open] [--port N] [--fresh]

  --out DIR    where the demo plates, run and workspace go (default ~/.vasco/demo)
  --no-open    do not start the Electron app or a browser; serve and print the URL
  --port N     port of the browser host (default: a free one)
  --fresh      generate and run again even if DIR already holds the demo run
`;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The Electron binary, when one is installed: read from the electron
 * package's path.txt without require('electron') (which would try to
 * download it). Null when absent or not executable.
 */
export function installedElectron(root = projectRoot): string | null {
  try {
    const pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
    const rel = readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim();
    const bin = process.env.ELECTRON_OVERRIDE_DIST_PATH ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel) : join(pkgDir, 'dist', rel);
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return null;
  }
}

/** One line as each stage ends, with its sources in and out. */
function stagePrinter(): (p: Progress) => void {
  return (p) => {
    if (p.outcome) process.stderr.write(`  ${p.stage.padEnd(14)} ${p.outcome}\n`);
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {
    out: { type: 'string' },
    'no-open': { type: 'boolean' },
    port: { type: 'string' },
    fresh: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dir = resolve(values.out ?? join(homedir(), '.vasco', 'demo'));
  const dbPath = join(dir, 'vasco.sqlite');
  const port = numberOption('demo', 'port', values.port, 0);

  mkdirSync(dir, { recursive: true });
  const ws = openWorkspace(dbPath);
  try {
    if (values.fresh || ws.listRuns().length === 0) {
      process.stderr.write(`demo: generating the synthetic plate pair in ${dir}\n`);
      const pair = await generatePlatePair({ outDir: dir, name: 'demo', preset: 'demo' });
      process.stderr.write('demo: running the pipeline (offline)\n');
      const result = await runPipeline(
        { red: pair.red, blue: pair.blue, out: join(dir, 'run'), offline: true, command: ['vasco', 'demo', ...argv] },
        { onProgress: stagePrinter() },
      );
      const { runId } = await recordPipelineRun(ws, result, join(dir, 'run'));
      process.stderr.write(`demo: run ${runId} recorded in ${dbPath}: ${result.candidateCount} candidates\n`);
    } else {
      process.stderr.write(`demo: reusing the demo run in ${dbPath} (--fresh to redo it)\n`);
    }
  } finally {
    ws.close();
  }

  const electron = installedElectron();
  const mainJs = join(projectRoot, 'dist', 'electron', 'main.js');
  if (!values['no-open'] && electron && existsSync(mainJs)) {
    process.stderr.write(`demo: opening the workstation (${electron})\n`);
    const child = spawn(electron, [projectRoot, '--db', dbPath], { stdio: 'inherit' });
    return new Promise<number>((done) => child.on('exit', (code) => done(code ?? 0)));
  }
  if (!values['no-open'])
    process.stderr.write(
      electron ? 'demo: no built Electron app (npm run build); using the browser\n' : 'demo: Electron is not installed here; using the browser\n',
    );
  const host = await startHttpHost({ dbPath, port, staticDir: rendererDir(), offline: true });
  return serveUntilStopped(host, !values['no-open']);
}

/**
 * `vasco export ... --samp` as a process: the exported VOTable goes to the
 * hub (astropy's, private lockfile) and the receiving astropy client reads
 * the very file written, from an awkward path; without a hub the file is
 * still written and the refusal says what to start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveAstropy } from '../../helpers/python';
import { projectRoot } from '../../helpers/shared-data';
import { openWorkspace } from '../../../electron/store/workspace';
import { runInput, sky } from '../store/fixtures';
import { SampPeer, sampEnv } from './samp-peer';

interface Ran {
  status: number;
  stderr: string;
}

function vascoExport(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'export', ...args], { env, encoding: 'utf8' }, (err, _out, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe.skipIf(!haveAstropy())('vasco export --samp', () => {
  let tmp: string;
  let db: string;
  let ids: number[];
  let peer: SampPeer;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-export-samp-'));
    db = join(tmp, 'vasco.sqlite');
    const ws = openWorkspace(db);
    const runId = ws.recordRun(runInput('XE687', sky(9))).runId;
    ids = ws.listCandidates({ runId, sort: { column: 'id' } }).rows.map((r) => r.id);
    ws.close();
    peer = await SampPeer.start(join(tmp, 'lock'), { hub: true });
  }, 120_000);

  afterAll(async () => {
    await peer?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('sends the written VOTable to the hub; the astropy client reads it from a path with spaces and brackets', async () => {
    const dir = join(tmp, 'my exports [v1]');
    mkdirSync(dir);
    const out = join(dir, 'all candidates, #1.vot');
    const r = await vascoExport(sampEnv(peer.lockfile), '--db', db, '--all', '--out', out, '--samp');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`astropy peer loaded the table of ${ids.length} rows`);
    const got = await peer.message('table.load.votable');
    expect(fileURLToPath(String(got.params.url))).toBe(out);
    expect(got.readError).toBeUndefined();
    expect(got.table!.id).toEqual(ids);
  });

  it('without a hub: the file is written, exit 2 with what to start', async () => {
    const out = join(tmp, 'nohub.vot');
    const r = await vascoExport({ ...process.env, SAMP_HUB: `std-lockurl:file://${join(tmp, 'no-such-lock')}` }, '--db', db, '--all', '--out', out, '--samp');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no SAMP hub is running (no lockfile ${join(tmp, 'no-such-lock')}) (the table is written: ${out})`);
    expect(r.stderr).toContain('start TOPCAT or DS9');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(true);
  });

  it('--samp with another format is refused before anything is written', async () => {
    const out = join(tmp, 'x.csv');
    const r = await vascoExport(sampEnv(peer.lockfile), '--db', db, '--all', '--out', out, '--samp');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('vasco export --samp sends a VOTable, not csv');
    expect(existsSync(out)).toBe(false);
  });
});

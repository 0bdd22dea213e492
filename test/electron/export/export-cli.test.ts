/** `vasco export`: the command line around exportCatalogue. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../electron/store/workspace';
import { projectRoot } from '../../helpers/shared-data';
import { APP_VERSION, runInput, sky, tempDir } from '../store/fixtures';

const vasco = (...args: string[]) => spawnSync(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'export', ...args], { encoding: 'utf8' });

/** Data rows of a CSV export (after the header, its first line). */
const dataRows = (file: string) => readFileSync(file, 'utf8').split('\r\n').filter(Boolean).length - 1;

describe('vasco export', () => {
  it('writes vetted, --all and --label selections of the newest or a named run', () => {
    const dir = tempDir();
    const db = join(dir, 'vasco.sqlite');
    const ws = openWorkspace(db);
    const first = ws.recordRun(runInput('XE687', sky(6))).runId;
    const ids = ws.listCandidates({ runId: first }).rows.map((r) => r.id);
    ws.addReview({ candidateId: ids[0], reviewer: 'ann', label: 'transient', appVersion: APP_VERSION });
    ws.addReview({ candidateId: ids[1], reviewer: 'ann', label: 'blend', appVersion: APP_VERSION });
    ws.recordRun(runInput('XE688', sky(8)));
    ws.close();

    const out = join(dir, 'vetted.csv');
    let r = vasco('--db', db, '--run', String(first), '--format', 'csv', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`1 rows -> ${out}`);
    // The output says where the CSV's provenance went.
    expect(r.stderr).toContain(`provenance (run, plates, parameters, reviewers, column units) -> ${join(dir, 'vetted.provenance.json')}`);
    expect(JSON.parse(readFileSync(join(dir, 'vetted.provenance.json'), 'utf8')).provenance.rows).toBe('1');
    expect(dataRows(out)).toBe(1);

    r = vasco('--db', db, '--run', String(first), '--all', '--format', 'csv', '--out', out);
    expect(dataRows(out)).toBe(3);
    r = vasco('--db', db, '--run', String(first), '--label', 'blend', '--label', 'transient', '--format', 'csv', '--out', out);
    expect(dataRows(out)).toBe(2);
    // Newest run by default: XE688, nothing reviewed there.
    r = vasco('--db', db, '--all', '--format', 'votable', '--out', join(dir, 'all.vot'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('4 rows');
    expect(readFileSync(join(dir, 'all.vot'), 'utf8')).toContain('<VOTABLE version="1.4"');

    // The format follows the extension of --out when --format is absent: ECSV and DS9 regions.
    r = vasco('--db', db, '--run', String(first), '--all', '--out', join(dir, 'all.ecsv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('provenance');
    expect(readFileSync(join(dir, 'all.ecsv'), 'utf8')).toMatch(/^# %ECSV 1\.0\r\n/);
    r = vasco('--db', db, '--run', String(first), '--all', '--out', join(dir, 'all.reg'));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'all.reg'), 'utf8').split('\n').filter((l) => l.startsWith('circle('))).toHaveLength(3);
    r = vasco('--db', db, '--run', String(first), '--format', 'ds9', '--out', join(dir, 'regions.txt'));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'regions.txt'), 'utf8')).toMatch(/^# Region file format: DS9 version 4\.1\n/);

    r = vasco('--db', db, '--label', 'ufo', '--format', 'csv', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown label "ufo"/);
    r = vasco('--db', db, '--format', 'fits', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --format csv, ecsv, votable or ds9 \(not "fits"\)/);
    r = vasco('--db', db, '--out', join(dir, 'catalogue.fits'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --format csv, ecsv, votable or ds9 \(or an --out ending/);
    r = vasco('--db', db, '--run', '999', '--format', 'csv', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/run 999 is not in/);
    r = vasco('--db', join(dir, 'nothing.sqlite'), '--format', 'csv', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nothing\.sqlite does not exist/);
    expect(existsSync(join(dir, 'nothing.sqlite'))).toBe(false);
    openWorkspace(join(dir, 'empty.sqlite')).close();
    r = vasco('--db', join(dir, 'empty.sqlite'), '--format', 'csv', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds no pipeline runs yet/);
  });
});

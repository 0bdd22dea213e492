/** `vasco review`: flags from the command line, durable when it prints them. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../electron/store/workspace';
import { projectRoot } from '../../helpers/shared-data';
import { runInput, sky, tempDir } from './fixtures';

const vasco = (...args: string[]) => spawnSync(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'review', ...args], { encoding: 'utf8' });

describe('vasco review', () => {
  it('adds a flag, undoes it, and refuses bad input with a hint', () => {
    const db = join(tempDir(), 'vasco.sqlite');
    const ws = openWorkspace(db);
    const { runId } = ws.recordRun(runInput('XE687', sky(4)));
    const id = ws.listCandidates({ runId }).rows[0].id;
    ws.close();

    const add = vasco('--db', db, '--candidate', String(id), '--reviewer', 'ann', '--label', 'transient', '--confidence', '0.8', '--note', 'no blue, round');
    expect(add.status, add.stderr).toBe(0);
    const event = JSON.parse(add.stdout);
    expect(event).toMatchObject({ candidateId: id, reviewer: 'ann', action: 'label', label: 'transient', confidence: 0.8, note: 'no blue, round', appVersion: '0.1.0' });

    const check = openWorkspace(db, { readonly: true });
    expect(check.getCandidate(id).row.consensus).toBe('transient');
    check.close();

    const undo = vasco('--db', db, '--candidate', String(id), '--reviewer', 'ann', '--undo');
    expect(undo.status, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ action: 'undo', undoes: event.id, label: 'transient' });
    const comment = vasco('--db', db, '--candidate', String(id), '--reviewer', 'bob', '--comment', 'compare with the 1990s plate');
    expect(comment.status, comment.stderr).toBe(0);
    expect(JSON.parse(comment.stdout)).toMatchObject({ candidateId: id, reviewer: 'bob', body: 'compare with the 1990s plate' });
    const both = vasco('--db', db, '--candidate', String(id), '--reviewer', 'bob', '--comment', 'x', '--undo');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/one of --label, --undo or --comment/);
    const empty = vasco('--db', db, '--candidate', String(id), '--reviewer', 'bob', '--comment', '  ');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/a comment needs some text/);

    const nothing = vasco('--db', db, '--candidate', String(id), '--reviewer', 'ann', '--undo');
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/no label on candidate/);

    const bad = vasco('--db', db, '--candidate', String(id), '--reviewer', 'ann', '--label', 'ufo');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown label "ufo"/);
    expect(bad.stderr).toMatch(/what to do: use one of: transient, emulsion_defect/);
    const missing = vasco('--db', db, '--candidate', '99999', '--reviewer', 'ann', '--label', 'blend');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`candidate 99999 is not in ${db}`);
  });
});

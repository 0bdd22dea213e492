/**
 * Failures a person meets with a workspace file: locked by another process,
 * read-only file or folder, not a database. Each is a UserError that names the
 * file and says what to do.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { openWorkspace } from '../../../electron/store/workspace';
import { projectRoot } from '../../helpers/shared-data';
import { APP_VERSION, runInput, sky, tempDir } from './fixtures';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

const NOBODY = 65534;

/** Open the workspace in a child process; as an unprivileged user when we are root (root ignores file modes). */
function tryOpenElsewhere(file: string, readonly = false): { ok?: boolean; code?: string; message?: string; hint?: string } {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'test/electron/store/helpers/try-open.ts'), file, readonly ? 'readonly' : 'write'],
    { cwd: projectRoot, encoding: 'utf8', ...(asRoot ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: '/tmp' } } : {}) },
  );
  if (r.status !== 0) throw new Error(`try-open failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('workspace errors', () => {
  it('a file that is not a database', () => {
    const file = join(tempDir(), 'notes.sqlite');
    writeFileSync(file, randomBytes(8192));
    const err = userError(() => openWorkspace(file));
    expect(err.code).toBe('not-a-database');
    expect(err.message).toContain(file);
    expect(err.hint).toMatch(/choose the workspace file/);
    writeFileSync(file, 'id,ra,dec\n1,2,3\n'.repeat(300));
    expect(userError(() => openWorkspace(file, { readonly: true })).code).toBe('not-a-database');
  });

  it('a missing file or folder', () => {
    const missing = join(tempDir(), 'nope', 'vasco.sqlite');
    const err = userError(() => openWorkspace(missing));
    expect(err.message).toContain(missing);
    expect(err.message).toMatch(/folder .* does not exist/);
    expect(userError(() => openWorkspace(join(tempDir(), 'absent.sqlite'), { readonly: true })).code).toBe('not-found');
  });

  it('a database locked by another process beyond the busy timeout', () => {
    const file = join(tempDir(), 'vasco.sqlite');
    const ws = openWorkspace(file, { busyTimeoutMs: 300 });
    const { runId } = ws.recordRun(runInput('XE687', sky(4)));
    const id = ws.listCandidates({ runId }).rows[0].id;

    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    // Readers are not blocked by the writer (WAL)...
    const reader = openWorkspace(file, { readonly: true, busyTimeoutMs: 300 });
    expect(reader.listCandidates({ runId }).total).toBe(2);
    // ...but a second writer gives up after the busy timeout, and says so.
    const t0 = Date.now();
    const err = userError(() => ws.addReview({ candidateId: id, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION }));
    const waited = Date.now() - t0;
    expect(err.code).toBe('db-locked');
    expect(err.message).toContain(file);
    expect(err.hint).toMatch(/wait for the running pipeline/);
    expect(waited).toBeGreaterThanOrEqual(250);
    holder.exec('ROLLBACK');
    holder.close();

    // Once the lock is gone the same call works.
    expect(ws.addReview({ candidateId: id, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION }).id).toBeGreaterThan(0);
    reader.close();
    ws.close();
  });

  it('a workspace opened read-only refuses writes', () => {
    const file = join(tempDir(), 'vasco.sqlite');
    const ws = openWorkspace(file);
    const { runId } = ws.recordRun(runInput('XE687', sky(4)));
    ws.close();
    const ro = openWorkspace(file, { readonly: true });
    const id = ro.listCandidates({ runId }).rows[0].id;
    const err = userError(() => ro.addReview({ candidateId: id, reviewer: 'ann', label: 'transient', appVersion: APP_VERSION }));
    expect(err.code).toBe('db-readonly');
    expect(err.message).toContain(file);
    ro.close();
  });

  it('a read-only file in a read-only folder', () => {
    const dir = tempDir();
    const file = join(dir, 'vasco.sqlite');
    const ws = openWorkspace(file);
    ws.addReviewer('ann');
    ws.close(); // the last connection checkpoints and removes -wal and -shm
    if (process.getuid?.() === 0) chownSync(dir, 0, 0);
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    try {
      const write = tryOpenElsewhere(file);
      expect(write.ok).toBeUndefined();
      expect(['db-readonly', 'db-cannot-open']).toContain(write.code);
      expect(write.message).toContain(file);
      expect(write.hint).toMatch(/writable|permissions/);
      // Even reading needs FILE-shm beside a WAL workspace: say to copy it.
      const read = tryOpenElsewhere(file, true);
      expect(read.code).toBe('db-readonly');
      expect(read.hint).toMatch(/copy it to a writable folder/);
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(file, 0o644);
    }
  });

  it('a read-only file in a writable folder', () => {
    const dir = tempDir();
    const file = join(dir, 'vasco.sqlite');
    openWorkspace(file).close();
    chmodSync(dir, 0o777);
    chmodSync(file, 0o444);
    const r = tryOpenElsewhere(file);
    expect(r.ok).toBeUndefined();
    expect(r.code).toBe('db-readonly');
    expect(r.message).toContain(file);
  });
});

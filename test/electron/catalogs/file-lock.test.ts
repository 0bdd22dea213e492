/**
 * Locks shared through files: a lock left by a task that died (killed, node
 * lost) must not block the survey for ever, and a live one must be waited for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../electron/core/errors';
import { acquireFileLock, acquireSlot, tryLock } from '../../../electron/catalogs/file-lock';

const owner = (host: string, pid: number) => JSON.stringify({ host, pid, token: 'x'.repeat(16) });

describe('file locks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-lock-'));

  it('is held by one at a time and released only by its holder', () => {
    const a = tryLock(join(dir, 'a.lock'))!;
    expect(a).not.toBeNull();
    expect(tryLock(join(dir, 'a.lock'))).toBeNull();
    a.release();
    a.release(); // twice is harmless
    const b = tryLock(join(dir, 'a.lock'))!;
    expect(b).not.toBeNull();
    a.release(); // a stale handle never removes the new holder's lock
    expect(existsSync(join(dir, 'a.lock'))).toBe(true);
    b.release();
    expect(existsSync(join(dir, 'a.lock'))).toBe(false);
  });

  it('takes over a lock whose process on this host is gone, at once', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'dead.lock'), owner(hostname(), Number(dead.stdout)));
    const l = tryLock(join(dir, 'dead.lock'));
    expect(l).not.toBeNull();
    l!.release();
  });

  it('waits for a live holder on another host until its lock goes stale (not touched for staleMs)', () => {
    const f = join(dir, 'remote.lock');
    writeFileSync(f, owner('another-node', 12345));
    expect(tryLock(f, 60_000)).toBeNull();
    const old = new Date(Date.now() - 120_000);
    utimesSync(f, old, old);
    const l = tryLock(f, 60_000);
    expect(l).not.toBeNull();
    l!.release();
  });

  it('gives at most N slots at once, and waiting can be cancelled', async () => {
    const slots = join(dir, 'slots');
    const a = await acquireSlot(slots, 2);
    const b = await acquireSlot(slots, 2);
    expect(a.path).not.toBe(b.path);
    const ctl = new AbortController();
    let waited = false;
    const third = acquireSlot(slots, 2, { signal: ctl.signal, pollMs: 10, onWait: () => (waited = true) });
    setTimeout(() => ctl.abort(), 100);
    await expect(third).rejects.toBeInstanceOf(CancelledError);
    expect(waited).toBe(true);
    a.release();
    const c = await acquireFileLock(a.path);
    expect(c.path).toBe(a.path);
    b.release();
    c.release();
  });
});

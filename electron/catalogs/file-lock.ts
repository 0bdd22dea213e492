/**
 * Locks that several processes share through files: the tasks of a survey, on
 * this machine or as Slurm tasks on other hosts of a shared filesystem.
 *
 * A lock is a file created exclusively (O_EXCL) holding its owner (host, pid
 * and a random token). The owner touches it every few seconds, so a lock whose
 * owner died is taken over: at once when the owner was a process of this host
 * that is gone, else once the file has not been touched for `staleMs`.
 * `acquireSlot` builds a counting semaphore from N such files in a folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { CancelledError } from '../core/errors';

export interface HeldLock {
  path: string;
  release(): void;
}

export interface LockOptions {
  signal?: AbortSignal;
  /** A lock not touched for this long is taken over (its owner is presumed dead), ms. */
  staleMs?: number;
  /** Pause between two tries, ms (jittered). */
  pollMs?: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (owner: string) => void;
}

const DEFAULT_STALE_MS = 60_000;
const DEFAULT_POLL_MS = 100;

interface Owner {
  host: string;
  pid: number;
  token: string;
}

function readOwner(path: string): Owner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Owner;
  } catch {
    return null; // gone, or being written this instant
  }
}

/** A live process of this host. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A detached process whose parent is gone may linger as a zombie when nothing reaps it
  // (containers whose init does not): it has ended, though signal 0 still reaches it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/** The lock at `path` belongs to nobody alive: its process on this host is gone, or nobody touched it for staleMs. */
function isStale(path: string, staleMs: number): Owner | null {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return null;
  }
  const owner = readOwner(path);
  if (!owner) return Date.now() - mtimeMs > staleMs ? { host: '?', pid: 0, token: '' } : null;
  if (owner.host === hostname() && !pidAlive(owner.pid)) return owner;
  return Date.now() - mtimeMs > staleMs ? owner : null;
}

/** One try: the lock, or null when someone alive holds it. */
export function tryLock(path: string, staleMs = DEFAULT_STALE_MS): HeldLock | null {
  mkdirSync(dirname(path), { recursive: true });
  const me: Owner = { host: hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };
  for (let round = 0; round < 2; round++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const dead = isStale(path, staleMs);
      if (!dead || round > 0) return null;
      // Move the dead owner's file aside, only if it is still theirs (another waiter may have done so first).
      if (readOwner(path)?.token !== dead.token && dead.token) return null;
      try {
        renameSync(path, `${path}.stale-${me.token}`);
        rmSync(`${path}.stale-${me.token}`, { force: true });
      } catch {
        return null;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    const beat = setInterval(() => {
      const now = new Date();
      try {
        if (readOwner(path)?.token === me.token) utimesSync(path, now, now);
      } catch {
        /* released meanwhile */
      }
    }, Math.max(1_000, staleMs / 4));
    beat.unref();
    let held = true;
    return {
      path,
      release() {
        if (!held) return;
        held = false;
        clearInterval(beat);
        if (readOwner(path)?.token === me.token) rmSync(path, { force: true });
      },
    };
  }
  return null;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('waiting for a lock'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError('waiting for a lock'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for the lock at `path` (another process holding it is waited for, not raced). */
export async function acquireFileLock(path: string, o: LockOptions = {}): Promise<HeldLock> {
  return acquireAny([path], o);
}

/**
 * One of `slots` places of the semaphore in `dir` (files slot-0.lock ...): at
 * most `slots` holders at once across every process using the same folder.
 */
export async function acquireSlot(dir: string, slots: number, o: LockOptions = {}): Promise<HeldLock> {
  const n = Math.max(1, Math.floor(slots));
  return acquireAny(Array.from({ length: n }, (_, k) => join(dir, `slot-${k}.lock`)), o);
}

async function acquireAny(paths: string[], o: LockOptions): Promise<HeldLock> {
  const staleMs = o.staleMs ?? DEFAULT_STALE_MS;
  const poll = o.pollMs ?? DEFAULT_POLL_MS;
  const start = Math.floor(Math.random() * paths.length); // spread the holders over the slots
  for (let waited = false; ; waited = true) {
    for (let k = 0; k < paths.length; k++) {
      const lock = tryLock(paths[(start + k) % paths.length], staleMs);
      if (lock) return lock;
    }
    if (!waited) o.onWait?.(readOwnerText(paths[0]));
    await pause(poll * (0.5 + Math.random()), o.signal);
  }
}

function readOwnerText(path: string): string {
  const owner = readOwner(path);
  return owner ? `pid ${owner.pid} on ${owner.host}` : 'another process';
}

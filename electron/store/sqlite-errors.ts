/**
 * SQLite failures a person can meet, turned into UserErrors that name the
 * workspace file and say what to do. Anything else is a bug and passes through.
 */
import { UserError } from '../core/errors';

/** better-sqlite3's SqliteError carries SQLite's extended result code name. */
function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

export function toUserError(err: unknown, file: string, doing: string): unknown {
  const code = sqliteCode(err);
  if (!code) {
    const sys = (err as NodeJS.ErrnoException)?.code;
    if (sys === 'EACCES' || sys === 'EPERM' || sys === 'EROFS') {
      return new UserError(`cannot ${doing} ${file}: permission denied`, 'check the permissions of the file and its folder, or choose another workspace', 'db-readonly');
    }
    return err;
  }
  const detail = (err as Error).message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new UserError(
      `cannot ${doing} ${file}: the database is locked by another process (${detail})`,
      'wait for the running pipeline or the other VASCO window to finish writing, or close it, then try again',
      'db-locked',
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new UserError(
      `cannot ${doing} ${file}: the database or its folder is read-only (${detail})`,
      'make the file and its folder writable (SQLite writes -wal and -shm files beside it), copy the workspace somewhere writable, or open it read-only',
      'db-readonly',
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new UserError(
      `${file} is not a VASCO workspace: it is not an SQLite database`,
      'choose the workspace file (vasco.sqlite in a run folder) or a new file name; do not point --db at another kind of file',
      'not-a-database',
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new UserError(
      `${file} is damaged (${detail})`,
      'restore the workspace from a backup (a .before-vN copy is kept beside it at each upgrade); try `sqlite3 FILE .recover` to rescue the reviews',
      'db-corrupt',
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new UserError(
      `cannot ${doing} ${file}: SQLite cannot open it (${detail})`,
      'check that the folder exists and that you may read and write the file and its folder',
      'db-cannot-open',
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    return new UserError(`cannot ${doing} ${file}: ${detail}`, 'free disk space or check the disk, then try again', 'db-io');
  }
  return err;
}

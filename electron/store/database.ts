/**
 * Opening a workspace file: one SQLite file holding the runs, every red
 * source with its stage ledger, the candidates and the reviewers' flags;
 * migrated to the latest schema (a copy kept first), and the three ways every
 * store module touches it: guarded, read in one snapshot, written in one
 * immediate transaction.
 *
 * Durability: WAL with synchronous=FULL, and every write in its own immediate
 * transaction, so a flag whose addReview() has returned survives kill -9 or a
 * power cut at any moment (test/electron/store/crash.test.ts). Readers (the UI)
 * never block the writer (a run process recording its run) and see whole
 * transactions only; a writer waits up to busyTimeoutMs for another's lock.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';
import { toUserError } from './sqlite-errors';

export interface OpenOptions {
  readonly?: boolean;
  /** How long a write waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
}

export class StoreDb {
  readonly file: string;
  readonly readonly: boolean;
  /** Set when opening upgraded an older file: the copy kept from before. */
  readonly upgradeBackup: string | null = null;
  readonly db: Database.Database;

  constructor(file: string, opts: OpenOptions = {}) {
    this.file = file;
    this.readonly = !!opts.readonly;
    const busyMs = opts.busyTimeoutMs ?? 5000;
    if (this.readonly && !existsSync(file)) {
      throw new UserError(`workspace ${file} does not exist`, 'check the path, or run the pipeline first to create it', 'not-found');
    }
    const dir = dirname(file);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UserError(`cannot open ${file}: the folder ${dir} does not exist`, 'create the folder or choose another workspace file', 'db-cannot-open');
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: this.readonly, fileMustExist: this.readonly, timeout: busyMs });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyMs))}`);
      db.pragma('foreign_keys = ON');
      const version = schemaVersion(db);
      if (version > LATEST_VERSION) {
        throw new UserError(
          `${file} was written by a newer VASCO Workstation (schema v${version}; this one knows up to v${LATEST_VERSION})`,
          'update VASCO Workstation to open this workspace; it has not been changed',
          'db-newer-schema',
        );
      }
      if (this.readonly) {
        if (version < LATEST_VERSION) {
          throw new UserError(
            `${file} has schema v${version} and needs upgrading to v${LATEST_VERSION}, which read-only mode cannot do`,
            'open it once without read-only (a copy is kept before upgrading)',
            'db-old-schema',
          );
        }
      } else {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        if (version > 0 && version < LATEST_VERSION) this.upgradeBackup = this.backupBeforeUpgrade(db, version);
        migrate(db);
      }
    } catch (err) {
      db?.close();
      const e = toUserError(err, file, 'open');
      if (this.readonly && e instanceof UserError && e.code === 'db-readonly') {
        // Even a reader of a WAL file must create FILE-shm beside it.
        throw new UserError(e.message, `SQLite needs to create ${file}-shm even to read this workspace; copy it to a writable folder and open the copy`, e.code);
      }
      throw e;
    }
    this.db = db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A consistent copy of the file as it was, beside it, before migrations touch it. */
  private backupBeforeUpgrade(db: Database.Database, version: number): string {
    let target = `${this.file}.before-v${LATEST_VERSION}.from-v${version}`;
    for (let i = 2; existsSync(target); i++) target = `${this.file}.before-v${LATEST_VERSION}.from-v${version}.${i}`;
    db.prepare('VACUUM INTO ?').run(target);
    return target;
  }

  /** Run `fn`, turning SQLite failures a person can meet into UserErrors. */
  guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toUserError(err, this.file, doing);
    }
  }

  /** Reads in one snapshot (a deferred transaction), so a page and its counts agree while a writer commits. */
  read<T>(fn: () => T): T {
    return this.guard('read', () => this.db.transaction(fn).deferred());
  }

  write<T>(doing: string, fn: () => T): T {
    if (this.readonly) {
      throw new UserError(`cannot ${doing} ${this.file}: the workspace was opened read-only`, 'open it without read-only to make changes', 'db-readonly');
    }
    // Immediate: take the write lock up front, so the busy timeout applies and
    // a reader's snapshot never has to be upgraded mid-transaction.
    return this.guard(doing, () => this.db.transaction(fn).immediate());
  }

  /** PRAGMA integrity_check: 'ok' or the problems found. */
  integrityCheck(): string {
    return this.guard('check', () =>
      (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n'),
    );
  }

  /** Schema version of the open file. */
  get schemaVersion(): number {
    return schemaVersion(this.db);
  }
}

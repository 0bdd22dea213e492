/**
 * Disk cache of catalogue query results, keyed by what was asked (catalogue,
 * region or uploaded positions, columns, radius, service URL). One file per
 * answer: a header line (key, row count, sha256 of the payload) and the
 * payload line. Written under a temporary name and renamed, so a crash never
 * leaves a half entry; checked on read, and a damaged entry is discarded and
 * re-queried. Only complete, successful answers are ever put here.
 *
 * Several processes may share one cache (the plates of a survey): each writes
 * under a name of its own and renames, so a reader sees a whole entry or none,
 * and the last of two writers of the same answer wins. A damaged entry is only
 * removed while it is still the file that was read, never a good one another
 * process has just put in its place.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SimpleTable } from './table';

const FORMAT = 'vasco-query-cache/1';

interface Header {
  format: string;
  kind: string;
  key: unknown;
  rows: number;
  sha256: string;
  createdUtc: string;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `file` is still the inode that was read (no other process has renamed a new entry over it). */
function sameFile(file: string, inode: number): boolean {
  try {
    return statSync(file).ino === inode;
  } catch {
    return false;
  }
}

export class QueryCache {
  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** File of an entry: <dir>/<kind>/<sha256 of the key>.cache */
  pathFor(kind: string, key: unknown): string {
    const safe = kind.replace(/[^A-Za-z0-9._-]+/g, '_');
    return join(this.dir, safe, `${sha256(stable(key)).slice(0, 40)}.cache`);
  }

  getTable(kind: string, key: unknown): SimpleTable | null {
    const file = this.pathFor(kind, key);
    let text: string;
    let inode: number;
    try {
      const fd = openSync(file, 'r');
      try {
        inode = fstatSync(fd).ino;
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
    const nl = text.indexOf('\n');
    try {
      if (nl < 0) throw new Error('no header line');
      const header = JSON.parse(text.slice(0, nl)) as Header;
      const payload = text.slice(nl + 1);
      if (header.format !== FORMAT) throw new Error(`unknown format ${header.format}`);
      if (stable(header.key) !== stable(key)) throw new Error('key differs (hash collision?)');
      if (sha256(payload) !== header.sha256) throw new Error('checksum mismatch');
      const table = JSON.parse(payload) as SimpleTable;
      if (!Array.isArray(table.rows) || table.rows.length !== header.rows) {
        throw new Error(`row count ${table.rows?.length} differs from the recorded ${header.rows}`);
      }
      return table;
    } catch (e) {
      this.log(`cache: discarding damaged entry ${file}: ${(e as Error).message}; it will be queried again`);
      if (sameFile(file, inode)) rmSync(file, { force: true });
      return null;
    }
  }

  putTable(kind: string, key: unknown, table: SimpleTable): string {
    const file = this.pathFor(kind, key);
    mkdirSync(join(file, '..'), { recursive: true });
    const payload = JSON.stringify({ columns: table.columns, rows: table.rows });
    const header: Header = {
      format: FORMAT,
      kind,
      key,
      rows: table.rows.length,
      sha256: sha256(payload),
      createdUtc: new Date().toISOString(),
    };
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(header) + '\n');
      writeSync(fd, payload);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return file;
  }
}

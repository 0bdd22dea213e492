/**
 * Stage checkpoints in DIR/work/checkpoints: after each finished stage the whole
 * state is written (atomically), keyed by a hash chain over the inputs (their
 * content digests, never path or date) and the parameters each stage depends
 * on. A checkpoint whose key does not match the present run is ignored, so a
 * changed filter parameter re-runs the filters but keeps the (slow)
 * extraction, and another plate of the same size never inherits this one's.
 *
 * The tools' files (tile images, catalogues, PSF models, ASSOC lists) live in
 * keyed folders (claimKeyedFolder): named by the digest of what made them,
 * holding that key in key.json, and reused only while key.json says so.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PipelineState } from './state';
import type { StageCount } from './types';

// 2: inputs keyed by content digest (1 keyed them by path, size and date).
const FORMAT = 2;

export interface Checkpoint {
  format: number;
  key: string;
  stage: string;
  index: number;
  /** Counts of this stage and every earlier one. */
  counts: StageCount[];
  state: PipelineState;
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 (hex) of a file's content, streamed (a 400 MB plate takes about a second). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', fail)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => done(hash.digest('hex')));
  });
}

const KEY_FILE = 'key.json';

/** Does `folder` hold artefacts made for `key` (its key.json says so)? */
export function folderHoldsKey(folder: string, key: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(folder, KEY_FILE), 'utf8')) as { key?: unknown }).key === key;
  } catch {
    return false;
  }
}

/**
 * The folder for artefacts made from `inputs` (any JSON: content digests and
 * parameters): PARENT/<first 16 hex of the key>. Kept when its key.json holds
 * the same key, else emptied and stamped anew; other folders in PARENT (work
 * of other inputs, which no checkpoint of this run can use) are removed so
 * stale files never pile up.
 */
export function claimKeyedFolder(parent: string, key: string, inputs: unknown): string {
  const folder = keyedFolderPath(parent, key);
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    if (name !== basename(folder)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  if (!folderHoldsKey(folder, key)) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, KEY_FILE), JSON.stringify({ key, inputs }, null, 1));
  }
  return folder;
}

/** Where claimKeyedFolder(parent, key) puts its artefacts. */
export function keyedFolderPath(parent: string, key: string): string {
  return join(parent, key.slice(0, 16));
}

/** key_i = sha256(key_{i-1}, stage name, the stage's inputs). */
export function chainKey(previous: string, stage: string, inputs: unknown): string {
  return sha256(`${FORMAT}\n${previous}\n${stage}\n${stableJson(inputs ?? null)}`);
}

const fileName = (index: number, stage: string) => `${String(index).padStart(2, '0')}-${stage}.json`;

export class CheckpointStore {
  constructor(readonly dir: string) {}

  save(cp: Omit<Checkpoint, 'format'>): void {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, fileName(cp.index, cp.stage));
    writeFileSync(`${path}.partial`, JSON.stringify({ format: FORMAT, ...cp }));
    renameSync(`${path}.partial`, path);
  }

  /** The checkpoint of stage `index`, or null when absent, unreadable or made for other inputs. */
  load(index: number, stage: string, key: string): Checkpoint | null {
    let cp: Checkpoint;
    try {
      cp = JSON.parse(readFileSync(join(this.dir, fileName(index, stage)), 'utf8')) as Checkpoint;
    } catch {
      return null;
    }
    return cp.format === FORMAT && cp.key === key && cp.stage === stage && cp.index === index ? cp : null;
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** File names present (for tests and the log). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort();
    } catch {
      return [];
    }
  }
}

/**
 * Stage checkpoints in DIR/work/checkpoints: after each finished stage the whole
 * state is written (atomically), keyed by a hash chain over the inputs and the
 * parameters each stage depends on. A checkpoint whose key does not match the
 * present run is ignored, so a changed filter parameter re-runs the filters
 * but keeps the (slow) extraction.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineState } from './state';
import type { StageCount } from './types';

const FORMAT = 1;

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

/** What identifies an input file cheaply: path, size and modification time. */
export function fileIdentity(path: string): { path: string; size: number; mtimeMs: number } {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
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

/**
 * Durability: a writer process adding flags is killed with SIGKILL at random
 * moments, many times over. Every flag it acknowledged (printed after
 * addReview returned) must be in the file, the file must pass integrity_check,
 * and the derived current labels must still agree with the history.
 * Also: a reader process reading while a writer writes sees whole
 * transactions only and is never blocked.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../../../electron/store/workspace';
import { projectRoot } from '../../helpers/shared-data';
import { runInput, seeded, sky, tempDir } from './fixtures';

const WRITER = join(projectRoot, 'test/electron/store/helpers/writer.ts');
const ROUNDS = 30;

interface Writer {
  acked: number[];
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
  stderr(): string;
}

function startWriter(file: string, runId: number, tag: string, count?: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(runId), tag, ...(count ? [String(count)] : [])], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: number[] = [];
  let buffer = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((res) => (onReady = res));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!; // a line cut by the kill is not an acknowledgement
    for (const line of lines) {
      if (line === 'ready') onReady();
      else if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
    }
  });
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('close', (code, signal) => {
      onReady();
      res({ code, signal });
    }),
  );
  return { acked, ready, exited, kill: () => child.kill('SIGKILL'), stderr: () => err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workspaceWithRun(): { file: string; runId: number } {
  const file = join(tempDir('vasco-crash-'), 'vasco.sqlite');
  const ws = openWorkspace(file);
  const { runId } = ws.recordRun(runInput('XE687', sky(30), 2));
  ws.close();
  return { file, runId };
}

describe('crash safety', () => {
  it(`keeps every acknowledged flag through ${ROUNDS} SIGKILLs at random moments`, async () => {
    const { file, runId } = workspaceWithRun();
    const rnd = seeded(2024);
    const acked: number[] = [];
    let killedWhileWriting = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const w = startWriter(file, runId, `round ${round}`);
      await w.ready;
      await sleep(5 + rnd() * 150);
      const before = w.acked.length;
      w.kill();
      const { signal } = await w.exited;
      expect(signal, w.stderr()).toBe('SIGKILL');
      if (w.acked.length > 0 && before > 0) killedWhileWriting++;
      acked.push(...w.acked);
    }
    expect(killedWhileWriting).toBeGreaterThan(ROUNDS / 2);
    expect(acked.length).toBeGreaterThan(ROUNDS);

    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const present = new Set((db.prepare('SELECT id FROM reviews').all() as { id: number }[]).map((r) => r.id));
    const missing = acked.filter((id) => !present.has(id));
    expect(missing).toEqual([]);

    // The derived current labels still follow from the append-only history.
    const events = db.prepare('SELECT id, object_id, reviewer_id, action, label, undoes_review_id FROM reviews ORDER BY id').all() as {
      id: number; object_id: number; reviewer_id: number; action: string; label: string | null; undoes_review_id: number | null;
    }[];
    const undone = new Set(events.filter((e) => e.action === 'undo').map((e) => e.undoes_review_id));
    const expected = new Map<string, string>();
    for (const e of events) if (e.action === 'label' && !undone.has(e.id)) expected.set(`${e.object_id}/${e.reviewer_id}`, e.label!);
    const actual = new Map(
      (db.prepare('SELECT object_id, reviewer_id, label FROM current_labels').all() as { object_id: number; reviewer_id: number; label: string }[]).map(
        (r) => [`${r.object_id}/${r.reviewer_id}`, r.label],
      ),
    );
    expect(actual).toEqual(expected);
    db.close();
    console.log(`crash test: ${ROUNDS} kills, ${acked.length} acknowledged events, all present, integrity ok`);
  });

  it('lets a reader read while a writer writes, seeing only whole transactions', async () => {
    const { file, runId } = workspaceWithRun();
    const total = 300;
    const w = startWriter(file, runId, 'concurrent', total);
    await w.ready;
    const reader = openWorkspace(file, { readonly: true });
    let reads = 0;
    let done = false;
    void w.exited.then(() => (done = true));
    while (!done) {
      const { total: candidates, rows } = reader.listCandidates({ runId, sort: { column: 'reviews', desc: true } });
      expect(candidates).toBe(15);
      // Each read is one snapshot: a candidate's derived counts match its history.
      for (const row of rows.slice(0, 3)) {
        const detail = reader.getCandidate(row.id);
        const stacks = new Map<string, number[]>();
        const labelOf = new Map(detail.history.map((e) => [e.id, e.label]));
        for (const e of detail.history) {
          const stack = stacks.get(e.reviewer) ?? [];
          if (e.action === 'label') stack.push(e.id);
          else stack.splice(stack.indexOf(e.undoes!), 1);
          stacks.set(e.reviewer, stack);
        }
        const current = [...stacks.values()].filter((st) => st.length).map((st) => labelOf.get(st[st.length - 1])!);
        expect(detail.row.reviews).toBe(current.length);
        const votes = new Map<string, number>();
        for (const l of current) votes.set(l, (votes.get(l) ?? 0) + 1);
        const majority = [...votes].find(([, n]) => 2 * n > current.length)?.[0] ?? (current.length ? 'unsure' : null);
        expect(detail.row.consensus).toBe(majority);
      }
      reads++;
      await sleep(2);
    }
    const { code } = await w.exited;
    expect(code, w.stderr()).toBe(0);
    expect(w.acked.length).toBeGreaterThanOrEqual(total - Math.ceil(total / 7));
    expect(reads).toBeGreaterThan(5);
    reader.close();
    console.log(`reader: ${reads} reads while the writer acknowledged ${w.acked.length} events`);
  });
});

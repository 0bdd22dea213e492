/**
 * The memory a plate's task needs: its run and every tool it starts together
 * (treeRssMiB over the process tree), kept per attempt and shown per plate as
 * the largest of the finished attempts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plateStatus, writePlateRecord } from '../../../electron/survey/state';
import { treeRssMiB } from '../../../electron/survey/task';

describe.runIf(process.platform === 'linux')('task memory', () => {
  it('counts a child process and its own child with the parent', async () => {
    // A child that starts a grandchild holding 200 MiB, as vasco run starts SExtractor.
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', "const b = Buffer.alloc(200 * 2 ** 20, 1); console.log('held'); setInterval(() => b[0]++, 1000)"], { stdio: ['ignore', 'inherit', 'inherit'] });
      process.on('SIGTERM', () => { g.kill(); process.exit(0); });
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const tree = treeRssMiB(child.pid!)!;
      const self = treeRssMiB(process.pid)!;
      expect(tree).toBeGreaterThan(200);
      expect(self).toBeGreaterThan(tree); // this process holds the child (and its child) too
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('a plate shows the largest peak of its finished attempts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vasco-task-memory-'));
    const plate = { index: 0, id: 'p1', input: { red: '/r.fits', blue: null } };
    const at = new Date().toISOString();
    writePlateRecord(dir, {
      id: 'p1',
      index: 0,
      attempts: [
        { startedUtc: at, host: 'h', pid: 1, finishedUtc: at, ok: false, reason: 'killed', peakRssMiB: 812.5 },
        { startedUtc: at, host: 'h', pid: 2, finishedUtc: at, ok: false, reason: 'killed', peakRssMiB: 640 },
      ],
    });
    expect(plateStatus(dir, plate, null).peakRssMiB).toBe(812.5);
  });
});

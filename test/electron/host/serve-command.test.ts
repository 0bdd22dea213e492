import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/shared-data';

const tmp = mkdtempSync(join(tmpdir(), 'vasco-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function status(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('vasco serve', () => {
  it('prints a token URL on 127.0.0.1, refuses calls without it, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'vasco.mjs'), 'serve', '--db', join(tmp, 'w.sqlite'), '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`vasco serve exited with ${code}`)));
    });
    const u = new URL(url);
    const token = u.searchParams.get('token')!;
    const api = `${u.origin}/api/app.info`;
    expect(await status(api, { 'Content-Type': 'application/json' }, 'POST', '{}')).toBe(401);
    expect(await status(api, { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, 'POST', '{}')).toBe(200);
    expect(await status(api, { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Host: 'rebind.example' }, 'POST', '{}')).toBe(403);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

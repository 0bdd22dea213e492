import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/shared-data';

const tmp = mkdtempSync(join(tmpdir(), 'vasco-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Status and headers; the request is dropped once they arrive (an event stream never ends). */
function head(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      req.destroy();
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end(body);
  });
}

const status = async (...a: Parameters<typeof head>) => (await head(...a)).status;

describe('vasco serve', () => {
  it('prints a token URL on 127.0.0.1, takes the token only as a header, and stops cleanly on SIGTERM', async () => {
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
    // The token is accepted only as a header: the printed page sets no cookie, the event stream refuses it in its URL.
    expect((await head(url)).headers['set-cookie']).toBeUndefined();
    expect(await status(`${u.origin}/api/events?token=${token}`)).toBe(401);
    const events = await head(`${u.origin}/api/events`, { Authorization: `Bearer ${token}` });
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    // A broken percent-escape is the client's fault, not an internal error.
    expect(await status(`${u.origin}/api/%E0%A4%A`, { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, 'POST', '{}')).toBe(400);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

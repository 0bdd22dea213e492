/**
 * Drives samp_peer.py (astropy's SAMP hub and a receiving client) from a
 * test: start it with a private lockfile, send it commands, wait for what it
 * received. SAMP_HUB=std-lockurl:file://LOCKFILE points our client at it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PYTHON } from '../../helpers/python';

const SCRIPT = join(__dirname, 'samp_peer.py');

/** One message the peer received, with what astropy read from its file. */
export interface Received {
  mtype: string;
  params: Record<string, unknown>;
  sender: string;
  call: boolean;
  table?: { rows: number; columns: string[]; id: number[]; ra: number[]; dec: number[] };
  image?: { naxis1: number; naxis2: number; pix?: [number, number] };
  readError?: string;
}

export class SampPeer {
  readonly lines: Record<string, unknown>[] = [];
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  stderr = '';

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly lockfile: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line);
      } catch {
        return;
      }
      this.lines.push(obj);
      if (obj.received) this.received.push(obj.received as Received);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  /** Start the peer (and, with hub: true, the hub that writes `lockfile`). */
  static async start(lockfile: string, opts: { hub?: boolean; name?: string } = {}): Promise<SampPeer> {
    const args = [SCRIPT, lockfile, ...(opts.hub ? ['--hub'] : []), '--name', opts.name ?? 'astropy peer'];
    const peer = new SampPeer(spawn(PYTHON, args, { stdio: 'pipe' }), lockfile);
    await peer.line((l) => 'ready' in l, 60_000);
    return peer;
  }

  /** The first output line (from the start) matching `pred`. */
  line(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return this.until(() => this.lines.find(pred), timeoutMs, 'an output line');
  }

  /** The first message received of `mtype` (after `skip` earlier ones) that matches `pred`. */
  message(mtype: string, pred: (r: Received) => boolean = () => true, timeoutMs = 30_000): Promise<Received> {
    return this.until(() => this.received.find((r) => r.mtype === mtype && pred(r)), timeoutMs, `a ${mtype} message`);
  }

  private until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`samp peer: no ${what} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      const check = () => {
        const hit = find();
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Send a command; resolves with the answer line that has `answerKey`. */
  async command(cmd: Record<string, unknown>, answerKey: string): Promise<unknown> {
    const before = this.lines.length;
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const l = await this.until(() => this.lines.slice(before).find((x) => answerKey in x), 30_000, `answer "${answerKey}"`);
    return l[answerKey];
  }

  clients(): Promise<{ id: string; name: string }[]> {
    return this.command({ cmd: 'clients' }, 'clients') as Promise<{ id: string; name: string }[]>;
  }

  /** Wait until clients of these names are on the hub (a tool registers a while after it starts). */
  async waitForClients(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const have = (await this.clients()).map((c) => c.name);
      if (names.every((n) => have.includes(n))) return;
      if (Date.now() > deadline) throw new Error(`samp peer: after ${timeoutMs} ms the hub has ${have.join(', ')}, not all of ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  notify(mtype: string, params: Record<string, unknown>): Promise<unknown> {
    return this.command({ cmd: 'notify', mtype, params }, 'notified');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Die without a word (a crashed TOPCAT that ran the hub): no shutdown message, the lockfile left behind. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  get hubRunning(): boolean {
    return existsSync(this.lockfile);
  }
}

/** The environment that points a SAMP client at the peer's hub. */
export const sampEnv = (lockfile: string): NodeJS.ProcessEnv => ({ ...process.env, SAMP_HUB: `std-lockurl:file://${lockfile}` });

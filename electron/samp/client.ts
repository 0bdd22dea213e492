/**
 * A callable SAMP client (Standard Profile) in plain Node: registers with the
 * hub found by hub-discovery.ts, declares its metadata and subscriptions, and
 * runs its own XML-RPC endpoint on 127.0.0.1 where the hub delivers
 * notifications, calls (answered through samp.hub.reply) and the responses to
 * our own calls.
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '../core/errors';
import { findHub, NO_HUB_HINT, type HubLocation } from './hub-discovery';
import { startXmlRpcServer, XmlRpcFault, xmlRpcCall, type XmlRpcMap, type XmlRpcServer, type XmlRpcValue } from './xmlrpc';

export interface SampMessage {
  'samp.mtype': string;
  'samp.params': XmlRpcMap;
}

/** A peer on the hub: its public id and the name it declared (samp.name), when it gave one. */
export interface SampPeer {
  id: string;
  name: string;
}

/** The answer one recipient gave to a call: ok (with its result) or an error text; null: no answer in time. */
export interface SampReply {
  peer: SampPeer;
  ok: boolean | null;
  text?: string;
}

export interface SampClientOptions {
  metadata: Record<string, string>;
  /** MTypes this client receives (wildcards allowed, e.g. "samp.hub.event.*"). */
  subscriptions: string[];
  /** A message for us; what it returns is the result of a call. Throwing answers samp.error. */
  onMessage(senderId: string, message: SampMessage): XmlRpcMap | void | Promise<XmlRpcMap | void>;
  /** The hub went away (it shut down or dropped us). */
  onDisconnect?(reason: string): void;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** MTypes every client answers itself: ping, and the hub telling us it is leaving. */
const HUB_MTYPES = ['samp.app.ping', 'samp.hub.event.shutdown', 'samp.hub.disconnect'];

interface PendingCall {
  waiting: Map<string, SampReply>;
  /** The hub has said whom the call went to (responses may come before that). */
  addressed: boolean;
  done(): void;
}

function asMap(v: XmlRpcValue | undefined): XmlRpcMap {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export class SampClient {
  private closed = false;
  private readonly pending = new Map<string, PendingCall>();
  private readonly names = new Map<string, string>();

  private constructor(
    readonly hub: HubLocation,
    readonly selfId: string,
    readonly hubId: string,
    private readonly privateKey: string,
    private readonly server: XmlRpcServer,
    private readonly opts: SampClientOptions,
  ) {}

  /** Find the hub, register, declare who we are and what we hear. A missing or dead hub is a UserError saying what to start. */
  static async connect(opts: SampClientOptions): Promise<SampClient> {
    const hub = await findHub(opts.env, opts.home);
    let reg: XmlRpcMap;
    try {
      reg = asMap(await xmlRpcCall(hub.xmlrpcUrl, 'samp.hub.register', [hub.secret], 5000));
    } catch (err) {
      if (err instanceof XmlRpcFault)
        throw new UserError(`the SAMP hub at ${hub.xmlrpcUrl} refused to register us: ${err.faultString}`, `the lockfile ${hub.lockfile} may belong to another hub; ${NO_HUB_HINT}`, 'samp-refused');
      throw new UserError(
        `no SAMP hub is running: the lockfile ${hub.lockfile} names ${hub.xmlrpcUrl}, which does not answer (${(err as Error).message})`,
        `a hub that stopped left it behind; ${NO_HUB_HINT}`,
        'samp-no-hub',
      );
    }
    const privateKey = String(reg['samp.private-key'] ?? '');
    let client: SampClient | undefined;
    const server = await startXmlRpcServer((method, params) => {
      if (!client) throw new Error('not registered yet');
      return client.receive(method, params);
    });
    client = new SampClient(hub, String(reg['samp.self-id'] ?? ''), String(reg['samp.hub-id'] ?? ''), privateKey, server, opts);
    try {
      await client.hubCall('samp.hub.setXmlrpcCallback', server.url);
      await client.hubCall('samp.hub.declareMetadata', opts.metadata);
      const subs: XmlRpcMap = {};
      for (const m of [...HUB_MTYPES, ...opts.subscriptions]) subs[m] = {};
      await client.hubCall('samp.hub.declareSubscriptions', subs);
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  get connected(): boolean {
    return !this.closed;
  }

  private async hubCall(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    if (this.closed) throw new UserError('not connected to a SAMP hub', NO_HUB_HINT, 'samp-no-hub');
    try {
      return await xmlRpcCall(this.hub.xmlrpcUrl, method, [this.privateKey, ...params]);
    } catch (err) {
      if (err instanceof XmlRpcFault) throw new UserError(`SAMP hub: ${method} failed: ${err.faultString}`, 'connect to the hub again', 'samp-refused');
      this.markClosed(`the hub at ${this.hub.xmlrpcUrl} stopped answering`);
      throw new UserError(`the SAMP hub at ${this.hub.xmlrpcUrl} stopped answering (${(err as Error).message})`, NO_HUB_HINT, 'samp-no-hub');
    }
  }

  private markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.done();
    void this.server.close();
    this.opts.onDisconnect?.(reason);
  }

  /** What the hub delivers to our endpoint. */
  private async receive(method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    if (params[0] !== this.privateKey) throw new Error('wrong private key');
    if (method === 'samp.client.receiveNotification') {
      await this.handle(String(params[1]), params[2] as unknown as SampMessage).catch(() => undefined);
    } else if (method === 'samp.client.receiveCall') {
      const [, sender, msgId, message] = params;
      // Answered through the hub once this delivery has returned (the hub may wait for it).
      setImmediate(() => {
        this.handle(String(sender), message as unknown as SampMessage).then(
          (result) => ({ 'samp.status': 'samp.ok', 'samp.result': result }),
          (err: Error) => ({ 'samp.status': 'samp.error', 'samp.error': { 'samp.errortxt': err.message } }),
        ).then((response) => this.hubCall('samp.hub.reply', String(msgId), response)).catch(() => undefined);
      });
    } else if (method === 'samp.client.receiveResponse') {
      const [, responder, tag, response] = params;
      const r = asMap(response);
      const p = this.pending.get(String(tag));
      if (p) {
        const id = String(responder);
        const reply: SampReply = p.waiting.get(id) ?? { peer: { id, name: id }, ok: null };
        p.waiting.set(id, reply);
        reply.ok = r['samp.status'] !== 'samp.error';
        const error = asMap(r['samp.error'])['samp.errortxt'];
        if (typeof error === 'string') reply.text = error;
        if (p.addressed && [...p.waiting.values()].every((w) => w.ok !== null)) p.done();
      }
    } else {
      throw new Error(`unknown method ${method}`);
    }
    return '';
  }

  private async handle(sender: string, message: SampMessage): Promise<XmlRpcMap> {
    const mtype = message['samp.mtype'];
    if (mtype === 'samp.app.ping') return {};
    if (mtype === 'samp.hub.event.shutdown' || mtype === 'samp.hub.disconnect') {
      this.markClosed(mtype === 'samp.hub.disconnect' ? 'the hub dropped this client' : 'the hub shut down');
      return {};
    }
    return (await this.opts.onMessage(sender, { 'samp.mtype': mtype, 'samp.params': asMap(message['samp.params']) })) ?? {};
  }

  /** The name a peer declared (samp.name), else its id. */
  async peer(id: string): Promise<SampPeer> {
    let name = this.names.get(id);
    if (name === undefined) {
      const meta = asMap(await this.hubCall('samp.hub.getMetadata', id).catch(() => ({})));
      name = typeof meta['samp.name'] === 'string' && meta['samp.name'] ? meta['samp.name'] : id;
      this.names.set(id, name);
    }
    return { id, name };
  }

  /** Every other client on the hub, with its name. */
  async peers(): Promise<SampPeer[]> {
    const ids = (await this.hubCall('samp.hub.getRegisteredClients')) as string[];
    return Promise.all(ids.filter((id) => id !== this.hubId).map((id) => this.peer(id)));
  }

  /** Send to every subscriber without waiting for answers; who it went to. */
  async notifyAll(mtype: string, params: XmlRpcMap): Promise<SampPeer[]> {
    const ids = (await this.hubCall('samp.hub.notifyAll', { 'samp.mtype': mtype, 'samp.params': params })) as string[];
    return Promise.all((Array.isArray(ids) ? ids : []).map((id) => this.peer(String(id))));
  }

  /** Call every subscriber and wait (up to timeoutMs) for their answers: each says whether it loaded/showed it. */
  async callAll(mtype: string, params: XmlRpcMap, timeoutMs = 15_000): Promise<SampReply[]> {
    const tag = randomUUID();
    const waiting = new Map<string, SampReply>();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const pending: PendingCall = { waiting, addressed: false, done: () => finish() };
    this.pending.set(tag, pending);
    try {
      const ids = asMap(await this.hubCall('samp.hub.callAll', tag, { 'samp.mtype': mtype, 'samp.params': params }));
      // A response may arrive before callAll's own answer: keep any already filled in.
      for (const id of Object.keys(ids)) if (!waiting.has(id)) waiting.set(id, { peer: { id, name: id }, ok: null });
      pending.addressed = true;
      if ([...waiting.values()].every((w) => w.ok !== null)) finish();
      const timer = setTimeout(finish, timeoutMs);
      await finished;
      clearTimeout(timer);
      const replies = [...waiting.values()];
      for (const r of replies) r.peer = await this.peer(r.peer.id);
      return replies;
    } finally {
      this.pending.delete(tag);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await xmlRpcCall(this.hub.xmlrpcUrl, 'samp.hub.unregister', [this.privateKey], 3000).catch(() => undefined);
    this.closed = true;
    for (const p of this.pending.values()) p.done();
    await this.server.close();
  }
}

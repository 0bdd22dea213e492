/**
 * The workstation on the SAMP hub: what it hands to TOPCAT, DS9 and Aladin
 * Desktop, and what it hears back.
 *  - the candidate table (all candidates, or the vetted export) as a VOTable
 *    file, `table.load.votable`; its row i is the i-th `id` of that file;
 *  - the reviewer's candidate as `table.highlight.row` of that table, and the
 *    same from TOPCAT (`table.highlight.row`, `table.select.rowList`) turned
 *    into a candidate to select;
 *  - `coord.pointAt.sky` at the candidate, its red and blue cutouts (the
 *    plates' own pixels and WCS) as `image.load.fits`.
 * Files go to a folder of this session (file:// URLs; every SAMP desktop tool
 * reads them), removed when the session closes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors';
import { findColumn } from '../catalogs/table';
import { firstTable, parseVotable } from '../catalogs/votable';
import { makeCutout, type PlateCache } from '../cutouts/images';
import { exportCatalogue } from '../export/catalogue';
import type { Workspace } from '../store/workspace';
import { SampClient, type SampMessage, type SampPeer, type SampReply } from './client';
import type { XmlRpcMap } from './xmlrpc';

export type { SampPeer, SampReply } from './client';

export const SAMP_NAME = 'VASCO Workstation';

const METADATA = {
  'samp.name': SAMP_NAME,
  'samp.description.text': 'POSS-I vanishing-source candidates and their visual review',
  'vasco.about': 'candidate table, cutouts and sky positions to TOPCAT, DS9 and Aladin',
};

/** A table this session sent: its SAMP ids and which candidate each row is. */
export interface SentTable {
  runId: number;
  scope: 'vetted' | 'all';
  tableId: string;
  url: string;
  /** Candidate id of each row, in row order. */
  ids: number[];
}

export interface SampStatus {
  connected: boolean;
  /** The hub's XML-RPC address. */
  hub?: string;
  /** The other clients on the hub. */
  peers: SampPeer[];
  /** The table highlights refer to, when one was sent. */
  table?: { runId: number; scope: 'vetted' | 'all'; tableId: string; rows: number };
  /** Why the connection ended, when it did. */
  message?: string;
}

/** A candidate another tool picked in one of our tables. */
export interface SampSelection {
  runId: number;
  candidateId: number;
  /** 0-based row of the sent table. */
  row: number;
  /** The tool that sent it (its samp.name). */
  from: string;
}

export interface SampSessionOptions {
  ws: Workspace;
  plates: PlateCache;
  appVersion: string;
  onSelect(s: SampSelection): void;
  /** The connection changed (connected, or the hub went away). */
  onStatus?(s: SampStatus): void;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Default cutout side sent to image viewers, plate pixels. */
export const SAMP_CUTOUT_PX = 256;

/** The candidate id of each row of a VOTable this app exported (its `id` column). */
export function votableRowIds(file: string): number[] {
  const table = firstTable(parseVotable(readFileSync(file)));
  const col = table ? findColumn(table, ['id']) : -1;
  if (!table || col < 0) throw new UserError(`${file} has no id column`, 'send a VOTable written by vasco export', 'bad-arguments');
  return table.rows.map((r) => Number(r[col]));
}

/** Who loaded it, who refused it and who did not answer: one line for people. */
export function describeReplies(what: string, replies: SampReply[]): string {
  if (replies.length === 0) return `no SAMP client takes ${what}: start TOPCAT (tables) or DS9 / Aladin (images)`;
  return replies
    .map((r) => (r.ok === true ? `${r.peer.name} loaded ${what}` : r.ok === false ? `${r.peer.name} refused ${what}: ${r.text ?? 'no reason given'}` : `${r.peer.name} did not answer yet`))
    .join('; ');
}

/**
 * Send one VOTable file to every client that loads tables (TOPCAT, Aladin)
 * and wait for their answers. Used by `vasco export --samp` with a client of
 * its own, and by the session.
 */
export async function sendVotable(client: SampClient, file: string, tableId: string, name = basename(file)): Promise<{ url: string; replies: SampReply[] }> {
  const url = pathToFileURL(file).href;
  const replies = await client.callAll('table.load.votable', { url, 'table-id': tableId, name });
  return { url, replies };
}

/** A short-lived client for a command-line tool: connect, do one thing, unregister. */
export async function withSampClient<T>(work: (c: SampClient) => Promise<T>, env?: NodeJS.ProcessEnv): Promise<T> {
  const client = await SampClient.connect({ metadata: METADATA, subscriptions: [], onMessage: () => undefined, env });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export class SampSession {
  private client: SampClient | null = null;
  private connecting: Promise<SampClient> | null = null;
  private dir: string | null = null;
  /** Every table sent in this session by table-id (TOPCAT may refer to an older one). */
  private readonly tables = new Map<string, SentTable>();
  private current: SentTable | null = null;
  private lastMessage: string | undefined;
  private sent = 0;

  constructor(private readonly opts: SampSessionOptions) {}

  /** Connected client, connecting first when needed. */
  private async live(): Promise<SampClient> {
    if (this.client?.connected) return this.client;
    this.connecting ??= SampClient.connect({
      metadata: METADATA,
      subscriptions: ['table.highlight.row', 'table.select.rowList'],
      onMessage: (sender, m) => this.receive(sender, m),
      onDisconnect: (reason) => {
        this.client = null;
        this.lastMessage = `disconnected: ${reason}`;
        this.opts.onStatus?.({ connected: false, peers: [], message: this.lastMessage });
      },
      env: this.opts.env,
      home: this.opts.home,
    }).finally(() => (this.connecting = null));
    this.client = await this.connecting;
    this.lastMessage = undefined;
    return this.client;
  }

  private folder(): string {
    return (this.dir ??= mkdtempSync(join(tmpdir(), 'vasco-samp-')));
  }

  private nextId(what: string): string {
    return `vasco-${what}-${++this.sent}`;
  }

  async connect(): Promise<SampStatus> {
    await this.live();
    const s = await this.status();
    this.opts.onStatus?.(s);
    return s;
  }

  async disconnect(): Promise<SampStatus> {
    const c = this.client;
    this.client = null;
    await c?.close();
    this.lastMessage = undefined; // asked for: nothing went wrong to report
    const s = await this.status();
    this.opts.onStatus?.(s);
    return s;
  }

  async status(): Promise<SampStatus> {
    const c = this.client;
    const table = this.current ? { runId: this.current.runId, scope: this.current.scope, tableId: this.current.tableId, rows: this.current.ids.length } : undefined;
    if (!c?.connected) return { connected: false, peers: [], ...(table ? { table } : {}), ...(this.lastMessage ? { message: this.lastMessage } : {}) };
    const peers = await c.peers().catch(() => []);
    return { connected: c.connected, hub: c.hub.xmlrpcUrl, peers: peers.filter((p) => p.id !== c.selfId), ...(table ? { table } : {}) };
  }

  /** The run's candidate table (all of them, or the vetted ones) to every table viewer. */
  async sendTable(runId: number, scope: 'vetted' | 'all'): Promise<{ rows: number; tableId: string; replies: SampReply[]; summary: string }> {
    const client = await this.live();
    const tableId = this.nextId(`run${runId}-${scope}`);
    const file = join(this.folder(), `${tableId}.vot`);
    exportCatalogue(this.opts.ws, { runId, scope, format: 'votable', out: file, appVersion: this.opts.appVersion });
    const ids = votableRowIds(file);
    const { url, replies } = await sendVotable(client, file, tableId, `VASCO run ${runId} (${scope === 'all' ? 'all candidates' : 'vetted'})`);
    const table: SentTable = { runId, scope, tableId, url, ids };
    this.tables.set(tableId, table);
    this.current = table;
    return { rows: ids.length, tableId, replies, summary: describeReplies(`the table of ${ids.length} rows`, replies) };
  }

  /** The candidate's red and blue cutouts (plate pixels, plate WCS) to every image viewer. */
  async sendCutouts(candidateId: number, sizePx = SAMP_CUTOUT_PX): Promise<{ images: { band: 'red' | 'blue'; replies: SampReply[] }[]; summary: string }> {
    const client = await this.live();
    const d = this.opts.ws.getCandidate(candidateId);
    const bands = [['red', d.plates.red], ['blue', d.plates.blue]] as const;
    const images: { band: 'red' | 'blue'; replies: SampReply[] }[] = [];
    const lines: string[] = [];
    for (const [band, ref] of bands) {
      if (!ref) continue;
      const plate = await this.opts.plates.get(ref.file);
      const [x, y] = band === 'red' ? [d.row.x, d.row.y] : plate.solution.skyToPix(d.row.ra, d.row.dec);
      const cut = await makeCutout(plate, x, y, sizePx);
      const imageId = this.nextId(`cand${candidateId}-${band}`);
      const file = join(this.folder(), `${imageId}.fits`);
      writeFileSync(file, cut.fits);
      const replies = await client.callAll('image.load.fits', { url: pathToFileURL(file).href, 'image-id': imageId, name: `VASCO #${candidateId} ${band}` });
      images.push({ band, replies });
      lines.push(describeReplies(`the ${band} cutout`, replies));
    }
    return { images, summary: lines.join('; ') };
  }

  /** Point sky viewers (Aladin, DS9, TOPCAT's sky plot) at the candidate. */
  async pointAt(candidateId: number): Promise<{ recipients: SampPeer[] }> {
    const client = await this.live();
    const { row } = this.opts.ws.getCandidate(candidateId);
    return { recipients: await client.notifyAll('coord.pointAt.sky', { ra: String(row.ra), dec: String(row.dec) }) };
  }

  /**
   * Highlight the candidate's row of the table last sent (no-op when it is
   * not in it, or no table was sent): the reviewer's selection followed by TOPCAT.
   */
  async highlight(candidateId: number): Promise<{ row: number | null; recipients: SampPeer[] }> {
    const t = this.current;
    const row = t ? t.ids.indexOf(candidateId) : -1;
    if (!t || row < 0 || !this.client?.connected) return { row: null, recipients: [] };
    const recipients = await this.client.notifyAll('table.highlight.row', { 'table-id': t.tableId, url: t.url, row: String(row) });
    return { row, recipients };
  }

  /** Another tool picked rows of one of our tables: select that candidate here. */
  private async receive(sender: string, m: SampMessage): Promise<XmlRpcMap> {
    const p = m['samp.params'];
    const t = this.tables.get(String(p['table-id'] ?? '')) ?? [...this.tables.values()].find((x) => x.url === p.url);
    const rows = m['samp.mtype'] === 'table.highlight.row' ? [p.row] : Array.isArray(p['row-list']) ? p['row-list'] : [];
    if (!t) throw new Error(`table ${String(p['table-id'] ?? p.url)} was not sent by ${SAMP_NAME}`);
    if (rows.length === 0) return {}; // an empty selection: nothing to follow
    const row = Number(rows[0]);
    const candidateId = t.ids[row];
    if (!Number.isInteger(row) || candidateId === undefined) throw new Error(`row ${String(rows[0])} is not in table ${t.tableId} (${t.ids.length} rows)`);
    const from = this.client ? (await this.client.peer(sender)).name : sender;
    this.opts.onSelect({ runId: t.runId, candidateId, row, from });
    return {};
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

/**
 * Finding the SAMP hub (Standard Profile): `SAMP_HUB=std-lockurl:URL` names a
 * lockfile (file: or http: URL); otherwise the lockfile is `~/.samp`. The
 * lockfile is `key=value` lines (`#` comments) holding at least samp.secret
 * and samp.hub.xmlrpc.url.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors';

export interface HubLocation {
  secret: string;
  xmlrpcUrl: string;
  /** Where it was found, for messages: the lockfile path or URL. */
  lockfile: string;
}

/** What to do when there is no hub, said the same way everywhere. */
export const NO_HUB_HINT = 'start TOPCAT or DS9 (each runs a SAMP hub when none is running), or astropy\'s `samp_hub`, then connect again';

export function parseLockfile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The lockfile's address: SAMP_HUB's std-lockurl, else ~/.samp (the home folder given, for tests). */
export function lockfileLocation(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const hub = env.SAMP_HUB?.trim();
  if (hub) {
    const m = /^std-lockurl:(.+)$/.exec(hub);
    if (!m) throw new UserError(`SAMP_HUB="${hub}" is not a Standard Profile hub address`, 'set SAMP_HUB=std-lockurl:file:///path/to/lockfile, or unset it to use ~/.samp', 'samp-no-hub');
    return m[1];
  }
  return join(home, '.samp');
}

async function readLockfile(where: string): Promise<string> {
  if (/^https?:/i.test(where)) {
    const res = await fetch(where).catch((err: Error) => {
      throw new UserError(`no SAMP hub: the lockfile ${where} cannot be fetched (${err.message})`, NO_HUB_HINT, 'samp-no-hub');
    });
    if (!res.ok) throw new UserError(`no SAMP hub: the lockfile ${where} answered HTTP ${res.status}`, NO_HUB_HINT, 'samp-no-hub');
    return res.text();
  }
  const file = /^file:/i.test(where) ? fileURLToPath(where) : where;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`no SAMP hub is running (no lockfile ${file})`, NO_HUB_HINT, 'samp-no-hub');
  }
}

export async function findHub(env: NodeJS.ProcessEnv = process.env, home = homedir()): Promise<HubLocation> {
  const where = lockfileLocation(env, home);
  const keys = parseLockfile(await readLockfile(where));
  const secret = keys['samp.secret'];
  const xmlrpcUrl = keys['samp.hub.xmlrpc.url']?.replace(/\\/g, '');
  if (!secret || !xmlrpcUrl)
    throw new UserError(`the SAMP lockfile ${where} lacks samp.secret or samp.hub.xmlrpc.url`, `it is not a Standard Profile lockfile; remove it and ${NO_HUB_HINT}`, 'samp-no-hub');
  return { secret, xmlrpcUrl, lockfile: where };
}

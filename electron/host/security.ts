/**
 * The security rules both hosts enforce, as pure functions so they can be
 * tested without Electron: the Content-Security-Policy, which IPC senders are
 * ours, which Host headers the browser host answers, and token checks.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Origins Aladin Lite may fetch survey tiles from (CDS HiPS servers). */
export const SKY_TILE_ORIGINS = ['https://alasky.cds.unistra.fr', 'https://alaskybis.cds.unistra.fr', 'https://alasky.u-strasbg.fr'];

/**
 * One CSP for the renderer in both hosts. No inline or remote script; WASM
 * (Aladin Lite embeds its core as WASM) allowed through 'wasm-unsafe-eval';
 * styles may be inline because Aladin Lite injects its own; images/data only
 * from ourselves, blob:/data: (FITS handed to Aladin) and the CDS tile servers.
 */
export function contentSecurityPolicy(opts: { skyTiles?: boolean } = {}): string {
  const remote = opts.skyTiles === false ? [] : SKY_TILE_ORIGINS;
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...remote],
    'connect-src': ["'self'", 'data:', 'blob:', ...remote],
    'worker-src': ["'self'", 'blob:'],
    'font-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** The privileged scheme Electron serves dist/renderer from (see electron/main.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'vasco';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface IpcSender {
  /** webContents id of the sender. */
  webContentsId: number;
  /** URL of the frame that sent the message ('' when unknown / destroyed). */
  frameUrl: string;
  /** Whether that frame is the top frame of its page. */
  isMainFrame: boolean;
}

/**
 * IPC is accepted only from our own window's top frame showing our own page.
 * Anything else (another webContents, an iframe, a page navigated elsewhere)
 * is refused.
 */
export function isTrustedSender(sender: IpcSender, ownWebContentsId: number | null, origin = APP_ORIGIN): boolean {
  if (ownWebContentsId === null || sender.webContentsId !== ownWebContentsId) return false;
  if (!sender.isMainFrame) return false;
  try {
    const u = new URL(sender.frameUrl);
    return `${u.protocol}//${u.host}` === origin;
  } catch {
    return false;
  }
}

/** Navigation inside the window is allowed only within our own origin. */
export function isAllowedNavigation(url: string, origin = APP_ORIGIN): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === origin;
  } catch {
    return false;
  }
}

/**
 * The browser host answers only requests addressed to 127.0.0.1:PORT or
 * localhost:PORT; anything else is a DNS-rebinding attempt.
 */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.trim().toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** "Bearer X" -> X. */
export function bearerToken(authorization: string | undefined): string | null {
  const m = authorization?.match(/^Bearer\s+(\S+)$/i);
  return m ? m[1] : null;
}

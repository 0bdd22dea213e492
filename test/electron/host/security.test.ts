import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  bearerToken,
  contentSecurityPolicy,
  isAllowedHost,
  isAllowedNavigation,
  isTrustedSender,
  newToken,
  tokenMatches,
} from '../../../electron/host/security';
import { workspacePathFromArgv } from '../../../electron/host/workspace-path';

describe('IPC sender check', () => {
  const own = 7;
  const ok = { webContentsId: own, frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true };
  it('accepts our window top frame on our origin', () => {
    expect(isTrustedSender(ok, own)).toBe(true);
  });
  it('refuses other windows, iframes, other origins and a missing window', () => {
    expect(isTrustedSender({ ...ok, webContentsId: 8 }, own)).toBe(false);
    expect(isTrustedSender({ ...ok, isMainFrame: false }, own)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' }, own)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'app://vasco.evil/index.html' }, own)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'file:///etc/passwd' }, own)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: '' }, own)).toBe(false);
    expect(isTrustedSender(ok, null)).toBe(false);
  });
});

describe('navigation and hosts', () => {
  it('allows navigation only within app://vasco', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/runs/2`)).toBe(true);
    expect(isAllowedNavigation('https://example.org/')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
  });
  it('answers only 127.0.0.1:PORT and localhost:PORT', () => {
    expect(isAllowedHost('127.0.0.1:5173', 5173)).toBe(true);
    expect(isAllowedHost('LOCALHOST:5173', 5173)).toBe(true);
    expect(isAllowedHost('127.0.0.1:5174', 5173)).toBe(false);
    expect(isAllowedHost('attacker.example:5173', 5173)).toBe(false);
    expect(isAllowedHost('127.0.0.1', 5173)).toBe(false);
    expect(isAllowedHost(undefined, 5173)).toBe(false);
  });
});

describe('tokens', () => {
  it('are random, compared exactly', () => {
    const t = newToken();
    expect(t).not.toBe(newToken());
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t.slice(1), t)).toBe(false);
    expect(tokenMatches(null, t)).toBe(false);
    expect(bearerToken(`Bearer ${t}`)).toBe(t);
    expect(bearerToken(`Basic ${t}`)).toBeNull();
  });
});

describe('content security policy', () => {
  it('allows no inline or remote script, no objects, no framing', () => {
    const csp = contentSecurityPolicy();
    const directive = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `)) ?? '';
    expect(directive('default-src')).toBe("default-src 'none'");
    expect(directive('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(contentSecurityPolicy({ skyTiles: false })).not.toContain('https:');
  });
});

describe('workspace path', () => {
  it('takes --db, then $VASCO_DB, then ~/.vasco/workspace.sqlite', () => {
    expect(workspacePathFromArgv(['x', '--db', '/data/a.sqlite'], {}, '/home/u')).toBe('/data/a.sqlite');
    expect(workspacePathFromArgv(['--db=/data/b.sqlite'], { VASCO_DB: '/c' }, '/home/u')).toBe('/data/b.sqlite');
    expect(workspacePathFromArgv([], { VASCO_DB: '/c.sqlite' }, '/home/u')).toBe('/c.sqlite');
    expect(workspacePathFromArgv([], {}, '/home/u')).toBe('/home/u/.vasco/workspace.sqlite');
  });
});

/**
 * Serving the built renderer (dist/renderer): which file a URL path means and
 * its content type. Shared by the HTTP host and Electron's app:// protocol.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.fits': 'application/fits',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup =
  | { kind: 'file'; file: string; type: string; html: boolean }
  | { kind: 'not-found'; reason: string };

/**
 * The file under `root` for a URL path. Paths that escape the root are not
 * found; paths without an extension that name no file are routes of the
 * single-page app and get index.html.
 */
export function resolveStaticFile(root: string, urlPath: string): StaticLookup {
  const base = resolve(root);
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'not-found', reason: 'malformed path' };
  }
  if (rel.includes('\0')) return { kind: 'not-found', reason: 'malformed path' };
  let file = resolve(join(base, rel));
  if (file !== base && !file.startsWith(base + sep)) return { kind: 'not-found', reason: 'outside the renderer folder' };
  if (!existsSync(file) || statSync(file).isDirectory()) {
    if (extname(rel) !== '') return { kind: 'not-found', reason: `no file ${rel}` };
    file = join(base, 'index.html');
    if (!existsSync(file)) return { kind: 'not-found', reason: `no index.html in ${base} (run \`npm run build:renderer\`)` };
  }
  const type = contentType(file);
  return { kind: 'file', file, type, html: type.startsWith('text/html') };
}

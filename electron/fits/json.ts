/**
 * Header values kept as JSON: a line of ../shared/data/dss/*.jsonl
 * ({"plate": "XE582", "header": {...}}), or a plain {"KEY": value} object
 * (for example the `.fits.header.json` sidecars of downloaded tiles).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors';
import type { HeaderValues } from './header';

/** Header values of a JSON object, whether wrapped in {"header": ...} or not. */
export function headerFromJson(value: unknown, where: string): HeaderValues {
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const inner = obj && obj.header !== null && typeof obj.header === 'object' && !Array.isArray(obj.header) ? (obj.header as Record<string, unknown>) : obj;
  if (!inner) throw new UserError(`${where} is not a JSON header (expected an object of FITS keywords, or {"header": {...}})`);
  const out: HeaderValues = {};
  for (const [k, v] of Object.entries(inner)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else throw new UserError(`${where}: keyword ${k} holds ${JSON.stringify(v)}, not a FITS value`);
  }
  return out;
}

/** Header values of a JSON header file (one object; a .jsonl file's first line). */
export function readHeaderJson(path: string): HeaderValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read header file ${path}: ${(err as Error).message}`, 'check the path');
  }
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // A JSONL file: take its first line.
    const first = trimmed.split('\n', 1)[0];
    try {
      parsed = JSON.parse(first);
    } catch (err) {
      throw new UserError(`${path} is not JSON: ${(err as Error).message}`, 'give a FITS file or a JSON header like a line of dss1red-plate-headers.jsonl');
    }
  }
  return headerFromJson(parsed, path);
}

/**
 * Our configuration templates (native-tools/config/) rendered into a run's
 * work folder. The .param files are copied next to the rendered configuration
 * so a work folder records exactly what the tools were told, and the tools
 * never need to read inside the app bundle.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const configDir = resolve(dirname(fileURLToPath(import.meta.url)), 'config');

export type TemplateName = 'vasco.sex' | 'vasco.psfex';
export type ParamFileName = 'pass1.param' | 'stamps.param' | 'pass2.param';

const PLACEHOLDER = /@([A-Z_0-9]+)@/g;

/** Fill every @NAME@ of a template; a missing or unused value is a programming error. */
export function renderTemplate(text: string, values: Record<string, string | number>): string {
  const used = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_, key: string) => {
    if (!(key in values)) throw new Error(`config template needs a value for @${key}@`);
    used.add(key);
    return String(values[key]);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`config template has no @${unused.join('@, @')}@`);
  return out;
}

/** Render a template into `dest` (absolute) and return its path. */
export function writeConfig(template: TemplateName, dest: string, values: Record<string, string | number>): string {
  const text = renderTemplate(readFileSync(join(configDir, template), 'utf8'), values);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, text);
  return dest;
}

/** Copy one of our .param files into the work folder (as STEM.param when given); returns the absolute copy. */
export function installParamFile(name: ParamFileName, workDir: string, stem?: string): string {
  mkdirSync(workDir, { recursive: true });
  const dest = resolve(workDir, stem ? `${stem}.param` : name);
  copyFileSync(join(configDir, name), dest);
  return dest;
}

/** The column names a .param file asks for ("FLUX_APER(1)" -> "FLUX_APER", "VIGNET(35,35)" -> "VIGNET"). */
export function paramColumns(name: ParamFileName): string[] {
  return readFileSync(join(configDir, name), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.replace(/\(.*\)$/, ''));
}

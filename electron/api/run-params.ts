/**
 * The workstation's run parameters: a flat map of dotted names
 * ("filters.spreadModelMin", "catalogue.localFiles.gaia") into the pipeline's
 * option groups. pipeline.start takes them as typed values; `vasco run
 * --param NAME=VALUE` (how the workstation hands them to its run process)
 * takes the same names as text, typed by the defaults.
 */
import { isCatalogId } from '../catalogs/catalogs';
import { UserError } from '../core/errors';
import type { RunOptions } from '../pipeline/parameters';
import { DEFAULT_CATALOGUE, DEFAULT_EXTRACT } from '../pipeline/parameters';
import { DEFAULT_FILTERS } from '../pipeline/filters';
import { checkParameter, findRunParameter } from '../pipeline/parameter-schema';
import { DEFAULT_RED_BLUE } from '../pipeline/red-vs-blue';

export type RunParams = Record<string, number | boolean | string>;
export type GroupOptions = Pick<RunOptions, 'filters' | 'redBlue' | 'extraction' | 'catalogue'>;

const GROUPS = {
  filters: DEFAULT_FILTERS,
  redBlue: DEFAULT_RED_BLUE,
  extraction: DEFAULT_EXTRACT,
  catalogue: DEFAULT_CATALOGUE,
} as const;

type Nested = Record<string, unknown>;

/**
 * The UI's flat parameter map -> RunOptions groups. Keys are dotted paths into
 * the defaults ("filters.spreadModelMin", "extraction.detection.detectThresh")
 * or a bare name found in exactly one group ("spreadModelMin"). Unknown keys
 * and wrong types are refused, naming the key.
 */
export function paramsToOptions(params: RunParams): GroupOptions {
  const out: Nested = {};
  for (const [key, value] of Object.entries(params)) {
    let path = key.split('.');
    if (path.length === 1) {
      const owners = Object.entries(GROUPS).filter(([, d]) => key in d);
      const nestedOwner = key in DEFAULT_EXTRACT.detection ? [['extraction', 'detection']] : [];
      const found = [...owners.map(([g]) => [g]), ...nestedOwner];
      if (found.length !== 1)
        throw new UserError(`pipeline.start: unknown parameter "${key}"`, 'use a dotted name such as filters.spreadModelMin', 'bad-arguments');
      path = [...found[0], key];
    }
    const dotted = path.join('.');
    if (path.length === 3 && path[0] === 'catalogue' && path[1] === 'localFiles') {
      // An offline catalogue file: catalogue.localFiles.gaia = /path/to/gaia.csv
      if (!isCatalogId(path[2]) || typeof value !== 'string' || !value)
        throw new UserError(`pipeline.start: "${key}" must name a catalogue and a file`, 'e.g. catalogue.localFiles.gaia = /data/gaia.csv', 'bad-arguments');
    } else {
      let defaults: unknown = GROUPS as unknown;
      for (const p of path) defaults = (defaults as Nested | undefined)?.[p];
      const nullable = defaults === null && typeof value === 'string'; // e.g. catalogue.vasco, a file path
      if (defaults === undefined || (typeof defaults === 'object' && !nullable))
        throw new UserError(`pipeline.start: unknown parameter "${key}"`, 'see electron/pipeline/parameters.ts for the parameter names', 'bad-arguments');
      if (!nullable && typeof defaults !== typeof value)
        throw new UserError(`pipeline.start: parameter "${key}" must be a ${typeof defaults}, got ${JSON.stringify(value)}`, undefined, 'bad-arguments');
      // Limits and choices of the parameters a person sets (parameter-schema.ts).
      const spec = findRunParameter(dotted);
      const allowed = spec && checkParameter(spec, value);
      if (allowed) throw new UserError(`pipeline.start: parameter "${key}" must be ${allowed}, got ${JSON.stringify(value)}`, undefined, 'bad-arguments');
    }
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Nested;
    node[path[path.length - 1]] = value;
  }
  return out as GroupOptions;
}

/** The default a dotted (or bare) parameter name stands for; undefined when it names none. */
function defaultOf(key: string): unknown {
  const path = key.split('.');
  let node: unknown = GROUPS as unknown;
  if (path.length === 1) {
    const owner = Object.entries(GROUPS).find(([, d]) => key in d) ?? (key in DEFAULT_EXTRACT.detection ? ['extraction', DEFAULT_EXTRACT.detection] : undefined);
    return owner ? (owner[1] as unknown as Nested)[key] : undefined;
  }
  for (const p of path) node = (node as Nested | undefined)?.[p];
  return node;
}

/** Parameters as `--param NAME=VALUE` arguments of `vasco run` (String() of a number reads back exactly). */
export function paramArgs(params: RunParams): string[] {
  return Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${String(v)}`]);
}

/** `NAME=VALUE` texts back to typed parameters: numbers and booleans where the default is one, else text. */
export function parseParamArgs(texts: readonly string[]): RunParams {
  const out: RunParams = {};
  for (const t of texts) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new UserError(`--param "${t}" is not NAME=VALUE`, 'e.g. --param filters.snrMin=20', 'bad-arguments');
    const key = t.slice(0, eq).trim();
    const text = t.slice(eq + 1);
    const d = defaultOf(key);
    if (typeof d === 'number') {
      const v = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) throw new UserError(`--param ${key} must be a number, got "${text}"`, undefined, 'bad-arguments');
      out[key] = v;
    } else if (typeof d === 'boolean') {
      if (text !== 'true' && text !== 'false') throw new UserError(`--param ${key} must be true or false, got "${text}"`, undefined, 'bad-arguments');
      out[key] = text === 'true';
    } else {
      out[key] = text;
    }
  }
  paramsToOptions(out); // unknown names and bad values are refused here, naming them
  return out;
}

/** `extra` over `base`, group by group (and the nested detection settings and local catalogue files). */
export function mergeGroupOptions<T extends GroupOptions>(base: T, extra: GroupOptions): T {
  return {
    ...base,
    filters: { ...base.filters, ...extra.filters },
    redBlue: { ...base.redBlue, ...extra.redBlue },
    extraction: {
      ...base.extraction,
      ...extra.extraction,
      ...(base.extraction?.detection || extra.extraction?.detection
        ? { detection: { ...base.extraction?.detection, ...extra.extraction?.detection } }
        : {}),
    },
    catalogue: {
      ...base.catalogue,
      ...extra.catalogue,
      ...(base.catalogue?.localFiles || extra.catalogue?.localFiles
        ? { localFiles: { ...base.catalogue?.localFiles, ...extra.catalogue?.localFiles } }
        : {}),
    },
  };
}

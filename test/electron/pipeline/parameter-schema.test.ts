/**
 * The three views of the run parameters agree with the one schema
 * (electron/pipeline/parameter-schema.ts): `vasco run --help` shows every
 * parameter's flag, default and limits; pipeline.start (and `--param`)
 * accepts each at its limits and refuses it just beyond; `vasco run` refuses
 * the flag beyond its limits; the run form offers it with the same default
 * and limits; and the pipeline resolves to the same defaults.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paramsToOptions, parseParamArgs } from '../../../electron/api/run-params';
import { run as vascoRun } from '../../../electron/cli/commands/run';
import { UserError } from '../../../electron/core/errors';
import { RUN_PARAMETER_LIST, type RunParameter } from '../../../electron/pipeline/parameter-schema';
import { resolveParameters } from '../../../electron/pipeline/parameters';
import { PARAMS } from '../../../renderer/components/run/params';

/** Values the parameter takes and values just outside what it takes. */
function edges(p: RunParameter): { good: unknown[]; bad: unknown[] } {
  if (p.kind === 'boolean') return { good: [true, false], bad: ['yes', 1] };
  if (p.kind === 'choice') return { good: [...p.choices], bad: ['nope', p.choices[0].toUpperCase()] };
  const good = [p.default, p.min, ...(p.max === undefined ? [1e9] : [p.max])];
  const eps = p.integer ? 1 : 1e-6;
  const bad = [p.min - eps, ...(p.max === undefined ? [] : [p.max + eps]), ...(p.integer ? [p.min + 0.5] : [])];
  return { good, bad };
}

async function help(): Promise<string> {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((text += String(chunk)), true));
  try {
    expect(await vascoRun(['--help'])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return text;
}

describe('one schema per parameter', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has parameters with distinct keys and flags, and defaults within their own limits', () => {
    expect(RUN_PARAMETER_LIST.length).toBeGreaterThan(10);
    expect(new Set(RUN_PARAMETER_LIST.map((p) => p.key)).size).toBe(RUN_PARAMETER_LIST.length);
    expect(new Set(RUN_PARAMETER_LIST.map((p) => p.flag)).size).toBe(RUN_PARAMETER_LIST.length);
    for (const p of RUN_PARAMETER_LIST) expect(() => paramsToOptions({ [p.key]: p.default }), p.key).not.toThrow();
  });

  it('`vasco run --help` shows every parameter’s flag with its default and limits', async () => {
    const lines = (await help()).split('\n');
    for (const p of RUN_PARAMETER_LIST) {
      const at = lines.findIndex((l) => new RegExp(`^  --${p.flag}\\b`).test(l));
      expect(at, `--${p.flag} in the help`).toBeGreaterThanOrEqual(0);
      // A description may run on over indented lines; the default closes the last one.
      let end = at;
      while (lines[end + 1]?.startsWith(' '.repeat(21))) end++;
      const text = lines.slice(at, end + 1).join(' ');
      if (p.kind === 'boolean') expect(text, p.flag).toContain('off by default');
      else expect(text, p.flag).toContain(`default ${p.default}`);
      if (p.kind === 'number') expect(text, p.flag).toContain(p.max === undefined ? `>= ${p.min}` : `${p.min} to ${p.max}`);
    }
  });

  it('pipeline.start and --param accept every parameter at its limits and refuse it just beyond, naming it', () => {
    for (const p of RUN_PARAMETER_LIST) {
      const { good, bad } = edges(p);
      for (const v of good) {
        expect(() => paramsToOptions({ [p.key]: v as number }), `${p.key}=${String(v)}`).not.toThrow();
        expect(parseParamArgs([`${p.key}=${String(v)}`]), `--param ${p.key}=${String(v)}`).toEqual({ [p.key]: v });
      }
      for (const v of bad) {
        expect(() => paramsToOptions({ [p.key]: v as number }), `${p.key}=${String(v)}`).toThrow(new RegExp(`"${p.key.replace(/\./g, '\\.')}" must be`));
      }
    }
  });

  it('`vasco run` refuses each parameter flag beyond its limits, naming the flag, before any work', async () => {
    for (const p of RUN_PARAMETER_LIST) {
      if (p.kind === 'boolean') continue; // a switch has no value to get wrong
      for (const v of edges(p).bad.filter((b) => typeof b !== 'number' || p.kind === 'number')) {
        const err = await vascoRun(['--red', '/nonexistent/r.fits', '--out', '/nonexistent/out', `--${p.flag}=${String(v)}`]).catch((e: unknown) => e);
        expect(err, `--${p.flag}=${String(v)}`).toBeInstanceOf(UserError);
        expect((err as Error).message, `--${p.flag}=${String(v)}`).toMatch(new RegExp(`--${p.flag} must be`));
      }
    }
  });

  it('the run form offers every parameter with the same default and limits, and the pipeline resolves to that default', () => {
    const resolved = resolveParameters({ red: '/r.fits', out: '/tmp/x' });
    expect(PARAMS.map((f) => f.key)).toEqual(RUN_PARAMETER_LIST.map((p) => p.key));
    for (const p of RUN_PARAMETER_LIST) {
      const field = PARAMS.find((f) => f.key === p.key)!;
      expect(field.value, p.key).toBe(p.default);
      expect(field.kind, p.key).toBe(p.kind);
      if (p.kind === 'number') expect([field.min, field.max], p.key).toEqual([p.min, p.max]);
      if (p.kind === 'choice') expect(field.choices, p.key).toEqual(p.choices);
      const value = p.key.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], resolved);
      expect(value, `resolved ${p.key}`).toBe(p.default);
    }
  });
});

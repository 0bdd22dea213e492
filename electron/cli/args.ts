import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors';

/** node:util parseArgs with strict checking and our error style. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UserError(`vasco ${command}: ${(err as Error).message}`, `run \`vasco ${command} --help\``);
  }
}

export function numberOption(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UserError(`vasco ${command}: --${name} must be a number, got "${value}"`);
  return n;
}

/**
 * `vasco SUBCOMMAND ...`: each subcommand is a module in ./commands exporting
 * `summary` (one line for the help) and `run(argv)` returning an exit code.
 * Modules are found by file name so adding a command touches no shared list,
 * and only the command that runs is loaded (`vasco --help` loads none in the
 * bundle, where the summaries are built in).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, UserError } from '../core/errors';

export interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Name -> summary of every command, set by scripts/build-node.mjs in the bundle only. */
declare const __VASCO_COMMAND_SUMMARIES__: Record<string, string> | undefined;
const builtInSummaries = typeof __VASCO_COMMAND_SUMMARIES__ === 'undefined' ? undefined : __VASCO_COMMAND_SUMMARIES__;

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  if (builtInSummaries) return Object.keys(builtInSummaries).sort();
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

// A relative template import: tsx loads the file, esbuild turns it into one lazily loaded chunk per command.
async function loadCommand(name: string): Promise<CommandModule> {
  return (await import(`./commands/${name}.ts`)) as CommandModule;
}

/** Name -> one-line summary of every command (scripts/build-node.mjs builds them into the bundle from here). */
export async function commandSummaries(): Promise<Record<string, string>> {
  if (builtInSummaries) return builtInSummaries;
  const out: Record<string, string> = {};
  for (const name of commandNames()) out[name] = (await loadCommand(name)).summary;
  return out;
}

async function printHelp(): Promise<void> {
  const lines = ['usage: vasco <command> [options]   (vasco <command> --help for details)', '', 'commands:'];
  for (const [name, summary] of Object.entries(await commandSummaries())) lines.push(`  ${name.padEnd(10)} ${summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 2;
  }
  if (!commandNames().includes(name)) {
    process.stderr.write(`vasco: unknown command "${name}"\n`);
    await printHelp();
    return 2;
  }
  try {
    return await (await loadCommand(name)).run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`vasco ${name}: ${err.message}\n`);
      if (err.hint) process.stderr.write(`  what to do: ${err.hint}\n`);
      return 2;
    }
    if (err instanceof CancelledError) {
      process.stderr.write(`vasco ${name}: ${err.message}\n`);
      return 130;
    }
    throw err;
  }
}

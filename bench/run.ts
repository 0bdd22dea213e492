/**
 * `npm run bench [-- NAME ...] [-- --full]`: runs the benchmarks in bench/*.bench.ts
 * and prints their figures. Each module exports `name`, `description` and
 * `run(opts): Promise<void>` and prints its own table.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchOptions {
  /** Include the full-plate (14000x14000) sizes. */
  full: boolean;
  /** Scratch folder for generated plates and runs. */
  workDir: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const full = args.includes('--full');
const only = args.filter((a) => !a.startsWith('--'));
const workDir = process.env.VASCO_BENCH_DIR ?? join(here, '..', 'bench-output');

for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
  const mod = await import(join(here, file));
  if (only.length && !only.includes(mod.name)) continue;
  console.log(`\n=== ${mod.name}: ${mod.description}`);
  await mod.run({ full, workDir } satisfies BenchOptions);
}

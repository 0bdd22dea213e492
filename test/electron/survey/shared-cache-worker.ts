/**
 * One process of the shared-cache tests (run with `node --import tsx`): what a
 * survey task does with the shared folders, through the real code.
 *   plate DIR FIELD READY      fetch a POSS-I plate pair into the shared DIR
 *   requests N URL READY GO    N requests at once to URL, once GO exists
 *   cache DIR ROUNDS TAG       put and get the same query-cache entry ROUNDS times
 * READY is a file this process writes when it is about to start; GO a file it waits for.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { acquirePlates } from '../../../electron/acquire/plates';
import { QueryCache } from '../../../electron/catalogs/cache';
import { HttpClient } from '../../../electron/catalogs/http';

const [mode, ...args] = process.argv.slice(2);
const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);

async function main() {
  if (mode === 'plate') {
    const [dir, field, ready] = args;
    const logs: string[] = [];
    writeFileSync(ready, String(process.pid));
    const r = await acquirePlates({ plate: Number(field) }, dir, { log: (l) => logs.push(l) }, { http: new HttpClient({ minIntervalMs: 0, retries: 2, backoffBaseMs: 10 }) });
    out({ ...r, logs });
  } else if (mode === 'requests') {
    const [n, url, ready, go] = args;
    const http = new HttpClient({ minIntervalMs: 0, retries: 0 }); // the shared limit from the environment
    writeFileSync(ready, String(process.pid));
    while (!existsSync(go)) await new Promise((r) => setTimeout(r, 20));
    const bodies = await Promise.all(Array.from({ length: Number(n) }, (_, i) => http.request({ service: 'VizieR', url: `${url}?p=${process.pid}&i=${i}` })));
    out({ ok: bodies.length });
  } else if (mode === 'cache') {
    const [dir, rounds, tag] = args;
    const damaged: string[] = [];
    const cache = new QueryCache(dir, (l) => damaged.push(l));
    const key = { table: 'I/350/gaiaedr3', cone: [10, 20, 0.5] };
    let misses = 0;
    const rowsSeen = new Set<number>();
    for (let k = 0; k < Number(rounds); k++) {
      // Big enough that a write takes a while; every writer's answer is whole and self-consistent.
      const n = 2000 + ((k * 37 + tag.length) % 500);
      cache.putTable('vizier-gaia', key, { columns: [{ name: 'ra' }, { name: 'tag' }], rows: Array.from({ length: n }, (_, i) => [String(i), `${tag}-${k}`]) });
      const got = cache.getTable('vizier-gaia', key);
      if (!got) misses++;
      else {
        rowsSeen.add(got.rows.length);
        const t = got.rows[0][1];
        if (!got.rows.every((r) => r[1] === t)) damaged.push('mixed rows');
      }
    }
    out({ misses, damaged, sizes: rowsSeen.size });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueryCache } from '../../../electron/catalogs/cache';

describe('QueryCache', () => {
  const table = { columns: [{ name: 'ra', unit: 'deg' }, { name: 'dec' }], rows: [['1.5', '2'], ['3', '-4.25']] };

  it('returns what was put under the same key, nothing under another', () => {
    const c = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-cache-')));
    c.putTable('vizier-gaia', { cone: [1, 2, 0.5], cols: ['a'] }, table);
    expect(c.getTable('vizier-gaia', { cols: ['a'], cone: [1, 2, 0.5] })).toEqual(table);
    expect(c.getTable('vizier-gaia', { cone: [1, 2, 0.6], cols: ['a'] })).toBeNull();
    const files = readdirSync(join(c.dir, 'vizier-gaia'));
    expect(files.every((f) => f.endsWith('.cache'))).toBe(true); // no temporary files left
  });

  it('discards an entry whose payload or row count was damaged', () => {
    const logs: string[] = [];
    const c = new QueryCache(mkdtempSync(join(tmpdir(), 'vasco-cache-')), (l) => logs.push(l));
    const file = c.putTable('k', { a: 1 }, table);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('-4.25', '-4.26'));
    expect(c.getTable('k', { a: 1 })).toBeNull();
    expect(logs[0]).toMatch(/checksum mismatch/);
    expect(readdirSync(join(c.dir, 'k'))).toEqual([]);
    const file2 = c.putTable('k', { a: 2 }, table);
    writeFileSync(file2, readFileSync(file2, 'utf8').slice(0, 60)); // cut short
    expect(c.getTable('k', { a: 2 })).toBeNull();
  });
});

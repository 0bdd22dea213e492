import { describe, expect, it } from 'vitest';
import { findColumn, formatCsv, parseCsv } from '../../../electron/core/csv';

describe('CSV (RFC 4180)', () => {
  it('round-trips quotes, commas, newlines and provenance comments', () => {
    const rows = [
      [1, 'plain', 259.95],
      [2, 'has, comma', -6.1],
      [3, 'has "quote"\nand newline', 0],
    ];
    const text = formatCsv(['id', 'note', 'ra'], rows, ['app vasco 0.1.0']);
    expect(text.split('\r\n')[0]).toBe('# app vasco 0.1.0');
    const t = parseCsv(text);
    expect(t.comments).toEqual(['app vasco 0.1.0']);
    expect(t.header).toEqual(['id', 'note', 'ra']);
    expect(t.rows).toEqual(rows.map((r) => r.map(String)));
  });

  it('reports a truncated quoted field', () => {
    expect(() => parseCsv('a,b\n1,"open', 'x.csv')).toThrow(/x\.csv: unterminated/);
  });

  it('finds columns case-insensitively by alias', () => {
    expect(findColumn(['RA_ICRS', 'DE_ICRS'], ['ra', 'ra_icrs'])).toBe(0);
    expect(findColumn(['a'], ['ra'])).toBe(-1);
  });
});

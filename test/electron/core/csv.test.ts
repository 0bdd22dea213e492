import { describe, expect, it } from 'vitest';
import { findColumn, formatCsv, indexCsv, parseCsv } from '../../../electron/core/csv';

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

  it('reads awkward files the same line by line as character by character: BOM, CRLF, blank lines, lone CR, quotes spanning lines', () => {
    const text = '\ufeff# made by hand\r\nid, ra ,dec\r\n1,10.5,-3\r\n\r\n2,"multi\nline, ""quoted""",4\n3,5 6,x"y\r4,,\n\n5,7,8';
    const t = parseCsv(text);
    expect(t.comments).toEqual(['made by hand']);
    expect(t.header).toEqual(['id', 'ra', 'dec']);
    expect(t.rows).toEqual([
      ['1', '10.5', '-3'],
      ['2', 'multi\nline, "quoted"', '4'],
      ['3', '5 6', 'x"y'],
      ['4', '', ''],
      ['5', '7', '8'],
    ]);
    const idx = indexCsv(text);
    expect(idx.length).toBe(5);
    expect(idx.row(1)).toEqual(t.rows[1]);
    // numbers: '' and missing fields are NaN, quoted rows are read too
    expect(Array.from(idx.numbers(2))).toEqual([-3, 4, NaN, NaN, 8]);
    expect(Array.from(indexCsv('a,b\n"1",2\n3\n').numbers(1))).toEqual([2, NaN]);
  });
});

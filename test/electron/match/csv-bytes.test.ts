import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexCsv } from '../../../electron/core/csv';
import { indexCsvBytes, parseField, readCsvColumns } from '../../../electron/match/csv-bytes';
import { seeded as rng } from '../store/fixtures';

/** The field `text` as parseField reads it, with `after` behind it on the line (a comma, a line end, or nothing). */
function parsed(text: string, after: '' | ',x' | '\r\n' | '\n'): number {
  const bytes = Buffer.from(text + after, 'latin1');
  const out = new Float64Array(1);
  const end = parseField(bytes, 0, after === ',x' || after === '' ? bytes.length : text.length, (a, b) => bytes.toString('latin1', a, b), out, 0);
  // where the field ends: its comma, else the end of the text
  if (end !== (text.indexOf(',') >= 0 ? text.indexOf(',') : text.length)) return Symbol('wrong end') as unknown as number;
  return out[0];
}

describe('numbers read from CSV bytes are the numbers Number() reads, bit for bit', () => {
  it('for shortest, 16- and 17-digit, fixed, exponent and random-digit decimals', () => {
    const r = rng(13);
    const texts: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const x = r() * 10 ** Math.floor(r() * 12 - 6);
      texts.push(String(x), String(-x), x.toPrecision(17), x.toPrecision(16), x.toFixed(12), x.toExponential(16), x.toExponential(14));
      let digits = '';
      const len = 1 + Math.floor(r() * 19);
      for (let j = 0; j < len; j++) digits += Math.floor(r() * 10);
      const dot = Math.floor(r() * (len + 1));
      texts.push(`${digits.slice(0, dot)}.${digits.slice(dot)}`, digits);
      // exact midpoints between two doubles, written out: the rounding tie must go to even as Number does
      const tie = (Math.floor(r() * 2 ** 30) + 0.5) / 2 ** Math.floor(r() * 40);
      texts.push(tie.toPrecision(17), String(tie), tie.toFixed(20).replace(/0+$/, ''));
      // n + 0.5 for 2^52 <= n < 2^53 is a tie with 17 digits (the corrected division's hard case)
      texts.push(`${2 ** 52 + Math.floor(r() * 2 ** 52)}.5`);
    }
    let k = 0;
    for (const t of texts) {
      const after = (['', ',x', '\r\n', '\n'] as const)[k++ % 4];
      const got = parsed(t, after);
      if (!Object.is(got, Number(t))) expect(`${t} -> ${got}`).toBe(`${t} -> ${Number(t)}`);
    }
  });

  it('for awkward fields: signs, bare dots, 2^53 + 1, extremes, words, spaces, hex; an empty field is NaN', () => {
    const texts = ['9007199254740993', '9007199254740993.0', '900719925474099.3', '90071992547409.93', '0.1', '1e-7', '5e-324', '1.7976931348623157e308',
      '-', '.', '5.', '.5', '+1.5', '-.5e+2', '1.5E-3', '1e', '1e+', '1e00005', '1e0005', '0x10', ' 1', '1 ', 'Infinity', '-Infinity', 'NaN', 'abc', '-0', '0.000',
      '12345678901234567', '1234567890123456.7', '123456789012345.67', '0.12345678901234567', '0.00000000000000001', '00000000000000000.5',
      '1.00000000000000011102230246251565404236316680908203125', '356.7505595854021', '-89.99999999999999'];
    for (const t of texts)
      for (const after of ['', ',x', '\r\n'] as const) {
        const got = parsed(t, after);
        if (!Object.is(got, Number(t))) expect(`${JSON.stringify(t)}${JSON.stringify(after)} -> ${got}`).toBe(`-> ${Number(t)}`);
      }
    expect(parsed('', ',x')).toBeNaN();
    expect(parsed('', '\r\n')).toBeNaN();
  });
});

describe('CSV indexed from bytes against core/csv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vasco-csv-bytes-'));
  const cases: [string, string][] = [
    ['CRLF, a BOM and comments', '\ufeff# made by hand\r\n#second\r\nid,ra,dec\r\na,10.5,-3\r\nb,1e2,4.25\r\n'],
    ['blank lines, short rows, empty fields and no last newline', 'id,ra,dec\n\na,1,2\nb,3\n\nc,,5\nd,7,\ne, 8 ,9e-1\nf,x,1'],
    ['non-ASCII names', 'name,ra,dec\nÅngström,1.25,2.5\nβ Ori,78.634467,-8.201638\n'],
    ['17 digits in every number', 'id,ra,dec\np,356.75055958540210,22.904951852236387\nq,0.00012345678901234567,-89.123456789012345\n'],
    ['a header only', 'ra,dec\n'],
    ['nothing', ''],
  ];
  for (const [name, text] of cases) {
    it(`reads ${name} as core/csv does`, () => {
      const bytes = Buffer.from(text, 'utf8');
      const fast = indexCsvBytes(bytes);
      expect(fast).not.toBeNull();
      const ref = indexCsv(text);
      expect(fast!.comments).toEqual(ref.comments);
      expect(fast!.header).toEqual(ref.header);
      expect(fast!.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(fast!.row(i)).toEqual(ref.row(i));
      const cols = [0, 1, 2, 3];
      const got = fast!.numbersOf(cols);
      cols.forEach((c, j) => expect(Array.from(got[j])).toEqual(Array.from(ref.numbers(c))));
      expect(Array.from(fast!.numbers(2))).toEqual(Array.from(ref.numbers(2)));
    });
  }

  it('leaves quoted fields and a CR inside a line to core/csv, and reads them the same through readCsvColumns', () => {
    const quoted = 'id,ra,dec\n"a, the first",1.5,2\n"say ""hi""",3,4\n';
    const loneCr = 'id,ra,dec\na,1,2\rb,3,4\n';
    for (const text of [quoted, loneCr]) {
      expect(indexCsvBytes(Buffer.from(text))).toBeNull();
      const file = join(dir, 'awkward.csv');
      writeFileSync(file, text);
      const t = readCsvColumns(file);
      const ref = indexCsv(text);
      expect(t.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(t.row(i)).toEqual(ref.row(i));
      expect(t.numbersOf([1, 2]).map((a) => Array.from(a))).toEqual([Array.from(ref.numbers(1)), Array.from(ref.numbers(2))]);
    }
  });

  it('reads chosen rows exactly, and all rows fast to within 2 ulp (the first pass of vasco match)', () => {
    const r = rng(5);
    const lines = ['id,ra,dec'];
    for (let i = 0; i < 5000; i++) lines.push(`s${i},${(360 * r()).toPrecision(17)},${(180 * r() - 90).toPrecision(16)}`);
    const text = lines.join('\n');
    const t = indexCsvBytes(Buffer.from(text))!;
    const ref = indexCsv(text);
    const exact = [ref.numbers(1), ref.numbers(2)];
    const fast = t.numbersOf([1, 2], { exact: false });
    let differ = 0;
    fast.forEach((col, j) =>
      col.forEach((v, i) => {
        const e = exact[j][i];
        if (v !== e) differ++;
        expect(Math.abs(v - e)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(e));
      }),
    );
    expect(differ).toBeGreaterThan(0); // the fast pass really is approximate: the exact second read matters
    const rows = Int32Array.from([4999, 0, 17, 17, 2500]);
    const some = t.numbersOf([1, 2], { rows });
    expect(some.map((c) => Array.from(c))).toEqual(exact.map((c) => Array.from(rows, (i) => c[i])));
  });

  it('names the file it cannot read', () => {
    expect(() => readCsvColumns(join(dir, 'missing.csv'))).toThrow(/cannot read .*missing\.csv/);
  });
});

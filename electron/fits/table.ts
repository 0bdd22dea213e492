/**
 * FITS binary tables (BINTABLE), as SExtractor writes them in FITS_LDAC
 * catalogues: fixed-width columns of formats L X B I J K A E D with repeat
 * counts; TSCALn/TZEROn and TNULLn applied to numeric columns.
 */
import { UserError } from '../core/errors';
import { CARD, parseHeaderCards, type FitsHdu, type HeaderValues } from './header';

export interface FitsColumn {
  name: string;
  /** TFORMn as written, e.g. "1E", "1225E", "166320A". */
  format: string;
  repeat: number;
  unit?: string;
  /** Data type letter (L X B I J K A E D C M P Q). */
  type?: string;
  /** TDIMn as numbers, when given (e.g. [35, 35] for VIGNET). */
  dims?: number[];
}

export interface FitsTable {
  rows: number;
  columns: FitsColumn[];
  /** One number per row of a scalar column (repeat 1); NaN for nulls. */
  numeric(name: string): Float64Array;
  /** One string per row of an 'A' column, trailing blanks and NULs removed. */
  strings(name: string): string[];
  /** All elements of each row of a numeric column (bits of an X column as 0/1). */
  vector(name: string): Float64Array[];
}

const BYTES: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

interface Layout extends FitsColumn {
  type: string;
  offset: number;
  width: number;
  scale: number;
  zero: number;
  tnull: number | null;
}

function layout(path: string, hdu: FitsHdu): Layout[] {
  const h = hdu.header;
  const n = Number(h.TFIELDS ?? 0);
  const cols: Layout[] = [];
  let offset = 0;
  for (let i = 1; i <= n; i++) {
    const format = String(h[`TFORM${i}`] ?? '').trim();
    const m = /^(\d*)([LXBIJKAEDCMPQ])/.exec(format);
    if (!m) throw new UserError(`${path} HDU ${hdu.index}: column ${i} has format "${format}", which is not a binary-table format`);
    const repeat = m[1] === '' ? 1 : Number(m[1]);
    const type = m[2];
    const width = type === 'X' ? Math.ceil(repeat / 8) : repeat * BYTES[type];
    const tdim = h[`TDIM${i}`];
    const dims = typeof tdim === 'string' ? tdim.replace(/[()\s]/g, '').split(',').filter(Boolean).map(Number) : undefined;
    const unit = h[`TUNIT${i}`];
    cols.push({
      name: String(h[`TTYPE${i}`] ?? `COL${i}`).trim(),
      format,
      repeat,
      unit: typeof unit === 'string' && unit.trim() ? unit.trim() : undefined,
      type,
      dims,
      offset,
      width,
      scale: Number(h[`TSCAL${i}`] ?? 1),
      zero: Number(h[`TZERO${i}`] ?? 0),
      tnull: typeof h[`TNULL${i}`] === 'number' ? (h[`TNULL${i}`] as number) : null,
    });
    offset += width;
  }
  const rowBytes = Number(h.NAXIS1 ?? 0);
  if (offset !== rowBytes)
    throw new UserError(`${path} HDU ${hdu.index}: columns add up to ${offset} bytes but NAXIS1 says ${rowBytes}`, 'the table header is damaged');
  return cols;
}

export function parseTable(path: string, hdu: FitsHdu, data: Buffer): FitsTable {
  const cols = layout(path, hdu);
  const rowBytes = hdu.naxis[0] ?? 0;
  const rows = hdu.naxis[1] ?? 0;
  const find = (name: string): Layout => {
    const c = cols.find((col) => col.name === name) ?? cols.find((col) => col.name.toUpperCase() === name.toUpperCase());
    if (!c)
      throw new UserError(
        `${path} HDU ${hdu.index} (${String(hdu.header.EXTNAME ?? 'table')}) has no column ${name}`,
        `columns are: ${cols.map((col) => col.name).join(', ')}`,
      );
    return c;
  };

  /** Element k of column c in row r, scaled; NaN for nulls. */
  const element = (c: Layout, r: number, k: number): number => {
    const o = r * rowBytes + c.offset;
    let v: number;
    switch (c.type) {
      case 'L': {
        const b = data[o + k];
        return b === 0x54 ? 1 : b === 0x46 ? 0 : NaN;
      }
      case 'X':
        return (data[o + (k >> 3)] >> (7 - (k & 7))) & 1;
      case 'B':
        v = data[o + k];
        break;
      case 'I':
        v = data.readInt16BE(o + 2 * k);
        break;
      case 'J':
        v = data.readInt32BE(o + 4 * k);
        break;
      case 'K':
        v = Number(data.readBigInt64BE(o + 8 * k));
        break;
      case 'E':
        return data.readFloatBE(o + 4 * k) * c.scale + c.zero;
      case 'D':
        return data.readDoubleBE(o + 8 * k) * c.scale + c.zero;
      default:
        throw new UserError(`${path} HDU ${hdu.index}: column ${c.name} has format ${c.format}, which is not numeric`);
    }
    if (c.tnull !== null && v === c.tnull) return NaN;
    return v * c.scale + c.zero;
  };

  return {
    rows,
    columns: cols.map(({ name, format, repeat, unit, type, dims }) => ({ name, format, repeat, unit, type, dims })),
    numeric(name) {
      const c = find(name);
      if (c.repeat !== 1 && c.type !== 'X')
        throw new UserError(`${path}: column ${name} holds ${c.repeat} values a row; read it with vector()`);
      const out = new Float64Array(rows);
      for (let r = 0; r < rows; r++) out[r] = element(c, r, 0);
      return out;
    },
    strings(name) {
      const c = find(name);
      if (c.type !== 'A') throw new UserError(`${path}: column ${name} has format ${c.format}, not a character column`);
      const out: string[] = [];
      for (let r = 0; r < rows; r++) {
        const o = r * rowBytes + c.offset;
        out.push(data.toString('latin1', o, o + c.width).replace(/[\0 ]+$/, ''));
      }
      return out;
    },
    vector(name) {
      const c = find(name);
      const out: Float64Array[] = [];
      for (let r = 0; r < rows; r++) {
        const v = new Float64Array(c.repeat);
        for (let k = 0; k < c.repeat; k++) v[k] = element(c, r, k);
        out.push(v);
      }
      return out;
    },
  };
}

/**
 * The image header SExtractor copies into a FITS_LDAC catalogue
 * (LDAC_IMHEAD, column 'Field Header Card': 80-character cards in one string).
 */
export function ldacImageHeader(table: FitsTable): HeaderValues {
  const [text = ''] = table.strings('Field Header Card');
  const cards: string[] = [];
  for (let i = 0; i < text.length; i += CARD) cards.push(text.slice(i, i + CARD));
  return parseHeaderCards(cards);
}

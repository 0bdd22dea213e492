/**
 * FITS header cards: parsing 80-character cards into typed values and
 * formatting values back into cards. Tolerant where real headers are sloppy
 * (HIERARCH keys, lower-case exponents, unquoted junk), exact where it matters
 * (long strings split over CONTINUE cards, '' escapes, integers vs reals).
 */
/** Header keyword values, as in ../shared/data/dss/*.jsonl and as read from FITS. */
export type HeaderValue = string | number | boolean | null;
export type HeaderValues = Record<string, HeaderValue>;

/** One HDU of a FITS file: its parsed header and where its header and data lie. */
export interface FitsHdu {
  index: number;
  header: HeaderValues;
  /** Every card up to and including END, 80 characters each. */
  cards: string[];
  /** Byte offsets in the file. */
  headerStart: number;
  dataStart: number;
  /** Bytes of data NAXIS/PCOUNT/GCOUNT declare (without block padding). */
  dataBytes: number;
  bitpix: number;
  /** NAXIS1, NAXIS2, ... */
  naxis: number[];
  /** null for the primary HDU, else 'IMAGE', 'BINTABLE', 'TABLE', ... */
  xtension: string | null;
  /** sha256 (hex) of the raw header blocks, as read. */
  headerSha256?: string;
}

export const CARD = 80;
export const BLOCK = 2880;

/** Keywords whose cards carry free text, never a value. */
const COMMENTARY = new Set(['COMMENT', 'HISTORY', '']);

export interface ParsedCard {
  key: string;
  /** undefined: a card without a value indicator (COMMENT, HISTORY, blank, CONTINUE). */
  value: HeaderValue | undefined;
  /** The raw string value when the card holds a string (for CONTINUE joining). */
  rawString?: string;
  comment?: string;
}

/** Parse the value field of a card (text after "= "). */
function parseValueField(field: string): { value: HeaderValue; rawString?: string; comment?: string } {
  const s = field.replace(/^\s+/, '');
  if (s.startsWith("'")) {
    // A string: '' inside is an escaped quote; the string ends at a lone quote.
    let out = '';
    let i = 1;
    for (; i < s.length; i++) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          out += "'";
          i++;
        } else break;
      } else out += s[i];
    }
    const rest = s.slice(i + 1);
    const slash = rest.indexOf('/');
    const comment = slash >= 0 ? rest.slice(slash + 1).trim() : undefined;
    // Trailing spaces are not significant in FITS strings; leading ones are.
    return { value: out.replace(/\s+$/, ''), rawString: out, comment };
  }
  const slash = s.indexOf('/');
  const text = (slash >= 0 ? s.slice(0, slash) : s).trim();
  const comment = slash >= 0 ? s.slice(slash + 1).trim() : undefined;
  if (text === '') return { value: null, comment };
  if (text === 'T') return { value: true, comment };
  if (text === 'F') return { value: false, comment };
  if (/^[+-]?\d+$/.test(text)) return { value: Number(text), comment };
  const real = text.replace(/[dD]/, 'E');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(real)) return { value: Number(real), comment };
  // Complex values "(1.0, 2.0)" and anything unparseable stay as text.
  return { value: text, comment };
}

/** Parse one 80-character card. */
export function parseCard(card: string): ParsedCard {
  const padded = card.padEnd(CARD, ' ');
  if (padded.startsWith('HIERARCH ')) {
    // ESO convention: "HIERARCH ESO DET CHIP = value / comment".
    const eq = padded.indexOf('=');
    if (eq > 0) {
      const key = padded.slice(9, eq).trim().replace(/\s+/g, ' ');
      return { key, ...parseValueField(padded.slice(eq + 1)) };
    }
    return { key: padded.slice(9).trim(), value: undefined };
  }
  const key = padded.slice(0, 8).trim();
  if (key === 'CONTINUE') {
    const { rawString, value, comment } = parseValueField(padded.slice(8));
    return { key, value: undefined, rawString: rawString ?? (typeof value === 'string' ? value : ''), comment };
  }
  if (COMMENTARY.has(key) || padded.slice(8, 10) !== '= ') {
    return { key, value: undefined, comment: padded.slice(8).trimEnd() };
  }
  return { key, ...parseValueField(padded.slice(10)) };
}

/**
 * Typed values of a list of cards. The first occurrence of a keyword wins (as
 * CFITSIO reads it); commentary cards are skipped. A string ending in '&'
 * followed by CONTINUE cards is joined into one long string.
 */
export function parseHeaderCards(cards: string[]): HeaderValues {
  const values: HeaderValues = {};
  let longKey: string | null = null;
  for (const card of cards) {
    const p = parseCard(card);
    if (p.key === 'END') break;
    if (p.key === 'CONTINUE') {
      if (longKey !== null && p.rawString !== undefined) {
        const prev = values[longKey] as string;
        const piece = p.rawString;
        const joined = prev.slice(0, -1) + piece;
        values[longKey] = piece.endsWith('&') ? joined : joined.replace(/\s+$/, '');
        if (!piece.endsWith('&')) longKey = null;
      }
      continue;
    }
    longKey = null;
    if (p.value === undefined) continue;
    if (Object.prototype.hasOwnProperty.call(values, p.key)) continue;
    if (typeof p.value === 'string' && p.rawString !== undefined && p.rawString.replace(/\s+$/, '').endsWith('&')) {
      values[p.key] = p.rawString.replace(/\s+$/, '');
      longKey = p.key;
    } else {
      values[p.key] = p.value;
    }
  }
  // A dangling '&' (no CONTINUE followed) is part of the text; keep it.
  return values;
}

// ---------------------------------------------------------------- writing

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A number as FITS writes it: integers plain, reals always with '.' or 'E'. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`FITS header cannot hold ${n}`);
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  let s = String(n).toUpperCase();
  if (!/[.E]/.test(s)) s += '.';
  if (s.includes('E') && !s.includes('.')) s = s.replace('E', '.E');
  return s;
}

function isPlainKey(key: string): boolean {
  return /^[A-Z0-9_-]{1,8}$/.test(key);
}

/** Cards (one or more, 80 chars each) for one keyword and value. */
export function formatCards(key: string, value: HeaderValue, comment?: string): string[] {
  const tail = comment ? ` / ${comment}` : '';
  if (!isPlainKey(key)) {
    const body =
      typeof value === 'string' ? quote(value) : value === null ? '' : typeof value === 'boolean' ? (value ? 'T' : 'F') : formatNumber(value);
    const card = `HIERARCH ${key} = ${body}${tail}`;
    if (card.length > CARD) throw new Error(`FITS header: HIERARCH card for ${key} is longer than 80 characters`);
    return [card.padEnd(CARD)];
  }
  const head = key.padEnd(8) + '= ';
  if (value === null) return [(key.padEnd(8) + '=' + tail).slice(0, CARD).padEnd(CARD)];
  if (typeof value === 'boolean') return [(head + (value ? 'T' : 'F').padStart(20) + tail).slice(0, CARD).padEnd(CARD)];
  if (typeof value === 'number') return [(head + formatNumber(value).padStart(20) + tail).slice(0, CARD).padEnd(CARD)];
  // Strings: quoted, at least 8 characters inside the quotes; long ones go
  // over CONTINUE cards, each piece ending in '&' (quotes may not be split).
  const escaped = value.replace(/'/g, "''");
  if (escaped.length + 2 <= CARD - 10) {
    const q = `'${value.replace(/'/g, "''").padEnd(8)}'`;
    return [(head + q + (q.length + 10 + tail.length <= CARD ? tail : '')).padEnd(CARD)];
  }
  const cards: string[] = [];
  let rest = value;
  let first = true;
  while (rest.length) {
    const room = (first ? CARD - 10 : CARD - 10) - 3; // quotes and '&'
    let take = Math.min(rest.length, room);
    // Never split an escaped quote pair.
    while (take > 1 && rest.slice(0, take).replace(/'/g, "''").length > room) take--;
    const piece = rest.slice(0, take);
    rest = rest.slice(take);
    const body = quote(piece + (rest.length ? '&' : ''));
    cards.push(((first ? head : 'CONTINUE  ') + body).padEnd(CARD));
    first = false;
  }
  return cards;
}

/** Pad a list of cards (END added) to whole 2880-byte blocks. */
export function headerBlock(cards: string[]): Buffer {
  const all = [...cards, 'END'.padEnd(CARD)];
  const text = all.map((c) => c.padEnd(CARD).slice(0, CARD)).join('');
  const size = Math.ceil(text.length / BLOCK) * BLOCK;
  return Buffer.from(text.padEnd(size, ' '), 'latin1');
}

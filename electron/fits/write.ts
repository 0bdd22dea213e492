/**
 * Writing FITS images: whole images in memory (encodeFitsImage, small test
 * fields and cutouts) and strip by strip with bounded memory (FitsImageWriter,
 * synthetic 14000x14000 plates).
 */
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { UserError } from '../core/errors';
import { BLOCK, formatCards, headerBlock, type HeaderValue, type HeaderValues } from './header';

export type Bitpix = 8 | 16 | 32 | -32 | -64;

/** Keywords the writer sets itself from the image shape. */
const STRUCTURAL = /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|END|PCOUNT|GCOUNT|XTENSION)$/;

const BLANK_DEFAULT: Partial<Record<Bitpix, number>> = { 16: -32768, 32: -2147483648 };

function buildHeader(width: number, height: number, bitpix: Bitpix, header: HeaderValues, extra: Record<string, HeaderValue>): Buffer {
  const cards: string[] = [
    ...formatCards('SIMPLE', true),
    ...formatCards('BITPIX', bitpix),
    ...formatCards('NAXIS', 2),
    ...formatCards('NAXIS1', width),
    ...formatCards('NAXIS2', height),
  ];
  const merged: HeaderValues = { ...header, ...extra };
  for (const [key, value] of Object.entries(merged)) {
    if (STRUCTURAL.test(key)) continue;
    if (bitpix < 0 && (key === 'BLANK')) continue; // BLANK is for integer images only
    cards.push(...formatCards(key, value));
  }
  return headerBlock(cards);
}

function checkShape(path: string, width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new UserError(`cannot write ${path}: image size ${width}x${height} is not a positive whole size`);
}

/** Encoder of physical values into big-endian raw values of one BITPIX. */
function encoder(bitpix: Bitpix, bzero: number, bscale: number, blank: number | null) {
  const lo = bitpix === 8 ? 0 : bitpix === 16 ? -32768 : -2147483648;
  const hi = bitpix === 8 ? 255 : bitpix === 16 ? 32767 : 2147483647;
  const toInt = (v: number): number => {
    if (Number.isNaN(v)) {
      if (blank === null) throw new UserError(`a NaN pixel cannot be written to a BITPIX ${bitpix} image without BLANK`);
      return blank;
    }
    const r = Math.round((v - bzero) / bscale);
    const c = r < lo ? lo : r > hi ? hi : r;
    // A real value must never read back as blank: nudge it one step inward.
    return c === blank ? (blank === hi ? hi - 1 : blank + 1) : c;
  };
  return (buf: Buffer, at: number, v: number): void => {
    switch (bitpix) {
      case 8:
        buf[at] = toInt(v);
        return;
      case 16:
        buf.writeInt16BE(toInt(v), at);
        return;
      case 32:
        buf.writeInt32BE(toInt(v), at);
        return;
      case -32:
        buf.writeFloatBE((v - bzero) / bscale, at);
        return;
      case -64:
        buf.writeDoubleBE((v - bzero) / bscale, at);
        return;
    }
  };
}

/**
 * A complete single-HDU FITS file. `data` is row-major, first row y = 1.
 * For integer BITPIX, BZERO/BSCALE given in `header` are applied on the way
 * out (values rounded and clipped), and NaN is written as BLANK (declared
 * automatically when the data hold NaN and the header has none).
 */
export function encodeFitsImage(width: number, height: number, data: ArrayLike<number>, header: HeaderValues, bitpix: Bitpix = -32): Buffer {
  checkShape('FITS image', width, height);
  if (data.length !== width * height)
    throw new UserError(`FITS image of ${width}x${height} needs ${width * height} pixels, got ${data.length}`);
  const bzero = Number(header.BZERO ?? 0);
  const bscale = Number(header.BSCALE ?? 1);
  const extra: Record<string, HeaderValue> = {};
  let blank: number | null = typeof header.BLANK === 'number' ? header.BLANK : null;
  if (bitpix > 0 && blank === null) {
    for (let i = 0; i < data.length; i++)
      if (Number.isNaN(data[i])) {
        blank = BLANK_DEFAULT[bitpix] ?? 0;
        extra.BLANK = blank;
        break;
      }
  }
  const head = buildHeader(width, height, bitpix, header, extra);
  const bpp = Math.abs(bitpix) / 8;
  const bytes = width * height * bpp;
  const out = Buffer.alloc(head.length + Math.ceil(bytes / BLOCK) * BLOCK);
  head.copy(out, 0);
  const put = encoder(bitpix, bzero, bscale, blank);
  for (let i = 0; i < data.length; i++) put(out, head.length + i * bpp, data[i]);
  return out;
}

export async function writeFitsImage(
  path: string,
  width: number,
  height: number,
  data: ArrayLike<number>,
  header: HeaderValues,
  bitpix: Bitpix = -32,
): Promise<void> {
  const buf = encodeFitsImage(width, height, data, header, bitpix);
  try {
    await writeFile(path, buf);
  } catch (err) {
    throw new UserError(`cannot write FITS file ${path}: ${(err as Error).message}`, 'check the folder exists and there is free disk space');
  }
}

/**
 * Writes a FITS image strip by strip: rows go to disk as they come, so a
 * 14000x14000 plate needs only one strip in memory. opts.bzero (e.g. 32768
 * for unsigned data) is subtracted on the way out. BITPIX 16 images write NaN
 * as BLANK: opts.blank, else -32768 when there is no BZERO, else NaN is refused.
 */
export class FitsImageWriter {
  private rowsWritten = 0;
  private position: number;

  private constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    private readonly bitpix: 16 | -32,
    private readonly fh: FileHandle,
    headerBytes: number,
    private readonly put: (buf: Buffer, at: number, v: number) => void,
  ) {
    this.position = headerBytes;
  }

  static async create(path: string, width: number, height: number, header: HeaderValues, bitpix: 16 | -32, opts: { bzero?: number; blank?: number | null } = {}): Promise<FitsImageWriter> {
    checkShape(path, width, height);
    const bzero = opts.bzero ?? 0;
    const extra: Record<string, HeaderValue> = {};
    if (bzero !== 0) {
      extra.BZERO = bzero;
      extra.BSCALE = 1;
    }
    const rest = { ...header };
    delete rest.BZERO;
    delete rest.BSCALE;
    // NaN needs BLANK; -32768 is a real value (0) once BZERO = 32768 shifts the range.
    const blank = bitpix === 16 ? (opts.blank !== undefined ? opts.blank : bzero === 0 ? -32768 : null) : null;
    if (blank !== null) extra.BLANK = blank;
    const head = buildHeader(width, height, bitpix, rest, extra);
    let fh: FileHandle;
    try {
      fh = await open(path, 'w');
    } catch (err) {
      throw new UserError(`cannot write FITS file ${path}: ${(err as Error).message}`, 'check the folder exists and is writable');
    }
    await fh.write(head, 0, head.length, 0);
    return new FitsImageWriter(path, width, height, bitpix, fh, head.length, encoder(bitpix, bzero, 1, blank));
  }

  /** Append whole rows (length a multiple of width), next rows upward in y. */
  async writeRows(rows: Float32Array | Int16Array): Promise<void> {
    if (rows.length % this.width !== 0)
      throw new UserError(`${this.path}: writeRows needs whole rows of ${this.width} pixels, got ${rows.length} values`);
    const n = rows.length / this.width;
    if (this.rowsWritten + n > this.height)
      throw new UserError(`${this.path}: ${this.rowsWritten + n} rows written to an image of height ${this.height}`);
    const bpp = Math.abs(this.bitpix) / 8;
    const buf = Buffer.allocUnsafe(rows.length * bpp);
    for (let i = 0; i < rows.length; i++) this.put(buf, i * bpp, rows[i]);
    await this.fh.write(buf, 0, buf.length, this.position);
    this.position += buf.length;
    this.rowsWritten += n;
  }

  /**
   * Append whole rows already encoded as this image stores them (big-endian,
   * its BITPIX, BZERO and BLANK): a strip copied from a plate of the same
   * encoding goes out byte for byte, with no decoding and encoding between.
   */
  async writeEncodedRows(buf: Buffer): Promise<void> {
    const rowBytes = this.width * (Math.abs(this.bitpix) / 8);
    if (buf.length % rowBytes !== 0)
      throw new UserError(`${this.path}: writeEncodedRows needs whole rows of ${rowBytes} bytes, got ${buf.length}`);
    const n = buf.length / rowBytes;
    if (this.rowsWritten + n > this.height)
      throw new UserError(`${this.path}: ${this.rowsWritten + n} rows written to an image of height ${this.height}`);
    await this.fh.write(buf, 0, buf.length, this.position);
    this.position += buf.length;
    this.rowsWritten += n;
  }

  /** Pads the data to a whole block and closes; every row must have been written. */
  async close(): Promise<void> {
    try {
      if (this.rowsWritten !== this.height)
        throw new UserError(`${this.path}: closed after ${this.rowsWritten} of ${this.height} rows`, 'write every row before close()');
      const bytes = this.width * this.height * (Math.abs(this.bitpix) / 8);
      const padding = (BLOCK - (bytes % BLOCK)) % BLOCK;
      if (padding) await this.fh.write(Buffer.alloc(padding), 0, padding, this.position);
    } finally {
      await this.fh.close();
    }
  }
}

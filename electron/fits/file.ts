/**
 * Reading FITS files with positioned reads: opening scans only the headers
 * (one 2880-byte block at a time), and a rectangle of a 400 MB plate costs one
 * read per row of the rectangle, never the whole file. Gzipped files (DASCH
 * scans) cannot be read at random, so they are inflated into memory.
 */
import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../core/errors';
import { BLOCK, CARD, parseHeaderCards, type FitsHdu, type HeaderValues } from './header';
import { parseTable, type FitsTable } from './table';

/** Random access to the bytes of a file, or of an inflated .gz in memory. */
interface ByteSource {
  size: number;
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

async function fileSource(path: string): Promise<ByteSource> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new UserError(`cannot open FITS file ${path}: ${(err as Error).message}`, 'check the path and its permissions');
  }
  const size = (await fh.stat()).size;
  return {
    size,
    async read(position, length) {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    },
    close: () => fh.close(),
  };
}

function memorySource(data: Buffer): ByteSource {
  return {
    size: data.length,
    async read(position, length) {
      return data.subarray(position, Math.min(data.length, position + length));
    },
    async close() {},
  };
}

function axes(header: HeaderValues): number[] {
  const n = Number(header.NAXIS ?? 0);
  const out: number[] = [];
  for (let i = 1; i <= n; i++) out.push(Number(header[`NAXIS${i}`] ?? 0));
  return out;
}

function declaredDataBytes(header: HeaderValues, bitpix: number, naxis: number[], primary: boolean): number {
  if (naxis.length === 0) return 0;
  // Random-groups primary (NAXIS1 = 0) and extensions use PCOUNT/GCOUNT.
  const dims = primary && naxis[0] === 0 ? naxis.slice(1) : naxis;
  const n = dims.reduce((a, b) => a * b, 1);
  const pcount = Number(header.PCOUNT ?? 0);
  const gcount = Number(header.GCOUNT ?? 1);
  return (Math.abs(bitpix) / 8) * gcount * (pcount + n);
}

const pad = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** Largest single read of image rows, bytes. */
const MAX_READ_BYTES = 8 << 20;

/** A rectangle of pixels: lower-left corner (x1, y1), FITS 1-based. */
export interface ImageRect {
  x1: number;
  y1: number;
  width: number;
  height: number;
}

export class FitsFile {
  private constructor(
    readonly path: string,
    readonly hdus: FitsHdu[],
    private readonly source: ByteSource,
  ) {}

  /** Open a FITS file and read every header; data stay on disk. */
  static async open(path: string): Promise<FitsFile> {
    let source = await fileSource(path);
    const magic = await source.read(0, 2);
    if (magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
      await source.close();
      const raw = await readFile(path);
      let inflated: Buffer;
      try {
        inflated = gunzipSync(raw);
      } catch (err) {
        throw new UserError(`${path} is a damaged gzip file: ${(err as Error).message}`, 'download the file again');
      }
      source = memorySource(inflated);
    }
    try {
      return new FitsFile(path, await scanHdus(path, source), source);
    } catch (err) {
      await source.close();
      throw err;
    }
  }

  hdu(index = 0): FitsHdu {
    const h = this.hdus[index];
    if (!h) throw new UserError(`${this.path} has no HDU ${index} (it has ${this.hdus.length})`);
    return h;
  }

  /** The first HDU holding a 2-D image (the primary one for plates and cutouts). */
  imageHdu(): FitsHdu {
    const h = this.hdus.find((u) => (u.xtension === null || u.xtension === 'IMAGE') && u.naxis.length >= 2 && u.naxis[0] > 0);
    if (!h) throw new UserError(`${this.path} holds no 2-D image`, 'give a FITS image (a plate scan or cutout)');
    return h;
  }

  /**
   * Pixels of the rectangle whose lower-left corner is (x1, y1), FITS 1-based,
   * row-major, first row y1. BZERO/BSCALE applied, BLANK -> NaN.
   */
  async readImageRect(x1: number, y1: number, width: number, height: number, hdu = 0): Promise<Float32Array> {
    const h = this.imageOf(hdu);
    this.checkRect(h, { x1, y1, width, height });
    const nx = h.naxis[0];
    const bpp = Math.abs(h.bitpix) / 8;
    const decode = pixelDecoder(h);
    const out = new Float32Array(width * height);
    // Whole rows are contiguous on disk: read several rows at once, up to ~8 MB.
    if (width === nx) {
      const rowsPerRead = Math.max(1, Math.floor(MAX_READ_BYTES / (nx * bpp)));
      for (let r = 0; r < height; r += rowsPerRead) {
        const rows = Math.min(rowsPerRead, height - r);
        const buf = await this.readData(h, ((y1 - 1 + r) * nx) * bpp, rows * nx * bpp);
        decode(buf, out, r * width, rows * nx);
      }
    } else {
      for (let r = 0; r < height; r++) {
        const buf = await this.readData(h, ((y1 - 1 + r) * nx + (x1 - 1)) * bpp, width * bpp);
        decode(buf, out, r * width, width);
      }
    }
    return out;
  }

  /**
   * Many small rectangles at once (e.g. a window round each of thousands of
   * stars): rows shared by nearby rectangles are read once, in strips of whole
   * rows, instead of one read per row of each rectangle. Same pixels, in the
   * order asked, as readImageRect gives one by one.
   */
  async readImageRects(rects: readonly ImageRect[], hdu = 0): Promise<Float32Array[]> {
    const h = this.imageOf(hdu);
    for (const r of rects) this.checkRect(h, r);
    const nx = h.naxis[0];
    const bpp = Math.abs(h.bitpix) / 8;
    const stripRows = Math.max(1, Math.floor(MAX_READ_BYTES / (nx * bpp)));
    const decode = pixelDecoder(h);
    const out = rects.map((r) => new Float32Array(r.width * r.height));
    const order = rects.map((_, i) => i).sort((a, b) => rects[a].y1 - rects[b].y1);
    for (let k = 0; k < order.length; ) {
      // A strip from the lowest rectangle not yet read, holding every following one that fits whole.
      const lo = rects[order[k]].y1;
      let hi = lo + rects[order[k]].height - 1;
      let end = k + 1;
      while (end < order.length) {
        const r = rects[order[end]];
        const top = Math.max(hi, r.y1 + r.height - 1);
        if (top - lo + 1 > Math.max(stripRows, rects[order[k]].height)) break;
        hi = top;
        end++;
      }
      const strip = await this.readData(h, (lo - 1) * nx * bpp, (hi - lo + 1) * nx * bpp);
      for (; k < end; k++) {
        const r = rects[order[k]];
        for (let row = 0; row < r.height; row++) {
          const at = ((r.y1 - lo + row) * nx + (r.x1 - 1)) * bpp;
          decode(strip.subarray(at, at + r.width * bpp), out[order[k]], row * r.width, r.width);
        }
      }
    }
    return out;
  }

  /**
   * Whole rows as stored (big-endian, before BZERO/BSCALE): for copying a
   * plate's pixels unchanged into another file of the same BITPIX.
   */
  async readRawRows(y1: number, rows: number, hdu = 0): Promise<Buffer> {
    const h = this.imageOf(hdu);
    const nx = h.naxis[0] ?? 0;
    this.checkRect(h, { x1: 1, y1, width: nx, height: rows });
    const bpp = Math.abs(h.bitpix) / 8;
    return this.readData(h, (y1 - 1) * nx * bpp, rows * nx * bpp);
  }

  /** Reads single pixels out of what readRawRows returned (e.g. a few thousand here and there in a wide band of rows). */
  pixelReader(hdu = 0): { read: PixelReader; bytesPerPixel: number } {
    const h = this.imageOf(hdu);
    return { read: pixelReader(h), bytesPerPixel: Math.abs(h.bitpix) / 8 };
  }

  private imageOf(hdu: number): FitsHdu {
    const h = this.hdu(hdu);
    if (h.xtension !== null && h.xtension !== 'IMAGE') throw new UserError(`${this.path} HDU ${hdu} is a ${h.xtension}, not an image`);
    return h;
  }

  private checkRect(h: FitsHdu, { x1, y1, width, height }: ImageRect): void {
    const [nx = 0, ny = 1] = h.naxis;
    if (!(Number.isInteger(x1) && Number.isInteger(y1) && Number.isInteger(width) && Number.isInteger(height)))
      throw new UserError(`${this.path}: image rectangle must be whole pixels, got x=${x1} y=${y1} ${width}x${height}`);
    if (h.naxis.length < 1 || width < 1 || height < 1 || x1 < 1 || y1 < 1 || x1 + width - 1 > nx || y1 + height - 1 > ny)
      throw new UserError(
        `${this.path}: rectangle x ${x1}..${x1 + width - 1}, y ${y1}..${y1 + height - 1} is outside the ${nx}x${ny} image`,
        'ask for pixels inside the image (FITS 1-based)',
      );
  }

  /** The whole image of an HDU (first two axes). */
  async readImage(hdu = 0): Promise<Float32Array> {
    const h = this.hdu(hdu);
    const [nx = 0, ny = 1] = h.naxis;
    return this.readImageRect(1, 1, nx, h.naxis.length > 1 ? ny : 1, hdu);
  }

  /** A BINTABLE extension, read into memory. */
  async readTable(hdu: number): Promise<FitsTable> {
    const h = this.hdu(hdu);
    if (h.xtension !== 'BINTABLE') throw new UserError(`${this.path} HDU ${hdu} is not a binary table (it is ${h.xtension ?? 'the primary image'})`);
    const buf = await this.readData(h, 0, h.dataBytes);
    return parseTable(this.path, h, buf);
  }

  /** All HDUs whose EXTNAME is `name`. */
  byName(name: string): FitsHdu[] {
    return this.hdus.filter((h) => h.header.EXTNAME === name);
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  private async readData(h: FitsHdu, offset: number, length: number): Promise<Buffer> {
    const buf = await this.source.read(h.dataStart + offset, length);
    if (buf.length < length)
      throw new UserError(
        `${this.path} is truncated: HDU ${h.index} data end at byte ${h.dataStart + h.dataBytes} but the file has ${this.source.size}`,
        'download or copy the file again',
      );
    return buf;
  }
}

type Decoder = (buf: Buffer, out: Float32Array, at: number, count: number) => void;

/** One pixel's value at a byte offset of raw image data: BZERO/BSCALE applied, BLANK -> NaN. */
export type PixelReader = (buf: Buffer, byteOffset: number) => number;

function pixelReader(h: FitsHdu): PixelReader {
  const bzero = Number(h.header.BZERO ?? 0);
  const bscale = Number(h.header.BSCALE ?? 1);
  const blank = typeof h.header.BLANK === 'number' ? h.header.BLANK : null;
  const scaled = bzero !== 0 || bscale !== 1;
  const ints = (read: (buf: Buffer, o: number) => number): PixelReader => (buf, o) => {
    const v = read(buf, o);
    return blank !== null && v === blank ? NaN : scaled ? bzero + bscale * v : v;
  };
  const floats = (read: (buf: Buffer, o: number) => number): PixelReader => (buf, o) => (scaled ? bzero + bscale * read(buf, o) : read(buf, o));
  switch (h.bitpix) {
    case 8:
      return ints((b, o) => b[o]);
    case 16:
      return ints((b, o) => b.readInt16BE(o));
    case 32:
      return ints((b, o) => b.readInt32BE(o));
    case 64:
      return ints((b, o) => Number(b.readBigInt64BE(o)));
    case -32:
      return floats((b, o) => b.readFloatBE(o));
    case -64:
      return floats((b, o) => b.readDoubleBE(o));
    default:
      throw new UserError(`HDU ${h.index} has BITPIX ${h.bitpix}, which FITS does not define`);
  }
}

function pixelDecoder(h: FitsHdu): Decoder {
  const read = pixelReader(h);
  const size = Math.abs(h.bitpix) / 8;
  return (buf, out, at, count) => {
    for (let i = 0; i < count; i++) out[at + i] = read(buf, i * size);
  };
}

/** Walk the file HDU by HDU: headers are read, data are only skipped. */
async function scanHdus(path: string, src: ByteSource): Promise<FitsHdu[]> {
  const first = await src.read(0, Math.min(src.size, CARD));
  if (first.length < 6 || first.subarray(0, 9).toString('latin1') !== 'SIMPLE  =') {
    throw new UserError(
      `${path} is not a FITS file (it does not start with "SIMPLE  =")`,
      'give a FITS image such as a DSS plate scan or cutout',
    );
  }
  const hdus: FitsHdu[] = [];
  let pos = 0;
  while (pos < src.size) {
    const headerStart = pos;
    const cards: string[] = [];
    const hash = createHash('sha256');
    let ended = false;
    while (!ended) {
      const block = await src.read(pos, BLOCK);
      if (block.length < BLOCK) {
        if (hdus.length > 0 && cards.length === 0 && block.subarray(0, 8).toString('latin1') !== 'XTENSION') {
          return hdus; // trailing bytes after the last HDU: tolerated
        }
        throw new UserError(
          `${path} is truncated: the header of HDU ${hdus.length} ends at byte ${pos + block.length} without an END card`,
          'download or copy the file again',
        );
      }
      if (cards.length === 0 && hdus.length > 0 && block.subarray(0, 8).toString('latin1') !== 'XTENSION') {
        return hdus; // padding or junk after the last HDU, not another extension
      }
      hash.update(block);
      pos += BLOCK;
      const text = block.toString('latin1');
      for (let i = 0; i < BLOCK; i += CARD) {
        const card = text.slice(i, i + CARD);
        cards.push(card);
        if (card.startsWith('END') && card.slice(3).trim() === '') {
          ended = true;
          break;
        }
      }
      if (!ended && pos >= src.size)
        throw new UserError(`${path}: header of HDU ${hdus.length} has no END card`, 'the file is damaged or not FITS; download it again');
    }
    const header = parseHeaderCards(cards);
    const bitpix = Number(header.BITPIX);
    if (![8, 16, 32, 64, -32, -64].includes(bitpix))
      throw new UserError(`${path}: HDU ${hdus.length} has BITPIX ${String(header.BITPIX)}, which FITS does not define`, 'the file is damaged or not FITS');
    const naxis = axes(header);
    if (naxis.some((n) => !Number.isInteger(n) || n < 0))
      throw new UserError(`${path}: HDU ${hdus.length} has invalid NAXISn values ${naxis.join(', ')}`);
    const xtension = hdus.length === 0 ? null : String(header.XTENSION ?? '').trim();
    const dataBytes = declaredDataBytes(header, bitpix, naxis, hdus.length === 0);
    if (pos + dataBytes > src.size)
      throw new UserError(
        `${path} is truncated: HDU ${hdus.length} declares ${dataBytes} bytes of data (${naxis.join('x')}, BITPIX ${bitpix}) but only ${Math.max(0, src.size - pos)} follow the header`,
        'download or copy the file again',
      );
    hdus.push({
      index: hdus.length,
      header,
      cards,
      headerStart,
      dataStart: pos,
      dataBytes,
      bitpix,
      naxis,
      xtension,
      headerSha256: hash.digest('hex'),
    });
    pos += pad(dataBytes);
  }
  return hdus;
}

/** sha256 hex of the raw header block of an HDU (ties a run to the exact file). */
export function headerDigest(hdu: FitsHdu): string {
  if (hdu.headerSha256) return hdu.headerSha256;
  const text = hdu.cards.map((c) => c.padEnd(CARD)).join('');
  return createHash('sha256').update(Buffer.from(text.padEnd(pad(text.length), ' '), 'latin1')).digest('hex');
}

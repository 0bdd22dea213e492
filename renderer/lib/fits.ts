/**
 * Decoding the small FITS images the main process sends (cutouts, blink
 * frames) with fitsjs, which index.html loads as a classic script
 * (window.astro.FITS; see vite.config.ts).
 */
import type { HeaderValue, HeaderValues } from '../../electron/fits/header';

export interface FitsImage {
  width: number;
  height: number;
  /** Physical values (BZERO/BSCALE applied), row 0 = FITS row 1 (bottom). */
  data: Float32Array;
  header: HeaderValues;
  /** The original bytes, for "save as FITS". */
  bytes: Uint8Array;
}

interface FitsjsHeader {
  cards: Record<string, { value: unknown } | unknown[]>;
}
interface FitsjsImage {
  width: number;
  height: number;
  bitpix: number;
  bzero: number;
  bscale: number;
  frameLength: number;
  /** The data unit's bytes (a slice of the file Blob). */
  blob: Blob;
  /** fitsjs's own decoder (byte order, BZERO/BSCALE), synchronous. */
  _getFrame(buffer: ArrayBuffer, bitpix: number, bzero: number, bscale: number): ArrayLike<number>;
}
interface FitsjsFile {
  getHDU(): { header: FitsjsHeader; data: FitsjsImage } | undefined;
}
type FitsjsCtor = new (blob: Blob, cb: (this: FitsjsFile, f: FitsjsFile) => void) => FitsjsFile;

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function fitsjs(): FitsjsCtor {
  const ctor = (globalThis as { astro?: { FITS?: FitsjsCtor } }).astro?.FITS;
  if (!ctor) throw new Error('fitsjs is not loaded (vendor/fits.js missing from the renderer build); rebuild with `npm run build:renderer`');
  return ctor;
}

export function decodeFits(base64: string): Promise<FitsImage> {
  const bytes = base64ToBytes(base64);
  const FITS = fitsjs();
  return new Promise((resolve, reject) => {
    try {
      new FITS(new Blob([bytes as BlobPart]), function (this: FitsjsFile) {
        const hdu = this.getHDU();
        if (!hdu || !hdu.data) {
          reject(new Error('the FITS file from the main process has no image data'));
          return;
        }
        const header: HeaderValues = {};
        for (const [k, card] of Object.entries(hdu.header.cards)) {
          if (!Array.isArray(card) && card && typeof card === 'object') header[k] = (card as { value: HeaderValue }).value;
        }
        const img = hdu.data;
        // fitsjs's getFrame() decodes in a Worker built from a blob: script,
        // which a strict Content-Security-Policy refuses; its decoder runs
        // just as well here for the small images we get.
        img.blob.arrayBuffer().then((buf) => {
          // Scaling is applied here in float: fitsjs would write BZERO 32768 back into an Int16Array.
          const raw = img._getFrame(buf.slice(0, img.frameLength), img.bitpix, 0, 1);
          const data = new Float32Array(raw.length);
          const blank = img.bitpix > 0 ? header.BLANK : undefined;
          for (let i = 0; i < raw.length; i++) {
            data[i] = blank !== undefined && raw[i] === blank ? NaN : img.bzero + img.bscale * raw[i];
          }
          resolve({ width: img.width, height: img.height, data, header, bytes });
        }, reject);
      });
    } catch (err) {
      reject(err as Error);
    }
  });
}

/** Offer bytes to the user as a file download. */
export function downloadBytes(bytes: Uint8Array, fileName: string, mime = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

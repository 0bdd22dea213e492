/**
 * Tiled extraction: a plate is cut into overlapping tiles that SExtractor and
 * PSFEx process independently (in parallel, see pool.ts); each source belongs
 * to exactly one tile, the one whose core holds its centroid.
 *
 * Tile corners sit on multiples of the background mesh from the plate's
 * origin, so inside a tile SExtractor's background meshes are the plate's own
 * meshes. What still differs is near a cut edge: the 3x3 mesh filter has fewer
 * neighbours there, and the bicubic spline through the mesh values is solved
 * along whole rows and columns, so an edge is felt a few meshes in, fading.
 * The overlap (three meshes by default) keeps that out of the cores: on a
 * 2000x2000 synthetic pair, one 256 px mesh of overlap moved 2 of 145
 * candidates across the SNR cut (SNR 29.9 vs 30.1), three moved none.
 */
import { existsSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { FitsFile, FitsImageWriter } from '../fits';
import type { HeaderValues } from './types';

/** Inclusive FITS 1-based pixel range. */
export interface PixelRange {
  lo: number;
  hi: number;
}

export interface Tile {
  index: number;
  /** The tile image: plate pixels x1..x1+width-1, y1..y1+height-1 (x_plate = x_tile + x1 - 1). */
  x1: number;
  y1: number;
  width: number;
  height: number;
  /** The pixels whose sources this tile owns. */
  coreX: PixelRange;
  coreY: PixelRange;
  /** True when the tile is the whole image (the plate file is used as it is). */
  whole: boolean;
}

export interface TilePlan {
  /** Side of a tile's core, pixels (0: one tile, the whole image). */
  tileSizePx: number;
  /** Extra pixels around a core on every side that is not the image edge. */
  overlapPx: number;
  /** Tile corners are put on multiples of this (the background mesh). */
  alignPx: number;
}

function splitAxis(n: number, tileSize: number, align: number): PixelRange[] {
  if (!(tileSize > 0) || tileSize >= n) return [{ lo: 1, hi: n }];
  const count = Math.ceil(n / tileSize);
  // Balanced cores, each a whole number of meshes (the last one takes the rest).
  const step = Math.max(align, Math.ceil(n / count / align) * align);
  const out: PixelRange[] = [];
  for (let lo = 1; lo <= n; lo += step) out.push({ lo, hi: Math.min(n, lo + step - 1) });
  // A sliver of less than half a step joins its neighbour.
  if (out.length > 1 && out[out.length - 1].hi - out[out.length - 1].lo + 1 < step / 2) {
    const last = out.pop()!;
    out[out.length - 1].hi = last.hi;
  }
  return out;
}

/** Tiles of a width x height image, row by row from the bottom left. */
export function planTiles(width: number, height: number, plan: TilePlan): Tile[] {
  const align = Math.max(1, Math.round(plan.alignPx));
  const overlap = Math.ceil(Math.max(0, plan.overlapPx) / align) * align;
  const xs = splitAxis(width, plan.tileSizePx, align);
  const ys = splitAxis(height, plan.tileSizePx, align);
  const tiles: Tile[] = [];
  for (const cy of ys) {
    for (const cx of xs) {
      const x1 = Math.max(1, cx.lo - overlap);
      const y1 = Math.max(1, cy.lo - overlap);
      const x2 = Math.min(width, cx.hi + overlap);
      const y2 = Math.min(height, cy.hi + overlap);
      tiles.push({
        index: tiles.length,
        x1,
        y1,
        width: x2 - x1 + 1,
        height: y2 - y1 + 1,
        coreX: cx,
        coreY: cy,
        whole: xs.length === 1 && ys.length === 1,
      });
    }
  }
  return tiles;
}

/**
 * Does the tile own a source centred at plate pixel (x, y)? A pixel covers
 * [i - 0.5, i + 0.5), so cores tile the plane without gaps or overlaps; the
 * outermost cores reach to infinity (centroids may sit just outside the image).
 */
export function tileOwns(tile: Tile, x: number, y: number, width: number, height: number): boolean {
  const inside = (v: number, r: PixelRange, n: number) => (r.lo === 1 || v >= r.lo - 0.5) && (r.hi === n || v < r.hi + 0.5);
  return inside(x, tile.coreX, width) && inside(y, tile.coreY, height);
}

/** Header keyword holding the key a tile image was written for. */
const KEY_CARD = 'VASCOKEY';

/** The key an existing tile image was written for, or null (absent, unreadable, or written without one). */
async function tileImageKey(file: string): Promise<string | null> {
  if (!existsSync(file)) return null;
  try {
    const f = await FitsFile.open(file);
    try {
      const v = f.hdu(0).header[KEY_CARD];
      return typeof v === 'string' ? v : null;
    } finally {
      await f.close();
    }
  } catch {
    return null;
  }
}

/**
 * Write a tile's pixels as a FITS image, strip by strip (memory: one strip).
 * 16-bit scans stay 16-bit with their BZERO (same values for SExtractor);
 * anything else becomes 32-bit float. LTV1/LTV2 record the offset (IRAF's
 * convention: x_tile = x_plate + LTV1).
 *
 * `key` (a digest of the plate's content and the tile plan) is written into
 * the header; an existing image at `dest` is reused only when it carries the
 * same key, so a tile of another plate or plan is never taken for this one.
 * Without a key the image is always written anew.
 */
export async function writeTileImage(plateFile: string, hdu: number, tile: Tile, dest: string, opts: { key?: string; stripRows?: number } = {}): Promise<void> {
  const { key, stripRows = 256 } = opts;
  if (key && (await tileImageKey(dest)) === key) return;
  const f = await FitsFile.open(plateFile);
  try {
    const h = f.hdu(hdu);
    const bscale = Number(h.header.BSCALE ?? 1);
    const keep16 = h.bitpix === 16 && bscale === 1;
    const header: HeaderValues = {
      LTV1: -(tile.x1 - 1),
      LTV2: -(tile.y1 - 1),
      ...(key ? { [KEY_CARD]: key } : {}),
      // The plate's own name may hold characters a FITS header cannot (only printable ASCII).
      COMMENT: `tile ${tile.index} of ${basename(plateFile).replace(/[^ -~]/g, '?')}: plate x ${tile.x1}..${tile.x1 + tile.width - 1}, y ${tile.y1}..${tile.y1 + tile.height - 1}`,
    };
    const partial = `${dest}.partial`;
    const w = await FitsImageWriter.create(partial, tile.width, tile.height, header, keep16 ? 16 : -32, {
      bzero: keep16 ? Number(h.header.BZERO ?? 0) : 0,
      ...(keep16 && typeof h.header.BLANK === 'number' ? { blank: h.header.BLANK } : {}),
    });
    const [nx] = h.naxis;
    for (let r = 0; r < tile.height; r += stripRows) {
      const rows = Math.min(stripRows, tile.height - r);
      if (keep16) {
        // Same BITPIX, BZERO and BLANK: each row's bytes are copied as they are (decoding and encoding
        // every pixel took seconds a tile, with the tools waiting).
        const strip = await f.readRawRows(tile.y1 + r, rows, hdu);
        const out = Buffer.allocUnsafe(rows * tile.width * 2);
        for (let k = 0; k < rows; k++) strip.copy(out, k * tile.width * 2, (k * nx + tile.x1 - 1) * 2, (k * nx + tile.x1 - 1 + tile.width) * 2);
        await w.writeEncodedRows(out);
      } else {
        await w.writeRows(await f.readImageRect(tile.x1, tile.y1 + r, tile.width, rows, hdu));
      }
    }
    await w.close();
    renameSync(partial, dest);
  } finally {
    await f.close();
  }
}

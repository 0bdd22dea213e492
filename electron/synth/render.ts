/**
 * Renders one synthetic plate strip by strip straight into a FITS file, so a
 * 14000x14000 plate needs only one strip of pixels in memory. Sources are
 * binned by the strips their footprint touches and drawn only over that
 * footprint; sky, grain and the photographic response are applied per pixel.
 * The grain is one random stream in row order, so the strip height never
 * changes the bytes.
 */
import { rm } from 'node:fs/promises';
import { CancelledError } from '../core/errors';
import type { StageContext } from '../core/stage';
import { FitsImageWriter } from '../fits/write';
import type { HeaderValues } from '../fits/header';
import { Emulsion, photographicResponse } from './emulsion';
import { FastGaussian } from './prng';

/** Anything drawn on a plate. Positions are FITS 1-based pixels; values ADU above the sky. */
export type RenderItem =
  /** An elliptical Moffat, flattened (one object per source keeps a full plate's scene small). */
  | { shape: 'moffat'; x: number; y: number; peak: number; radius: number; alphaMajor: number; alphaMinor: number; cos: number; sin: number; beta: number }
  /** A sharp emulsion speck: whole-pixel values at offsets from pixel (ix, iy). */
  | { shape: 'speck'; ix: number; iy: number; pixels: { dx: number; dy: number; value: number }[] }
  /** A short straight scratch with a Gaussian cross-section. */
  | { shape: 'scratch'; x1: number; y1: number; x2: number; y2: number; amplitude: number; sigma: number }
  /** A dust grain: a soft-edged disc (negative amplitude: a clear spot). */
  | { shape: 'dust'; x: number; y: number; amplitude: number; radius: number; softness: number }
  /** A diffraction spike from (x, y) along (dx, dy) (a unit plate axis): Gaussian cross-section, fading as (1 - t/length)^2. */
  | { shape: 'spike'; x: number; y: number; dx: number; dy: number; length: number; amplitude: number; sigma: number }
  /** A halo ring: a Gaussian annulus of this radius and width. */
  | { shape: 'ring'; x: number; y: number; radius: number; width: number; amplitude: number };

/** Pixel rows and columns an item can touch (inclusive, not clipped). */
export function itemExtent(item: RenderItem): { x0: number; x1: number; y0: number; y1: number } {
  switch (item.shape) {
    case 'moffat':
      return { x0: Math.floor(item.x - item.radius), x1: Math.ceil(item.x + item.radius), y0: Math.floor(item.y - item.radius), y1: Math.ceil(item.y + item.radius) };
    case 'speck': {
      let x0 = item.ix, x1 = item.ix, y0 = item.iy, y1 = item.iy;
      for (const p of item.pixels) {
        x0 = Math.min(x0, item.ix + p.dx);
        x1 = Math.max(x1, item.ix + p.dx);
        y0 = Math.min(y0, item.iy + p.dy);
        y1 = Math.max(y1, item.iy + p.dy);
      }
      return { x0, x1, y0, y1 };
    }
    case 'scratch': {
      const pad = 4 * item.sigma + 1;
      return {
        x0: Math.floor(Math.min(item.x1, item.x2) - pad),
        x1: Math.ceil(Math.max(item.x1, item.x2) + pad),
        y0: Math.floor(Math.min(item.y1, item.y2) - pad),
        y1: Math.ceil(Math.max(item.y1, item.y2) + pad),
      };
    }
    case 'dust': {
      const r = item.radius + 6 * item.softness + 1;
      return { x0: Math.floor(item.x - r), x1: Math.ceil(item.x + r), y0: Math.floor(item.y - r), y1: Math.ceil(item.y + r) };
    }
    case 'spike': {
      const pad = 4 * item.sigma + 1;
      const ex = item.x + item.dx * item.length, ey = item.y + item.dy * item.length;
      return { x0: Math.floor(Math.min(item.x, ex) - pad), x1: Math.ceil(Math.max(item.x, ex) + pad), y0: Math.floor(Math.min(item.y, ey) - pad), y1: Math.ceil(Math.max(item.y, ey) + pad) };
    }
    case 'ring': {
      const r = item.radius + 4 * item.width + 1;
      return { x0: Math.floor(item.x - r), x1: Math.ceil(item.x + r), y0: Math.floor(item.y - r), y1: Math.ceil(item.y + r) };
    }
  }
}

/**
 * Adds the part of `item` in rows [rowFrom, rowTo] (1-based, inclusive) to
 * `buf`, which holds those rows of a `width`-pixel image.
 */
export function drawItem(buf: Float32Array, width: number, rowFrom: number, rowTo: number, item: RenderItem): void {
  const e = itemExtent(item);
  const y0 = Math.max(e.y0, rowFrom), y1 = Math.min(e.y1, rowTo);
  const x0 = Math.max(e.x0, 1), x1 = Math.min(e.x1, width);
  if (y0 > y1 || x0 > x1) return;
  switch (item.shape) {
    case 'moffat': {
      const { peak, radius } = item;
      const ia2 = 1 / (item.alphaMajor * item.alphaMajor), ib2 = 1 / (item.alphaMinor * item.alphaMinor);
      const c = item.cos, s = item.sin, beta = item.beta, r2max = radius * radius;
      const cube = beta === 3;
      for (let j = y0; j <= y1; j++) {
        const dy = j - item.y;
        const row = (j - rowFrom) * width - 1;
        for (let i = x0; i <= x1; i++) {
          const dx = i - item.x;
          if (dx * dx + dy * dy > r2max) continue;
          const u = dx * c + dy * s, v = dy * c - dx * s;
          const t = 1 / (1 + u * u * ia2 + v * v * ib2);
          buf[row + i] += peak * (cube ? t * t * t : t ** beta);
        }
      }
      return;
    }
    case 'speck':
      for (const p of item.pixels) {
        const i = item.ix + p.dx, j = item.iy + p.dy;
        if (i >= 1 && i <= width && j >= rowFrom && j <= rowTo) buf[(j - rowFrom) * width + i - 1] += p.value;
      }
      return;
    case 'scratch': {
      const lx = item.x2 - item.x1, ly = item.y2 - item.y1;
      const len2 = lx * lx + ly * ly || 1;
      const k = -0.5 / (item.sigma * item.sigma);
      for (let j = y0; j <= y1; j++)
        for (let i = x0; i <= x1; i++) {
          const t = Math.min(1, Math.max(0, ((i - item.x1) * lx + (j - item.y1) * ly) / len2));
          const dx = i - (item.x1 + t * lx), dy = j - (item.y1 + t * ly);
          const d2 = dx * dx + dy * dy;
          if (d2 < 16 * item.sigma * item.sigma) buf[(j - rowFrom) * width + i - 1] += item.amplitude * Math.exp(k * d2);
        }
      return;
    }
    case 'dust':
      for (let j = y0; j <= y1; j++)
        for (let i = x0; i <= x1; i++) {
          const d = Math.hypot(i - item.x, j - item.y);
          buf[(j - rowFrom) * width + i - 1] += item.amplitude / (1 + Math.exp((d - item.radius) / item.softness));
        }
      return;
    case 'spike': {
      const k = -0.5 / (item.sigma * item.sigma);
      for (let j = y0; j <= y1; j++)
        for (let i = x0; i <= x1; i++) {
          const along = (i - item.x) * item.dx + (j - item.y) * item.dy;
          if (along < 0 || along > item.length) continue;
          const across = (i - item.x) * item.dy - (j - item.y) * item.dx;
          const fade = 1 - along / item.length;
          buf[(j - rowFrom) * width + i - 1] += item.amplitude * fade * fade * Math.exp(k * across * across);
        }
      return;
    }
    case 'ring': {
      const k = -0.5 / (item.width * item.width);
      for (let j = y0; j <= y1; j++)
        for (let i = x0; i <= x1; i++) {
          const d = Math.hypot(i - item.x, j - item.y) - item.radius;
          buf[(j - rowFrom) * width + i - 1] += item.amplitude * Math.exp(k * d * d);
        }
      return;
    }
  }
}

/** Item indices per strip: an item is listed in every strip its footprint touches. */
function binByStrip(items: RenderItem[], width: number, height: number, stripRows: number): { start: Int32Array; list: Int32Array } {
  const strips = Math.ceil(height / stripRows);
  const range = new Int32Array(items.length * 2).fill(-1);
  const count = new Int32Array(strips + 1);
  items.forEach((item, n) => {
    const e = itemExtent(item);
    if (e.x1 < 1 || e.x0 > width || e.y1 < 1 || e.y0 > height) return;
    const s0 = Math.floor((Math.max(e.y0, 1) - 1) / stripRows);
    const s1 = Math.floor((Math.min(e.y1, height) - 1) / stripRows);
    range[2 * n] = s0;
    range[2 * n + 1] = s1;
    for (let s = s0; s <= s1; s++) count[s + 1]++;
  });
  for (let s = 0; s < strips; s++) count[s + 1] += count[s];
  const list = new Int32Array(count[strips]);
  const fill = count.slice(0, strips);
  for (let n = 0; n < items.length; n++) {
    if (range[2 * n] < 0) continue;
    for (let s = range[2 * n]; s <= range[2 * n + 1]; s++) list[fill[s]++] = n;
  }
  return { start: count, list };
}

export interface PlateImageJob {
  path: string;
  width: number;
  height: number;
  header: HeaderValues;
  items: RenderItem[];
  emulsion: Emulsion;
  /** Seed and stream name of the grain. */
  seed: number | string;
  stream: string;
  stripRows: number;
  /** Progress stage name, e.g. "synth-red". */
  stage: string;
}

/** Renders and writes one plate as BITPIX 16. */
export async function renderPlateImage(job: PlateImageJob, ctx: StageContext = {}): Promise<void> {
  const { width, height, items, emulsion, stripRows } = job;
  const { knee, saturation } = emulsion.params;
  const bins = binByStrip(items, width, height, stripRows);
  const grain = new FastGaussian(job.seed, job.stream);
  const c = emulsion.grainMix;
  const norm = 1 / (1 + c * c);
  const noiseScale = emulsion.noiseScale;
  const signal = new Float32Array(width * stripRows);
  const draws = new Float32Array(width);
  const prevRow = new Float32Array(width); // horizontally mixed grain of the row below
  const skyRow = new Float32Array(width);
  const out = new Int16Array(width * stripRows);
  const writer = await FitsImageWriter.create(job.path, width, height, job.header, 16);
  const started = Date.now();
  let complete = false;
  try {
    const strips = Math.ceil(height / stripRows);
    for (let s = 0; s < strips; s++) {
      if (ctx.signal?.aborted) throw new CancelledError(`rendering ${job.path}`);
      const rowFrom = s * stripRows + 1;
      const rowTo = Math.min(height, rowFrom + stripRows - 1);
      const rows = rowTo - rowFrom + 1;
      signal.fill(0, 0, rows * width);
      for (let k = bins.start[s]; k < bins.start[s + 1]; k++) drawItem(signal, width, rowFrom, rowTo, items[bins.list[k]]);
      for (let j = rowFrom; j <= rowTo; j++) {
        emulsion.skyRow(j, skyRow);
        grain.fill(draws);
        const base = (j - rowFrom) * width;
        let left = 0;
        for (let i = 0; i < width; i++) {
          const h = draws[i] + c * left;
          left = draws[i];
          const n = (h + c * prevRow[i]) * norm;
          prevRow[i] = h;
          const level = skyRow[i] + signal[base + i];
          const v = level + noiseScale * Math.sqrt(level > 0 ? level : 0) * n;
          out[base + i] = Math.round(photographicResponse(v, knee, saturation));
        }
      }
      await writer.writeRows(rows === stripRows ? out : out.subarray(0, rows * width));
      if (ctx.onProgress) {
        const fraction = (s + 1) / strips;
        const elapsed = (Date.now() - started) / 1000;
        ctx.onProgress({ stage: job.stage, fraction, etaSeconds: (elapsed / fraction) * (1 - fraction) });
      }
    }
    complete = true;
  } finally {
    if (complete) await writer.close();
    else {
      // A half-written plate must not pass for a whole one.
      await writer.close().catch(() => undefined);
      await rm(job.path, { force: true });
    }
  }
}

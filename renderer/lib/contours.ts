/**
 * Contours of one band over the other: the other band's cutout resampled onto
 * this one's pixel grid through the two images' WCS (sky position of each
 * pixel, then the other image's pixel there), and iso-lines by marching
 * squares. Coordinates are FITS 1-based pixels of the image drawn.
 */
import type { Limits } from './stretch';

export interface PixelMap {
  pixToSky(x: number, y: number): [number, number];
  skyToPix(ra: number, dec: number): [number, number];
}

export interface Grid {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

/** Bilinear value of `src` at FITS pixel (x, y); NaN outside or next to a blank. */
export function bilinear(src: Grid, x: number, y: number): number {
  const u = x - 1, v = y - 1;
  const i = Math.floor(u), j = Math.floor(v);
  if (!(i >= 0 && j >= 0 && i + 1 < src.width && j + 1 < src.height)) {
    // The last row/column: nearest pixel, so an image resampled onto itself is itself.
    const ni = Math.round(u), nj = Math.round(v);
    return ni >= 0 && nj >= 0 && ni < src.width && nj < src.height && Math.abs(u - ni) < 1e-6 && Math.abs(v - nj) < 1e-6
      ? src.data[nj * src.width + ni]
      : NaN;
  }
  const fu = u - i, fv = v - j, w = src.width;
  const a = src.data[j * w + i], b = src.data[j * w + i + 1], c = src.data[(j + 1) * w + i], d = src.data[(j + 1) * w + i + 1];
  return (a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + d * fu) * fv;
}

/**
 * `src` (with its WCS) on the grid of `target` (with its WCS). The pixel
 * mapping is exact on nodes every `step` pixels and bilinear between them:
 * plate solutions are smooth over a cutout, and the DSS solution's inverse is
 * too slow to call for every pixel.
 */
export function resampleOnto(target: { width: number; height: number; wcs: PixelMap }, src: Grid & { wcs: PixelMap }, step = 8): Float32Array {
  const { width: w, height: h } = target;
  const nx = Math.ceil((w - 1) / step) + 1, ny = Math.ceil((h - 1) / step) + 1;
  const mapX = new Float64Array(nx * ny), mapY = new Float64Array(nx * ny);
  for (let q = 0; q < ny; q++) {
    for (let p = 0; p < nx; p++) {
      const x = Math.min(1 + p * step, w), y = Math.min(1 + q * step, h);
      const [ra, dec] = target.wcs.pixToSky(x, y);
      const [u, v] = src.wcs.skyToPix(ra, dec);
      mapX[q * nx + p] = u;
      mapY[q * nx + p] = v;
    }
  }
  const out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    const gy = Math.min(j / step, ny - 1), q = Math.min(Math.floor(gy), ny - 2 < 0 ? 0 : ny - 2);
    // Nodes sit at 1 + k*step except the last, clamped to the edge.
    const y0 = 1 + q * step, y1 = Math.min(1 + (q + 1) * step, h);
    const fy = ny > 1 ? (j + 1 - y0) / (y1 - y0) : 0;
    for (let i = 0; i < w; i++) {
      const gx = Math.min(i / step, nx - 1), p = Math.min(Math.floor(gx), nx - 2 < 0 ? 0 : nx - 2);
      const x0 = 1 + p * step, x1 = Math.min(1 + (p + 1) * step, w);
      const fx = nx > 1 ? (i + 1 - x0) / (x1 - x0) : 0;
      const k = q * nx + p;
      const lerp = (m: Float64Array) =>
        ny > 1 && nx > 1
          ? (m[k] * (1 - fx) + m[k + 1] * fx) * (1 - fy) + (m[k + nx] * (1 - fx) + m[k + nx + 1] * fx) * fy
          : m[k];
      out[j * w + i] = bilinear(src, lerp(mapX), lerp(mapY));
    }
  }
  return out;
}

/**
 * Contour levels from the other band's display limits: its white point and
 * then doublings of (level - black point), as many as stay below the peak.
 */
export function contourLevels(limits: Limits, peak: number, max = 6): number[] {
  const span = limits.vmax - limits.vmin;
  if (!(span > 0) || !Number.isFinite(peak)) return [];
  const out: number[] = [];
  for (let k = 0; k < max; k++) {
    const level = limits.vmin + span * 2 ** k;
    if (level >= peak) break;
    out.push(level);
  }
  return out;
}

// Cell corners a=(i,j) b=(i+1,j) c=(i+1,j+1) d=(i,j+1); edges 0=ab 1=bc 2=dc 3=ad.
// Segments per case (bit a=1, b=2, c=4, d=8); the saddles 5 and 10 are decided by the cell's mean.
const SEGMENTS: number[][] = [[], [3, 0], [0, 1], [3, 1], [1, 2], [], [0, 2], [3, 2], [2, 3], [0, 2], [], [1, 2], [1, 3], [0, 1], [3, 0], []];

/**
 * Iso-line of `grid` at `level` as line segments [x1, y1, x2, y2, ...] in
 * FITS 1-based pixels (pixel centres are the grid's nodes). Cells touching a
 * blank (NaN) pixel are skipped.
 */
export function marchingSquares(grid: Grid, level: number): Float32Array {
  const { data, width: w, height: h } = grid;
  const out: number[] = [];
  for (let j = 0; j + 1 < h; j++) {
    for (let i = 0; i + 1 < w; i++) {
      const a = data[j * w + i], b = data[j * w + i + 1], c = data[(j + 1) * w + i + 1], d = data[(j + 1) * w + i];
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const cs = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (cs === 0 || cs === 15) continue;
      // Where the level crosses edge e, as FITS pixel coordinates.
      const at = (e: number): [number, number] => {
        const t = (p: number, q: number) => (level - p) / (q - p);
        switch (e) {
          case 0: return [i + 1 + t(a, b), j + 1];
          case 1: return [i + 2, j + 1 + t(b, c)];
          case 2: return [i + 1 + t(d, c), j + 2];
          default: return [i + 1, j + 1 + t(a, d)];
        }
      };
      let edges = SEGMENTS[cs];
      if (cs === 5 || cs === 10) {
        const centreAbove = (a + b + c + d) / 4 > level;
        // a and c above (5): joined through the centre, the line cuts off b and d; else it cuts off a and c.
        edges = (cs === 5) === centreAbove ? [0, 1, 2, 3] : [3, 0, 1, 2];
      }
      for (let s = 0; s < edges.length; s += 2) out.push(...at(edges[s]), ...at(edges[s + 1]));
    }
  }
  return Float32Array.from(out);
}

/**
 * Shapes of the stars in a screenshot, to check that a viewer draws a plate's
 * round stars round. Reads the PNGs Chromium writes (8-bit RGB/RGBA,
 * non-interlaced) with node:zlib; no image library.
 */
import { inflateSync } from 'node:zlib';

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  data: Uint8Array;
}

export function decodePng(png: Buffer): RgbaImage {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      colorType = body[9];
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : colorType === 0 ? 1 : 0;
  if (!channels) throw new Error(`PNG colour type ${colorType} not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? rows[y * stride + i - channels] : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? rows[(y - 1) * stride + i - channels] : 0;
      let v = src[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rows[y * stride + i] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let k = 0; k < width * height; k++) {
    const s = k * channels;
    data[k * 4] = rows[s];
    data[k * 4 + 1] = rows[s + (channels >= 3 ? 1 : 0)];
    data[k * 4 + 2] = rows[s + (channels >= 3 ? 2 : 0)];
    data[k * 4 + 3] = channels === 4 ? rows[s + 3] : 255;
  }
  return { width, height, data };
}

export interface Blob {
  /** Centroid, image pixels (0-based, y down). */
  x: number;
  y: number;
  area: number;
  /** Summed brightness above the background. */
  flux: number;
  /** sqrt of the ratio of the second-moment eigenvalues: 1 for a round star. */
  elongation: number;
}

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Bright blobs of grey pixels in a region of a screenshot, brightest first.
 * Coloured pixels (overlay markers, controls) are ignored; a blob touching one
 * or the region's edge is left out, so only whole stars are measured.
 */
export function brightBlobs(img: RgbaImage, region: Region, minArea = 4): Blob[] {
  const w = region.x1 - region.x0, h = region.y1 - region.y0;
  const grey = new Float32Array(w * h);
  const masked = new Uint8Array(w * h);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const k = ((region.y0 + j) * img.width + region.x0 + i) * 4;
      const r = img.data[k], g = img.data[k + 1], b = img.data[k + 2];
      grey[j * w + i] = (r + g + b) / 3;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 24) masked[j * w + i] = 1;
    }
  const vals = Array.from(grey).filter((_, k) => !masked[k]).sort((a, b) => a - b);
  const bg = vals[vals.length >> 1];
  const top = vals[Math.floor(vals.length * 0.998)];
  const thr = bg + 0.5 * (top - bg);
  const seen = new Uint8Array(w * h);
  const blobs: Blob[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || masked[start] || grey[start] < thr) continue;
    const stack = [start];
    seen[start] = 1;
    const pix: number[] = [];
    let spoiled = false;
    while (stack.length) {
      const k = stack.pop()!;
      pix.push(k);
      const i = k % w, j = (k - i) / w;
      if (i === 0 || j === 0 || i === w - 1 || j === h - 1) spoiled = true;
      for (const [di, dj] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const ii = i + di, jj = j + dj;
        if (ii < 0 || jj < 0 || ii >= w || jj >= h) continue;
        const n = jj * w + ii;
        if (masked[n]) spoiled = true;
        if (seen[n] || masked[n] || grey[n] < thr) continue;
        seen[n] = 1;
        stack.push(n);
      }
    }
    if (spoiled || pix.length < minArea) continue;
    let sw = 0, sx = 0, sy = 0;
    for (const k of pix) {
      const v = grey[k] - bg, i = k % w, j = (k - i) / w;
      sw += v; sx += v * i; sy += v * j;
    }
    const cx = sx / sw, cy = sy / sw;
    let xx = 0, yy = 0, xy = 0;
    for (const k of pix) {
      const v = grey[k] - bg, i = k % w, j = (k - i) / w;
      xx += v * (i - cx) ** 2; yy += v * (j - cy) ** 2; xy += v * (i - cx) * (j - cy);
    }
    xx /= sw; yy /= sw; xy /= sw;
    // Each pixel is a unit square: add its own variance (1/12) so a one-pixel-wide line is not infinitely thin.
    xx += 1 / 12; yy += 1 / 12;
    const mean = (xx + yy) / 2, diff = Math.sqrt(((xx - yy) / 2) ** 2 + xy * xy);
    blobs.push({ x: cx + region.x0, y: cy + region.y0, area: pix.length, flux: sw, elongation: Math.sqrt((mean + diff) / (mean - diff)) });
  }
  return blobs.sort((a, b) => b.flux - a.flux);
}

/** Median elongation of the n brightest whole blobs. */
export function medianElongation(blobs: Blob[], n = 8): number {
  const e = blobs.slice(0, n).map((b) => b.elongation).sort((a, b) => a - b);
  return e.length ? e[e.length >> 1] : NaN;
}

/**
 * How much a small disk at (x, y) stands out: its mean grey level against
 * the same mean taken on a grid of disks over the region (their median and
 * MAD-sigma). A star there gives tens of sigmas, plain sky about zero.
 * Coloured pixels (markers) are left out.
 */
export function spotSignificance(img: RgbaImage, x: number, y: number, r: number, region: Region): number {
  const diskMean = (cx: number, cy: number): number | null => {
    let sum = 0, n = 0;
    for (let j = Math.round(cy - r); j <= Math.round(cy + r); j++)
      for (let i = Math.round(cx - r); i <= Math.round(cx + r); i++) {
        if (Math.hypot(i - cx, j - cy) > r || i < 0 || j < 0 || i >= img.width || j >= img.height) continue;
        const k = (j * img.width + i) * 4;
        const R = img.data[k], G = img.data[k + 1], B = img.data[k + 2];
        if (Math.max(R, G, B) - Math.min(R, G, B) > 24) continue;
        sum += (R + G + B) / 3;
        n++;
      }
    return n >= 5 ? sum / n : null;
  };
  const means: number[] = [];
  const step = 2 * r + 1;
  for (let j = region.y0 + r; j < region.y1 - r; j += step)
    for (let i = region.x0 + r; i < region.x1 - r; i += step) {
      const m = diskMean(i, j);
      if (m !== null) means.push(m);
    }
  means.sort((a, b) => a - b);
  const med = means[means.length >> 1];
  const dev = means.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  const sigma = Math.max(0.5, 1.4826 * dev[dev.length >> 1]);
  return ((diskMean(x, y) ?? -Infinity) - med) / sigma;
}

/**
 * The lean PSF sample: instead of 35x35 stamps of every detection (~5 KB per
 * source, ~1 GB for a full plate), stamps only of stars PSFEx would want
 * anyway, chosen from the stamp-less pass-1 catalogue: FLAGS 0 (so not
 * clipped by the scanner, not blended, not at an edge), SNR >= PSFEx's
 * SAMPLE_MINSN, roundish (PSFEx's SAMPLE_MAXELLIP), FWHM inside PSFEx's
 * SAMPLE_FWHMRANGE, and no other detection within `isolationPx`. Of those,
 * cell by cell on a grid (so the spatial variation stays constrained over the
 * whole image), a sample spread evenly over the brightness ranks: not the
 * brightest, because a photographic plate saturates softly and its bright
 * stars are broader (taking the brightest 300 on a synthetic 4000x4000 plate
 * gave a model FWHM of 4.5 px where PSFEx's own pick among every stamp gave
 * 3.3 px).
 *
 * This is a change of method, not a reordering: PSFEx then fits its model to
 * this sample rather than to its own pick among every detection (see the
 * README's Performance section for how much the model and SPREAD_MODEL move).
 */
import type { FitsTable } from '../fits';

export interface LeanSampleParams {
  /** PSFEx's SAMPLE_MINSN. */
  minSnr: number;
  /** PSFEx's SAMPLE_MAXELLIP: ellipticity 1 - 1/ELONGATION. */
  maxEllipticity: number;
  /** PSFEx's SAMPLE_FWHMRANGE, pixels of this image. */
  fwhmRangePx: [number, number];
  /** No other detection's barycentre within this many pixels (half a 35 px stamp). */
  isolationPx: number;
  /** Grid cells per axis, and stars kept per cell at most. */
  gridCells: number;
  perCell: number;
}

export const DEFAULT_LEAN_SAMPLE: Omit<LeanSampleParams, 'fwhmRangePx'> = {
  minSnr: 20,
  maxEllipticity: 0.3,
  isolationPx: 17,
  gridCells: 5,
  perCell: 20,
};

export interface PsfStar {
  /** Pass-1 NUMBER and isophotal barycentre (what ASSOC matches on), image pixels. */
  number: number;
  x: number;
  y: number;
}

/** The stars of a pass-1 catalogue (of an image width x height) to take PSF stamps of. */
export function selectPsfStars(t: FitsTable, width: number, height: number, p: LeanSampleParams): PsfStar[] {
  const num = t.numeric('NUMBER');
  const x = t.numeric('X_IMAGE');
  const y = t.numeric('Y_IMAGE');
  const flags = t.numeric('FLAGS');
  const snr = t.numeric('SNR_WIN');
  const elong = t.numeric('ELONGATION');
  const fwhm = t.numeric('FWHM_IMAGE');
  const flux = t.numeric('FLUX_AUTO');

  // Isolation: a hash grid of every detection's barycentre.
  const cell = Math.max(1, p.isolationPx);
  const grid = new Map<number, number[]>();
  const key = (cx: number, cy: number) => cx * 100_003 + cy;
  for (let i = 0; i < t.rows; i++) {
    const k = key(Math.floor(x[i] / cell), Math.floor(y[i] / cell));
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  }
  const isolated = (i: number) => {
    const cx = Math.floor(x[i] / cell);
    const cy = Math.floor(y[i] / cell);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const j of grid.get(key(cx + dx, cy + dy)) ?? [])
          if (j !== i && Math.hypot(x[j] - x[i], y[j] - y[i]) < p.isolationPx) return false;
    return true;
  };

  const candidates: number[] = [];
  for (let i = 0; i < t.rows; i++) {
    if (flags[i] !== 0 || !(snr[i] >= p.minSnr)) continue;
    if (!(1 - 1 / elong[i] <= p.maxEllipticity)) continue;
    if (!(fwhm[i] >= p.fwhmRangePx[0] && fwhm[i] <= p.fwhmRangePx[1])) continue;
    if (isolated(i)) candidates.push(i);
  }
  const cells = new Map<number, number[]>();
  for (const i of candidates) {
    const cx = Math.min(p.gridCells - 1, Math.max(0, Math.floor(((x[i] - 0.5) / width) * p.gridCells)));
    const cy = Math.min(p.gridCells - 1, Math.max(0, Math.floor(((y[i] - 0.5) / height) * p.gridCells)));
    const k = cx * p.gridCells + cy;
    const list = cells.get(k);
    if (list) list.push(i);
    else cells.set(k, [i]);
  }
  const out: PsfStar[] = [];
  for (const list of cells.values()) {
    list.sort((a, b) => flux[b] - flux[a] || num[a] - num[b]);
    const n = list.length;
    const take = Math.min(n, p.perCell);
    // Evenly spaced brightness ranks: the middle of each of `take` equal slices.
    for (let j = 0; j < take; j++) {
      const i = list[Math.floor(((j + 0.5) * n) / take)];
      out.push({ number: num[i], x: x[i], y: y[i] });
    }
  }
  return out.sort((a, b) => a.number - b.number);
}

/**
 * The one sky-match engine: red vs blue, catalogue veto, dedup, scoring and
 * `vasco match` all go through here.
 *
 * Zones algorithm: points are bucketed into declination zones and sorted by RA
 * inside each zone. A cone query visits the zones its cap touches and, in each,
 * the RA interval that contains the whole cap (half-width asin(sin r / cos δ),
 * the whole ring when the cap reaches a pole), then tests candidates exactly by
 * chord length on unit vectors. Exact at the poles and across RA 0/360.
 */
import { ARCSEC_PER_DEG, DEG, wrapRa } from '../astro/sphere';

export interface SkyPoints {
  /** Degrees. */
  ra: ArrayLike<number>;
  /** Degrees. */
  dec: ArrayLike<number>;
}

export interface Neighbour {
  index: number;
  separationArcsec: number;
}

export interface PairMatch {
  left: Int32Array;
  right: Int32Array;
  separationArcsec: Float64Array;
}

export interface NearestMatch {
  /** Index into the right-hand points, -1 when nothing lies within the radius. */
  right: Int32Array;
  /** NaN when nothing lies within the radius. */
  separationArcsec: Float64Array;
}

/** Chord length between two unit vectors for an angle in radians. */
function chordForAngle(rad: number): number {
  return 2 * Math.sin(rad / 2);
}

function angleArcsecForChord(chord: number): number {
  return (2 * Math.asin(Math.min(1, chord / 2))) / DEG * ARCSEC_PER_DEG;
}

export class SkyIndex {
  readonly size: number;
  private readonly zoneHeightDeg: number;
  private readonly zoneMin: number;
  /** zoneStart[z - zoneMin] .. zoneStart[z - zoneMin + 1] indexes into the sorted arrays. */
  private readonly zoneStart: Int32Array;
  private readonly sortedRa: Float64Array;
  private readonly order: Int32Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly z: Float64Array;

  /**
   * @param cellArcsec zone height; queries of any radius work, this only sets
   *   the speed. Pick about the radius you will query with.
   */
  constructor(points: SkyPoints, cellArcsec = 10) {
    const n = points.ra.length;
    if (points.dec.length !== n) throw new Error('SkyIndex: ra and dec have different lengths');
    this.size = n;
    this.zoneHeightDeg = Math.max(cellArcsec, 0.01) / ARCSEC_PER_DEG;
    this.x = new Float64Array(n);
    this.y = new Float64Array(n);
    this.z = new Float64Array(n);
    const zoneOf = new Int32Array(n);
    let zMin = Infinity;
    let zMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const ra = points.ra[i];
      const dec = points.dec[i];
      if (!Number.isFinite(ra) || !Number.isFinite(dec) || dec < -90 || dec > 90) {
        throw new Error(`SkyIndex: point ${i} has an invalid position (ra=${ra}, dec=${dec})`);
      }
      const a = ra * DEG;
      const d = dec * DEG;
      const cd = Math.cos(d);
      this.x[i] = cd * Math.cos(a);
      this.y[i] = cd * Math.sin(a);
      this.z[i] = Math.sin(d);
      const zone = this.zoneIndex(dec);
      zoneOf[i] = zone;
      if (zone < zMin) zMin = zone;
      if (zone > zMax) zMax = zone;
    }
    if (n === 0) {
      zMin = 0;
      zMax = -1;
    }
    this.zoneMin = zMin;
    const zones = zMax - zMin + 1;
    // Counting sort by zone, then sort each zone by RA.
    const start = new Int32Array(zones + 1);
    for (let i = 0; i < n; i++) start[zoneOf[i] - zMin + 1]++;
    for (let k = 0; k < zones; k++) start[k + 1] += start[k];
    const fill = start.slice(0, zones);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[zoneOf[i] - zMin]++] = i;
    const ra = new Float64Array(n);
    for (let i = 0; i < n; i++) ra[i] = wrapRa(points.ra[i]);
    for (let k = 0; k < zones; k++) {
      const s = start[k];
      const e = start[k + 1];
      if (e - s > 1) {
        const seg = Array.from(order.subarray(s, e));
        seg.sort((p, q) => ra[p] - ra[q]);
        order.set(seg, s);
      }
    }
    this.zoneStart = start;
    this.order = order;
    this.sortedRa = new Float64Array(n);
    for (let k = 0; k < n; k++) this.sortedRa[k] = ra[order[k]];
  }

  private zoneIndex(dec: number): number {
    return Math.floor((dec + 90) / this.zoneHeightDeg);
  }

  /** Every indexed point within `radiusArcsec` of (ra, dec), in no particular order. */
  within(ra: number, dec: number, radiusArcsec: number): Neighbour[] {
    const out: Neighbour[] = [];
    this.visit(ra, dec, radiusArcsec, (index, chord) => {
      out.push({ index, separationArcsec: angleArcsecForChord(chord) });
    });
    return out;
  }

  /** The nearest indexed point within `radiusArcsec`, or null. */
  nearest(ra: number, dec: number, radiusArcsec: number): Neighbour | null {
    let best = -1;
    let bestChord = Infinity;
    this.visit(ra, dec, radiusArcsec, (index, chord) => {
      if (chord < bestChord || (chord === bestChord && index < best)) {
        bestChord = chord;
        best = index;
      }
    });
    return best < 0 ? null : { index: best, separationArcsec: angleArcsecForChord(bestChord) };
  }

  /**
   * RA half-width (degrees) of a cap of radius `rDeg` centred anywhere in zone
   * `zone`: the widest the cap gets over that zone's declinations; 180 when it
   * reaches a pole. Kept per radius, so a query needs no trigonometry of its own.
   */
  private halfWidthOfZone(rDeg: number, zone: number): number {
    if (rDeg !== this.halfWidthRadius) {
      this.halfWidthRadius = rDeg;
      this.halfWidths = new Float64Array(this.zoneStart.length + 1).fill(NaN);
    }
    const k = zone - this.zoneMin + 1; // queries one zone beyond the index's either side still touch it
    const cached = k >= 0 && k < this.halfWidths.length ? this.halfWidths[k] : NaN;
    if (!Number.isNaN(cached)) return cached;
    const lo = zone * this.zoneHeightDeg - 90;
    const maxAbsDec = Math.max(Math.abs(lo - rDeg), Math.abs(lo + this.zoneHeightDeg + rDeg));
    let halfWidth = 180;
    if (maxAbsDec < 90) {
      const s = Math.sin(rDeg * DEG) / Math.cos(maxAbsDec * DEG);
      if (s < 1) halfWidth = Math.asin(s) / DEG + 1e-9;
    }
    if (k >= 0 && k < this.halfWidths.length) this.halfWidths[k] = halfWidth;
    return halfWidth;
  }

  private halfWidthRadius = NaN;
  private halfWidths = new Float64Array(0);

  /** Calls `hit(index, chord)` for every point within the radius. */
  visit(ra: number, dec: number, radiusArcsec: number, hit: (index: number, chord: number) => void): void {
    this.visitEach([ra], [dec], radiusArcsec, (_query, index, chord) => hit(index, chord));
  }

  /**
   * For each query position j, calls `hit(j, index, chord)` for every point
   * within the radius. One loop over the queries: positions are read from their
   * arrays here, not passed one call at a time (a double argument of a call
   * that is not inlined is boxed; 2M queries made 4M heap numbers).
   */
  visitEach(ras: ArrayLike<number>, decs: ArrayLike<number>, radiusArcsec: number, hit: (query: number, index: number, chord: number) => void): void {
    if (this.size === 0 || !(radiusArcsec >= 0)) return;
    const rDeg = radiusArcsec / ARCSEC_PER_DEG;
    const maxChord = chordForAngle(Math.min(rDeg, 180) * DEG);
    const maxChord2 = maxChord * maxChord;
    const zoneMax = this.zoneMin + this.zoneStart.length - 2;
    const { zoneStart, zoneMin, sortedRa, order, x, y, z } = this;
    for (let j = 0; j < ras.length; j++) {
      const ra = ras[j];
      const dec = decs[j];
      // Zones first: a query beside the indexed points stops here.
      const zLo = Math.max(this.zoneIndex(Math.max(-90, dec - rDeg)), zoneMin);
      const zHi = Math.min(this.zoneIndex(Math.min(90, dec + rDeg)), zoneMax);
      if (zLo > zHi) continue;

      // RA half-width of the cap over its zone (never narrower than the cap's own); the whole ring at a pole.
      const halfWidth = this.halfWidthOfZone(rDeg, this.zoneIndex(dec));
      // One or two RA intervals (two when the cap straddles RA 0/360); lo > hi is empty.
      let lo1 = 0;
      let hi1 = 360;
      let lo2 = 1;
      let hi2 = 0;
      if (halfWidth < 180) {
        const center = ra >= 0 && ra < 360 ? ra : wrapRa(ra);
        const lo = center - halfWidth;
        const hi = center + halfWidth;
        if (lo < 0) {
          lo1 = lo + 360;
          hi1 = 360;
          lo2 = 0;
          hi2 = hi;
        } else if (hi >= 360) {
          lo1 = lo;
          hi1 = 360;
          lo2 = 0;
          hi2 = hi - 360;
        } else {
          lo1 = lo;
          hi1 = hi;
        }
      }

      // The query's unit vector is computed at its first candidate: most queries have none.
      let qx = NaN;
      let qy = 0;
      let qz = 0;
      for (let zone = zLo; zone <= zHi; zone++) {
        const s = zoneStart[zone - zoneMin];
        const e = zoneStart[zone - zoneMin + 1];
        if (s === e) continue;
        for (let part = 0; part < 2; part++) {
          const lo = part ? lo2 : lo1;
          const hi = part ? hi2 : hi1;
          if (lo > hi) continue;
          for (let k = this.lowerBound(s, e, lo); k < e && sortedRa[k] <= hi; k++) {
            if (Number.isNaN(qx)) {
              const a = ra * DEG;
              const d = dec * DEG;
              const cd = Math.cos(d);
              qx = cd * Math.cos(a);
              qy = cd * Math.sin(a);
              qz = Math.sin(d);
            }
            const i = order[k];
            const dx = x[i] - qx;
            const dy = y[i] - qy;
            const dz = z[i] - qz;
            const c2 = dx * dx + dy * dy + dz * dz;
            if (c2 <= maxChord2) hit(j, i, Math.sqrt(c2));
          }
        }
      }
    }
  }

  private lowerBound(s: number, e: number, value: number): number {
    let lo = s;
    let hi = e;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedRa[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Two radii: most queries then touch one or two zones, and a zone's RA window stays short. */
function zoneHeightFor(radiusArcsec: number): number {
  return Math.max(2 * radiusArcsec, 1);
}

/**
 * Every pair (left, right) within `radiusArcsec`, like STILTS tmatch2
 * find=all. Sorted by left index, then separation.
 */
export function matchAll(left: SkyPoints, right: SkyPoints, radiusArcsec: number): PairMatch {
  const li: number[] = [];
  const ri: number[] = [];
  const sep: number[] = [];
  // Index the smaller side, stream the larger one past it.
  const indexLeft = left.ra.length < right.ra.length;
  const indexed = new SkyIndex(indexLeft ? left : right, zoneHeightFor(radiusArcsec));
  const streamed = indexLeft ? right : left;
  indexed.visitEach(streamed.ra, streamed.dec, radiusArcsec, (j, i, chord) => {
    li.push(indexLeft ? i : j);
    ri.push(indexLeft ? j : i);
    sep.push(angleArcsecForChord(chord));
  });
  const order = li.map((_, k) => k).sort((p, q) => li[p] - li[q] || sep[p] - sep[q] || ri[p] - ri[q]);
  return {
    left: Int32Array.from(order, (k) => li[k]),
    right: Int32Array.from(order, (k) => ri[k]),
    separationArcsec: Float64Array.from(order, (k) => sep[k]),
  };
}

/** For each left point, the nearest right point within `radiusArcsec` (ties: lowest index). */
export function matchNearest(left: SkyPoints, right: SkyPoints, radiusArcsec: number): NearestMatch {
  const n = left.ra.length;
  const best = new Int32Array(n).fill(-1);
  const bestChord = new Float64Array(n).fill(Infinity);
  const consider = (l: number, r: number, chord: number) => {
    if (chord < bestChord[l] || (chord === bestChord[l] && r < best[l])) {
      bestChord[l] = chord;
      best[l] = r;
    }
  };
  if (n < right.ra.length) {
    new SkyIndex(left, zoneHeightFor(radiusArcsec)).visitEach(right.ra, right.dec, radiusArcsec, (r, l, chord) => consider(l, r, chord));
  } else {
    new SkyIndex(right, zoneHeightFor(radiusArcsec)).visitEach(left.ra, left.dec, radiusArcsec, (l, r, chord) => consider(l, r, chord));
  }
  const separationArcsec = new Float64Array(n);
  for (let l = 0; l < n; l++) separationArcsec[l] = best[l] < 0 ? NaN : angleArcsecForChord(bestChord[l]);
  return { right: best, separationArcsec };
}

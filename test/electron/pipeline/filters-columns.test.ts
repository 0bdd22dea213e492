/**
 * The filter and red-vs-blue stages work on a plate's SourceTable columns
 * (issue 13). Here a table of a few hundred awkward sources (NaN measures,
 * SPREAD_MODEL null or never set, sources an earlier stage dropped or
 * flagged, cells too sparse for local MAD statistics) goes through them, and
 * every ledger is checked against a plain per-source evaluation written here,
 * independently of filters.ts and red-vs-blue.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { applyFilters, DEFAULT_FILTERS, flagNearEdge, type FilterParams } from '../../../electron/pipeline/filters';
import { comparedBlue, compareRedBlue, DEFAULT_RED_BLUE } from '../../../electron/pipeline/red-vs-blue';
import { SourceTable } from '../../../electron/pipeline/source-table';
import type { LedgerEntry, Source } from '../../../electron/pipeline/types';

/** Deterministic numbers in [0, 1) (a fixed LCG), so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type Input = Source & { ledger: LedgerEntry[] };

/** Sources over a 2600 x 2600 px image (several 30' MAD cells at 1.7"/px, the last ones sparse). */
function awkwardSources(n: number, seed: number): Input[] {
  const r = random(seed);
  const pick = <T,>(...v: T[]) => v[Math.floor(r() * v.length)];
  const maybeNaN = (v: number) => (r() < 0.04 ? NaN : v);
  return Array.from({ length: n }, (_, k) => {
    // Most sources in the first two cells, a few in the rest: those cells fall back to the plate's statistics.
    const x = r() < 0.9 ? 1 + r() * 2100 : 2200 + r() * 400;
    const y = 1 + r() * (r() < 0.9 ? 1000 : 2600);
    const w = 4 + Math.floor(r() * 8);
    const h = w + pick(0, 0, 0, 1, -1, 2, 3);
    const spread = pick('null', 'unset', 'NaN', ...Array<string>(12).fill('value'));
    const s: Input = {
      id: k + 1, x, y, ra: 150 + x / 3600, dec: 20 + y / 3600,
      flux: 1000, fluxErr: 10, mag: 15, magErr: 0.05,
      snr: maybeNaN(20 + r() * 80),
      // Seeing worsens across the plate, so a cell's statistics differ from the plate's.
      fwhm: maybeNaN((pick(1.5, 3, 3, 3, 3, 6.5, 8) + r() * 0.6) * (1 + x / 4000)),
      elongation: maybeNaN(1 + r() * (r() < 0.8 ? 0.2 : 0.5)),
      flags: pick(0, 0, 0, 0, 0, 1, 2, 4, 16, 3),
      spreadModel: spread === 'value' ? -0.02 + r() * 0.03 : spread === 'NaN' ? NaN : null,
      spreadModelErr: 0.001,
      xmin: Math.round(x) - w, xmax: Math.round(x) + w, ymin: Math.round(y) - h, ymax: Math.round(y) + h,
      ledger: [],
    };
    if (spread === 'unset') delete (s as Partial<Source>).spreadModel;
    if (r() < 0.08) s.ledger.push({ stage: 'plate-edge', reason: 'max_centre', dropped: true, detail: 'earlier' });
    else if (r() < 0.08) s.ledger.push({ stage: 'mask', reason: 'note', dropped: false });
    return s;
  });
}

// ---- the straightforward per-source evaluation (the reference method's inequalities, restated) ----

function hardReasons(s: Input, p: FilterParams, pixelScale: number): string[] {
  const lo = (p.fwhmMinPx * p.referencePixelScaleArcsec) / pixelScale;
  const hi = (p.fwhmMaxPx * p.referencePixelScaleArcsec) / pixelScale;
  const out: string[] = [];
  if ((s.flags & ~p.allowedFlags) !== 0) out.push('flags');
  const sm = s.spreadModel;
  if (typeof sm !== 'number' || Number.isNaN(sm) || !(sm > p.spreadModelMin)) out.push('spread_model');
  if (Number.isNaN(s.fwhm) || s.fwhm < lo || s.fwhm > hi) out.push('fwhm');
  if (Number.isNaN(s.elongation) || s.elongation >= p.elongationMax) out.push('elongation');
  if (Math.abs(s.xmax - s.xmin - (s.ymax - s.ymin)) >= p.symmetryMaxPx) out.push('symmetry');
  if (Number.isNaN(s.snr) || s.snr < p.snrMin) out.push('snr');
  return out;
}

function medianOf(values: number[]): number {
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  if (v.length === 0) return NaN;
  return v.length % 2 === 1 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Median and 1.4826 x MAD of the finite values. */
function robustOf(values: number[]): [number, number] {
  const m = medianOf(values);
  return [m, 1.4826 * medianOf(values.filter((x) => !Number.isNaN(x)).map((x) => Math.abs(x - m)))];
}

/** Each source's expected new ledger reasons (in the order the cuts are listed), with `:kept` on a flag; null when already dropped. */
function expected(sources: Input[], p: FilterParams, pixelScale: number, image: { naxis1: number; naxis2: number }, marginPx: number): (string[] | null)[] {
  const alive = sources.map((s) => !s.ledger.some((e) => e.dropped));
  const hard = sources.map((s) => hardReasons(s, p, pixelScale));
  const cellPx = (p.mad.cellArcmin * 60) / pixelScale;
  const cell = (s: Input) => `${Math.floor((s.x - 0.5) / cellPx)}/${Math.floor((s.y - 0.5) / cellPx)}`;
  const reference = sources.filter((_, k) => alive[k] && hard[k].length === 0);
  return sources.map((s, k) => {
    if (!alive[k]) return null;
    const out = [...hard[k]];
    if (p.mad.enabled) {
      const mine = reference.filter((o) => cell(o) === cell(s));
      const pool = mine.length >= p.mad.minSourcesPerCell ? mine : reference;
      for (const [reason, value, all] of [['mad_fwhm', s.fwhm, pool.map((o) => o.fwhm)], ['mad_elongation', s.elongation, pool.map((o) => o.elongation)]] as const) {
        const [m, sigma] = robustOf([...all]);
        if (sigma > 0 && !Number.isNaN(value) && Math.abs(value - m) / sigma > p.mad.sigma) out.push(reason);
      }
    }
    const edge = Math.min(s.x - 0.5, s.y - 0.5, image.naxis1 + 0.5 - s.x, image.naxis2 + 0.5 - s.y);
    if (out.length === 0 && edge < marginPx) out.push('near_edge:kept');
    return out;
  });
}

const newEntries = (t: SourceTable, i: number, stage: string) =>
  t.ledgerOf(i).filter((e) => e.stage === stage).map((e) => (e.dropped ? e.reason : `${e.reason}:kept`));

describe('filters on the SourceTable columns', () => {
  const image = { naxis1: 2600, naxis2: 2600 };
  const configs: [string, FilterParams, number][] = [
    ['reference cuts, MAD on, 1.7"/px', { ...DEFAULT_FILTERS, mad: { ...DEFAULT_FILTERS.mad, enabled: true } }, 1.7],
    ['published SPREAD_MODEL, FLAGS 1 allowed, MAD on (3 sigma), 1.0"/px', { ...DEFAULT_FILTERS, spreadModelMin: -0.002, allowedFlags: 1, snrMin: 25, mad: { ...DEFAULT_FILTERS.mad, enabled: true, sigma: 3 } }, 1.0],
    ['reference cuts, MAD off', DEFAULT_FILTERS, 1.7],
  ];

  for (const [label, params, pixelScale] of configs) {
    it(`drops and flags exactly what a per-source evaluation does: ${label}`, () => {
      const sources = awkwardSources(600, label.length);
      const table = SourceTable.from(sources);
      const rowObjects = vi.spyOn(table, 'row');
      const before = table.ledger.length;
      applyFilters(table, params, { pixelScaleArcsec: pixelScale }, 'filters', flagNearEdge(table, image, 256, 'filters'));
      // Read from the columns: no source was turned into a row object.
      expect(rowObjects).not.toHaveBeenCalled();
      rowObjects.mockRestore();

      const want = expected(sources, params, pixelScale, image, 256);
      const got = sources.map((s, i) => (s.ledger.some((e) => e.dropped) ? null : newEntries(table, i, 'filters')));
      expect(got).toEqual(want);
      // The case mix the test is for actually occurred.
      const reasons = new Set(want.flatMap((w) => w ?? []));
      for (const r of ['flags', 'spread_model', 'fwhm', 'elongation', 'symmetry', 'snr', 'near_edge:kept']) expect(reasons, r).toContain(r);
      if (params.mad.enabled) expect([...reasons].some((r) => r.startsWith('mad_'))).toBe(true);
      expect(want.filter((w) => w?.length === 0).length).toBeGreaterThan(10);
      // Alive afterwards exactly when nothing dropped it; earlier ledgers untouched; nothing else appended.
      sources.forEach((s, i) => expect(table.isAlive(i), `source ${s.id}`).toBe(want[i] !== null && want[i]!.every((r) => r.endsWith(':kept'))));
      sources.forEach((s, i) => expect(table.ledgerOf(i).slice(0, s.ledger.length)).toEqual(s.ledger));
      expect(table.ledger.length - before).toBe(want.reduce((n, w) => n + (w?.length ?? 0), 0));
    });
  }

  it('a source left without SPREAD_MODEL fails that cut with the same detail whether it is null or was never set', () => {
    const base = awkwardSources(1, 3)[0];
    const clean: Input = { ...base, flags: 0, fwhm: 3, elongation: 1.05, snr: 80, xmin: 1, xmax: 9, ymin: 1, ymax: 9, x: 1000, y: 1000, ledger: [] };
    const unset = { ...clean };
    delete (unset as Partial<Source>).spreadModel;
    const table = SourceTable.from([{ ...clean, spreadModel: null }, unset, { ...clean, spreadModel: NaN }]);
    applyFilters(table, DEFAULT_FILTERS, { pixelScaleArcsec: 1.7 });
    for (let i = 0; i < 3; i++) expect(table.ledgerOf(i)).toEqual([{ stage: 'filters', reason: 'spread_model', dropped: true, detail: 'SPREAD_MODEL not measured' }]);
  });
});

describe('red vs blue on the SourceTable columns', () => {
  /** Great-circle distance, arcsec (haversine), written here for the check. */
  const sepArcsec = (ra1: number, dec1: number, ra2: number, dec2: number) => {
    const rad = Math.PI / 180;
    const a = Math.sin(((dec2 - dec1) * rad) / 2) ** 2 + Math.cos(dec1 * rad) * Math.cos(dec2 * rad) * Math.sin(((ra2 - ra1) * rad) / 2) ** 2;
    return (2 * Math.asin(Math.sqrt(a)) * 3600) / rad;
  };

  for (const mode of ['filtered', 'detected'] as const) {
    it(`each alive red source's nearest counted blue source and blue_match agree with a brute-force search (--blue-match ${mode})`, () => {
      const r = random(mode.length);
      // Red and blue scattered over 2' x 2' so that many pairs fall within 5" and many beyond.
      const at = (id: number, ledger: LedgerEntry[] = []): Input => ({ ...awkwardSources(1, id)[0], id, ra: 150 + (r() * 120) / 3600, dec: 20 + (r() * 120) / 3600, ledger });
      const red = Array.from({ length: 300 }, (_, k) => at(k + 1, r() < 0.2 ? [{ stage: 'filters', reason: 'snr', dropped: true }] : []));
      const blue = Array.from({ length: 250 }, (_, k) => at(1001 + k, r() < 0.3 ? [{ stage: 'filters-blue', reason: 'fwhm', dropped: true }] : []));
      const redTable = SourceTable.from(red);
      const params = { ...DEFAULT_RED_BLUE, blueMatch: mode };
      compareRedBlue(redTable, comparedBlue(SourceTable.from(blue), mode), params);

      const counted = mode === 'detected' ? blue : blue.filter((b) => b.ledger.length === 0);
      let matched = 0;
      red.forEach((s, i) => {
        const row = redTable.row(i);
        if (s.ledger.length) {
          expect(row.nearestBlueArcsec).toBeUndefined();
          expect(row.ledger).toEqual(s.ledger);
          return;
        }
        const seps = counted.map((b) => sepArcsec(s.ra, s.dec, b.ra, b.dec));
        const best = Math.min(...seps);
        const nearest = counted[seps.indexOf(best)];
        if (best > params.nearestSearchArcsec) {
          expect(row.nearestBlueArcsec).toBeNull();
          return;
        }
        expect(row.nearestBlueArcsec).toBeCloseTo(best, 6);
        if (best <= params.radiusArcsec) {
          matched++;
          expect(row.ledger).toEqual([expect.objectContaining({ stage: 'red-vs-blue', reason: 'blue_match', dropped: true, counterpart: `blue:${nearest.id}`, counterpartMag: nearest.mag })]);
        } else expect(row.ledger).toEqual([]);
      });
      expect(matched).toBeGreaterThan(10);
    });
  }
});

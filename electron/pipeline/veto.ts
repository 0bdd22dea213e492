/**
 * Modern-catalogue veto: a candidate with a counterpart within `radiusArcsec`
 * in any enabled catalogue has a modern detection and is dropped, with the
 * catalogue, distance, magnitude and counterpart id in its ledger.
 *
 * Catalogues are tried in order, each against the candidates still standing
 * (so later catalogues move less data). Gaia positions are carried back to the
 * plate epoch before matching; remote searches use a wider radius so a
 * fast-moving star is not missed before its motion is applied.
 */
import { QueryCache } from '../catalogs/cache';
import { CATALOGS, type CatalogId, type CatalogRows, coverageGap, extractRows } from '../catalogs/catalogs';
import { defaultHttpClient, type HttpClient } from '../catalogs/http';
import { readLocalCatalog } from '../catalogs/local-files';
import { propagateAll } from '../catalogs/proper-motion';
import { vizierAround } from '../catalogs/vizier';
import { XMATCH_MAX_RADIUS_ARCSEC, xmatchPositions } from '../catalogs/xmatch';
import { throwIfAborted } from '../core/errors';
import type { StageContext } from '../core/stage';
import { SkyIndex } from '../match/sky-match';
import type { StageCount, TrackedSource } from './types';

export type VetoMode = 'xmatch' | 'cone' | 'local' | 'none';

export interface VetoOptions {
  mode: VetoMode;
  catalogs: CatalogId[];
  /** Offline catalogue files (--catalog NAME=FILE); used for those catalogues in every mode. */
  localFiles: Partial<Record<CatalogId, string>>;
  radiusArcsec: number;
  /** Plate mid-exposure, Julian years; null: no proper-motion correction (said in the notes). */
  epochJulian: number | null;
  plateCentre: { ra: number; dec: number };
  plateRadiusDeg: number;
  cacheDir: string;
  offline: boolean;
  /** Extra search radius for moving catalogues before motion is applied (default 20"). */
  pmMarginArcsec?: number;
  http?: HttpClient;
}

export interface VetoResult {
  kept: TrackedSource[];
  vetoed: TrackedSource[];
  count: StageCount;
  /** What was skipped or assumed, for the run summary. */
  notes: string[];
}

const STAGE = 'veto';

interface Counterpart {
  cand: number;
  sepArcsec: number;
  id: string;
  mag: number;
  /** Counterpart position at the plate epoch (after proper motion), degrees. */
  ra: number;
  dec: number;
}

function note(cands: TrackedSource[], detail: string): void {
  for (const c of cands) c.ledger.push({ stage: STAGE, reason: 'veto_skipped', dropped: false, detail });
}

/** Nearest counterpart per candidate among catalogue rows (after motion to the plate epoch). */
function nearestCounterparts(
  cands: TrackedSource[],
  rows: CatalogRows,
  radiusArcsec: number,
  epochJulian: number | null,
  defEpoch: number | null,
): Counterpart[] {
  let ra: ArrayLike<number> = rows.ra;
  let dec: ArrayLike<number> = rows.dec;
  if (defEpoch !== null && epochJulian !== null && (rows.pmra || rows.pmdec)) {
    const moved = propagateAll({ ra: rows.ra, dec: rows.dec, pmra: rows.pmra ?? undefined, pmdec: rows.pmdec ?? undefined, epoch: rows.epoch ?? defEpoch }, epochJulian);
    ra = moved.ra;
    dec = moved.dec;
  }
  const keep: number[] = [];
  for (let i = 0; i < ra.length; i++) if (Number.isFinite(ra[i]) && Number.isFinite(dec[i])) keep.push(i);
  const index = new SkyIndex({ ra: keep.map((i) => ra[i]), dec: keep.map((i) => dec[i]) }, Math.max(radiusArcsec, 1));
  const out: Counterpart[] = [];
  cands.forEach((c, k) => {
    const hit = index.nearest(c.ra, c.dec, radiusArcsec);
    if (hit) {
      const row = keep[hit.index];
      out.push({ cand: k, sepArcsec: hit.separationArcsec, id: rows.id[row], mag: rows.mag[row], ra: ra[row], dec: dec[row] });
    }
  });
  return out;
}

export async function vetoStage(cands: TrackedSource[], opts: VetoOptions, ctx: StageContext = {}): Promise<VetoResult> {
  const t0 = Date.now();
  const log = ctx.log ?? (() => {});
  const notes: string[] = [];
  const count: StageCount = { name: STAGE, input: cands.length, output: cands.length, dropped: {}, seconds: 0 };
  const done = (kept: TrackedSource[], vetoed: TrackedSource[]): VetoResult => {
    count.output = kept.length;
    count.seconds = (Date.now() - t0) / 1000;
    return { kept, vetoed, count, notes };
  };
  const haveFiles = opts.catalogs.some((id) => opts.localFiles[id]);
  if (opts.mode === 'none' || opts.catalogs.length === 0) {
    count.skipped = opts.mode === 'none' ? 'veto disabled (--veto none)' : 'no catalogues enabled';
    note(cands, count.skipped);
    notes.push(`veto: ${count.skipped}; no candidate was checked against modern catalogues`);
    return done(cands, []);
  }
  if ((opts.offline || opts.mode === 'local') && !haveFiles) {
    count.skipped = 'offline: no catalogue files (--catalog NAME=FILE)';
    note(cands, count.skipped);
    notes.push(`veto: ${count.skipped}; no candidate was checked against modern catalogues`);
    return done(cands, []);
  }
  if (opts.epochJulian === null && opts.catalogs.some((id) => CATALOGS[id].epoch !== null)) {
    notes.push('veto: the plate epoch is unknown, so Gaia positions were matched at epoch 2016.0 without proper-motion correction');
  }
  const http = opts.http ?? defaultHttpClient(log);
  const cache = opts.offline ? null : new QueryCache(opts.cacheDir, log);
  const area = { ra: opts.plateCentre.ra, dec: opts.plateCentre.dec, radiusDeg: opts.plateRadiusDeg + 0.1 };
  let standing = cands;
  const vetoed: TrackedSource[] = [];
  const ids = opts.catalogs;
  for (let ci = 0; ci < ids.length; ci++) {
    throwIfAborted(ctx.signal, 'veto');
    if (!standing.length) break;
    const def = CATALOGS[ids[ci]];
    ctx.onProgress?.({ stage: STAGE, fraction: ci / ids.length, message: `${def.label}: ${standing.length} candidates` });
    const gap = coverageGap(def, opts.plateCentre, opts.plateRadiusDeg);
    if (gap) {
      notes.push(`veto: ${def.label} skipped: ${gap}`);
      log(`veto: ${def.label} skipped: ${gap}`);
      continue;
    }
    const margin = def.epoch !== null ? (opts.pmMarginArcsec ?? 20) : 0;
    const searchArcsec = Math.min(XMATCH_MAX_RADIUS_ARCSEC, opts.radiusArcsec + margin);
    const file = opts.localFiles[def.id];
    let rows: CatalogRows;
    let source: string;
    if (file) {
      rows = await readLocalCatalog(def, file);
      source = file;
    } else if (opts.offline || opts.mode === 'local') {
      notes.push(`veto: ${def.label} skipped: no --catalog ${def.id}=FILE given in ${opts.offline ? 'offline' : 'local'} mode`);
      continue;
    } else {
      const points = { ra: standing.map((c) => c.ra), dec: standing.map((c) => c.dec) };
      const table =
        opts.mode === 'cone'
          ? await vizierAround(def, points, searchArcsec, { http, cache, signal: ctx.signal, log })
          : (await xmatchPositions(def, points, searchArcsec, { http, cache, area, signal: ctx.signal, log })).table;
      const r = extractRows(def, table);
      if ('error' in r) {
        if (table.rows.length === 0) {
          rows = { ra: new Float64Array(0), dec: new Float64Array(0), pmra: null, pmdec: null, epoch: null, id: [], mag: new Float64Array(0) };
        } else throw new Error(`veto: ${def.label} answer: ${r.error}`);
      } else rows = r;
      source = opts.mode === 'cone' ? 'VizieR cone' : 'CDS XMatch';
    }
    const hits = nearestCounterparts(standing, rows, opts.radiusArcsec, opts.epochJulian, def.epoch);
    const hitOf = new Map(hits.map((h) => [h.cand, h]));
    const next: TrackedSource[] = [];
    standing.forEach((c, k) => {
      const h = hitOf.get(k);
      if (!h) return void next.push(c);
      c.ledger.push({
        stage: STAGE,
        reason: def.id,
        dropped: true,
        detail: `${def.label} counterpart ${h.id} at ${h.sepArcsec.toFixed(2)}" (<= ${opts.radiusArcsec}"${def.epoch !== null && opts.epochJulian !== null ? `, position carried to epoch ${opts.epochJulian.toFixed(3)}` : ''}; ${source})`,
        distanceArcsec: h.sepArcsec,
        counterpart: h.id,
        counterpartMag: Number.isFinite(h.mag) ? h.mag : undefined,
        counterpartRa: h.ra,
        counterpartDec: h.dec,
      });
      vetoed.push(c);
    });
    count.dropped[def.id] = standing.length - next.length;
    log(`veto: ${def.label}: ${standing.length - next.length} of ${standing.length} candidates have a counterpart within ${opts.radiusArcsec}"`);
    standing = next;
  }
  ctx.onProgress?.({ stage: STAGE, fraction: 1 });
  return done(standing, vetoed);
}

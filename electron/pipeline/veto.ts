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
import { CATALOGS, type CatalogDef, type CatalogId, type CatalogRows, coverageGap, extractRows } from '../catalogs/catalogs';
import { defaultHttpClient, type HttpClient } from '../catalogs/http';
import { readLocalCatalog } from '../catalogs/local-files';
import { propagateAll } from '../catalogs/proper-motion';
import { TAP_SERVICES, type TapServiceId } from '../catalogs/tap';
import { tapJoin, type TapVetoSettings } from '../catalogs/tap-catalogs';
import { vizierAround } from '../catalogs/vizier';
import { XMATCH_MAX_RADIUS_ARCSEC, xmatchPositions } from '../catalogs/xmatch';
import { throwIfAborted } from '../core/errors';
import type { StageContext } from '../core/stage';
import { SkyIndex } from '../match/sky-match';
import { parameterDefault } from './parameter-schema';
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
  /** SuperCOSMOS's role and PTF's good-observation minimum (default: confirm, 1). */
  tap?: TapVetoSettings;
  /** TAP base URLs instead of the VASCO_*_TAP_URL variables (tests, mirrors). */
  tapUrls?: Partial<Record<TapServiceId, string>>;
  http?: HttpClient;
  /** Rows already fetched around every standing candidate with the veto's search radius (gaia-refit stage). */
  prefetched?: Partial<Record<CatalogId, { rows: CatalogRows; source: string }>>;
}

export interface VetoResult {
  kept: TrackedSource[];
  vetoed: TrackedSource[];
  count: StageCount;
  /** What was skipped or assumed, for the run summary. */
  notes: string[];
}

const STAGE = 'veto';

/** SuperCOSMOS's role and PTF's minimum when a caller gives none: the run parameters' defaults. */
export const DEFAULT_TAP_VETO: TapVetoSettings = {
  supercosmosRole: parameterDefault('catalogue.supercosmosRole'),
  ptfMinGoodObs: parameterDefault('catalogue.ptfMinGoodObs'),
};

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

/** The remote search radius the veto uses for a catalogue: the counterpart radius plus a margin for motion. */
export function vetoSearchArcsec(def: CatalogDef, radiusArcsec: number, pmMarginArcsec = 20): number {
  return Math.min(XMATCH_MAX_RADIUS_ARCSEC, radiusArcsec + (def.epoch !== null ? pmMarginArcsec : 0));
}

/** Every row of `def` within `searchArcsec` of the points: a TAP upload join, CDS XMatch upload or VizieR cones. */
export async function queryCatalogRows(
  def: CatalogDef,
  points: { ra: ArrayLike<number>; dec: ArrayLike<number> },
  searchArcsec: number,
  q: {
    mode: VetoMode;
    http: HttpClient;
    cache: QueryCache | null;
    area: { ra: number; dec: number; radiusDeg: number };
    tap?: TapVetoSettings;
    tapUrls?: Partial<Record<TapServiceId, string>>;
    signal?: AbortSignal;
    log: (line: string) => void;
  },
): Promise<{ rows: CatalogRows; source: string }> {
  const access = def.access ?? 'vizier';
  const cone = q.mode === 'cone' || access === 'vizier-cone';
  const table =
    typeof access === 'object'
      ? await tapJoin(def, points, searchArcsec, q.tap ?? DEFAULT_TAP_VETO, { http: q.http, cache: q.cache, baseUrl: q.tapUrls?.[access.service], signal: q.signal, log: q.log })
      : cone
        ? await vizierAround(def, points, searchArcsec, { http: q.http, cache: q.cache, cellDeg: def.coneCellDeg, signal: q.signal, log: q.log })
        : (await xmatchPositions(def, points, searchArcsec, { http: q.http, cache: q.cache, area: q.area, signal: q.signal, log: q.log })).table;
  const source = typeof access === 'object' ? `${TAP_SERVICES[access.service].label} upload join` : cone ? 'VizieR cone' : 'CDS XMatch';
  const r = extractRows(def, table);
  if (!('error' in r)) return { rows: r, source };
  if (table.rows.length > 0) throw new Error(`veto: ${def.label} answer: ${r.error}`);
  return { rows: { ra: new Float64Array(0), dec: new Float64Array(0), pmra: null, pmdec: null, epoch: null, id: [], mag: new Float64Array(0) }, source };
}

/**
 * SuperCOSMOS as the published method uses it: a candidate stays only when
 * SuperCOSMOS's scan of the same POSS-I E plate has a source within the
 * radius (a cross-scan check); the confirmed ones carry the counterpart as a
 * note, the others are dropped with reason `supercosmos`.
 */
function confirmBy(
  label: string,
  standing: TrackedSource[],
  hitOf: Map<number, Counterpart>,
  radiusArcsec: number,
  source: string,
  kept: TrackedSource[],
  dropped: TrackedSource[],
): void {
  standing.forEach((c, k) => {
    const h = hitOf.get(k);
    if (h) {
      c.ledger.push({
        stage: STAGE,
        reason: 'supercosmos_confirmed',
        dropped: false,
        detail: `${label}: POSS-I E (R1) source ${h.id} at ${h.sepArcsec.toFixed(2)}" confirms the detection (${source})`,
        distanceArcsec: h.sepArcsec,
        counterpart: h.id,
        counterpartRa: h.ra,
        counterpartDec: h.dec,
      });
      kept.push(c);
      return;
    }
    c.ledger.push({
      stage: STAGE,
      reason: 'supercosmos',
      dropped: true,
      detail: `${label}: no POSS-I E (R1) source within ${radiusArcsec}": not confirmed by a second scan of the plate (${source})`,
    });
    dropped.push(c);
  });
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
  const tap = opts.tap ?? DEFAULT_TAP_VETO;
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
    const searchArcsec = vetoSearchArcsec(def, opts.radiusArcsec, opts.pmMarginArcsec);
    const file = opts.localFiles[def.id];
    let rows: CatalogRows;
    let source: string;
    if (file) {
      rows = await readLocalCatalog(def, file, area); // a tiled mirror (--catalog-dir): the tiles under the plate
      source = file;
    } else if (opts.offline || opts.mode === 'local') {
      notes.push(`veto: ${def.label} skipped: no --catalog ${def.id}=FILE given in ${opts.offline ? 'offline' : 'local'} mode`);
      continue;
    } else if (opts.prefetched?.[def.id]) {
      // Rows an earlier stage asked for around these very sources (the Gaia refit): no second request.
      ({ rows, source } = opts.prefetched[def.id]!);
    } else {
      const points = { ra: standing.map((c) => c.ra), dec: standing.map((c) => c.dec) };
      ({ rows, source } = await queryCatalogRows(def, points, searchArcsec, { mode: opts.mode, http, cache, area, tap, tapUrls: opts.tapUrls, signal: ctx.signal, log }));
    }
    const hits = nearestCounterparts(standing, rows, opts.radiusArcsec, opts.epochJulian, def.epoch);
    const hitOf = new Map(hits.map((h) => [h.cand, h]));
    const next: TrackedSource[] = [];
    if (def.id === 'supercosmos' && tap.supercosmosRole === 'confirm') {
      confirmBy(def.label, standing, hitOf, opts.radiusArcsec, source, next, vetoed);
      count.dropped[def.id] = standing.length - next.length;
      log(`veto: ${def.label}: ${standing.length - next.length} of ${standing.length} candidates have no POSS-I E (R1) source within ${opts.radiusArcsec}" (not confirmed)`);
      standing = next;
      continue;
    }
    const criterion = def.id === 'ptf' ? `, ngoodobs >= ${tap.ptfMinGoodObs}` : def.id === 'supercosmos' ? ', on a later B/R2/I plate' : '';
    standing.forEach((c, k) => {
      const h = hitOf.get(k);
      if (!h) return void next.push(c);
      c.ledger.push({
        stage: STAGE,
        reason: def.id,
        dropped: true,
        detail: `${def.label} counterpart ${h.id} at ${h.sepArcsec.toFixed(2)}" (<= ${opts.radiusArcsec}"${criterion}${def.epoch !== null && opts.epochJulian !== null ? `, position carried to epoch ${opts.epochJulian.toFixed(3)}` : ''}; ${source})`,
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

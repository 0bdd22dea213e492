/**
 * Asteroid check: which candidates lie within the search radius of a known
 * solar-system body at the plate's mid-exposure, as seen from Palomar (SkyBoT,
 * IAU 675). Such candidates are flagged, not dropped: the ledger names the body
 * and how far it moved during the exposure (from its rates), which tells a
 * reviewer whether a round image is plausible.
 */
import { separationDeg } from '../astro/sphere';
import { QueryCache } from '../catalogs/cache';
import { defaultHttpClient, type HttpClient } from '../catalogs/http';
import { PALOMAR_IAU_CODE, isoToJd, julianEpochToJd, skybotCone, type SkybotBody } from '../catalogs/skybot';
import type { StageContext } from '../core/stage';
import { SkyIndex } from '../match/sky-match';
import type { StageCount, TrackedSource } from './types';

export interface AsteroidOptions {
  /** Mid-exposure, ISO UTC (preferred), or the Julian epoch when only that is known. */
  midUtc: string | null;
  epochJulian: number | null;
  exposureMinutes: number | null;
  plateCentre: { ra: number; dec: number };
  plateRadiusDeg: number;
  radiusArcsec: number;
  cacheDir: string;
  offline: boolean;
  observatory?: string;
  http?: HttpClient;
}

export interface AsteroidResult {
  /** Every candidate (none is dropped here). */
  kept: TrackedSource[];
  flagged: TrackedSource[];
  count: StageCount;
  bodies: number;
  notes: string[];
}

const STAGE = 'asteroids';

/** Arcsec a body moves during the exposure, from its rates (arcsec/hour). */
export function motionDuringExposureArcsec(b: SkybotBody, exposureMinutes: number): number {
  return Math.hypot(b.raRateArcsecPerHour, b.decRateArcsecPerHour) * (exposureMinutes / 60);
}

export async function asteroidStage(cands: TrackedSource[], opts: AsteroidOptions, ctx: StageContext = {}): Promise<AsteroidResult> {
  const t0 = Date.now();
  const log = ctx.log ?? (() => {});
  const count: StageCount = { name: STAGE, input: cands.length, output: cands.length, dropped: {}, flagged: {}, seconds: 0 };
  const notes: string[] = [];
  const skip = (why: string): AsteroidResult => {
    count.skipped = why;
    for (const c of cands) c.ledger.push({ stage: STAGE, reason: 'asteroid_check_skipped', dropped: false, detail: why });
    notes.push(`asteroids: ${why}; no candidate was checked against known solar-system bodies`);
    count.seconds = (Date.now() - t0) / 1000;
    return { kept: cands, flagged: [], count, bodies: 0, notes };
  };
  if (!cands.length) {
    count.seconds = (Date.now() - t0) / 1000;
    return { kept: cands, flagged: [], count, bodies: 0, notes };
  }
  if (opts.offline) return skip('offline: SkyBoT not queried');
  const jd = opts.midUtc ? isoToJd(opts.midUtc) : opts.epochJulian !== null ? julianEpochToJd(opts.epochJulian) : null;
  if (jd === null) return skip('the plate has no observation date, so no epoch to ask SkyBoT about');
  // One cone around the plate centre reaching the farthest candidate (SkyBoT allows 10 deg).
  let reach = 0;
  for (const c of cands) reach = Math.max(reach, separationDeg(opts.plateCentre.ra, opts.plateCentre.dec, c.ra, c.dec));
  const radiusDeg = Math.min(10, Math.min(reach, opts.plateRadiusDeg * 1.5) + opts.radiusArcsec / 3600 + 0.01);
  const bodies = await skybotCone(
    { ra: opts.plateCentre.ra, dec: opts.plateCentre.dec, radiusDeg, jd, observatory: opts.observatory ?? PALOMAR_IAU_CODE },
    { http: opts.http ?? defaultHttpClient(log), cache: new QueryCache(opts.cacheDir, log), signal: ctx.signal },
  );
  log(`asteroids: SkyBoT lists ${bodies.length} bodies within ${radiusDeg.toFixed(2)} deg at JD ${jd.toFixed(4)}`);
  const good = bodies.filter((b) => Number.isFinite(b.ra) && Number.isFinite(b.dec));
  const index = new SkyIndex({ ra: good.map((b) => b.ra), dec: good.map((b) => b.dec) }, Math.max(opts.radiusArcsec, 1));
  const flagged: TrackedSource[] = [];
  for (const c of cands) {
    const hit = index.nearest(c.ra, c.dec, opts.radiusArcsec);
    if (!hit) continue;
    const b = good[hit.index];
    const label = b.number ? `(${b.number}) ${b.name}` : b.name;
    const moved = opts.exposureMinutes !== null ? motionDuringExposureArcsec(b, opts.exposureMinutes) : null;
    c.ledger.push({
      stage: STAGE,
      reason: 'asteroid',
      dropped: false,
      detail:
        `${label} (${b.class || 'unknown class'}, V ${Number.isFinite(b.vmag) ? b.vmag.toFixed(1) : '?'}) ${hit.separationArcsec.toFixed(1)}" away at mid-exposure` +
        (moved !== null ? `; moved ${moved.toFixed(1)}" during the ${opts.exposureMinutes}-min exposure` : '; exposure length unknown') +
        (Number.isFinite(b.errPosArcsec) ? `; ephemeris uncertainty ${b.errPosArcsec.toFixed(1)}"` : ''),
      distanceArcsec: hit.separationArcsec,
      counterpart: label,
      counterpartMag: Number.isFinite(b.vmag) ? b.vmag : undefined,
    });
    flagged.push(c);
  }
  count.flagged = { asteroid: flagged.length };
  count.seconds = (Date.now() - t0) / 1000;
  return { kept: cands, flagged, count, bodies: bodies.length, notes };
}

/**
 * SkyBoT cone search (IMCCE): the known solar-system bodies in a field at a
 * given instant, seen from a given observatory (Palomar: IAU code 675).
 */
import type { QueryCache } from './cache';
import { BadBodyError, type HttpClient, serviceLabel, serviceUrl } from './http';
import type { SimpleTable } from './table';
import { findColumn, numericColumn, stringColumn } from './table';
import { assertVotableOk, firstTable, parseSexagesimal, parseVotable, VotableParseError, type VoDocument } from './votable';

export const PALOMAR_IAU_CODE = '675';

export interface SkybotBody {
  /** Asteroid number, or null when unnumbered. */
  number: string | null;
  name: string;
  ra: number;
  dec: number;
  class: string;
  vmag: number;
  errPosArcsec: number;
  /** Rates at the epoch, arcsec per hour (RA rate includes cos Dec). */
  raRateArcsecPerHour: number;
  decRateArcsecPerHour: number;
}

export interface SkybotQuery {
  ra: number;
  dec: number;
  radiusDeg: number;
  /** Julian Date (UTC) of the instant, e.g. mid-exposure. */
  jd: number;
  observatory?: string;
  /** Drop bodies whose position is less certain than this, arcsec (SkyBoT -filter). */
  maxPosErrorArcsec?: number;
}

export interface SkybotOptions {
  http: HttpClient;
  cache?: QueryCache | null;
  baseUrl?: string;
  signal?: AbortSignal;
}

/** JD (UTC) of an ISO date-time; a missing zone means UTC. */
export function isoToJd(iso: string): number {
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new Error(`not an ISO date: ${iso}`);
  return ms / 86_400_000 + 2_440_587.5;
}

/** JD of a Julian epoch (J2000.0 = JD 2451545.0, 365.25-day years). */
export function julianEpochToJd(epoch: number): number {
  return 2_451_545.0 + (epoch - 2000) * 365.25;
}

export function skybotUrl(q: SkybotQuery, baseUrl: string): string {
  const u = new URL(baseUrl);
  u.searchParams.set('-ra', q.ra.toFixed(6));
  u.searchParams.set('-dec', q.dec.toFixed(6));
  u.searchParams.set('-rd', Math.min(10, q.radiusDeg).toFixed(6));
  u.searchParams.set('-ep', q.jd.toFixed(6));
  u.searchParams.set('-loc', q.observatory ?? PALOMAR_IAU_CODE);
  u.searchParams.set('-filter', String(Math.min(120, q.maxPosErrorArcsec ?? 120)));
  u.searchParams.set('-objFilter', '111');
  u.searchParams.set('-refsys', 'EQJ2000');
  u.searchParams.set('-output', 'all');
  u.searchParams.set('-mime', 'votable');
  return u.toString();
}

/** Bodies from a SkyBoT VOTable (uses the degree columns when present, else parses h:m:s / d:m:s). */
export function skybotBodies(table: SimpleTable): SkybotBody[] {
  const raDeg = findColumn(table, ['_RAJ2000']);
  const decDeg = findColumn(table, ['_DECJ2000']);
  const raSex = findColumn(table, ['RA', 'ra']);
  const decSex = findColumn(table, ['DEC', 'de']);
  const raN = raDeg >= 0 ? numericColumn(table, raDeg) : null;
  const decN = decDeg >= 0 ? numericColumn(table, decDeg) : null;
  const raS = stringColumn(table, raSex);
  const decS = stringColumn(table, decSex);
  const num = stringColumn(table, findColumn(table, ['Num', 'num']));
  const name = stringColumn(table, findColumn(table, ['Name', 'name']));
  const cls = stringColumn(table, findColumn(table, ['Class', 'class']));
  const mv = numericColumn(table, findColumn(table, ['Mv', 'magV']));
  const err = numericColumn(table, findColumn(table, ['ErrPos', 'errpos']));
  const dra = numericColumn(table, findColumn(table, ['dRAcosDec', 'dracosdec']));
  const ddec = numericColumn(table, findColumn(table, ['dDEC', 'ddec']));
  return table.rows.map((_, i) => ({
    number: /^\d+$/.test(num[i]) ? num[i] : null,
    name: name[i],
    ra: raN && Number.isFinite(raN[i]) ? raN[i] : parseSexagesimal(raS[i], true),
    dec: decN && Number.isFinite(decN[i]) ? decN[i] : parseSexagesimal(decS[i], false),
    class: cls[i],
    vmag: mv[i],
    errPosArcsec: err[i],
    raRateArcsecPerHour: dra[i],
    decRateArcsecPerHour: ddec[i],
  }));
}

/** SkyBoT says "no body in the field" with an error status; that is an empty answer, not a failure. */
function isEmptyField(doc: VoDocument): boolean {
  return doc.queryStatus === 'ERROR' && /no solar system object|no object|not found/i.test(doc.statusMessage ?? '');
}

export async function skybotCone(q: SkybotQuery, o: SkybotOptions): Promise<SkybotBody[]> {
  const baseUrl = o.baseUrl ?? serviceUrl('skybot');
  const url = skybotUrl(q, baseUrl);
  const key = { url };
  const cached = o.cache?.getTable('skybot', key);
  if (cached) return skybotBodies(cached);
  let doc: VoDocument | null = null;
  const check = (body: Buffer) => {
    try {
      return parseVotable(body);
    } catch (e) {
      if (e instanceof VotableParseError) throw new BadBodyError(e.message);
      throw e;
    }
  };
  const res = await o.http.request({
    service: serviceLabel('skybot'),
    url,
    what: `bodies near ${q.ra.toFixed(3)},${q.dec.toFixed(3)} at JD ${q.jd.toFixed(4)}`,
    signal: o.signal,
    validate: (body) => {
      doc = check(body);
    },
  });
  const d = (doc ?? check(res.body)) as VoDocument;
  let table: SimpleTable = { columns: [], rows: [] };
  if (!isEmptyField(d)) {
    assertVotableOk(d, serviceLabel('skybot'), url);
    const t = firstTable(d);
    if (t) table = { columns: t.columns, rows: t.rows };
  }
  o.cache?.putTable('skybot', key, table);
  return skybotBodies(table);
}

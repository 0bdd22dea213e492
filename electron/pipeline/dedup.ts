/**
 * The last cuts: the southern declination limit of the published catalogue,
 * duplicates within one plate, and duplicates of candidates already found on
 * earlier (overlapping) plates.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readCsvFile } from '../core/csv';
import { UserError } from '../core/errors';
import { DEC_NAMES, ID_NAMES, RA_NAMES, findColumn, numericColumn, stringColumn, tableFromCsv } from '../catalogs/table';
import { SkyIndex } from '../match/sky-match';
import type { StageCount, TrackedSource } from './types';

export interface CutResult {
  kept: TrackedSource[];
  dropped: TrackedSource[];
  count: StageCount;
}

function finish(name: string, input: number, kept: TrackedSource[], dropped: TrackedSource[], reason: string, t0: number): CutResult {
  return {
    kept,
    dropped,
    count: { name, input, output: kept.length, dropped: dropped.length ? { [reason]: dropped.length } : {}, seconds: (Date.now() - t0) / 1000 },
  };
}

/** Drop candidates south of `decMin` (the published VASCO catalogue stops at -30). */
export function decCutStage(cands: TrackedSource[], decMin = -30): CutResult {
  const t0 = Date.now();
  const kept: TrackedSource[] = [];
  const dropped: TrackedSource[] = [];
  for (const c of cands) {
    if (c.dec >= decMin) kept.push(c);
    else {
      c.ledger.push({ stage: 'dec-cut', reason: 'dec_min', dropped: true, detail: `Dec ${c.dec.toFixed(4)} < ${decMin}` });
      dropped.push(c);
    }
  }
  return finish('dec-cut', cands.length, kept, dropped, 'dec_min', t0);
}

/**
 * Within one plate, sources closer than `radiusArcsec` are one object: the one
 * with the highest SNR stays, the others are dropped pointing to it.
 */
export function dedupWithinPlate(cands: TrackedSource[], radiusArcsec = 5): CutResult {
  const t0 = Date.now();
  const index = new SkyIndex({ ra: cands.map((c) => c.ra), dec: cands.map((c) => c.dec) }, Math.max(radiusArcsec, 1));
  const order = cands.map((_, i) => i).sort((a, b) => cands[b].snr - cands[a].snr || cands[a].id - cands[b].id);
  const gone = new Uint8Array(cands.length);
  for (const i of order) {
    if (gone[i]) continue;
    for (const n of index.within(cands[i].ra, cands[i].dec, radiusArcsec)) {
      if (n.index === i || gone[n.index]) continue;
      gone[n.index] = 1;
      cands[n.index].ledger.push({
        stage: 'dedup',
        reason: 'duplicate_within_plate',
        dropped: true,
        detail: `same object as source ${cands[i].id} (SNR ${cands[i].snr.toFixed(1)}) ${n.separationArcsec.toFixed(2)}" away`,
        distanceArcsec: n.separationArcsec,
        counterpart: String(cands[i].id),
      });
    }
  }
  const kept = cands.filter((_, i) => !gone[i]);
  const dropped = cands.filter((_, i) => gone[i]);
  return finish('dedup-plate', cands.length, kept, dropped, 'duplicate_within_plate', t0);
}

/** Earlier outputs in `dir`: candidates.csv / transients_*.csv, in it and one level below. */
export function earlierCandidateFiles(dir: string, exclude: string[] = []): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`--dedup-dir ${dir} is not a directory`, 'give the folder holding earlier runs (their candidates.csv files)');
  }
  const skip = new Set(exclude.map((p) => resolve(p)));
  const want = (name: string) => /^(candidates|transients)([_-].*)?\.csv$/i.test(name);
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isFile() && want(e.name)) out.push(p);
    else if (e.isDirectory()) {
      for (const f of readdirSync(p, { withFileTypes: true })) if (f.isFile() && want(f.name)) out.push(join(p, f.name));
    }
  }
  return out.filter((p) => !skip.has(resolve(p))).sort();
}

/**
 * Drop candidates within `radiusArcsec` of a candidate from an earlier run
 * (adjacent POSS-I plates overlap by about a degree).
 */
export async function dedupAcrossPlates(
  cands: TrackedSource[],
  dedupDir: string,
  radiusArcsec = 5,
  opts: { exclude?: string[]; log?: (line: string) => void } = {},
): Promise<CutResult & { files: string[] }> {
  const t0 = Date.now();
  const files = earlierCandidateFiles(dedupDir, opts.exclude);
  const ra: number[] = [];
  const dec: number[] = [];
  const label: string[] = [];
  for (const f of files) {
    const t = tableFromCsv(readCsvFile(f));
    const r = findColumn(t, RA_NAMES);
    const d = findColumn(t, DEC_NAMES);
    if (r < 0 || d < 0) {
      throw new UserError(`${f} has no RA/Dec columns (columns: ${t.columns.map((c) => c.name).join(', ')})`, 'remove it from --dedup-dir or give a folder of vasco candidates.csv files');
    }
    const id = findColumn(t, ['id', 'NUMBER', ...ID_NAMES]);
    const ras = numericColumn(t, r);
    const decs = numericColumn(t, d);
    const ids = stringColumn(t, id);
    const rel = relative(dedupDir, f);
    for (let i = 0; i < ras.length; i++) {
      if (!Number.isFinite(ras[i]) || !Number.isFinite(decs[i])) continue;
      ra.push(ras[i]);
      dec.push(decs[i]);
      label.push(`${rel}#${id >= 0 && ids[i] ? ids[i] : `row ${i + 1}`}`);
    }
  }
  opts.log?.(`dedup: ${ra.length} earlier candidates from ${files.length} file(s) in ${dedupDir}`);
  const index = new SkyIndex({ ra, dec }, Math.max(radiusArcsec, 1));
  const kept: TrackedSource[] = [];
  const dropped: TrackedSource[] = [];
  for (const c of cands) {
    const hit = index.nearest(c.ra, c.dec, radiusArcsec);
    if (!hit) {
      kept.push(c);
      continue;
    }
    c.ledger.push({
      stage: 'dedup',
      reason: 'duplicate_across_plates',
      dropped: true,
      detail: `already found as ${label[hit.index]}, ${hit.separationArcsec.toFixed(2)}" away`,
      distanceArcsec: hit.separationArcsec,
      counterpart: label[hit.index],
    });
    dropped.push(c);
  }
  return { ...finish('dedup-plates', cands.length, kept, dropped, 'duplicate_across_plates', t0), files };
}

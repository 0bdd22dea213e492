/**
 * The published-source audit (--vasco FILE): for each published vanishing
 * source inside the red plate, what this run saw there and why it kept or
 * dropped it - `candidate`, the STAGE/REASON of the ledger entry that dropped
 * the red source found there (read from the ledger, whatever the stages are),
 * or `not-detected` when no red source lies within the match radius - with
 * the nearest blue detection of any kind. Written as DIR/published.csv; the
 * summary counts each bucket (the funnel attribution a reproduction publishes).
 */
import { formatCsv, readCsvFile } from '../core/csv';
import { UserError } from '../core/errors';
import { matchAll, matchNearest } from '../match/sky-match';
import { plateFootprint } from './plate-footprint';
import { readPublishedCatalogue } from './score';
import type { SourceTable } from './source-table';
import type { PipelineState, Stage } from './state';
import type { PublishedAuditRow, PublishedAuditSummary } from './types';

export const PUBLISHED_AUDIT_STAGE = 'published-audit';
/** The nearest red source is reported this far out, also when it is beyond the match radius (why a source was missed). */
export const NEAREST_RED_SEARCH_ARCSEC = 60;

export const CANDIDATE = 'candidate';
export const NOT_DETECTED = 'not-detected';

function positions(t: SourceTable): { ra: Float64Array; dec: Float64Array } {
  return { ra: t.floats.ra, dec: t.floats.dec };
}

/** STAGE/REASON of the first ledger entry that dropped source i, with its detail. */
function droppedBy(t: SourceTable, i: number): { stage: string; detail?: string } {
  for (const e of t.ledgerOf(i)) if (e.dropped) return { stage: `${e.stage}/${e.reason}`, detail: e.detail };
  return { stage: CANDIDATE };
}

/**
 * The audit rows of `published` against the run's red (and blue) sources.
 * A published source is a candidate when any candidate lies within the match
 * radius (as the score counts it recovered); else it takes the fate of the
 * nearest red source within the radius.
 */
export function auditPublished(
  published: { ra: number; dec: number; id: string }[],
  red: SourceTable,
  blue: SourceTable | null,
  opts: { matchRadiusArcsec: number; blueSearchArcsec: number },
): PublishedAuditRow[] {
  const pub = { ra: published.map((p) => p.ra), dec: published.map((p) => p.dec) };
  const within = matchAll(pub, positions(red), opts.matchRadiusArcsec);
  const nearest = matchNearest(pub, positions(red), Math.max(NEAREST_RED_SEARCH_ARCSEC, opts.matchRadiusArcsec));
  const nearestBlue = blue ? matchNearest(pub, positions(blue), opts.blueSearchArcsec) : null;
  // Pairs come sorted by published index, then separation: the first alive one is the nearest candidate.
  const aliveMatch = new Int32Array(published.length).fill(-1);
  const aliveSep = new Float64Array(published.length);
  for (let k = 0; k < within.left.length; k++) {
    const p = within.left[k], r = within.right[k];
    if (aliveMatch[p] < 0 && red.isAlive(r)) {
      aliveMatch[p] = r;
      aliveSep[p] = within.separationArcsec[k];
    }
  }
  return published.map((p, k) => {
    const near = nearest.right[k];
    const detected = near >= 0 && nearest.separationArcsec[k] <= opts.matchRadiusArcsec;
    const r = aliveMatch[k] >= 0 ? aliveMatch[k] : near;
    const sep = aliveMatch[k] >= 0 ? aliveSep[k] : nearest.separationArcsec[k];
    const fate = aliveMatch[k] >= 0 ? { stage: CANDIDATE } : detected ? droppedBy(red, near) : { stage: NOT_DETECTED };
    const b = nearestBlue?.right[k] ?? -1;
    return {
      id: p.id,
      ra: p.ra,
      dec: p.dec,
      stage: fate.stage,
      ...(fate.detail ? { detail: fate.detail } : {}),
      sourceId: r >= 0 ? red.ints.id[r] : null,
      separationArcsec: r >= 0 ? sep : null,
      blueDetectionId: b >= 0 ? blue!.ints.id[b] : null,
      blueDetectionArcsec: b >= 0 ? nearestBlue!.separationArcsec[k] : null,
      blueDetectionMag: b >= 0 ? blue!.floats.mag[b] : null,
    };
  });
}

/** Counts by bucket (candidate, not-detected, each STAGE/REASON), most frequent first. */
export function bucketCounts(rows: PublishedAuditRow[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.stage, (counts.get(r.stage) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** The audit of a run's state against `file` (the summary's part and the rows). */
export function publishedAudit(state: PipelineState, file: string, opts: { matchRadiusArcsec: number; blueSearchArcsec: number }): { summary: PublishedAuditSummary; rows: PublishedAuditRow[] } {
  const cat = readPublishedCatalogue(file, plateFootprint(state));
  const rows = auditPublished(cat.sources, state.red.sources, state.blue?.sources ?? null, opts);
  const buckets = bucketCounts(rows);
  const n = rows.length;
  const notDetected = buckets[NOT_DETECTED] ?? 0;
  const candidates = buckets[CANDIDATE] ?? 0;
  return {
    rows,
    summary: {
      file,
      format: cat.format,
      columns: cat.columns,
      selection: cat.selection,
      matchRadiusArcsec: opts.matchRadiusArcsec,
      nearestRedSearchArcsec: Math.max(NEAREST_RED_SEARCH_ARCSEC, opts.matchRadiusArcsec),
      blueSearchArcsec: state.blue ? opts.blueSearchArcsec : null,
      sources: n,
      buckets,
      detected: n - notDetected,
      detectedFraction: n ? (n - notDetected) / n : null,
      candidates,
      candidateFraction: n ? candidates / n : null,
    },
  };
}

/** After the catalogue stages: the audit, kept in the state (run.ts writes published.csv and the summary's part). */
export const publishedAuditStage: Stage = {
  name: PUBLISHED_AUDIT_STAGE,
  inputs: (p) => ({ vasco: p.catalogue.vasco, radius: p.catalogue.vetoRadiusArcsec, blue: p.redBlue.nearestSearchArcsec }),
  async run(state, ctx) {
    const n = state.red.sources.aliveCount();
    const body = { input: n, output: n, dropped: {} };
    const file = ctx.params.catalogue.vasco;
    if (!file) return { state: { ...state, published: undefined }, count: { ...body, skipped: 'no published catalogue given (--vasco FILE)' } };
    const published = publishedAudit(state, file, { matchRadiusArcsec: ctx.params.catalogue.vetoRadiusArcsec, blueSearchArcsec: ctx.params.redBlue.nearestSearchArcsec });
    const s = published.summary;
    ctx.log?.(`published audit: ${s.sources} published source(s) on the plate: ${Object.entries(s.buckets).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    return { state: { ...state, published }, count: body };
  },
};

export const PUBLISHED_CSV_COLUMNS = [
  'published_id', 'ra', 'dec', 'stage', 'detail', 'source_id', 'separation_arcsec', 'blue_detection_id', 'blue_detection_arcsec', 'blue_detection_mag',
] as const;

/** DIR/published.csv: one row per published source (RFC 4180, empty cells where nothing is known). */
export function publishedCsv(rows: PublishedAuditRow[]): string {
  return formatCsv(
    [...PUBLISHED_CSV_COLUMNS],
    rows.map((r) => [r.id, r.ra, r.dec, r.stage, r.detail ?? '', r.sourceId, r.separationArcsec, r.blueDetectionId, r.blueDetectionArcsec, r.blueDetectionMag]),
  );
}

/** DIR/published.csv back as rows (what the store records). */
export function readPublishedCsv(file: string): PublishedAuditRow[] {
  const t = readCsvFile(file);
  const at = (name: string) => t.header.indexOf(name);
  const missing = PUBLISHED_CSV_COLUMNS.filter((c) => at(c) < 0);
  if (missing.length) throw new UserError(`${file} lacks the column(s) ${missing.join(', ')}`, 'run vasco run --vasco FILE again to rewrite it');
  const num = (cell: string | undefined) => (cell === undefined || cell.trim() === '' ? null : Number(cell));
  const c = Object.fromEntries(PUBLISHED_CSV_COLUMNS.map((n) => [n, at(n)])) as Record<(typeof PUBLISHED_CSV_COLUMNS)[number], number>;
  return t.rows.map((r) => ({
    id: r[c.published_id],
    ra: Number(r[c.ra]),
    dec: Number(r[c.dec]),
    stage: r[c.stage],
    ...(r[c.detail] ? { detail: r[c.detail] } : {}),
    sourceId: num(r[c.source_id]),
    separationArcsec: num(r[c.separation_arcsec]),
    blueDetectionId: num(r[c.blue_detection_id]),
    blueDetectionArcsec: num(r[c.blue_detection_arcsec]),
    blueDetectionMag: num(r[c.blue_detection_mag]),
  }));
}

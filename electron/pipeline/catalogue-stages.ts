/**
 * The stages after red vs blue, as pipeline stages: modern-catalogue veto,
 * asteroid flags, the southern declination cut, dedup within and across
 * plates, and scoring against the published catalogue. Each works on the red
 * sources still standing and appends to their ledgers (the stage functions
 * live in veto.ts, asteroids.ts, dedup.ts and score.ts).
 */
import { join } from 'node:path';
import { asteroidStage } from './asteroids';
import { decCutStage, dedupAcrossPlates, dedupWithinPlate } from './dedup';
import { scoreAgainstVasco } from './score';
import { ledgerCount, type PipelineState, type Stage, type StageCountBody } from './state';
import { withAliveRows } from './source-table';
import type { TrackedSource } from './types';
import { vetoStage, type VetoOptions } from './veto';
import { prefetchedGaia } from './astrometry';
import { plateFootprint } from './plate-footprint';

/** A stage that runs `work` on the standing red sources (row objects; their new ledger entries go back to the table) and counts by ledger. */
function ledgerStage(
  name: string,
  inputs: Stage['inputs'],
  work: (standing: TrackedSource[], state: PipelineState, ctx: Parameters<Stage['run']>[1]) => Promise<{ notes?: string[]; skipped?: string }>,
): Stage {
  return {
    name,
    inputs,
    async run(state, ctx) {
      const table = state.red.sources;
      const from = table.ledger.length;
      const before = table.aliveCount();
      const { notes = [], skipped } = await withAliveRows(table, (standing) => work(standing, state, ctx));
      const count: StageCountBody = ledgerCount(table, name, from, before);
      if (skipped) count.skipped = skipped;
      return { state: { ...state, notes: [...state.notes, ...notes] }, count };
    },
  };
}

const veto = ledgerStage(
  'veto',
  (p) => ({ ...pick(p.catalogue, ['veto', 'catalogs', 'localFiles', 'vetoRadiusArcsec', 'supercosmosRole', 'ptfMinGoodObs']), offline: p.offline }),
  async (standing, state, ctx) => {
    const c = ctx.params.catalogue;
    const fp = plateFootprint(state);
    const r = await vetoStage(
      standing,
      {
        mode: c.veto,
        catalogs: c.catalogs,
        localFiles: c.localFiles,
        radiusArcsec: c.vetoRadiusArcsec,
        epochJulian: state.red.info.epochJulian,
        plateCentre: fp.centre,
        plateRadiusDeg: fp.radiusDeg,
        cacheDir: c.cacheDir ?? join(ctx.params.out, 'cache'),
        offline: ctx.params.offline,
        tap: { supercosmosRole: c.supercosmosRole, ptfMinGoodObs: c.ptfMinGoodObs },
        prefetched: prefetchedCatalogues(state),
      },
      ctx,
    );
    return { notes: r.notes, skipped: r.count.skipped };
  },
);

/** Catalogue rows an earlier stage already fetched around every standing candidate (the Gaia refit's query). */
function prefetchedCatalogues(state: PipelineState): VetoOptions['prefetched'] {
  const gaia = prefetchedGaia(state);
  return gaia ? { gaia } : undefined;
}

const asteroids = ledgerStage(
  'asteroids',
  (p) => ({ radius: p.catalogue.asteroidRadiusArcsec, offline: p.offline }),
  async (standing, state, ctx) => {
    const info = state.red.info;
    const fp = plateFootprint(state);
    const r = await asteroidStage(
      standing,
      {
        midUtc: info.midUtc,
        epochJulian: info.epochJulian,
        exposureMinutes: info.exposureMinutes,
        plateCentre: fp.centre,
        plateRadiusDeg: fp.radiusDeg,
        radiusArcsec: ctx.params.catalogue.asteroidRadiusArcsec,
        cacheDir: ctx.params.catalogue.cacheDir ?? join(ctx.params.out, 'cache'),
        offline: ctx.params.offline,
      },
      ctx,
    );
    return { notes: r.notes, skipped: r.count.skipped };
  },
);

const decCut = ledgerStage('dec-cut', (p) => ({ decMin: p.catalogue.decMin }), async (standing, _state, ctx) => {
  decCutStage(standing, ctx.params.catalogue.decMin);
  return {};
});

const dedup = ledgerStage(
  'dedup',
  (p) => ({ radius: p.catalogue.dedupRadiusArcsec, dir: p.catalogue.dedupDir }),
  async (standing, _state, ctx) => {
    const c = ctx.params.catalogue;
    const within = dedupWithinPlate(standing, c.dedupRadiusArcsec);
    if (!c.dedupDir) return {};
    const across = await dedupAcrossPlates(within.kept, c.dedupDir, c.dedupRadiusArcsec, {
      exclude: [join(ctx.params.out, 'candidates.csv')],
      log: ctx.log,
    });
    return { notes: [`dedup: compared with ${across.files.length} earlier candidate file(s) in ${c.dedupDir}`] };
  },
);

/** Scoring drops nothing: it records recall/precision/F1 in the state for summary.json. */
const score: Stage = {
  name: 'score',
  inputs: (p) => ({ vasco: p.catalogue.vasco, radius: p.catalogue.vetoRadiusArcsec }),
  async run(state, ctx) {
    const table = state.red.sources;
    const standing = [...table.rows(table.aliveIndices())];
    const body: StageCountBody = { input: standing.length, output: standing.length, dropped: {} };
    const file = ctx.params.catalogue.vasco;
    if (!file) return { state, count: { ...body, skipped: 'no published catalogue given (--vasco FILE)' } };
    const result = scoreAgainstVasco(standing, file, plateFootprint(state), { radiusArcsec: ctx.params.catalogue.vetoRadiusArcsec });
    ctx.log?.(
      `score: recall ${result.recall.toFixed(3)} precision ${result.precision.toFixed(3)} F1 ${result.f1.toFixed(3)} (${result.selection})`,
    );
    return { state: { ...state, score: result }, count: body };
  },
};

export const CATALOGUE_STAGES: Stage[] = [veto, asteroids, decCut, dedup, score];

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

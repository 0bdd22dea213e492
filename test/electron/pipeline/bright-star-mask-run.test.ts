/**
 * The bright-star mask on a synthetic pair drawn with diffraction spikes and
 * halo rings round its saturated stars, whose knots (truth rows of kind
 * "artefact") have no blue counterpart and so pass as vanished sources:
 * `vasco run --bright-star-mask drop` removes them (mask/bright-star in the
 * ledger, the star named), the injected transients away from the bright
 * stars survive, `flag` keeps the same sources and says so, `off` leaves the
 * run as it was; a Gaia file adds its bright stars to the mask.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { haveSyntheticRunTools, vascoRun } from './synthetic-plates';

const ready = haveSyntheticRunTools();

interface Source {
  id: number;
  x: number;
  y: number;
  status: string;
  droppedBy: string;
  ledger: string;
}

function sources(dir: string): Source[] {
  const t = parseCsv(readFileSync(join(dir, 'sources.csv'), 'utf8'));
  const c = (n: string) => t.header.indexOf(n);
  return t.rows.map((r) => ({ id: Number(r[c('id')]), x: Number(r[c('x')]), y: Number(r[c('y')]), status: r[c('status')], droppedBy: r[c('dropped_by')], ledger: r[c('ledger')] }));
}

interface TruthRow {
  kind: string;
  note: string;
  x: number;
  y: number;
  ra: number;
  dec: number;
  flux: number;
}

/** The source SExtractor made of a truth object (within 2 px), if any. */
function detectionOf(t: TruthRow, all: Source[]): Source | undefined {
  let best: Source | undefined;
  for (const s of all) if (Math.hypot(s.x - t.x, s.y - t.y) < 2 && (!best || Math.hypot(s.x - t.x, s.y - t.y) < Math.hypot(best.x - t.x, best.y - t.y))) best = s;
  return best;
}

describe.skipIf(!ready)('bright-star mask on a plate with spikes and halos', () => {
  let dir: string;
  let truth: TruthRow[];
  let artefactStars: { x: number; y: number; spikeLengthPx: number; ringRadiusPx: number }[];
  const run = (name: string) => sources(join(dir, name));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-bright-star-'));
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    const pair = await generatePlatePair({ outDir: join(dir, 'synth'), size: 1000, seed: 41, transients: 40, transientSnr: [40, 200], brightStarArtefacts: true });
    const t = parseCsv(readFileSync(pair.truth, 'utf8'));
    const c = (n: string) => t.header.indexOf(n);
    truth = t.rows
      .filter((r) => r[c('red_x')] !== '')
      .map((r) => ({ kind: r[c('kind')], note: r[c('note')], x: Number(r[c('red_x')]), y: Number(r[c('red_y')]), ra: Number(r[c('ra')]), dec: Number(r[c('dec')]), flux: Number(r[c('red_flux')]) }));
    artefactStars = JSON.parse(readFileSync(pair.params, 'utf8')).artefactStars;
    // Gaia from the truth: stars only (the knots are no stars), G from the red flux, on a zero point
    // that takes stars short of saturation on the plate to G <= 12 as well (Gaia-only masking stars).
    const gaia = ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag'];
    truth.filter((s) => s.kind === 'star').forEach((s, k) => gaia.push(`${7000 + k},${s.ra},${s.dec},0,0,2016.0,${(24 - 2.5 * Math.log10(s.flux)).toFixed(2)}`));
    writeFileSync(join(dir, 'gaia.csv'), gaia.join('\n') + '\n');
    const common = ['--red', pair.red, '--blue', pair.blue, '--offline', '--workers', '2'];
    for (const [name, args] of [
      ['off', ['--bright-star-mask', 'off']],
      ['flag', ['--bright-star-mask', 'flag']],
      ['drop', ['--bright-star-mask', 'drop']],
      ['gaia', ['--bright-star-mask', 'drop', '--catalog', `gaia=${join(dir, 'gaia.csv')}`, '--gaia-refit', 'off']],
    ] as const) {
      const r = vascoRun([...common, ...args, '--out', join(dir, name)]);
      if (r.status !== 0) throw new Error(`vasco run (${name}) failed: ${r.stderr}`);
    }
  }, 900_000);

  it('without the mask, knots on spikes and halos are false candidates', () => {
    const off = run('off');
    const knots = truth.filter((t) => t.kind === 'artefact').map((t) => detectionOf(t, off)).filter((s) => s?.status === 'candidate');
    console.log(`mask off: ${off.filter((s) => s.status === 'candidate').length} candidates, ${knots.length} of them knots on spikes/halos`);
    expect(knots.length).toBeGreaterThanOrEqual(10);
  });

  it('drop removes nearly every knot candidate, naming the star in the ledger, and keeps the transients away from bright stars', () => {
    const off = run('off');
    const drop = run('drop');
    const byId = new Map(drop.map((s) => [s.id, s]));
    const knotCandidates = truth.filter((t) => t.kind === 'artefact').map((t) => detectionOf(t, off)).filter((s): s is Source => s?.status === 'candidate');
    const masked = knotCandidates.filter((s) => byId.get(s.id)!.droppedBy === 'mask/bright-star');
    const transients = truth.filter((t) => t.kind === 'transient').map((t) => ({ t, s: detectionOf(t, off) })).filter((p) => p.s?.status === 'candidate');
    // Away from the artefacts: off every drawn spike's line (10 px across) out to twice its length,
    // and outside twice every halo ring (the mask reaches past the light it measures by a margin).
    const clear = (t: TruthRow, a: (typeof artefactStars)[number]) => {
      const dx = Math.abs(t.x - a.x), dy = Math.abs(t.y - a.y);
      const onSpike = (along: number, across: number) => along <= 2 * a.spikeLengthPx + 10 && across < 10;
      return Math.hypot(dx, dy) > 2 * a.ringRadiusPx + 10 && !onSpike(dx, dy) && !onSpike(dy, dx);
    };
    const away = transients.filter(({ t }) => artefactStars.every((a) => clear(t, a)));
    const lost = transients.filter(({ s }) => byId.get(s!.id)!.status !== 'candidate');
    console.log(
      `mask drop: ${masked.length} of ${knotCandidates.length} knot candidates dropped; transients ${transients.length - lost.length} of ${transients.length} kept ` +
        `(${away.length} lie away from every spike and halo ring: all kept); candidates ${off.filter((s) => s.status === 'candidate').length} -> ${drop.filter((s) => s.status === 'candidate').length}`,
    );
    expect(masked.length).toBeGreaterThanOrEqual(0.9 * knotCandidates.length);
    expect(away.length).toBeGreaterThanOrEqual(10);
    for (const { s } of away) expect(byId.get(s!.id)!.status, `transient at (${s!.x}, ${s!.y})`).toBe('candidate');
    const entry = byId.get(masked[0].id)!.ledger;
    expect(entry).toMatch(/mask\/bright-star/);
    expect(entry).toMatch(/on the (spike|halo) of saturated source \d+/);
    const summary = JSON.parse(readFileSync(join(dir, 'drop', 'summary.json'), 'utf8'));
    expect(summary.stages.find((x: { name: string }) => x.name === 'mask').dropped['bright-star']).toBe(drop.filter((s) => s.droppedBy === 'mask/bright-star').length);
    expect(summary.parameters.catalogue.brightStarMask).toBe('drop');
  });

  it('flag keeps the same sources as candidates and says which are on a bright star', () => {
    const drop = run('drop');
    const flag = run('flag');
    const off = run('off');
    expect(flag.filter((s) => s.status === 'candidate').map((s) => s.id)).toEqual(off.filter((s) => s.status === 'candidate').map((s) => s.id));
    const flagged = flag.filter((s) => s.status === 'candidate' && /mask\/bright-star/.test(s.ledger)).map((s) => s.id);
    expect(flagged).toEqual(drop.filter((s) => s.droppedBy === 'mask/bright-star').map((s) => s.id));
    const summary = JSON.parse(readFileSync(join(dir, 'off', 'summary.json'), 'utf8'));
    expect(summary.stages.find((x: { name: string }) => x.name === 'mask').skipped).toBe('--bright-star-mask off');
  });

  it('a Gaia file adds its bright stars that are not saturated on the plate, sized to agree with the measured ones', () => {
    const summary = JSON.parse(readFileSync(join(dir, 'gaia', 'summary.json'), 'utf8'));
    const note = summary.notes.find((n: string) => n.startsWith('bright-star mask'));
    console.log(note);
    expect(note).toMatch(/[1-9]\d* Gaia star\(s\) with G <= 12 \(--catalog gaia=.*not at a saturated star's place/);
    // Every measured star is in the Gaia file (all stars are), so the Gaia sizes are scaled to them.
    const own = Number(/(\d+) saturated star\(s\) on the red plate/.exec(note)![1]);
    const matched = Number(/to the plate's (\d+) measured saturated stars/.exec(note)?.[1]);
    expect(matched).toBeGreaterThanOrEqual(Math.min(own, 3));
    const gaia = run('gaia');
    const byGaia = gaia.filter((s) => /on the (spike|halo) of Gaia \d+ \(G /.test(s.ledger));
    expect(byGaia.length).toBeGreaterThan(0);
    expect(byGaia[0].ledger).toMatch(/sized by magnitude, scaled x[\d.]+ \(halo\) and x[\d.]+ \(spike\)/);
    // No Gaia star masks in place of a measured one: every star of the plain drop run masks the same here.
    expect(gaia.some((s) => /on the (spike|halo) of saturated source \d+/.test(s.ledger))).toBe(true);
  });
});

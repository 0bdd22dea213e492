/**
 * Generator options for testing the Gaia refit and the bright-star mask:
 * --distort-header writes the red plate's solution off the truth by the
 * documented pattern (read back by astropy, not our own solution code) while
 * every object stays where it was; --spikes adds spikes, halo rings and knots
 * with truth rows; neither changes a pair made without them.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../electron/core/csv';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { HEADER_DISTORTION } from '../../../electron/synth/plate-headers';
import { astropyPixToSky, haveAstropy } from '../pipeline/astropy-reference';

const A = 1.5;
const W = 400;

function stars(truthFile: string) {
  const t = parseCsv(readFileSync(truthFile, 'utf8'));
  const c = (n: string) => t.header.indexOf(n);
  return t.rows.filter((r) => r[c('kind')] === 'star' && r[c('red_x')] !== '').map((r) => ({ ra: Number(r[c('ra')]), dec: Number(r[c('dec')]), x: Number(r[c('red_x')]), y: Number(r[c('red_y')]) }));
}

describe('synthetic generator: distorted header and bright-star artefacts', () => {
  let dir: string;
  let plain: Awaited<ReturnType<typeof generatePlatePair>>;
  let distorted: Awaited<ReturnType<typeof generatePlatePair>>;
  let spiky: Awaited<ReturnType<typeof generatePlatePair>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-synth-distort-'));
    plain = await generatePlatePair({ outDir: join(dir, 'plain'), size: W, seed: 3 });
    distorted = await generatePlatePair({ outDir: join(dir, 'distorted'), size: W, seed: 3, headerDistortionArcsec: A });
    spiky = await generatePlatePair({ outDir: join(dir, 'spiky'), size: W, seed: 3, stars: 600, brightStarArtefacts: true });
  }, 120_000);

  it.skipIf(!haveAstropy())('the distorted header puts each star off its truth by the documented pattern (astropy)', () => {
    const s = stars(distorted.truth);
    expect(s.length).toBeGreaterThan(50);
    const sky = astropyPixToSky(distorted.red, 'dss', s.map((p) => [p.x, p.y]));
    let worst = 0, largest = 0;
    s.forEach((p, k) => {
      const u = -(p.x - (W + 1) / 2) / (W / 2), v = (p.y - (W + 1) / 2) / (W / 2);
      const terms = [1, u, v, u * u, u * v, v * v];
      const want = [0, 1].map((axis) => A * terms.reduce((sum, t, j) => sum + t * (axis ? HEADER_DISTORTION.eta : HEADER_DISTORTION.xi)[j], 0));
      const got = [(sky[k][0] - p.ra) * Math.cos((p.dec * Math.PI) / 180) * 3600, (sky[k][1] - p.dec) * 3600];
      worst = Math.max(worst, Math.hypot(got[0] - want[0], got[1] - want[1]));
      largest = Math.max(largest, Math.hypot(...got));
    });
    expect(worst).toBeLessThan(0.02);
    expect(largest).toBeGreaterThan(A);
    // The undistorted header gives the truth (astropy, its TAN solution).
    const p0 = stars(plain.truth);
    const sky0 = astropyPixToSky(plain.red, 'fits', p0.map((p) => [p.x, p.y]));
    p0.forEach((p, k) => expect(Math.hypot((sky0[k][0] - p.ra) * Math.cos((p.dec * Math.PI) / 180), sky0[k][1] - p.dec) * 3600).toBeLessThan(0.001));
  });

  it('moves no object: the same truth as the plain pair, and the plain pair records neither option', () => {
    expect(readFileSync(distorted.truth, 'utf8')).toBe(readFileSync(plain.truth, 'utf8'));
    const params = JSON.parse(readFileSync(plain.params, 'utf8'));
    expect(params.options).not.toHaveProperty('headerDistortionArcsec');
    expect(params.options).not.toHaveProperty('brightStarArtefacts');
    expect(params).not.toHaveProperty('artefactStars');
    expect(JSON.parse(readFileSync(distorted.params, 'utf8')).options.headerDistortionArcsec).toBe(A);
  });

  it('--spikes draws knots with truth rows on red only, next to the stars listed in the sidecar', () => {
    const t = parseCsv(readFileSync(spiky.truth, 'utf8'));
    const c = (n: string) => t.header.indexOf(n);
    const knots = t.rows.filter((r) => r[c('kind')] === 'artefact');
    const params = JSON.parse(readFileSync(spiky.params, 'utf8'));
    expect(params.artefactStars.length).toBeGreaterThan(0);
    expect(knots.length).toBe(params.counts.artefact);
    expect(knots.length).toBeGreaterThan(0);
    for (const k of knots) {
      expect(['spike', 'halo']).toContain(k[c('note')]);
      expect(k[c('blue_x')]).toBe('');
      const x = Number(k[c('red_x')]), y = Number(k[c('red_y')]);
      // On an axis of its star within the spike's length, or on its ring.
      const near = params.artefactStars.some((a: { x: number; y: number; spikeLengthPx: number; ringRadiusPx: number }) =>
        k[c('note')] === 'spike'
          ? Math.min(Math.abs(x - a.x), Math.abs(y - a.y)) < 0.01 && Math.hypot(x - a.x, y - a.y) <= a.spikeLengthPx
          : Math.abs(Math.hypot(x - a.x, y - a.y) - a.ringRadiusPx) < 0.06,
      );
      expect(near).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { applyStretch, computeLimits, zscale } from '../../../renderer/lib/stretch';
import { astropy, haveAstropy, PYTHON } from '../../helpers/python';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

/** A deterministic star field: Gaussian-ish sky noise, a few bright stars, some blank spikes. */
function starField(w: number, h: number, seed: number): number[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: number[] = [];
  const stars = Array.from({ length: 12 }, () => [rnd() * w, rnd() * h, 500 + rnd() * 20000, 1 + rnd() * 2]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 3000 + (rnd() + rnd() + rnd() - 1.5) * 80;
      for (const [sx, sy, f, sig] of stars) v += f * Math.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * sig * sig));
      out.push(Math.round(v * 100) / 100);
    }
  }
  return out;
}

describe.skipIf(!haveAstropy())('zscale against astropy ZScaleInterval', () => {
  const cases = [
    { name: '30x30 field (all pixels sampled)', data: starField(30, 30, 7) },
    { name: '150x150 field (strided sample)', data: starField(150, 150, 42) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ref = astropy<[number, number]>(
        'from astropy.visualization import ZScaleInterval\nprint(json.dumps([float(v) for v in ZScaleInterval().get_limits(np.array(INPUT, dtype=float))]))',
        c.data,
      );
      const ours = zscale(c.data);
      expect(ours.vmin).toBeCloseTo(ref[0], 6);
      expect(ours.vmax).toBeCloseTo(ref[1], 6);
      expect(ours.vmax).toBeGreaterThan(ours.vmin);
    });
  }

  it.skipIf(!haveSharedData('cutouts/poss1-red-XE687-20arcmin.fits'))('on a real POSS-I plate region', () => {
    const file = sharedData('cutouts/poss1-red-XE687-20arcmin.fits');
    // astropy reads the plate itself; we get the same pixels from it, then both compute limits.
    const out = execFileSync(PYTHON, ['-c', `
import json, numpy as np
from astropy.io import fits
from astropy.visualization import ZScaleInterval
d = fits.getdata(${JSON.stringify(file)}).astype(float)[300:380, 300:380]
print(json.dumps({"data": d.ravel().tolist(), "lim": [float(v) for v in ZScaleInterval().get_limits(d)]}))
`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const { data, lim } = JSON.parse(out) as { data: number[]; lim: [number, number] };
    const ours = zscale(data);
    expect(ours.vmin).toBeCloseTo(lim[0], 6);
    expect(ours.vmax).toBeCloseTo(lim[1], 6);
  });

  it('percentile limits match numpy, transfer functions match astropy stretches', () => {
    const data = starField(40, 40, 3);
    const ref = astropy<{ p: [number, number]; asinh: number[]; log: number[] }>(
      `from astropy.visualization import AsinhStretch, LogStretch
x = np.linspace(0, 1, 11)
print(json.dumps({"p": [float(np.percentile(INPUT, 0.25)), float(np.percentile(INPUT, 99.75))],
  "asinh": AsinhStretch()(x).tolist(), "log": LogStretch()(x).tolist()}))`,
      data,
    );
    const lim = computeLimits(data, 'p99.5');
    expect(lim.vmin).toBeCloseTo(ref.p[0], 6);
    expect(lim.vmax).toBeCloseTo(ref.p[1], 6);
    for (let i = 0; i <= 10; i++) {
      expect(applyStretch('asinh', i / 10)).toBeCloseTo(ref.asinh[i], 9);
      expect(applyStretch('log', i / 10)).toBeCloseTo(ref.log[i], 9);
      expect(applyStretch('linear', i / 10)).toBeCloseTo(i / 10, 12);
    }
  });
});

describe('limits without a reference', () => {
  it('minmax spans the finite values and ignores NaN', () => {
    expect(computeLimits([3, NaN, -2, 7, Infinity], 'minmax')).toEqual({ vmin: -2, vmax: 7 });
  });
  it('zscale of a constant image does not produce an empty range', () => {
    const l = zscale(new Array(100).fill(5));
    expect(l.vmin).toBe(5);
    expect(l.vmax).toBe(5);
  });
});

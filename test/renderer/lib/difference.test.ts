/**
 * The blink's difference frame: blue scaled to red by the median ratio of
 * pixels bright on both. A field of stars on both plates (blue fainter by a
 * known factor, different skies and noise) plus one source on red only: the
 * ratio comes back, the shared stars cancel, the red-only source stays.
 */
import { describe, expect, it } from 'vitest';
import { differenceFrame, skyAndNoise } from '../../../renderer/lib/difference';

function field(seed: number) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const gauss = () => (rnd() + rnd() + rnd() + rnd() - 2) * Math.sqrt(3);
  const w = 80;
  const stars = Array.from({ length: 10 }, () => [5 + rnd() * 70, 5 + rnd() * 70, 2000 + rnd() * 8000]);
  const lonely = [40.2, 41.7, 5000];
  const red = new Float32Array(w * w), blue = new Float32Array(w * w);
  const k = 0.6; // blue = 0.6 x red flux
  for (let j = 0; j < w; j++) {
    for (let i = 0; i < w; i++) {
      let r = 0;
      for (const [x, y, f] of stars) r += f * Math.exp(-((i - x) ** 2 + (j - y) ** 2) / (2 * 1.5 ** 2));
      const only = lonely[2] * Math.exp(-((i - lonely[0]) ** 2 + (j - lonely[1]) ** 2) / (2 * 1.5 ** 2));
      red[j * w + i] = 3000 + r + only + 20 * gauss();
      blue[j * w + i] = 1200 + k * r + 15 * gauss();
    }
  }
  return { red, blue, w, k, lonely, stars };
}

describe('difference frame', () => {
  const f = field(11);
  const d = differenceFrame(f.red, f.blue);

  it('finds the flux ratio from pixels bright on both and says how', () => {
    expect(d.matched).toBeGreaterThan(20);
    expect(d.ratio).toBeGreaterThan(1 / f.k - 0.05);
    expect(d.ratio).toBeLessThan(1 / f.k + 0.05);
    expect(d.how).toMatch(/median red\/blue of \d+ pixels/);
  });

  it('a star on both plates cancels; a red-only source stays bright', () => {
    const noise = skyAndNoise(d.data).sigma;
    const at = (x: number, y: number) => d.data[Math.round(y) * f.w + Math.round(x)];
    expect(at(f.lonely[0], f.lonely[1])).toBeGreaterThan(50 * noise);
    for (const [x, y, flux] of f.stars) {
      if (Math.hypot(x - f.lonely[0], y - f.lonely[1]) < 8) continue;
      const peakRed = f.red[Math.round(y) * f.w + Math.round(x)] - 3000;
      expect(Math.abs(at(x, y))).toBeLessThan(0.08 * Math.max(peakRed, flux * 0.5));
    }
  });

  it('falls back to the sky-noise ratio when nothing is bright on both', () => {
    const red = Float32Array.from({ length: 400 }, (_, i) => 100 + ((i * 7919) % 13));
    const blue = Float32Array.from({ length: 400 }, (_, i) => 50 + ((i * 104729) % 13) / 2);
    const fb = differenceFrame(red, blue);
    expect(fb.matched).toBe(0);
    expect(fb.how).toMatch(/sky-noise ratio/);
    expect(() => differenceFrame(red, blue.subarray(1))).toThrow(/differ in size/);
  });
});

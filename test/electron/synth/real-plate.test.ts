/**
 * Test material from the real XE687 cutout (electron/synth/real-plate.ts):
 * injected sources are where they are said to be, with the flux said, and no
 * pixel passes the plate's own ceiling (an injected peak above it made the
 * injected source the plate's brightest and moved the mask's saturation
 * test); the same seed gives the same image; the distorted copy keeps every
 * pixel and loses its TAN. Pixel sums by numpy through astropy.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REAL_CUTOUT_INJECTION, writeDistortedCopy, writeInjectedCopy, type InjectedSource } from '../../../electron/synth/real-plate';
import { astropy, haveAstropy } from '../../helpers/python';
import { haveSharedData, sharedData } from '../../helpers/shared-data';

const XE687 = 'cutouts/poss1-red-XE687-20arcmin.fits';
const ready = haveSharedData(XE687) && haveAstropy();

describe.skipIf(!ready)('real-plate test material', () => {
  let dir: string;
  let injected: InjectedSource[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-real-plate-'));
    injected = await writeInjectedCopy(sharedData(XE687), join(dir, 'a.fits'), { ...REAL_CUTOUT_INJECTION, seed: 3 });
    await writeInjectedCopy(sharedData(XE687), join(dir, 'b.fits'), { ...REAL_CUTOUT_INJECTION, seed: 3 });
    await writeDistortedCopy(sharedData(XE687), join(dir, 'd.fits'), 2);
  });

  it('adds the sources said, stays under the plate ceiling, and repeats with the seed', () => {
    const r = astropy<{ maxOrig: number; maxNew: number; same: boolean; added: number[]; clipped: number }>(
      `
from astropy.io import fits
o = fits.getdata(INPUT['orig']).astype(float); a = fits.getdata(INPUT['a']).astype(float); b = fits.getdata(INPUT['b']).astype(float)
d = a - o
added = []
for x, y in INPUT['xy']:
    i, j = int(round(y)) - 1, int(round(x)) - 1
    added.append(float(d[max(i-12,0):i+13, max(j-12,0):j+13].sum()))
print(json.dumps({'maxOrig': float(o.max()), 'maxNew': float(a.max()), 'same': bool((a == b).all()), 'added': added,
                  'clipped': int((a == o.max()).sum() - (o == o.max()).sum())}))
`,
      { orig: sharedData(XE687), a: join(dir, 'a.fits'), b: join(dir, 'b.fits'), xy: injected.map((s) => [s.x, s.y]) },
    );
    expect(injected).toHaveLength(40);
    expect(r.maxNew).toBe(r.maxOrig);
    expect(r.same).toBe(true);
    // Within 12 px the added light is the source's flux (a Moffat beta 3 holds ~97 % there), less what the ceiling cut.
    const ratios = injected.map((s, k) => r.added[k] / s.flux);
    console.log(`added/flux: min ${Math.min(...ratios).toFixed(3)} median ${[...ratios].sort((a, b) => a - b)[20].toFixed(3)}; pixels newly at the ceiling ${r.clipped}`);
    expect(ratios.filter((q) => q > 0.9 && q < 1.05).length).toBeGreaterThanOrEqual(36);
    for (const q of ratios) expect(q).toBeLessThan(1.1); // a neighbouring injected source may add a little
  });

  it('keeps every pixel in the distorted copy and leaves only the (moved) plate polynomial', () => {
    const r = astropy<{ same: boolean; ctype: boolean; synth: number }>(
      `
from astropy.io import fits
o = fits.getdata(INPUT['orig']).astype(float); h = fits.getheader(INPUT['d']); d = fits.getdata(INPUT['d']).astype(float)
print(json.dumps({'same': bool((o == d).all()), 'ctype': 'CTYPE1' in h or 'CD1_1' in h, 'synth': h['SYNTHDST']}))
`,
      { orig: sharedData(XE687), d: join(dir, 'd.fits') },
    );
    expect(r).toEqual({ same: true, ctype: false, synth: 2 });
  });
});

/**
 * A POSS-I scan whose only astrometry is a plain celestial WCS (re-solved
 * plates, other scanners): no XPIXELSZ/PLTSCALE, no DSS plate solution. The
 * run takes the pixel scale from the CD matrix (or CDELT) and says so in
 * summary.json; positions come from the TAN solution. Real `vasco run`
 * (SExtractor, PSFEx) on a synthetic pair whose headers astropy strips;
 * astropy gives the reference scale and positions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../electron/pipeline/types';
import { astropy } from '../../helpers/python';
import { haveSyntheticRunTools, TILED_OPTIONS, vascoRun } from './synthetic-plates';

const dir = mkdtempSync(join(tmpdir(), 'vasco-plain-wcs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveSyntheticRunTools())('plates with only a plain celestial WCS', () => {
  it('run: pixel scale from CD (red) and CDELT+PC (blue), as astropy measures it; positions from the TAN solution', async () => {
    const { generatePlatePair } = await import('../../../electron/synth/generate-pair');
    // A 1.0"/px blue plate: a scale that is not the 1.7"/px default, so a fallback would show.
    const { red, blue } = await generatePlatePair({ outDir: dir, size: 600, seed: 11, transients: 15, defects: 5, blueScaleArcsec: 1.0 });

    // Strip every DSS keyword; the blue plate's CD becomes CDELT with a PC matrix. astropy measures both.
    const ref = astropy<Record<'red' | 'blue', { scales: number[]; areaScale: number }>>(
      `import re
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales, proj_plane_pixel_area
out = {}
for band, f in (("red", INPUT["red"]), ("blue", INPUT["blue"])):
    with fits.open(f, mode="update") as hdul:
        h = hdul[0].header
        for k in [k for k in h if re.match(r"^(PLTRA|PLTDEC|PPO|AMD|CNPIX|XPIXELSZ|YPIXELSZ|PLTSCALE)", k)]:
            h.remove(k)
        if band == "blue":
            cd = np.array([[h["CD1_1"], h["CD1_2"]], [h["CD2_1"], h["CD2_2"]]])
            s = abs(np.linalg.det(cd)) ** 0.5
            for i in (1, 2):
                for j in (1, 2):
                    h[f"PC{i}_{j}"] = cd[i - 1][j - 1] / s
                    del h[f"CD{i}_{j}"]
            h["CDELT1"] = s
            h["CDELT2"] = s
        w = WCS(h)
        out[band] = {"scales": [float(v) * 3600 for v in proj_plane_pixel_scales(w)], "areaScale": float(proj_plane_pixel_area(w)) ** 0.5 * 3600}
print(json.dumps(out))`,
      { red, blue },
    );

    const out = join(dir, 'out');
    const r = vascoRun(['--red', red, '--blue', blue, '--out', out, ...TILED_OPTIONS]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    for (const [band, source] of [['red', 'CD'], ['blue', 'CDELT']] as const) {
      const plate = summary.plates[band]!;
      expect(plate.pixelScaleSource).toBe(source);
      expect(plate.pixelSizeMicron).toBeNull();
      expect(plate.solution).toBe('fits');
      // Square pixels: both axes and the area give the same scale.
      for (const s of [...ref[band].scales, ref[band].areaScale]) expect(Math.abs(plate.pixelScaleArcsec - s)).toBeLessThan(1e-9);
    }
    expect(summary.plates.blue!.pixelScaleArcsec).toBeCloseTo(1.0, 9);

    // Sky positions of the extracted sources: astropy through the stripped red header.
    const [head, ...lines] = readFileSync(join(out, 'sources.csv'), 'utf8').trim().split('\n');
    const col = Object.fromEntries(head.split(',').map((c, i) => [c, i]));
    const rows = lines.slice(0, 25).map((l) => l.split(',')).map((f) => ({ x: +f[col.x], y: +f[col.y], ra: +f[col.ra], dec: +f[col.dec] }));
    expect(rows.length).toBeGreaterThan(10);
    const sky = astropy<[number, number][]>(
      `from astropy.io import fits
from astropy.wcs import WCS
w = WCS(fits.getheader(INPUT["f"]))
print(json.dumps([[float(v) for v in w.all_pix2world(x, y, 1)] for x, y in INPUT["xy"]]))`,
      { f: red, xy: rows.map((p) => [p.x, p.y]) },
    );
    rows.forEach((p, i) => {
      const dra = (p.ra - sky[i][0]) * Math.cos((p.dec * Math.PI) / 180);
      expect(Math.hypot(dra, p.dec - sky[i][1]) * 3600).toBeLessThan(1e-6);
    });
  });
});

/**
 * scripts/reference-stars.py: a reference star list for `--catalog gaia=`
 * from an image's own explicit WCS. On the real XE687 cutout, whose header
 * holds both the DSS plate polynomial and a TAN solution, the positions are
 * the TAN's (astropy would prefer the polynomial, 0.35" off at the corners);
 * an awkward path works; bad input gets one line naming the file, exit 2.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../electron/core/csv';
import { writeDistortedCopy } from '../../electron/synth/real-plate';
import { astropyPixToSky, haveAstropy } from '../electron/pipeline/astropy-reference';
import { PYTHON } from '../helpers/python';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../helpers/shared-data';

const XE687 = 'cutouts/poss1-red-XE687-20arcmin.fits';
const ready = haveSharedData(XE687) && haveAstropy() && haveCommand('source-extractor', 'sudo apt-get install source-extractor');
const script = join(projectRoot, 'scripts', 'reference-stars.py');

const refStars = (image: string, out: string) => spawnSync(PYTHON, [script, image, out], { encoding: 'utf8' });

describe.skipIf(!ready)('scripts/reference-stars.py', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-refstars-'));
  });

  it('puts the stars where the TAN solution says, from a path with spaces and a comma', () => {
    const awkward = join(dir, 'plates, 1951 [red]', "XE687 o'clock.fits");
    mkdirSync(join(dir, 'plates, 1951 [red]'));
    copyFileSync(sharedData(XE687), awkward);
    const out = join(dir, 'ref out.csv');
    const r = refStars(awkward, out);
    expect(r.status, r.stderr).toBe(0);
    const said = JSON.parse(r.stdout);
    const t = parseCsv(readFileSync(out, 'utf8'));
    expect(t.header).toEqual(['source_id', 'ra', 'dec', 'ref_epoch', 'x_image', 'y_image']);
    expect(t.rows).toHaveLength(said.stars);
    expect(said.stars).toBeGreaterThan(300);
    expect(Number(t.rows[0][3])).toBeCloseTo(1951.5, 1);
    // Every star where the TAN alone puts its pixel (astropy with the DSS keywords stripped), to 5 mas (pixels written to 0.001 px).
    const sky = astropyPixToSky(sharedData(XE687), 'fits', t.rows.map((r) => [Number(r[4]), Number(r[5])]));
    const worst = Math.max(...t.rows.map((r, k) => Math.hypot((Number(r[1]) - sky[k][0]) * Math.cos((sky[k][1] * Math.PI) / 180), Number(r[2]) - sky[k][1]) * 3600));
    expect(worst).toBeLessThan(0.005);
    // ... and not where the plate polynomial beside it would (0.35" off at the corners).
    const dss = astropyPixToSky(sharedData(XE687), 'dss', t.rows.map((r) => [Number(r[4]), Number(r[5])]));
    const dssOff = t.rows.map((r, k) => Math.hypot((Number(r[1]) - dss[k][0]) * Math.cos((dss[k][1] * Math.PI) / 180), Number(r[2]) - dss[k][1]) * 3600);
    expect(Math.max(...dssOff)).toBeGreaterThan(0.2);
  });

  it('refuses, in one line naming the file, a missing file, a non-FITS file, a truncated one and a header without an explicit WCS', async () => {
    writeFileSync(join(dir, 'notes.fits'), 'not a FITS file\n');
    writeFileSync(join(dir, 'truncated.fits'), readFileSync(sharedData(XE687)).subarray(0, 2000));
    await writeDistortedCopy(sharedData(XE687), join(dir, 'dss-only.fits'), 0);
    const cases: [string, RegExp][] = [
      [join(dir, 'absent.fits'), /absent\.fits: no such file/],
      [join(dir, 'notes.fits'), /notes\.fits is not a readable FITS image/],
      [join(dir, 'truncated.fits'), /truncated\.fits is not a readable FITS image/],
      [join(dir, 'dss-only.fits'), /dss-only\.fits has no explicit celestial WCS/],
    ];
    for (const [file, message] of cases) {
      const r = refStars(file, join(dir, 'x.csv'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/Traceback/);
    }
  });
});

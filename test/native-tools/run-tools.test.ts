/**
 * The real SExtractor and PSFEx on a real DSS cutout (XE198, 353x353 px).
 * Catalogue contents are read back with astropy, independently of our FITS code.
 * The image and the work folder sit under names with spaces, commas and
 * brackets, which SExtractor would split or read as an extension if given raw.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../electron/core/errors';
import { findNativeTools, type NativeTools } from '../../native-tools/find';
import { runPsfex, type PsfexResult } from '../../native-tools/psfex';
import { DEFAULT_DETECTION, runSextractor, writeAssocList, type SextractorJob } from '../../native-tools/sextractor';
import { haveCommand, haveSharedData, sharedData } from '../helpers/shared-data';

const IMAGE = 'cutouts/poss1-red-XE198-ngc1275-10arcmin.fits';
const ready =
  haveSharedData(IMAGE) &&
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex');

function astropy(script: string): string {
  return execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
}

describe.skipIf(!ready)('SExtractor pass 1 -> PSFEx -> pass 2 on XE198', () => {
  let tools: NativeTools;
  let root: string;
  let workDir: string;
  let psf: PsfexResult;
  const log: string[] = [];
  const fractions: number[] = [];
  let job: SextractorJob;

  beforeAll(async () => {
    tools = await findNativeTools();
    root = mkdtempSync(join(tmpdir(), 'vasco-native-'));
    workDir = join(root, 'work, run 1 [a]');
    mkdirSync(workDir);
    const plates = join(root, 'My Plates, 1951 [v2]');
    mkdirSync(plates);
    const image = join(plates, 'red plate.fits');
    symlinkSync(sharedData(IMAGE), image);
    job = {
      image, hdu: 0, workDir, pass: 'pass1', detection: DEFAULT_DETECTION,
      pixelScaleArcsec: 1.7, seeingFwhmArcsec: 4, saturLevel: 32767, imageHeight: 353,
      onFraction: (f) => fractions.push(f),
    };
    const ctx = { log: (l: string) => log.push(l) };
    await runSextractor(tools.sextractor, job, ctx);
    const stamps = await runSextractor(tools.sextractor, { ...job, pass: 'stamps', onFraction: undefined }, ctx);
    psf = await runPsfex(tools.psfex, { catalog: stamps.catalog, workDir, degrees: 2, fwhmRangePx: [1.5, 10] }, ctx);
    await runSextractor(tools.sextractor, { ...job, pass: 'pass2', psfFile: psf.psfFile, onFraction: undefined }, ctx);
  });
  afterAll(() => root && rmSync(root, { recursive: true, force: true }));

  it('names every file in the configs by a separator-free path, relative to the work folder, that exists', () => {
    const conf = readFileSync(join(workDir, 'pass2.sex'), 'utf8');
    for (const key of ['PARAMETERS_NAME', 'FILTER_NAME', 'STARNNW_NAME', 'PSF_NAME', 'CATALOG_NAME']) {
      const line = new RegExp(`^${key}[ \\t]+(.*?)[ \\t]*(#.*)?$`, 'm').exec(conf)?.[1] ?? '';
      expect(line, key).toMatch(/^[A-Za-z0-9_.\/+-]+$/);
      expect(existsSync(resolve(workDir, line)), `${key} ${line}`).toBe(true);
    }
    expect(conf).not.toMatch(/@[A-Z_]+@/);
    const psfConf = readFileSync(join(workDir, 'psfex.conf'), 'utf8');
    expect(/^PSF_DIR\s+(\S+)/m.exec(psfConf)?.[1]).toBe('.');
    // The catalogues and the model are where the callers expect them.
    for (const f of ['pass1.cat', 'stamps.cat', 'pass2.cat', 'stamps.psf']) expect(existsSync(join(workDir, f)), f).toBe(true);
    expect(psf.psfFile).toBe(join(workDir, 'stamps.psf'));
  });

  it('the stamp pass carries the VIGNET stamps PSFEx needs, pass 1 none; pass 1 reports scan progress', () => {
    const out = astropy(
      `from astropy.io import fits; t=fits.open('${join(workDir, 'stamps.cat')}')[2]; p=fits.open('${join(workDir, 'pass1.cat')}')[2]; print(t.header['EXTNAME'], t.data.shape[0], t.columns['VIGNET'].dim, 'VIGNET' in p.columns.names, p.data.shape[0])`,
    ).trim().split(' ');
    expect(out[0]).toBe('LDAC_OBJECTS');
    expect(Number(out[1])).toBeGreaterThan(50);
    expect(out[2]).toBe('(35,');
    expect(out.slice(3)).toEqual(['35)', 'False', out[1]]);
    // One tick per 25 scanned rows of the 353: the scan half of the fraction climbs to 0.5 and on.
    expect(fractions.length).toBeGreaterThan(10);
    expect(fractions.filter((f) => f > 0 && f < 1).length).toBeGreaterThan(10);
    expect(fractions.at(-1)).toBe(1);
  });

  it('PSFEx builds a degree-2 spatially varying model without check plots or images', () => {
    const deg = astropy(`from astropy.io import fits; h=fits.open('${psf.psfFile}')[1].header; print(h['POLDEG1'], h['POLNAXIS'])`).trim();
    expect(deg).toBe('2 2');
    expect(psf.stats).not.toBeNull();
    // POSS-I red stars at 1.7"/px: a few pixels FWHM.
    expect(psf.stats!.fwhmPx).toBeGreaterThan(1.5);
    expect(psf.stats!.fwhmPx).toBeLessThan(6);
    expect(execFileSync('ls', [workDir], { encoding: 'utf8' })).not.toMatch(/\.(png|ps)\b|chi|resi|samp|snap|proto/);
    expect(log.some((l) => l.startsWith('[psfex]'))).toBe(true);
  });

  it('pass 2 measures SPREAD_MODEL with finite values around zero for most sources', () => {
    const out = astropy(
      `from astropy.io import fits; import numpy as np; d=fits.open('${join(workDir, 'pass2.cat')}')[2].data; print(len(d), np.median(d['SPREAD_MODEL']), np.isfinite(d['SPREADERR_MODEL']).mean())`,
    ).trim().split(' ').map(Number);
    expect(out[0]).toBeGreaterThan(50);
    expect(Math.abs(out[1])).toBeLessThan(0.01);
    expect(out[2]).toBe(1);
  });

  it('an association list measures exactly the listed objects, with the values of the full pass', async () => {
    // Every third pass-1 object, by its barycentre, as astropy reads pass1.cat.
    const rows = JSON.parse(astropy(
      `from astropy.io import fits; import json; d=fits.open('${join(workDir, 'pass1.cat')}')[2].data; print(json.dumps([[float(d['X_IMAGE'][i]), float(d['Y_IMAGE'][i]), int(d['NUMBER'][i])] for i in range(0, len(d), 3)]))`,
    )) as [number, number, number][];
    const list = writeAssocList(join(workDir, 'some.list'), rows.map(([x, y, id]) => ({ x, y, id })));
    const r = await runSextractor(tools.sextractor, { ...job, pass: 'pass2', name: 'pass2-some', psfFile: psf.psfFile, assoc: list, onFraction: undefined });
    expect(r.run.peakRssMiB).toBeGreaterThan(1);
    const cmp = JSON.parse(astropy(`
from astropy.io import fits; import json
full = fits.open('${join(workDir, 'pass2.cat')}')[2].data
some = fits.open('${r.catalog}')[2].data
row = {int(n): i for i, n in enumerate(full['NUMBER'])}
cols = ['XWIN_IMAGE', 'FLUX_AUTO', 'FWHM_IMAGE', 'FLAGS', 'SPREAD_MODEL', 'SPREADERR_MODEL', 'CLASS_STAR']
ids = [int(v) for v in some['VECTOR_ASSOC'].ravel()]
same = all(float(full[c][row[i]]) == float(some[c][k]) for k, i in enumerate(ids) for c in cols)
print(json.dumps({'ids': sorted(ids), 'same': bool(same)}))`)) as { ids: number[]; same: boolean };
    expect(cmp.ids).toEqual(rows.map((x) => x[2]).sort((a, b) => a - b));
    expect(cmp.same).toBe(true);
  });

  it('cancelling kills the running child and throws CancelledError', async () => {
    const controller = new AbortController();
    let pid = 0;
    const started = Date.now();
    const p = runSextractor(
      tools.sextractor,
      { ...job, workDir: join(workDir, 'cancel'), pass: 'pass2', psfFile: psf.psfFile, onFraction: undefined, onSpawn: (n) => (pid = n) },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 400);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(pid).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(4000);
    // The pid is gone (reaped): signal 0 fails with ESRCH.
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

/**
 * files.list through the real API (dispatcher + HTTP host) on an awkward data
 * folder: spaces in names, a link leading outside (left out), `..`, absolute
 * paths and links asked for directly (refused 403), a truncated plate (listed
 * with a note), a non-FITS file (not offered); and on the real POSS-I cutouts
 * read in place, whose identity is checked against astropy's reading of the
 * same headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../../electron/api/handlers';
import { dispatch, type Api } from '../../../electron/api/dispatch';
import { dataFolderFromArgv } from '../../../electron/api/data-folder';
import { startHttpHost, type HttpHost } from '../../../electron/host/http-host';
import type { DataFolderListing } from '../../../electron/api/contract';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { haveSharedData, sharedData, sharedDataDir } from '../../helpers/shared-data';
import { astropy, haveAstropy } from '../../helpers/python';

const REAL = ['cutouts/poss1-red-XE198-ngc1275-10arcmin.fits', 'cutouts/poss1-blue-XO542-20arcmin.fits', 'cutouts/dasch-bi05397-same-field-as-XE687.fits.gz'];

async function list(api: Api, dir?: string) {
  return dispatch(api.handlers, 'files.list', dir === undefined ? {} : { dir });
}

describe('files.list on an awkward data folder', () => {
  let tmp: string;
  let data: string;
  let api: Api;
  let host: HttpHost;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco files list '));
    data = join(tmp, 'my data folder');
    const plates = join(data, 'plates 1953');
    const pair = await generatePlatePair({ outDir: plates, name: 'field one', preset: 'small', size: 160, stars: 30, transients: 2, defects: 0, seed: 5 });
    // A copy cut off inside its pixels, and one cut off inside its header.
    const whole = readFileSync(pair.red);
    writeFileSync(join(plates, 'cut short.fits'), whole.subarray(0, 2880 * 3));
    writeFileSync(join(plates, 'half header.fit'), whole.subarray(0, 1000));
    writeFileSync(join(data, 'gaia field one.csv'), 'source_id,ra,dec\n1,10,20\n');
    writeFileSync(join(data, 'notes.txt'), 'not offered');
    // A link out of the data folder, and one staying inside it.
    const outside = join(tmp, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.fits'), whole);
    symlinkSync(outside, join(data, 'escape'));
    symlinkSync(join(outside, 'secret.fits'), join(data, 'linked secret.fits'));
    symlinkSync(plates, join(data, 'shortcut'));
    api = await createApi({ dbPath: join(tmp, 'ws', 'workspace.sqlite'), offline: true, dataDir: data });
    host = await startHttpHost({ api, port: 0 });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists folders first, then plates and catalogue files, leaving out links that lead outside', async () => {
    const env = await list(api);
    expect('result' in env).toBe(true);
    const r = (env as { result: DataFolderListing }).result;
    expect(r.dir).toBe('');
    expect(r.parent).toBeNull();
    expect(r.entries.map((e) => [e.name, e.kind])).toEqual([
      ['plates 1953', 'folder'],
      ['shortcut', 'folder'],
      ['gaia field one.csv', 'catalogue'],
    ]);
    expect(r.hiddenLinks).toBe(2); // 'escape' and 'linked secret.fits'
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(JSON.stringify(r)).not.toContain('elsewhere');
  });

  it('reads each plate header and lists a truncated plate with a note instead of failing', async () => {
    const r = ((await list(api, 'plates 1953')) as { result: DataFolderListing }).result;
    expect(r.parent).toBe('');
    const byName = Object.fromEntries(r.entries.map((e) => [e.name, e]));
    expect(Object.keys(byName).sort()).toEqual(['cut short.fits', 'field one-blue.fits', 'field one-red.fits', 'field one-truth.csv', 'half header.fit']);
    const red = byName['field one-red.fits'];
    expect(red.path).toBe(join(r.root, 'plates 1953', 'field one-red.fits'));
    expect(red.relPath).toBe('plates 1953/field one-red.fits');
    expect(red.plate?.band).toBe('red');
    expect(byName['field one-blue.fits'].plate?.band).toBe('blue');
    expect(red.size).toBeGreaterThan(2880);
    expect(Number.isNaN(Date.parse(red.mtime))).toBe(false);
    expect(byName['field one-truth.csv'].kind).toBe('catalogue');
    for (const name of ['cut short.fits', 'half header.fit']) {
      expect(byName[name].plate).toBeUndefined();
      expect(byName[name].note).toMatch(/truncated|END card/);
    }
    // The same folder reached through the link inside the data folder.
    const viaLink = ((await list(api, 'shortcut')) as { result: DataFolderListing }).result;
    expect(viaLink.entries.map((e) => e.name).sort()).toEqual(Object.keys(byName).sort());
  });

  it('refuses .., absolute paths and links out of the data folder with a clear 403, naming the data folder', async () => {
    for (const dir of ['..', 'plates 1953/../..', '/etc', 'escape', 'escape/', sharedDataDir]) {
      const env = await list(api, dir);
      expect('error' in env, dir).toBe(true);
      const e = (env as { error: { code: string; message: string; hint?: string } }).error;
      expect(e.code).toBe('forbidden');
      expect(e.message).toContain('only the data folder');
      expect(e.hint).toMatch(/--data-dir/);
    }
    const missing = (await list(api, 'no such folder')) as { error: { code: string } };
    expect(missing.error.code).toBe('not-found');
    // Over HTTP: the same refusal as a 403, the listing of the root as a 200.
    const call = (dir: string) =>
      fetch(`${host.origin}/api/files.list`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` }, body: JSON.stringify({ dir }) });
    expect((await call('../..')).status).toBe(403);
    expect((await call('escape')).status).toBe(403);
    expect((await call('plates 1953')).status).toBe(200);
  });

  it('takes the data folder from --data-dir, then $VASCO_DATA_DIR, then the fallback', () => {
    expect(dataFolderFromArgv(['serve', '--data-dir', 'a b'], { VASCO_DATA_DIR: '/x' }, '/fallback')).toBe(join(process.cwd(), 'a b'));
    expect(dataFolderFromArgv(['--data-dir=/p q'], {}, '/fallback')).toBe('/p q');
    expect(dataFolderFromArgv([], { VASCO_DATA_DIR: '/x' }, '/fallback')).toBe('/x');
    expect(dataFolderFromArgv([], {}, '/fallback')).toBe('/fallback');
  });
});

describe.skipIf(!haveSharedData(...REAL) || !haveAstropy())('files.list on the real POSS-I cutouts (read in place)', () => {
  let tmp: string;
  let api: Api;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vasco-files-real-'));
    api = await createApi({ dbPath: join(tmp, 'workspace.sqlite'), offline: true, dataDir: sharedData('cutouts') });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("names each plate as its header does (astropy's reading), and says why the DASCH scan is no POSS-I plate", async () => {
    const r = ((await list(api)) as { result: DataFolderListing }).result;
    const headers = astropy<Record<string, { REGION?: string; PLATEID?: string; SURVEY?: string; 'DATE-OBS'?: string }>>(`
from astropy.io import fits
out = {}
for f in INPUT:
    h = fits.getheader(f)
    out[f.split('/')[-1]] = {k: str(h[k]).strip() for k in ('REGION', 'PLATEID', 'SURVEY', 'DATE-OBS') if k in h}
print(json.dumps(out))
`, REAL.map(sharedData));
    const byName = Object.fromEntries(r.entries.map((e) => [e.name, e]));
    const xe198 = byName['poss1-red-XE198-ngc1275-10arcmin.fits'];
    const h198 = headers['poss1-red-XE198-ngc1275-10arcmin.fits'];
    expect(xe198.plate?.region).toBe(h198.REGION);
    expect(xe198.plate?.plateId).toBe(h198.PLATEID);
    expect(xe198.plate?.band).toBe('red');
    // DATE-OBS is dd/mm/yy in this old header.
    const [dd, mm, yy] = h198['DATE-OBS']!.split('/');
    expect(xe198.plate?.dateObs?.slice(0, 10)).toBe(`19${yy}-${mm}-${dd}`);
    expect(xe198.plate?.text).toBe(`${h198.REGION} red · POSS-I E · plate ${h198.PLATEID} · 19${yy}-${mm}-${dd}`);
    const xo542 = byName['poss1-blue-XO542-20arcmin.fits'];
    const h542 = headers['poss1-blue-XO542-20arcmin.fits'];
    expect(xo542.plate).toMatchObject({ band: 'blue', region: h542.REGION, plateId: h542.PLATEID, survey: h542.SURVEY, field: 542 });
    expect(xo542.plate?.dateObs?.slice(0, 16)).toBe(h542['DATE-OBS']!.slice(0, 16));
    const dasch = byName['dasch-bi05397-same-field-as-XE687.fits.gz'];
    expect(dasch.kind).toBe('fits');
    expect(dasch.plate).toBeUndefined();
    expect(dasch.note).toMatch(/not a POSS-I plate/);
  });
});

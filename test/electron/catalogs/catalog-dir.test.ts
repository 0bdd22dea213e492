/**
 * HEALPix-tiled catalogue mirrors (--catalog-dir): pixel numbers against
 * astropy_healpix, building from a CSV in pieces, reading the tiles under a
 * plate, and a veto from the mirror giving the same drops as the same rows
 * served by a VizieR-like server on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separationDeg } from '../../../electron/astro/sphere';
import { catalogDirFiles, healpixDisc, healpixNested, readCatalogDir, readManifest } from '../../../electron/catalogs/catalog-dir';
import { buildCatalogDir } from '../../../electron/catalogs/catalog-dir-build';
import { HttpClient } from '../../../electron/catalogs/http';
import { UserError } from '../../../electron/core/errors';
import { vetoStage, type VetoOptions } from '../../../electron/pipeline/veto';
import { candidate, offsetBy } from '../pipeline/synthetic';
import { PYTHON, runPython } from '../../helpers/python';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const haveHealpix = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import astropy_healpix'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(`SKIP: astropy_healpix not importable by ${PYTHON} (install: apt-get install --no-install-recommends python3-astropy-healpix)`);
    return false;
  }
})();

describe.skipIf(!haveHealpix)('HEALPix NESTED pixels against astropy_healpix', () => {
  const r = rng(7);
  // Random sky points plus the awkward ones: poles, RA 0/360, the equator, the polar-cap boundary (|z| = 2/3).
  const pts: [number, number][] = Array.from({ length: 400 }, () => [r() * 360, (Math.asin(2 * r() - 1) * 180) / Math.PI]);
  pts.push([0, 0], [359.9999999, 0], [0, 89.9999], [123, -89.9999], [45, 41.8103149], [200, -41.8103149], [90, 41.81], [10.5, 30.2]);

  it('a position falls in the pixel astropy_healpix gives, at orders 0, 3, 6 and 10', () => {
    for (const order of [0, 3, 6, 10]) {
      const ref = runPython<number[]>(
        `from astropy_healpix import HEALPix\nimport astropy.units as u\nINPUT = json.load(sys.stdin)\n` +
          `hp = HEALPix(nside=2**INPUT['order'], order='nested')\n` +
          `print(json.dumps([int(p) for p in hp.lonlat_to_healpix([p[0] for p in INPUT['pts']] * u.deg, [p[1] for p in INPUT['pts']] * u.deg)]))`,
        { order, pts },
      );
      expect(pts.map(([ra, dec]) => healpixNested(order, ra, dec))).toEqual(ref);
    }
  });

  it('the pixels of a disc hold every position inside it (astropy_healpix pixel of points in the disc)', () => {
    const discs = [
      { ra: 150, dec: 20, radiusDeg: 4.6 },
      { ra: 0.3, dec: 30, radiusDeg: 3 }, // across RA 0
      { ra: 40, dec: 87, radiusDeg: 5 }, // over the pole
      { ra: 270, dec: -41.8, radiusDeg: 0.3 }, // small, on the cap boundary
    ];
    for (const d of discs) {
      const inside: [number, number][] = [];
      for (let k = 0; k < 300; k++) inside.push(offsetBy(d.ra, d.dec, Math.sqrt(r()) * d.radiusDeg * 3600 * 0.999, r() * 360));
      const ref = runPython<number[]>(
        `from astropy_healpix import HEALPix\nimport astropy.units as u\nINPUT = json.load(sys.stdin)\n` +
          `hp = HEALPix(nside=64, order='nested')\n` +
          `print(json.dumps(sorted(set(int(p) for p in hp.lonlat_to_healpix([p[0] for p in INPUT] * u.deg, [p[1] for p in INPUT] * u.deg)))))`,
        inside,
      );
      const mine = new Set(healpixDisc(6, d));
      expect(ref.filter((p) => !mine.has(p))).toEqual([]);
      // Inclusive, not the whole sky: at most the disc's area plus a ring of pixels.
      const pixArea = (4 * Math.PI * (180 / Math.PI) ** 2) / (12 * 64 * 64);
      expect(mine.size).toBeLessThan((Math.PI * (d.radiusDeg + 2) ** 2) / pixArea);
    }
  });
});

/** A Gaia-like catalogue (VizieR's column names) around a plate, plus rows elsewhere on the sky. */
function catalogue(seed: number, centre: { ra: number; dec: number }, radiusDeg: number, n: number) {
  const r = rng(seed);
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const [ra, dec] = offsetBy(centre.ra, centre.dec, Math.sqrt(r()) * radiusDeg * 3600, r() * 360);
    const pm = r() < 0.2 ? [(r() - 0.5) * 400, (r() - 0.5) * 400] : [(r() - 0.5) * 10, (r() - 0.5) * 10];
    rows.push([ra.toFixed(8), dec.toFixed(8), pm[0].toFixed(3), pm[1].toFixed(3), '2016.0', String(4000000000 + seed * 100000 + i), (12 + 9 * r()).toFixed(3)]);
  }
  return rows;
}
const GAIA_COLUMNS = ['RA_ICRS', 'DE_ICRS', 'pmRA', 'pmDE', 'Epoch', 'Source', 'Gmag'];

function votable(rows: string[][]): string {
  const td = rows.map((r) => `<TR>${r.map((v) => `<TD>${v}</TD>`).join('')}</TR>`).join('\n');
  const fields = GAIA_COLUMNS.map((c) => `<FIELD name="${c}" datatype="${c === 'Source' ? 'long' : 'double'}"/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n<RESOURCE>\n<INFO name="QUERY_STATUS" value="OK"/>\n<TABLE name="I/350/gaiaedr3">\n${fields}\n<DATA><TABLEDATA>\n${td}\n</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n`;
}

const csv = (rows: string[][]) => [GAIA_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';

describe('catalogue mirror folders', () => {
  const centre = { ra: 0.4, dec: 30 }; // a plate across RA 0
  const plateRows = catalogue(11, centre, 3.3, 4000);
  const elsewhere = catalogue(12, { ra: 150, dec: -10 }, 3, 1500);
  const root = mkdtempSync(join(tmpdir(), 'vasco catalog dir '));
  const source = join(root, 'gaia, full.csv');
  writeFileSync(source, `# a Gaia extract\n${csv([...plateRows, ...elsewhere, ['', '', '', '', '', '999', '']])}`);
  const mirror = join(root, 'mirror');

  it('builds tiles by NESTED pixel from a CSV read in small pieces, with a manifest that counts them', async () => {
    const built = await buildCatalogDir(mirror, 'gaia', source, { order: 6, pieceBytes: 4096 });
    expect(built).toMatchObject({ catalog: 'gaia', rows: 5500, skipped: 1 });
    const m = readManifest(join(mirror, 'gaia'));
    expect(m).toMatchObject({ format: 'vasco-catalog-dir/1', catalog: 'gaia', order: 6, scheme: 'nested', columns: GAIA_COLUMNS, rows: 5500 });
    expect(Object.values(m.tiles).reduce((a, b) => a + b, 0)).toBe(5500);
    const files = readdirSync(join(mirror, 'gaia', 'hpx6'));
    expect(files.sort()).toEqual(Object.keys(m.tiles).map((p) => `${p}.csv`).sort());
    // Every row sits in the tile of its own pixel.
    for (const f of files.slice(0, 10)) {
      const lines = readFileSync(join(mirror, 'gaia', 'hpx6', f), 'utf8').trim().split(/\r?\n/).slice(1);
      for (const l of lines) {
        const [ra, dec] = l.split(',').map(Number);
        expect(`${healpixNested(6, ra, dec)}.csv`).toBe(f);
      }
    }
    // Whole: every source row once.
    const all = readCatalogDir(join(mirror, 'gaia'));
    expect(all.rows.map((r) => r[5]).sort()).toEqual([...plateRows, ...elsewhere].map((r) => r[5]).sort());
  });

  it('reads only the tiles under a plate: every row within the disc, none from the other side of the sky', () => {
    const disc = { ra: centre.ra, dec: centre.dec, radiusDeg: 3.4 };
    const t = readCatalogDir(join(mirror, 'gaia'), disc);
    const ids = new Set(t.rows.map((r) => r[5]));
    expect(plateRows.every((r) => ids.has(r[5]))).toBe(true);
    expect(elsewhere.some((r) => ids.has(r[5]))).toBe(false);
    for (const r of t.rows) expect(separationDeg(centre.ra, centre.dec, Number(r[0]), Number(r[1]))).toBeLessThan(3.4 + 2);
  });

  it('refuses to build over an existing catalogue and names a folder without the run\'s catalogues', async () => {
    const err = await buildCatalogDir(mirror, 'gaia', source).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/already exists/);
    expect(() => catalogDirFiles(mirror, ['ps1'])).toThrow(/holds none of the catalogues of this run \(ps1\)/);
    expect(() => catalogDirFiles(join(root, 'nope'), ['gaia'])).toThrow(/is not a folder/);
    expect(catalogDirFiles(mirror, ['gaia', 'ps1'])).toEqual({ gaia: join(mirror, 'gaia') });
    expect(existsSync(`${join(mirror, 'gaia')}.building-${process.pid}`)).toBe(false);
  });

  describe('veto from the mirror and from VizieR', () => {
    let srv: RecordedServer;
    const http = new HttpClient({ timeoutMs: 10_000, retries: 1, backoffBaseMs: 5, backoffMaxMs: 20, minIntervalMs: 0, requestSlots: null });
    beforeAll(async () => {
      srv = await startRecordedServer();
      // A cone search as VizieR answers it: the rows within -c.rd of -c.
      srv.route('/viz-bin/votable', (req) => {
        const [ra, dec] = (req.url.searchParams.get('-c') ?? '').trim().split(/\s+/).map(Number);
        const rd = Number(req.url.searchParams.get('-c.rd'));
        const hits = [...plateRows, ...elsewhere].filter((r) => separationDeg(ra, dec, Number(r[0]), Number(r[1])) <= rd);
        return { body: votable(hits), headers: { 'content-type': 'text/xml' } };
      });
    });
    afterAll(() => srv.close());

    it('drops the same candidates with the same counterparts', async () => {
      const r = rng(5);
      const make = () => {
        const cands = [];
        for (let i = 0; i < 150; i++) {
          const star = plateRows[Math.floor(r() * plateRows.length)];
          // Near a star (some within 5", some just beyond), or anywhere on the plate.
          const [ra, dec] = i % 3 === 2 ? offsetBy(centre.ra, centre.dec, Math.sqrt(r()) * 3.2 * 3600, r() * 360) : offsetBy(Number(star[0]), Number(star[1]), r() * 8, r() * 360);
          cands.push(candidate(i + 1, ra, dec));
        }
        return cands;
      };
      const opts: VetoOptions = {
        mode: 'cone', catalogs: ['gaia'], localFiles: {}, radiusArcsec: 5, epochJulian: 1953.7,
        plateCentre: centre, plateRadiusDeg: 3.2, cacheDir: join(root, 'cache'), offline: false, http,
      };
      process.env.VASCO_VIZIER_URL = `${srv.url}/viz-bin/votable`;
      const cands = make();
      const twin = cands.map((c) => ({ ...c, ledger: [] }));
      const n0 = srv.requests.length;
      const viaVizier = await vetoStage(cands, opts);
      expect(srv.requests.length).toBeGreaterThan(n0);
      const n1 = srv.requests.length;
      const viaMirror = await vetoStage(twin, { ...opts, localFiles: catalogDirFiles(mirror, ['gaia']) });
      expect(srv.requests.length).toBe(n1); // no network for a catalogue the mirror holds
      const drops = (res: typeof viaVizier) =>
        res.vetoed.map((c) => [c.id, c.ledger[0].counterpart, c.ledger[0].distanceArcsec!.toFixed(6)]).sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(viaVizier.vetoed.length).toBeGreaterThan(30);
      expect(viaVizier.kept.length).toBeGreaterThan(30);
      expect(drops(viaMirror)).toEqual(drops(viaVizier));
      expect(viaMirror.count.dropped).toEqual(viaVizier.count.dropped);
    });
  });
});

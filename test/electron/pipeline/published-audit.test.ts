/**
 * The published-source audit and the plate-edge mask, end to end on a
 * synthetic pair (real SExtractor and PSFEx) with a fabricated "published"
 * catalogue whose every row's fate is known from the truth table and from how
 * the run is set up: bright isolated transients (candidates), some of them put
 * in a local Gaia file (veto/gaia), south of --dec-min (dec-cut) or in an
 * earlier run's candidates (dedup); faint transients (filters/snr); bright
 * stars on both plates (red-vs-blue); empty sky (not-detected); and rows far
 * off the plate, which must not appear. published.csv is read by astropy; the
 * plate-edge distances are checked against astropy's own WCS and separation.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlatePair } from '../../../electron/synth/generate-pair';
import { runPipeline, type RunResult } from '../../../electron/pipeline/run';
import { astropy } from '../../helpers/python';
import { haveCommand } from '../../helpers/shared-data';
import { haveAstropy, pythonCsv } from './astropy-reference';
import { offsetBy } from './synthetic';

const ready =
  haveCommand('source-extractor', 'sudo apt-get install source-extractor psfex') &&
  haveCommand('psfex', 'sudo apt-get install source-extractor psfex') &&
  haveAstropy();

interface TruthRow {
  id: number;
  kind: string;
  ra: number;
  dec: number;
  x: number;
  y: number;
  onBlue: boolean;
  redSnr: number;
  note: string;
}

/** Great-circle distance, haversine, written out here to stay independent of the code under test. */
function sepArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const h = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h)) * 180 * 3600) / Math.PI;
}

/** published.csv as astropy reads it (ascii.csv), cells as JSON values (masked: null). */
function astropyTable(file: string): Record<string, unknown>[] {
  return astropy<Record<string, unknown>[]>(
    `from astropy.table import Table
t = Table.read(INPUT, format='ascii.csv')
out = []
for row in t:
    out.append({c: (None if np.ma.is_masked(row[c]) else (row[c].item() if hasattr(row[c], 'item') else row[c])) for c in t.colnames})
print(json.dumps(out))`,
    file,
  );
}

describe.skipIf(!ready)('published-source audit on a synthetic pair (truth)', () => {
  let dir: string;
  let pair: Awaited<ReturnType<typeof generatePlatePair>>;
  let expected: Map<string, string>;
  let result: RunResult;
  let naxis: [number, number];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-published-'));
    pair = await generatePlatePair({ outDir: join(dir, 'synth'), preset: 'small', seed: 3, transients: 40, transientSnr: [12, 200] });
    const params = JSON.parse(readFileSync(pair.params, 'utf8'));
    naxis = [params.options.width, params.options.height];
    const t = pythonCsv(pair.truth);
    const c = (n: string) => t.header.indexOf(n);
    const truth: TruthRow[] = t.rows.map((r) => ({
      id: Number(r[c('id')]), kind: r[c('kind')], ra: Number(r[c('ra')]), dec: Number(r[c('dec')]),
      x: r[c('red_x')] === '' ? NaN : Number(r[c('red_x')]), y: r[c('red_y')] === '' ? NaN : Number(r[c('red_y')]),
      onBlue: r[c('blue_x')] !== '', redSnr: Number(r[c('red_snr_expected')] || 0), note: r[c('note')],
    }));
    const onRed = truth.filter((s) => Number.isFinite(s.x));
    // Clear of the image edge (background meshes) and of every other object: a fate no neighbour can change.
    const clear = (s: TruthRow) =>
      s.x > 40 && s.y > 40 && s.x < naxis[0] - 40 && s.y < naxis[1] - 40 &&
      truth.every((o) => o === s || sepArcsec(s.ra, s.dec, o.ra, o.dec) > 25);
    const bright = onRed.filter((s) => s.kind === 'transient' && s.redSnr >= 60 && clear(s)).sort((a, b) => a.dec - b.dec);
    const faint = onRed.filter((s) => s.kind === 'transient' && s.redSnr >= 19 && s.redSnr <= 25 && clear(s));
    const stars = onRed.filter((s) => s.kind === 'star' && s.onBlue && s.redSnr >= 33 && !s.note && clear(s));
    expect(bright.length).toBeGreaterThanOrEqual(8);
    expect(stars.length).toBeGreaterThanOrEqual(2);

    expected = new Map();
    const put = (s: { ra: number; dec: number }, stage: string) => expected.set(`${s.ra.toFixed(7)} ${s.dec.toFixed(7)}`, stage);
    // The two southernmost bright transients fall to --dec-min, set between the 2nd and the 3rd.
    const decMin = (bright[1].dec + bright[2].dec) / 2;
    bright.slice(0, 2).forEach((s) => put(s, 'dec-cut/dec_min'));
    const [g1, g2, d1, d2, ...kept] = bright.slice(2);
    put(g1, 'veto/gaia');
    put(g2, 'veto/gaia');
    put(d1, 'dedup/duplicate_across_plates');
    put(d2, 'dedup/duplicate_across_plates');
    kept.forEach((s) => put(s, 'candidate'));
    faint.forEach((s) => put(s, 'filters/snr'));
    stars.slice(0, 6).forEach((s) => put(s, 'red-vs-blue/blue_match'));
    // Empty sky: grid points 30" or more from every object, well inside the image (astropy puts them on the sky).
    const centre = bright[0];
    const grid: [number, number][] = [];
    for (let gx = 80; gx < naxis[0] - 80; gx += 23) for (let gy = 80; gy < naxis[1] - 80; gy += 19) grid.push([gx, gy]);
    const sky = astropy<[number, number][]>(
      `from astropy.io import fits\nfrom astropy.wcs import WCS\nw = WCS(fits.getheader(INPUT[0]))\nprint(json.dumps(w.all_pix2world(INPUT[1], 1).tolist()))`,
      [pair.red, grid],
    );
    let empty = 0;
    for (const [ra, dec] of sky) {
      if (empty === 5) break;
      if (truth.every((o) => sepArcsec(ra, dec, o.ra, o.dec) > 30) && [...expected.keys()].every((k) => sepArcsec(ra, dec, ...(k.split(' ').map(Number) as [number, number])) > 30)) {
        put({ ra, dec }, 'not-detected');
        empty++;
      }
    }
    expect(empty).toBeGreaterThanOrEqual(3);

    // The published catalogue as SVO exports it (RA, Dec), with rows far off this plate.
    const off = [offsetBy(centre.ra, centre.dec, 3 * 3600, 30), offsetBy(centre.ra, centre.dec, 10 * 3600, 200)];
    const lines = ['recno,RA,Dec'];
    let n = 0;
    for (const key of expected.keys()) lines.push(`${++n},${key.replace(' ', ',')}`);
    for (const [ra, dec] of off) lines.push(`${++n},${ra.toFixed(7)},${dec.toFixed(7)}`);
    writeFileSync(join(dir, 'vanish.csv'), lines.join('\r\n') + '\r\n');
    writeFileSync(
      join(dir, 'gaia.csv'),
      ['source_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag', ...[g1, g2].map((s, i) => `${i + 1},${s.ra},${s.dec},0,0,2016,15`)].join('\n') + '\n',
    );
    mkdirSync(join(dir, 'earlier', 'XE001'), { recursive: true });
    writeFileSync(join(dir, 'earlier', 'XE001', 'candidates.csv'), ['id,ra,dec', ...[d1, d2].map((s, i) => `${i + 1},${s.ra},${s.dec}`)].join('\n') + '\n');

    result = await runPipeline({
      red: pair.red,
      blue: pair.blue,
      out: join(dir, 'run'),
      offline: true,
      catalogue: { veto: 'local', localFiles: { gaia: join(dir, 'gaia.csv') }, decMin, dedupDir: join(dir, 'earlier'), vasco: join(dir, 'vanish.csv') },
    });
  }, 600_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('gives every published source on the plate the stage its truth says, and reads cleanly in astropy', () => {
    const rows = astropyTable(join(dir, 'run', 'published.csv'));
    expect(Object.keys(rows[0])).toEqual(['published_id', 'ra', 'dec', 'stage', 'detail', 'source_id', 'separation_arcsec', 'blue_detection_id', 'blue_detection_arcsec', 'blue_detection_mag']);
    // The two rows off the plate are not there; every other one is, with its fate.
    expect(rows.length).toBe(expected.size);
    const got = new Map(rows.map((r) => [`${(r.ra as number).toFixed(7)} ${(r.dec as number).toFixed(7)}`, r]));
    const wrong = [...expected].filter(([k, stage]) => got.get(k)?.stage !== stage).map(([k, stage]) => `${k}: expected ${stage}, got ${got.get(k)?.stage}`);
    expect(wrong).toEqual([]);
    for (const r of rows) {
      if (r.stage === 'not-detected') expect(r.separation_arcsec === null || (r.separation_arcsec as number) > 5).toBe(true);
      else expect(r.separation_arcsec as number).toBeLessThanOrEqual(5);
    }
    // A star seen on both plates has its blue detection right there; empty sky has none that close.
    for (const r of rows.filter((r) => r.stage === 'red-vs-blue/blue_match')) expect(r.blue_detection_arcsec as number).toBeLessThan(3);
    for (const r of rows.filter((r) => r.stage === 'not-detected')) expect(r.blue_detection_id === null || (r.blue_detection_arcsec as number) > 5).toBe(true);
  });

  it('the matched source is the one in sources.csv with that stage, and the summary counts each bucket and names the columns', () => {
    const sources = pythonCsv(join(dir, 'run', 'sources.csv'));
    const col = (n: string) => sources.header.indexOf(n);
    const byId = new Map(sources.rows.map((r) => [r[col('id')], r]));
    for (const r of astropyTable(join(dir, 'run', 'published.csv'))) {
      if (r.stage === 'not-detected') continue;
      const s = byId.get(String(r.source_id))!;
      expect(s[col('status')]).toBe(r.stage === 'candidate' ? 'candidate' : 'dropped');
      if (r.stage !== 'candidate') expect(s[col('dropped_by')].split(' ')[0]).toBe(r.stage);
    }
    const p = result.summary.published!;
    const want: Record<string, number> = {};
    for (const stage of expected.values()) want[stage] = (want[stage] ?? 0) + 1;
    expect(p.buckets).toEqual(want);
    expect(p.sources).toBe(expected.size);
    expect(p.detected).toBe(expected.size - want['not-detected']);
    expect(p.columns).toMatchObject({ ra: 'RA', dec: 'Dec', id: 'recno' });
    expect(p.format).toBe('csv');
    // The score counts the same candidates as recovered.
    expect(result.summary.score!.recovered).toBe(want.candidate);
  });

  it('a VOTable export of the same catalogue gives the same published.csv', async () => {
    const csv = readFileSync(join(dir, 'vanish.csv'), 'utf8').trim().split(/\r\n/).slice(1).map((l) => l.split(','));
    const vot = `<?xml version="1.0"?>
<VOTABLE version="1.3" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE name="vanish">
<FIELD name="recno" datatype="int"/><FIELD name="RA" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main"/><FIELD name="DEC" datatype="double" unit="deg" ucd="pos.eq.dec;meta.main"/>
<DATA><TABLEDATA>${csv.map((r) => `<TR><TD>${r[0]}</TD><TD>${r[1]}</TD><TD>${r[2]}</TD></TR>`).join('\n')}</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n`;
    writeFileSync(join(dir, 'vanish.vot'), vot);
    const before = readFileSync(join(dir, 'run', 'published.csv'), 'utf8');
    const again = await runPipeline({
      red: pair.red,
      blue: pair.blue,
      out: join(dir, 'run'),
      offline: true,
      catalogue: { ...(result.summary.parameters.catalogue as object), vasco: join(dir, 'vanish.vot') },
    });
    // Only the audit and score stages ran again (the file changed); the rest came from checkpoints.
    expect(again.resumedAfter).toBe('dedup');
    expect(readFileSync(join(dir, 'run', 'published.csv'), 'utf8')).toBe(before);
    expect(again.summary.published!.format).toBe('votable');
    expect(again.summary.published!.columns).toMatchObject({ ra: 'RA', dec: 'DEC' });
  }, 300_000);

  it('--max-centre-deg drops by the distance astropy measures from the plate centre; distances agree with astropy', async () => {
    const max = 0.1;
    const out = join(dir, 'edge');
    const r = await runPipeline({ red: pair.red, blue: pair.blue, out, offline: true, filters: { maxCentreDeg: max }, catalogue: { vasco: join(dir, 'vanish.csv'), veto: 'none' } });
    const t = pythonCsv(join(out, 'sources.csv'));
    const col = (n: string) => t.header.indexOf(n);
    const pts = t.rows.map((row) => [Number(row[col('x')]), Number(row[col('y')]), Number(row[col('ra')]), Number(row[col('dec')])]);
    // astropy: the image centre (a TAN header has no plate centre keywords), and the sky distance to the four edge points across.
    const ref = astropy<{ centre: number[]; edge: number[] }>(
      `from astropy.io import fits
from astropy.wcs import WCS
from astropy.coordinates import SkyCoord
import astropy.units as u
h = fits.getheader(INPUT['file'])
w = WCS(h)
W, H = h['NAXIS1'], h['NAXIS2']
p = np.array(INPUT['pts'])
src = SkyCoord(p[:, 2] * u.deg, p[:, 3] * u.deg)
c = w.all_pix2world([[(W + 1) / 2, (H + 1) / 2]], 1)[0]
centre = src.separation(SkyCoord(c[0] * u.deg, c[1] * u.deg)).deg
edges = []
for fx, fy in [(0.5, None), (W + 0.5, None), (None, 0.5), (None, H + 0.5)]:
    xs = np.full(len(p), fx) if fx is not None else p[:, 0]
    ys = np.full(len(p), fy) if fy is not None else p[:, 1]
    sky = w.all_pix2world(np.column_stack([xs, ys]), 1)
    edges.append(src.separation(SkyCoord(sky[:, 0] * u.deg, sky[:, 1] * u.deg)).deg)
print(json.dumps({'centre': centre.tolist(), 'edge': np.min(edges, axis=0).tolist()}))`,
      { file: pair.red, pts },
    );
    let cut = 0;
    t.rows.forEach((row, i) => {
      expect(Number(row[col('centre_distance_deg')])).toBeCloseTo(ref.centre[i], 7);
      expect(Number(row[col('edge_distance_deg')])).toBeCloseTo(ref.edge[i], 7);
      if (Math.abs(ref.centre[i] - max) < 1e-6) return;
      const dropped = row[col('dropped_by')].split(' ').includes('plate-edge/max_centre');
      expect(dropped).toBe(ref.centre[i] > max);
      if (dropped) cut++;
    });
    expect(cut).toBeGreaterThan(0);
    const stage = r.summary.stages.find((s) => s.name === 'plate-edge')!;
    expect(stage.dropped.max_centre).toBe(cut);
    // candidates.csv carries the distance, all within the cut.
    const cands = pythonCsv(join(out, 'candidates.csv'));
    const cc = cands.header.indexOf('centre_distance_deg');
    expect(cc).toBeGreaterThan(0);
    for (const row of cands.rows) expect(Number(row[cc])).toBeLessThanOrEqual(max);
    // Published sources found beyond the cut say so in the audit.
    const audit = astropyTable(join(out, 'published.csv'));
    expect(audit.some((a) => a.stage === 'plate-edge/max_centre')).toBe(true);
  }, 300_000);
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { separationArcsec } from '../../../electron/astro/sphere';
import { haveCommand, haveSharedData, projectRoot, sharedData } from '../../helpers/shared-data';
import { haveAstropy, runPython } from '../../helpers/python';

const vasco = join(projectRoot, 'bin', 'vasco.mjs');
const CUTOUT = 'cutouts/poss1-red-XE687-20arcmin.fits';
const HEADERS = 'dss/dss1red-plate-headers.jsonl';
const dir = mkdtempSync(join(tmpdir(), 'vasco-cli-wcs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wcs = (args: string[], input: string) => spawnSync(process.execPath, [vasco, 'wcs', ...args], { input, encoding: 'utf8' });
const pairs = (text: string) => text.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));

describe.skipIf(!haveSharedData(CUTOUT) || !haveCommand('xy2sky', 'apt-get install wcstools'))('vasco wcs on a real cutout', () => {
  const points = [[1, 1], [706, 706], [353.5, 353.5], [100.25, 600.75]];
  const xyFile = join(dir, 'xy.txt');
  writeFileSync(xyFile, points.map((p) => p.join(' ')).join('\n') + '\n');

  it('pix2sky agrees with xy2sky (explicit TAN) to 1 mas', () => {
    const r = wcs(['pix2sky', sharedData(CUTOUT), '--solution', 'fits'], readFileSync(xyFile, 'utf8'));
    expect(r.status, r.stderr).toBe(0);
    const ours = pairs(r.stdout);
    const ref = pairs(execFileSync('xy2sky', ['-d', '-n', '10', sharedData(CUTOUT), `@${xyFile}`], { encoding: 'utf8' }));
    points.forEach((_, k) => expect(separationArcsec(ours[k][0], ours[k][1], ref[k][0], ref[k][1])).toBeLessThan(0.001));
  });

  it('sky2pix agrees with sky2xy and passes through comments and extra columns', () => {
    const input = '# a comment\n259.95 -6.14 star-a\n\n259.9 -6.2\n';
    const r = wcs(['sky2pix', sharedData(CUTOUT)], input);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('# a comment');
    expect(lines[1]).toMatch(/ star-a$/);
    expect(lines[2]).toBe('');
    const rd = join(dir, 'rd.txt');
    writeFileSync(rd, '259.95 -6.14\n259.9 -6.2\n');
    const ref = execFileSync('sky2xy', ['-n', '6', sharedData(CUTOUT), `@${rd}`], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split('->')[1].trim().split(/\s+/).map(Number));
    [lines[1], lines[3]].forEach((l, k) => {
      const [x, y] = l.split(' ').map(Number);
      expect(Math.hypot(x - ref[k][0], y - ref[k][1])).toBeLessThan(1e-3);
    });
  });

  it('refuses a line that is not two numbers, naming the line', () => {
    const r = wcs(['pix2sky', sharedData(CUTOUT)], '1 2\nthree four\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/stdin line 2 "three four" is not two numbers/);
  });
});

describe.skipIf(!haveSharedData(HEADERS) || !haveAstropy())('vasco wcs on a JSON plate header', () => {
  it('pix2sky with the DSS solution agrees with astropy; sky2pix inverts it', () => {
    const line = readFileSync(sharedData(HEADERS), 'utf8').split('\n')[100];
    const file = join(dir, 'plate.json');
    writeFileSync(file, line);
    const points = [[1, 1], [14000, 13999], [7000.5, 6999.25], [12.5, 13000]];
    const r = wcs(['pix2sky', file, '--solution', 'dss'], points.map((p) => p.join(' ')).join('\n'));
    expect(r.status, r.stderr).toBe(0);
    const ours = pairs(r.stdout);
    const ref = runPython<number[][]>(
      `
from astropy.io import fits
from astropy.wcs import WCS
d = json.load(sys.stdin)
w = WCS(fits.Header(cards=list(d['header'].items())))
print(json.dumps([list(map(float, w.all_pix2world(x, y, 1))) for x, y in d['points']]))
`,
      { header: JSON.parse(line).header, points },
    );
    points.forEach((_, k) => expect(separationArcsec(ours[k][0], ours[k][1], ref[k][0], ref[k][1])).toBeLessThan(0.001));
    const back = wcs(['sky2pix', file], r.stdout);
    expect(back.status, back.stderr).toBe(0);
    pairs(back.stdout).forEach(([x, y], k) => expect(Math.hypot(x - points[k][0], y - points[k][1])).toBeLessThan(1e-5));
  });

  it('says when the header lacks the solution asked for', () => {
    const file = join(dir, 'plate2.json');
    writeFileSync(file, readFileSync(sharedData(HEADERS), 'utf8').split('\n')[0]);
    const r = wcs(['pix2sky', file, '--solution', 'fits'], '1 1\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no explicit TAN WCS/);
    expect(wcs(['frobnicate', file], '').stderr).toMatch(/say pix2sky or sky2pix/);
  });
});

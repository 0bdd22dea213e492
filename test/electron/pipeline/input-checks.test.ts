/**
 * What `vasco run` refuses, and that it does so before any long work: each
 * bad input ends with exit code 2, a message naming the file and what to do,
 * no stack trace, and no extraction started (no DIR/work/red). Old code
 * refused a plate without a sky solution only after the extraction, died with
 * raw stack traces on an --out that is a file or cannot be written and on a
 * folder given as --red, quoted a broken DATE-OBS without naming the file,
 * used a cube's first plane silently, and ran constant images to "0
 * candidates". A plate without DATE-OBS runs, and says what it cannot do.
 *
 * The bad plates are made by astropy from a synthetic 600x600 plate.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonText } from '../../helpers/python';
import { haveSyntheticRunTools, STACK_LINE, syntheticPair, vascoRun } from './synthetic-plates';

describe.skipIf(!haveSyntheticRunTools())('vasco run refuses bad input before any long work', () => {
  let dir: string;
  let red: string;
  const bad: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vasco-inputs-'));
    ({ red } = await syntheticPair(join(dir, 'synth'), 7));
    for (const name of ['no-solution', 'bad-date', 'no-date', 'cube', 'cube1', 'constant', 'blank']) bad[name] = join(dir, `${name}.fits`);
    pythonText(`
import numpy as np, warnings
from astropy.io import fits
warnings.simplefilter('ignore')
h = fits.open(${JSON.stringify(red)})[0]
hdr, data = h.header, h.data
def write(name, d, header):
    fits.PrimaryHDU(d, header).writeto(${JSON.stringify(dir)} + '/' + name + '.fits')
nosol = hdr.copy()
for k in list(nosol.keys()):
    if k.startswith(('CTYPE', 'CRPIX', 'CRVAL', 'CD1_', 'CD2_', 'CDELT', 'PC1_', 'PC2_', 'CUNIT', 'WCSAXES', 'CROTA',
                     'AMDX', 'AMDY', 'PLTRA', 'PLTDEC', 'PPO', 'CNPIX')):
        del nosol[k]
write('no-solution', data, nosol)
bad = hdr.copy(); bad['DATE-OBS'] = 'next tuesday'; write('bad-date', data, bad)
nodate = hdr.copy(); del nodate['DATE-OBS']; write('no-date', data, nodate)
write('cube', np.stack([data, data, data]), hdr)
write('cube1', data[np.newaxis], hdr)
write('constant', np.full_like(data, 1234), hdr)
blank = hdr.copy(); blank['BLANK'] = -32768; write('blank', np.full(data.shape, -32768, dtype=np.int16), blank)
`);
  }, 120_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  /** Refused with exit 2, the message and hint, no stack trace, no extraction begun. */
  function refused(args: string[], message: RegExp, hint: RegExp = /what to do: \S/) {
    const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(dir, 'out-refused');
    const r = vascoRun(args.includes('--out') ? args : [...args, '--out', out]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(join(out, 'work', 'red'))).toBe(false);
    return r;
  }

  it('a plate without any celestial solution', () => {
    refused(['--red', bad['no-solution'], '--offline'], /no-solution\.fits: the header has no plate solution/, /what to do: use a DSS plate scan/);
  });

  it('an --out that cannot be written, that is a file, and a --red that is a folder', () => {
    refused(['--red', red, '--offline', '--out', '/sys/vasco-test-out'], /cannot write the run's output into --out \/sys\/vasco-test-out/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    refused(['--red', red, '--offline', '--out', file], /--out .*a-file: it is a file, not a folder/, /what to do: give a folder path/);
    refused(['--red', red, '--offline', '--out', join(file, 'below')], /a-file is a file, not a folder/);
    const folder = join(dir, 'plates-folder');
    mkdirSync(folder);
    refused(['--red', folder, '--offline'], /--red .*plates-folder is a folder, not a FITS file/);
    refused(['--red', join(dir, 'missing.fits'), '--offline'], /--red .*missing\.fits does not exist/);
  });

  it('a DATE-OBS that is no date, naming the file and the value', () => {
    refused(['--red', bad['bad-date'], '--offline'], /bad-date\.fits: DATE-OBS "next tuesday" is not a date/, /what to do: correct DATE-OBS/);
  });

  it('a data cube; a cube of one plane is one image', () => {
    refused(['--red', bad.cube, '--offline'], /cube\.fits holds a 600x600x3 data cube/);
    const r = vascoRun(['--red', bad.cube1, '--out', join(dir, 'cube1'), '--offline', '--tile-size', '0', '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it('a constant image and an all-BLANK image', () => {
    refused(['--red', bad.constant, '--offline'], /constant\.fits is a constant image \(every pixel is 1234\)/);
    refused(['--red', bad.blank, '--offline'], /blank\.fits holds no pixel values: every pixel is BLANK or NaN/);
  });

  it('a plate without DATE-OBS runs, and says what it cannot do without an epoch', () => {
    const out = join(dir, 'no-date-run');
    // Online (no --offline) but with the veto off: the asteroid stage decides on the epoch before any query.
    const r = vascoRun(['--red', bad['no-date'], '--out', out, '--veto', 'none', '--tile-size', '0', '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/vasco run: warning: the red plate .*no-date\.fits has no DATE-OBS, so its epoch is unknown: Gaia positions cannot be carried/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.notes.join('\n')).toMatch(/has no DATE-OBS.*no SkyBoT asteroid check/);
    expect(summary.plates.red.epochJulian).toBeNull();
    const asteroids = summary.stages.find((s: { name: string }) => s.name === 'asteroids');
    expect(asteroids.skipped).toMatch(/no observation date/);
  }, 300_000);
});

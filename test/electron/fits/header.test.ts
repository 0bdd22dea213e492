import { describe, expect, it } from 'vitest';
import { formatCards, headerBlock, parseCard, parseHeaderCards } from '../../../electron/fits/header';
import { haveAstropy, runPython } from '../../helpers/python';

const card = (s: string) => s.padEnd(80);

/** Cards of the kinds real plate headers carry, including the awkward ones. */
const CARDS = [
  card("SIMPLE  =                    T /FITS: Compliance"),
  card('BITPIX  =                   16 /FITS: I*2 Data'),
  card('NAXIS   =                    0'),
  card("REGION  = 'XE687   '           /GSSS: Region Name"),
  card("DATE-OBS= '1951-07-05T04:95:00' /Observation: Date/Time"),
  card('PLTRAS  =  3.2780210000000E+01 /'),
  card('PLTSCALE=                67.20 /Detector: Plate Scale arcsec per mm'),
  card('OLDREAL =             1.5D-03 / Fortran exponent'),
  card("OBSERVER= 'O''Hara  '"),
  card("EMPTY   = ''"),
  card('NOVALUE =                      / value left out'),
  card('DCHOPPED=                    F /Image repaired for chopping effects'),
  card('NEGINT  =                  -42'),
  card("LONGSTR = 'This is a long string value that is continued over more than one&'"),
  card("CONTINUE  ' keyword record, using the CONTINUE convention of &'"),
  card("CONTINUE  'the FITS standard.' / comment of the last piece"),
  card('HIERARCH ESO DET CHIP TEMP = -120.5 / ESO convention'),
  card('COMMENT   this is not a value = 3'),
  card('HISTORY   nor is this'),
  card('        Based on photographic data of the National Geographic Society'),
  card("REGION  = 'SECOND  '           / a duplicate: the first one wins"),
  card('END'),
];

describe('FITS header cards', () => {
  it('parses typed values, quotes, CONTINUE and HIERARCH', () => {
    const v = parseHeaderCards(CARDS);
    expect(v.SIMPLE).toBe(true);
    expect(v.DCHOPPED).toBe(false);
    expect(v.BITPIX).toBe(16);
    expect(v.NEGINT).toBe(-42);
    expect(v.PLTRAS).toBe(32.78021);
    expect(v.OLDREAL).toBe(0.0015);
    expect(v.REGION).toBe('XE687');
    expect(v['DATE-OBS']).toBe('1951-07-05T04:95:00');
    expect(v.OBSERVER).toBe("O'Hara");
    expect(v.EMPTY).toBe('');
    expect(v.NOVALUE).toBeNull();
    expect(v.LONGSTR).toBe(
      'This is a long string value that is continued over more than one keyword record, using the CONTINUE convention of the FITS standard.',
    );
    expect(v['ESO DET CHIP TEMP']).toBe(-120.5);
    expect(v.COMMENT).toBeUndefined();
    expect(v.HISTORY).toBeUndefined();
    expect(parseCard(CARDS[4]).comment).toBe('Observation: Date/Time');
  });

  it.skipIf(!haveAstropy())('agrees with astropy on every valued card', () => {
    const ours = parseHeaderCards(CARDS);
    const theirs = runPython<Record<string, unknown>>(
      `
from astropy.io import fits
h = fits.Header.fromstring(json.load(sys.stdin))
out = {}
for k in h.keys():
    if k in ('COMMENT', 'HISTORY', '') or k in out: continue
    v = h[k]
    out[k] = None if v is None or type(v).__name__ == 'Undefined' else v
print(json.dumps(out))
`,
      CARDS.join(''),
    );
    for (const [k, v] of Object.entries(theirs)) {
      if (k === 'REGION') continue; // astropy keeps the last duplicate; CFITSIO and we keep the first
      expect(ours[k], k).toEqual(v);
    }
  });

  it.skipIf(!haveAstropy())('writes cards astropy reads back to the same values', () => {
    const values = {
      STR: "it's here",
      LONG: 'x'.repeat(50) + "'quoted'" + 'y'.repeat(150) + ' end',
      INT: 123456789,
      NEG: -7,
      REAL: 1.0000000000000002,
      TINY: 1.5e-7,
      BIG: 6.02e23,
      YES: true,
      NO: false,
      'DATE-OBS': '1951-07-05T04:95:00',
      'A LONG KEY NAME': 3.25,
    };
    const cards = Object.entries(values).flatMap(([k, v]) => formatCards(k, v));
    for (const c of cards) expect(c).toHaveLength(80);
    const block = headerBlock(cards);
    expect(block.length % 2880).toBe(0);
    const theirs = runPython<Record<string, unknown>>(
      `
from astropy.io import fits
h = fits.Header.fromstring(json.load(sys.stdin))
print(json.dumps({k: h[k] for k in h.keys()}))
`,
      block.toString('latin1'),
    );
    expect(theirs).toEqual(values);
    expect(parseHeaderCards(cards)).toEqual(values);
  });
});

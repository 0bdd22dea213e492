/**
 * Independent references for the pipeline tests, computed by astropy under
 * /usr/bin/python3 (another python3 may come first on PATH).
 */
import { pythonText as python } from '../../helpers/python';

export { haveAstropy } from '../../helpers/python';

/**
 * Sky positions of FITS 1-based pixels by astropy.wcs, using only the named
 * solution of the header: 'fits' strips the DSS plate-solution keywords (astropy
 * would otherwise prefer them), 'dss' strips the explicit TAN ones.
 */
export function astropyPixToSky(file: string, kind: 'dss' | 'fits', xy: [number, number][]): [number, number][] {
  const script = `
import sys, json, warnings
warnings.simplefilter('ignore')
from astropy.io import fits
from astropy.wcs import WCS
h = fits.getheader(sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(file)}, 0)
kind = ${JSON.stringify(kind)}
for k in list(h.keys()):
    dss = k.startswith(('AMDX', 'AMDY', 'AMDRE', 'PLTRA', 'PLTDEC', 'PPO', 'CNPIX', 'XPIXELSZ', 'YPIXELSZ'))
    tan = k.startswith(('CTYPE', 'CRPIX', 'CRVAL', 'CD1_', 'CD2_', 'CDELT', 'PC1_', 'PC2_', 'CUNIT', 'WCSAXES', 'CROTA'))
    if (kind == 'fits' and dss) or (kind == 'dss' and tan):
        del h[k]
w = WCS(h)
xy = json.load(sys.stdin)
print(json.dumps(w.all_pix2world(xy, 1).tolist()))
`;
  return JSON.parse(python(script, JSON.stringify(xy)));
}

/** sha256 of the raw header blocks of the primary HDU, read byte by byte. */
export function pythonHeaderSha256(file: string): string {
  const script = `
import hashlib, sys
data = open(${JSON.stringify(file)}, 'rb').read()
pos = 0
while True:
    card = data[pos:pos + 80]
    pos += 80
    if card[:8] == b'END     ':
        break
end = -(-pos // 2880) * 2880
print(hashlib.sha256(data[:end]).hexdigest())
`;
  return python(script, '').trim();
}

/** Columns of a FITS_LDAC catalogue's LDAC_OBJECTS table, read by astropy. */
export function astropyLdacColumns(catalog: string, columns: string[]): Record<string, number[]> {
  const script = `
import json
from astropy.io import fits
t = fits.open(${JSON.stringify(catalog)})['LDAC_OBJECTS'].data
print(json.dumps({c: [float(v) for v in t[c]] for c in ${JSON.stringify(columns)}}))
`;
  return JSON.parse(python(script, ''));
}

/** An RFC 4180 CSV file read by Python's csv module: header and rows. */
export function pythonCsv(file: string): { header: string[]; rows: string[][] } {
  const script = `
import csv, json
with open(${JSON.stringify(file)}, newline='') as f:
    rows = list(csv.reader(f))
print(json.dumps({'header': rows[0], 'rows': rows[1:]}))
`;
  return JSON.parse(python(script, ''));
}

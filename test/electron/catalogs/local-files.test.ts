import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../electron/core/errors';
import { CATALOGS } from '../../../electron/catalogs/catalogs';
import { parseCatalogFileArgs, readLocalCatalog } from '../../../electron/catalogs/local-files';

const dir = mkdtempSync(join(tmpdir(), 'vasco-local-'));

describe('offline catalogue files', () => {
  it('parses --catalog NAME=FILE and rejects unknown names', () => {
    expect(parseCatalogFileArgs(['gaia=/a/g.csv', 'PS1=p.vot'])).toEqual({ gaia: '/a/g.csv', ps1: 'p.vot' });
    expect(() => parseCatalogFileArgs(['sdss=x.csv'])).toThrow(UserError);
    expect(() => parseCatalogFileArgs(['gaia'])).toThrow(/NAME=FILE/);
  });

  it('reads a Gaia CSV with archive column names, motions and epochs', async () => {
    const f = join(dir, 'gaia.csv');
    writeFileSync(f, '# from the Gaia archive\nsource_id,ra,dec,pmra,pmdec,ref_epoch,phot_g_mean_mag\n42,10.5,-3.25,12.5,,2016.0,17.2\n43,10.6,-3.3,,,2016.0,\n');
    const r = await readLocalCatalog(CATALOGS.gaia, f);
    expect(Array.from(r.ra)).toEqual([10.5, 10.6]);
    expect(Array.from(r.pmra!)).toEqual([12.5, NaN]);
    expect(Array.from(r.epoch!)).toEqual([2016, 2016]);
    expect(r.id).toEqual(['42', '43']);
    expect(r.mag[0]).toBe(17.2);
  });

  it('reads a VizieR-style VOTable (RAJ2000/DEJ2000)', async () => {
    const f = join(dir, 'ps1.vot');
    writeFileSync(f, `<?xml version="1.0"?><VOTABLE version="1.4"><RESOURCE><TABLE>
<FIELD name="objID" datatype="long"/><FIELD name="RAJ2000" datatype="double" unit="deg"/><FIELD name="DEJ2000" datatype="double" unit="deg"/><FIELD name="rmag" datatype="float"/>
<DATA><TABLEDATA><TR><TD>1001</TD><TD>200.25</TD><TD>+12.5</TD><TD>19.5</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`);
    const r = await readLocalCatalog(CATALOGS.ps1, f);
    expect([r.ra[0], r.dec[0], r.id[0], r.mag[0]]).toEqual([200.25, 12.5, '1001', 19.5]);
  });

  it('reads a FITS binary table written by astropy', async () => {
    const f = join(dir, 'gaia.fits');
    execFileSync('/usr/bin/python3', ['-c', `
import sys
from astropy.table import Table
Table({'SOURCE_ID': [7, 8], 'RA_ICRS': [123.25, 123.5], 'DE_ICRS': [-10.125, -10.0], 'pmRA': [1.5, -2.0], 'pmDE': [0.25, 3.0], 'Gmag': [15.5, 18.0]}).write(sys.argv[1], overwrite=True)
`, f]);
    const r = await readLocalCatalog(CATALOGS.gaia, f);
    expect(Array.from(r.ra)).toEqual([123.25, 123.5]);
    expect(Array.from(r.dec)).toEqual([-10.125, -10.0]);
    expect(Array.from(r.pmdec!)).toEqual([0.25, 3.0]);
    expect(r.id).toEqual(['7', '8']);
    expect(r.epoch).toBeNull();
  });

  it('says which columns it looked for when RA/Dec are missing', async () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'x,y\n1,2\n');
    await expect(readLocalCatalog(CATALOGS.gaia, f)).rejects.toThrow(/--catalog gaia=.*bad.csv: no RA column.*columns: x, y/);
  });
});

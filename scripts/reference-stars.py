#!/usr/bin/python3
"""
A reference star list from a plate image with its own celestial WCS, in the
format `vasco run --catalog gaia=FILE` reads (source_id, ra, dec, ref_epoch, and
the pixel it was measured at, x_image/y_image;
no proper motions, and no magnitude: an uncalibrated one would let the
bright-star mask take these stars for bright Gaia stars).

Independent of the pipeline on purpose: the stars are found by a plain
source-extractor run (not our wrappers or configuration) and put on the sky by
astropy's WCS of the image's own explicit solution (CTYPE/CRVAL/CD; a DSS
plate polynomial in the same header is ignored). Used where no Gaia rows exist offline,
e.g. to refit a POSS-I cutout against a second, independently solved scan of
the same field (see README, "Astrometry tied to Gaia").

usage: /usr/bin/python3 scripts/reference-stars.py IMAGE.fits[.gz] OUT.csv
           [--snr-min 20] [--epoch YEAR] [--thresh 3]
Prints one JSON line: stars written, detections, epoch, WCS kind.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, warnings

warnings.simplefilter('ignore')
import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

DSS_KEYWORDS = ('AMDX', 'AMDY', 'AMDRE', 'PLTRA', 'PLTDEC', 'PPO', 'CNPIX', 'XPIXELSZ', 'YPIXELSZ')
PARAMS = ['X_IMAGE', 'Y_IMAGE', 'FLUX_AUTO', 'FLUXERR_AUTO', 'FLAGS', 'ELONGATION']


def fail(message):
    print(f'reference-stars: {message}', file=sys.stderr)
    sys.exit(2)


def plate_epoch(header, given):
    if given is not None:
        return given
    date = header.get('DATE-OBS')
    if not date:
        return None
    try:
        return float(Time(str(date)[:10], format='isot', scale='utc').jyear)
    except ValueError:
        fail(f'DATE-OBS {date!r} is not a date: give --epoch YEAR')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('image')
    ap.add_argument('out')
    ap.add_argument('--snr-min', type=float, default=20)
    ap.add_argument('--epoch', type=float, default=None, help='Julian year of the plate (default: DATE-OBS)')
    ap.add_argument('--thresh', type=float, default=3, help='source-extractor DETECT_THRESH, sigma')
    a = ap.parse_args()
    if not os.path.isfile(a.image):
        fail(f'{a.image}: no such file')
    if not shutil.which('source-extractor'):
        fail('source-extractor not found (sudo apt-get install source-extractor)')
    try:
        with fits.open(a.image) as hdul:
            hdu = next((h for h in hdul if h.is_image and h.data is not None and h.data.ndim == 2), None)
            if hdu is None:
                fail(f'{a.image} holds no 2-D image')
            header = hdu.header.copy()
            data = hdu.data.astype(np.float32)
    except (OSError, ValueError, EOFError) as e:
        fail(f'{a.image} is not a readable FITS image ({e})')
    # The explicit WCS only: astropy (WCSLIB) would otherwise read a DSS plate
    # polynomial (AMDX..) in preference to the TAN beside it.
    wcs_header = header.copy()
    for k in list(wcs_header.keys()):
        if k.startswith(DSS_KEYWORDS):
            del wcs_header[k]
    wcs = WCS(wcs_header).celestial
    if not wcs.has_celestial:
        fail(f'{a.image} has no explicit celestial WCS (CTYPE/CRVAL/CD); a DSS plate polynomial alone is not used')
    epoch = plate_epoch(header, a.epoch)
    with tempfile.TemporaryDirectory(prefix='vasco-refstars-') as tmp:
        # A float copy without the scaling/BLANK keywords source-extractor would apply again.
        for k in ('BZERO', 'BSCALE', 'BLANK'):
            header.remove(k, ignore_missing=True)
        fits.writeto(os.path.join(tmp, 'image.fits'), data, header, output_verify='silentfix')
        with open(os.path.join(tmp, 'p.param'), 'w') as f:
            f.write('\n'.join(PARAMS) + '\n')
        # Its built-in defaults (no default.sex in the temp folder): nothing of ours.
        run = subprocess.run(
            ['source-extractor', 'image.fits', '-PARAMETERS_NAME', 'p.param', '-CATALOG_NAME', 'cat.txt',
             '-CATALOG_TYPE', 'ASCII', '-FILTER', 'N', '-DETECT_THRESH', str(a.thresh), '-DETECT_MINAREA', '5',
             '-SATUR_LEVEL', '1e9', '-BACK_SIZE', '64', '-VERBOSE_TYPE', 'QUIET'],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            fail(f'source-extractor failed on {a.image}: {run.stderr.strip()[-400:]}')
        cat = np.loadtxt(os.path.join(tmp, 'cat.txt'), comments='#', ndmin=2)
    n = len(cat)
    if n:
        x, y, flux, err, flags, elong = cat.T
        snr = np.where(err > 0, flux / np.where(err > 0, err, 1), 0)
        keep = (flags == 0) & (snr >= a.snr_min) & (elong < 1.5) & (flux > 0)
        x, y, flux = x[keep], y[keep], flux[keep]
        ra, dec = wcs.all_pix2world(x, y, 1)  # source-extractor pixels are FITS 1-based
    else:
        ra = dec = x = y = np.array([])
    with open(a.out, 'w') as f:
        f.write('source_id,ra,dec,ref_epoch,x_image,y_image\n')
        for k in range(len(ra)):
            e = '' if epoch is None else f'{epoch:.3f}'
            f.write(f'{k + 1},{ra[k]:.8f},{dec[k]:.8f},{e},{x[k]:.3f},{y[k]:.3f}\n')
    kind = '+'.join(wcs.wcs.ctype)
    print(json.dumps({'stars': int(len(ra)), 'detections': int(n), 'epoch': epoch, 'wcs': kind, 'out': a.out}))


if __name__ == '__main__':
    main()

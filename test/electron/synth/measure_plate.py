"""Independent measurements of synthetic plates for the synth tests.

Run by Debian's /usr/bin/python3 (astropy, numpy, scipy). Reads one JSON
request on stdin, prints one JSON answer. Nothing here uses the generator's
code: positions come from astropy's WCS, centroids and FWHMs from the pixels.

Requests:
  {"task": "wcs", "fits": path, "points": [[x, y], ...], "dssOnly": bool}
      -> {"radec": [[ra, dec], ...], "header": {KEY: value}, "shape": [ny, nx]}
      (astropy pixel -> sky, 1-based; dssOnly: from the GSSS plate solution alone)
  {"task": "world2pix", "fits": path, "radec": [[ra, dec], ...]} -> {"xy": [[x, y], ...]}
  {"task": "centroids", "fits": path, "sources": [[x, y, fwhm], ...]}
      -> {"xy": [[x, y], ...]}   (Gaussian-windowed centroids, iterated to convergence)
  {"task": "fwhm", "fits": path, "sources": [[x, y, fwhm], ...]}
      -> {"fwhm": [f, ...]}      (least-squares elliptical Moffat fit, beta free)
  {"task": "diff", "a": path, "b": path} -> {"pixels": [[x, y, a - b], ...]}  (1-based, nonzero only)
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy.optimize import least_squares

warnings.simplefilter("ignore")


def load(path):
    with fits.open(path) as hdul:
        return hdul[0].data.astype(np.float64), hdul[0].header


def local_background(data, x, y, r_in, r_out):
    """Median and robust rms in an annulus around 1-based (x, y)."""
    yy, xx = np.mgrid[0 : data.shape[0], 0 : data.shape[1]]
    x0, y0 = x - 1, y - 1
    lo_y, hi_y = int(max(0, y0 - r_out - 1)), int(min(data.shape[0], y0 + r_out + 2))
    lo_x, hi_x = int(max(0, x0 - r_out - 1)), int(min(data.shape[1], x0 + r_out + 2))
    cut = data[lo_y:hi_y, lo_x:hi_x]
    r = np.hypot(xx[lo_y:hi_y, lo_x:hi_x] - x0, yy[lo_y:hi_y, lo_x:hi_x] - y0)
    ring = cut[(r >= r_in) & (r <= r_out)]
    med = np.median(ring)
    return med, 1.4826 * np.median(np.abs(ring - med))


def windowed_centroid(data, x, y, fwhm):
    sigma = fwhm / 2.3548
    bg, _ = local_background(data, x, y, 5 * fwhm, 8 * fwhm)
    half = int(np.ceil(4 * sigma)) + 2
    xc, yc = x, y
    # One stamp around the starting guess (half-width 4 sigma + 4 px, so the
    # window never reaches its edge), then the fixed point of the
    # Gaussian-weighted mean: for a symmetric profile, the profile's centre.
    half += 2
    ix, iy = int(round(x)) - 1, int(round(y)) - 1
    sub = data[iy - half : iy + half + 1, ix - half : ix + half + 1] - bg
    gy, gx = np.mgrid[iy - half : iy + half + 1, ix - half : ix + half + 1]
    gx = gx + 1.0
    gy = gy + 1.0
    for _ in range(500):
        w = np.exp(-((gx - xc) ** 2 + (gy - yc) ** 2) / (2 * sigma**2)) * sub
        nx, ny = np.sum(w * gx) / np.sum(w), np.sum(w * gy) / np.sum(w)
        done = abs(nx - xc) + abs(ny - yc) < 1e-7
        xc, yc = nx, ny
        if done:
            break
    return [float(xc), float(yc)]


def moffat_fwhm(data, x, y, fwhm):
    half = int(np.ceil(3 * fwhm)) + 2
    ix, iy = int(round(x)) - 1, int(round(y)) - 1
    sub = data[iy - half : iy + half + 1, ix - half : ix + half + 1]
    gy, gx = np.mgrid[iy - half : iy + half + 1, ix - half : ix + half + 1]
    gx = gx + 1.0
    gy = gy + 1.0
    bg, _ = local_background(data, x, y, 5 * fwhm, 8 * fwhm)

    def model(p):
        x0, y0, amp, a, b, theta, beta, sky = p
        c, s = np.cos(theta), np.sin(theta)
        u = (gx - x0) * c + (gy - y0) * s
        v = (gy - y0) * c - (gx - x0) * s
        return sky + amp * (1 + (u / a) ** 2 + (v / b) ** 2) ** (-beta)

    alpha = fwhm / (2 * np.sqrt(2 ** (1 / 3.0) - 1))
    p0 = [x, y, sub.max() - bg, alpha, alpha, 0.1, 3.0, bg]
    fit = least_squares(
        lambda p: (model(p) - sub).ravel(),
        p0,
        bounds=([x - 2, y - 2, 0, 0.3, 0.3, -np.pi, 1.2, bg - 2000], [x + 2, y + 2, np.inf, 50, 50, np.pi, 20, bg + 2000]),
    )
    _, _, _, a, b, _, beta, _ = fit.x
    return float(2 * np.sqrt(a * b) * np.sqrt(2 ** (1 / beta) - 1))


def main():
    req = json.load(sys.stdin)
    task = req["task"]
    if task == "wcs":
        data, header = load(req["fits"])
        if req.get("dssOnly"):
            # Read only the GSSS plate solution: drop the explicit TAN keywords.
            for k in ["CTYPE1", "CTYPE2", "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CD1_1", "CD1_2", "CD2_1", "CD2_2"]:
                header.remove(k, ignore_missing=True)
        w = WCS(header)
        pts = np.array(req["points"], dtype=float).reshape(-1, 2)
        radec = w.all_pix2world(pts, 1) if len(pts) else np.zeros((0, 2))
        keep = ["SURVEY", "REGION", "PLATEID", "DATE-OBS", "EXPOSURE", "XPIXELSZ", "BITPIX", "NAXIS1", "NAXIS2", "CNPIX1", "CNPIX2"]
        out = {"radec": radec.tolist(), "header": {k: header[k] for k in keep if k in header}, "shape": list(data.shape)}
    elif task == "world2pix":
        _, header = load(req["fits"])
        w = WCS(header)
        radec = np.array(req["radec"], dtype=float).reshape(-1, 2)
        out = {"xy": w.all_world2pix(radec, 1).tolist() if len(radec) else []}
    elif task == "centroids":
        data, _ = load(req["fits"])
        out = {"xy": [windowed_centroid(data, x, y, f) for x, y, f in req["sources"]]}
    elif task == "fwhm":
        data, _ = load(req["fits"])
        out = {"fwhm": [moffat_fwhm(data, x, y, f) for x, y, f in req["sources"]]}
    elif task == "diff":
        a, _ = load(req["a"])
        b, _ = load(req["b"])
        if a.shape != b.shape:
            raise SystemExit("images differ in shape")
        iy, ix = np.nonzero(a != b)
        out = {"pixels": [[int(x) + 1, int(y) + 1, float(a[y, x] - b[y, x])] for x, y in zip(ix, iy)]}
    else:
        raise SystemExit("unknown task " + task)
    json.dump(out, sys.stdout)


main()

#!/usr/bin/python3
"""
How far each star's light reaches on a plate, by numpy from the pixels
(astropy reads them): the reference the bright-star mask's measured sizes
(electron/pipeline/masks.ts, measureStarLight) are checked against, written
apart from it on purpose. Two measures a star:

- the mask's definition: sky and noise (1.4826 x MAD) from the annulus
  110-160 px round the star (every 4th row and column from the star's);
  halo = the outermost 2 px annulus within 30 px (within 100 px if it or
  the spike below reaches 30) whose median is 1 sigma above the sky; along each plate axis, the mean of a
  strip 3 px across less the halo's median at that radius, a running median
  over 21 px, walked out from the halo's edge until it stays below 0.5 sigma
  for 12 px; the spike is the median of the four arms.
- plain: along each axis the last step at which a 3x3 box's median is still
  2 sigma above the plate's median sky (sigma from the plate's MAD), and the
  last 1 px ring whose median is 1 sigma above it.

usage: /usr/bin/python3 scripts/star-light.py IMAGE.fits < [[x, y], ...]
(x, y FITS 1-based). Prints a JSON list, one object a star.
"""
import json, sys, warnings
import numpy as np
from astropy.io import fits

warnings.simplefilter('ignore')
d = fits.getdata(sys.argv[1]).astype(float)
ny, nx = d.shape
plate_sky = np.median(d)
plate_sig = 1.4826 * np.median(np.abs(d - plate_sky))
yy, xx = np.mgrid[0:ny, 0:nx]


def mask_definition(x, y):
    r = np.hypot(xx - (x - 1), yy - (y - 1))
    cj, ci = int(np.floor(x + 0.5)) - 1, int(np.floor(y + 0.5)) - 1
    sky_px = d[(r >= 110) & (r <= 160) & ((xx - cj) % 4 == 0) & ((yy - ci) % 4 == 0)]
    sky = np.median(sky_px)
    sig = 1.4826 * np.median(np.abs(sky_px - sky))
    near = measure_within(x, y, r, sky, sig, 30)
    return near if near['haloPx'] < 30 and near['spikePx'] < 30 else measure_within(x, y, r, sky, sig, 100)


def measure_within(x, y, r, sky, sig, search):
    cj, ci = int(np.floor(x + 0.5)) - 1, int(np.floor(y + 0.5)) - 1
    bins = np.floor(r).astype(int)
    level = np.zeros(search + 2)
    halo = 0
    for k in range(search + 2):
        ring = d[bins == k]
        if ring.size >= 4:
            level[k] = np.median(ring) - sky
    for k in range(1, search + 1):
        ann = d[(bins == k) | (bins == k + 1)]
        if ann.size >= 8 and np.median(ann) - sky >= sig:
            halo = k + 1
    arms = []
    for dj, di in [(1, 0), (-1, 0), (0, 1), (0, -1)]:
        strip = []
        for t in range(1, 601):
            vals = [d[ci + di * t + dj * a, cj + dj * t + di * a] for a in (-1, 0, 1)
                    if 0 <= ci + di * t + dj * a < ny and 0 <= cj + dj * t + di * a < nx]
            if not vals:
                break
            strip.append(np.mean(vals) - sky - (level[t] if t < search + 2 else 0))
        strip = np.array(strip)
        end = min(halo, len(strip))
        t = end + 1
        while t <= len(strip) and t - end <= 12:
            if np.median(strip[max(0, t - 11):t + 10]) >= 0.5 * sig:
                end = t
            t += 1
        arms.append(end)
    s = sorted(arms)
    return {'sky': float(sky), 'sigma': float(sig), 'haloPx': halo, 'armsPx': arms, 'spikePx': (s[1] + s[2]) / 2}


def plain(x, y):
    i, j = int(round(y)) - 1, int(round(x)) - 1
    axes = []
    for di, dj in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
        n = 0
        for k in range(1, 600):
            ii, jj = i + di * k, j + dj * k
            if not (1 <= ii < ny - 1 and 1 <= jj < nx - 1) or np.median(d[ii-1:ii+2, jj-1:jj+2]) - plate_sky < 2 * plate_sig:
                break
            n = k
        axes.append(n)
    r = np.hypot(yy - i, xx - j)
    ring = 0
    for k in range(1, 300):
        if np.median(d[(r >= k) & (r < k + 1)]) - plate_sky < plate_sig:
            break
        ring = k
    peak = (d[max(i-2, 0):i+3, max(j-2, 0):j+3].max() - plate_sky) / plate_sig
    return {'peakSigma': float(peak), 'axesPx': axes, 'ringPx': ring}


print(json.dumps([{**mask_definition(x, y), 'plain': plain(x, y)} for x, y in json.load(sys.stdin)]))

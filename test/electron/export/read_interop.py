"""Read an export with the tools people open it in, warnings turned into
errors, and print what the test checks as JSON:
  python3 read_interop.py pandas FILE.csv   (a plain pandas.read_csv)
  python3 read_interop.py ds9 FILE.reg      (astropy-regions)"""
import json
import math
import sys
import warnings

warnings.simplefilter("error")

fmt, path = sys.argv[1], sys.argv[2]
if fmt == "pandas":
    import pandas

    frame = pandas.read_csv(path)
    print(json.dumps({
        "shape": list(frame.shape),
        "columns": list(frame.columns),
        "dtypes": {c: frame[c].dtype.kind for c in frame.columns},
        "data": {c: [None if isinstance(v, float) and math.isnan(v) else v
                     for v in frame[c].tolist()] for c in frame.columns},
    }))
elif fmt == "ds9":
    import astropy.units as u
    from regions import Regions

    regions = Regions.read(path, format="ds9")
    print(json.dumps([{
        "shape": type(r).__name__,
        "frame": r.center.frame.name,
        "ra": r.center.ra.deg,
        "dec": r.center.dec.deg,
        "radius_arcsec": r.radius.to_value(u.arcsec),
        "text": str(r.meta.get("text", "")),
        "tags": list(r.meta.get("tag", [])),
        "color": r.visual.get("edgecolor"),
        "linestyle": r.visual.get("linestyle"),
    } for r in regions]))
else:
    sys.exit(f"unknown format {fmt}")

"""Read an exported catalogue with astropy, warnings turned into errors, and
print what the test checks as JSON: python3 read_table.py csv|ecsv|votable FILE."""
import json
import sys
import warnings

warnings.simplefilter("error")

from astropy.io import ascii  # noqa: E402
from astropy.io.votable import parse  # noqa: E402
from astropy.table import Table  # noqa: E402


def values(col):
    mask = getattr(col, "mask", None)
    out = []
    for i, v in enumerate(col):
        if mask is not None and bool(mask[i]):
            out.append(None)
        elif hasattr(v, "item"):
            out.append(v.item())
        else:
            out.append(v)
    return out


fmt, path = sys.argv[1], sys.argv[2]
result = {}
if fmt == "csv":
    # Plain RFC 4180, no comment lines allowed: the header row comes first.
    t = ascii.read(path, format="csv", comment=None)
elif fmt == "ecsv":
    t = Table.read(path, format="ascii.ecsv")
    result["meta"] = dict(t.meta)
    result["descriptions"] = {c: t[c].description for c in t.colnames}
    result["ucds"] = {c: (t[c].meta or {}).get("ucd") for c in t.colnames}
else:
    vot = parse(path, verify="exception")
    result["version"] = vot.version
    table = vot.get_first_table()
    result["ucds"] = {f.name: f.ucd for f in table.fields}
    result["infos"] = {i.name: i.value for i in vot.resources[0].infos}
    t = Table.read(path, format="votable")
result["rows"] = len(t)
result["columns"] = t.colnames
result["dtypes"] = {c: t[c].dtype.kind for c in t.colnames}
result["units"] = {c: (None if t[c].unit is None else str(t[c].unit)) for c in t.colnames}
result["data"] = {c: values(t[c]) for c in t.colnames}
print(json.dumps(result, default=str))

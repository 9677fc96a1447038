"""Loads each layer file given with mitreattack-python's navlayers and reports, one line per
file, "ok <file>" or "FAIL <file>: <why>". A layer fails when the loader raises, prints a
complaint (it reports missing or malformed fields on stdout and skips them), drops a
technique, or reads a format other than 4.5. Exit status 1 when any file fails."""
import contextlib
import io
import json
import sys

from mitreattack.navlayers import Layer

failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            layer = Layer()
            layer.from_dict(raw)
            loaded = layer.to_dict()
        problems = out.getvalue().strip()
        if problems:
            raise ValueError(problems)
        if loaded["versions"]["layer"] != "4.5":
            raise ValueError(f"read as layer format {loaded['versions']['layer']}")
        if len(loaded.get("techniques", [])) != len(raw.get("techniques", [])):
            raise ValueError("the loader dropped techniques")
        print(f"ok {path}")
    except Exception as e:  # any refusal of the loader is a failure of the layer
        failed = True
        print(f"FAIL {path}: {type(e).__name__}: {e} {out.getvalue().strip()}")
sys.exit(1 if failed else 0)

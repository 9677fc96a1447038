"""Differential: pattern accept/reject of deltawall-stix vs OASIS stix2-patterns, over the
fuzz corpus (fuzz/corpus/pattern) plus any patterns given as arguments; then checks that
every printed form of an accepted pattern is accepted by stix2-patterns.

Usage: STIX_CHECK=<path to the stix_check example> python patterns.py [PATTERN...]
"""
import json, os
CHECK = os.environ.get("STIX_CHECK", "/work/target-stix/debug/examples/stix_check")
import json, os, subprocess, sys
from stix2patterns.validator import run_validator
fuzz = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz")
texts = []
files = [os.path.join(fuzz, d, "pattern", f) for d in ("seeds", "corpus") if os.path.isdir(os.path.join(fuzz, d, "pattern"))
         for f in sorted(os.listdir(os.path.join(fuzz, d, "pattern")))]
for f in files:
    b = open(f, 'rb').read()
    try:
        t = b.decode('utf-8')
    except UnicodeDecodeError:
        continue
    texts.append(t)
extra = sys.argv[1:] 
texts += extra
inp = "\n".join(json.dumps({"kind": "pattern", "text": t}) for t in texts) + "\n"
out = subprocess.run([CHECK], input=inp.encode(), capture_output=True).stdout.decode().splitlines()
agree = 0; dis = []
for t, o in zip(texts, out):
    o = json.loads(o)
    try:
        errs = run_validator(t, stix_version='2.1')
    except Exception as e:
        errs = ['exception ' + repr(e)]
    py_ok = not errs
    if py_ok == o['ok']:
        agree += 1
    else:
        dis.append((t, o, errs[:1]))
print("total", len(texts), "agree", agree, "disagree", len(dis))
for t, o, e in dis[:60]:
    print(repr(t)[:160], "| ours:", o.get('err', 'ok'), "| py:", e)
# printer conformance: every printed form of an accepted pattern must be accepted by python
bad = 0; n = 0
for t, o in zip(texts, out):
    o = json.loads(o)
    if o.get('printed') is not None:
        n += 1
        try:
            e = run_validator(o['printed'], stix_version='2.1')
        except Exception as ex:
            e = ['EXC ' + repr(ex)]
        if e:
            bad += 1
            if bad < 10: print("PRINTED REJECTED", repr(o['printed'])[:200], e[:1])
print("printed", n, "python rejects", bad)

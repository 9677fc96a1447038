"""Differential: pattern matching of deltawall-stix vs OASIS stix2-matcher on random
patterns over random observed-data. stix2-matcher can use tens of GB on REPEATS-heavy
patterns: run it under `ulimit -v 3000000`.

Usage: STIX_CHECK=<path> SEED=7 N=200 python matcher.py
"""
import json, os
CHECK = os.environ.get("STIX_CHECK", "/work/target-stix/debug/examples/stix_check")
import json, random, subprocess, collections
from stix2matcher.matcher import match
random.seed(int(__import__("os").environ.get("SEED","7")))
import uuid
def od(i, minute, objects, n=1, span=0):
    """An observed-data (2.1, object_refs) plus its SCOs with ids; local refs rewritten."""
    t = "2024-01-01T00:%02d:00Z" % minute
    t2 = "2024-01-01T00:%02d:00Z" % (minute + span)
    ids = {k: "%s--%s" % (v["type"], uuid.UUID(int=i * 100 + int(k) + 1, version=4)) for k, v in objects.items()}
    scos = []
    for k, v in objects.items():
        s = dict(v, id=ids[k], spec_version="2.1")
        for p, val in list(s.items()):
            if p.endswith("_ref"): s[p] = ids[val]
            elif p.endswith("_refs"): s[p] = [ids[x] for x in val]
        scos.append(s)
    o = {"type":"observed-data","spec_version":"2.1","id":"observed-data--%s" % uuid.UUID(int=i + 1, version=4),
         "created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",
         "first_observed":t,"last_observed":t2,"number_observed":n,"object_refs":list(ids.values())}
    return [o] + scos
objs = [
 {"0":{"type":"file","name":"evil.exe","size":25536,"hashes":{"MD5":"a"*32,"SHA-256":"b"*64},"parent_directory_ref":"1"},"1":{"type":"directory","path":"C:\\Windows\\System32"}},
 {"0":{"type":"ipv4-addr","value":"198.51.100.7"}},
 {"0":{"type":"network-traffic","src_ref":"1","dst_ref":"2","protocols":["ipv4","tcp"],"dst_port":443},"1":{"type":"ipv4-addr","value":"10.0.0.1"},"2":{"type":"ipv4-addr","value":"198.51.100.9"}},
 {"0":{"type":"file","name":"good.dll","size":10},"1":{"type":"ipv4-addr","value":"10.0.0.2"}},
 {"0":{"type":"artifact","payload_bin":"dGhpcyBpcyBhIHRlc3Q="}},
 {"0":{"type":"domain-name","value":"example.com","resolves_to_refs":["1"]},"1":{"type":"ipv4-addr","value":"198.51.100.7"}},
]
comps = [
 "file:name = 'evil.exe'","file:name != 'evil.exe'","file:name LIKE 'evil%'","file:name LIKE '%.dll'","file:name MATCHES '^ev'","file:name MATCHES 'l\\\\.d'",
 "file:size > 100","file:size <= 10","file:size = 25536","file:size IN (10, 20)","file:size = 10.0","file:size NOT = 10",
 "file:hashes.MD5 = '%s'" % ("a"*32), "file:hashes.'SHA-256' = '%s'" % ("b"*64), "EXISTS file:hashes",
 "file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32'", "file:parent_directory_ref.path LIKE 'C:\\\\Windows%'",
 "ipv4-addr:value = '198.51.100.7'","ipv4-addr:value ISSUBSET '198.51.100.0/24'","ipv4-addr:value ISSUBSET '10.0.0.0/8'","ipv4-addr:value NOT ISSUBSET '10.0.0.0/8'",
 "network-traffic:dst_ref.value = '198.51.100.9'","network-traffic:src_ref.value ISSUBSET '10.0.0.0/8'","network-traffic:protocols[*] = 'tcp'","network-traffic:protocols[0] = 'tcp'","network-traffic:dst_port >= 443",
 "artifact:payload_bin = 'this is a test'","artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q='","artifact:payload_bin = h'7468697320697320612074657374'","artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q='",
 "domain-name:resolves_to_refs[*].value = '198.51.100.7'","domain-name:value = 'example.com'","domain-name:value > 'a'","domain-name:value < 'a'",
]
def obs_expr():
    c = random.choice(comps)
    if random.random() < 0.3:
        c2 = random.choice([x for x in comps if x.split(':')[0].split()[-1] == c.split(':')[0].split()[-1]] or [c])
        c = "%s %s %s" % (c, random.choice(["AND","OR"]), c2)
    return "[%s]" % c
def pattern(depth=0):
    if depth > 1 or random.random() < 0.5:
        e = obs_expr()
    else:
        e = "(%s %s %s)" % (pattern(depth+1), random.choice(["AND","OR","FOLLOWEDBY"]), pattern(depth+1))
    r = random.random()
    if r < 0.1: e = "%s REPEATS 2 TIMES" % e
    elif r < 0.2: e = "%s WITHIN %d SECONDS" % (e, random.choice([30, 120, 600]))
    elif r < 0.25: e = "%s START t'2024-01-01T00:00:00Z' STOP t'2024-01-01T00:03:00Z'" % e
    return e
cases = []
for k in range(int(__import__("os").environ.get("N","200"))):
    p = pattern()
    n = random.randint(1, 4)
    observed = [x for i in range(n) for x in od(i, random.randint(0, 9), random.choice(objs),
                                                random.choice([1, 1, 1, 2, 3]), random.choice([0, 0, 1, 5]))]
    cases.append((p, observed))
inp = "\n".join(json.dumps({"kind":"match","text":p,"observed":o}) for p,o in cases) + "\n"
import time; t0=time.time()
out = subprocess.run([CHECK], input=inp.encode(), capture_output=True).stdout.decode().splitlines()
print("rust secs", round(time.time()-t0,2), flush=True)
agree = 0; dis = []
for (p,o), r in zip(cases, out):
    r = json.loads(r)
    try:
        py = bool(match(p, [{"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": o}], stix_version="2.1"))
    except Exception as e:
        py = "EXC " + repr(e)[:100]
    if py == r["ok"]: agree += 1
    else: dis.append((p, [ (x.get("first_observed","")[14:16], x["type"]) for x in o], r, py))
print("cases", len(cases), "agree", agree)
c = collections.Counter()
for d in dis[:25]: print(d)

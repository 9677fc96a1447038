#!/usr/bin/env python3
"""Load generator for docs/bench/taxii.sh: the same TAXII 2.1 workload against any server.

  add   --objects N --envelope E   POST N new GREEN indicators in envelopes of E objects,
                                   one request at a time; per-request latency and objects/s
  page  --limit L --afters FILE    GET objects with limit=L following `next` to the end;
                                   per-page latency and objects/s; writes each page's
                                   X-TAXII-Date-Added-Last to FILE (for the wrk readers)
  --pages P                        stop after P pages (page only)
  --timeout S                      give up a request after S seconds (the report then says
                                   "complete": false and how long it waited)
  --budget S                       stop starting requests after S seconds (the report then
                                   says "complete": false): medallion's reads grow with
                                   the collection and do not finish 100,000 in minutes

Only the standard library and `requests`. Responses are not parsed as JSON (the next token
and the object count are found with regular expressions) so that the client's own cost
stays small beside the server's."""

import argparse
import json
import re
import statistics
import sys
import time
import uuid

import requests

MT = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
NEXT = re.compile(rb'"next"\s*:\s*"([^"]+)"')
MORE = re.compile(rb'"more"\s*:\s*true')
IDS = re.compile(rb'"id"\s*:\s*"indicator--')


def indicator(n):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"bench indicator {n}",
        "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [GREEN],
    }


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(label, seconds, objects, latencies, complete=True):
    print(json.dumps({
        "complete": complete,
        "phase": label,
        "objects": objects,
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "objects_per_s": round(objects / seconds, 1),
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p99_ms": round(pct(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
    }), flush=True)


def session(args):
    s = requests.Session()
    s.headers["Accept"] = MT
    if args.bearer:
        s.headers["Authorization"] = f"Bearer {args.bearer}"
    elif args.basic:
        s.auth = tuple(args.basic.split(":", 1))
    return s


def add(args):
    s = session(args)
    url = args.collection + "objects/"
    lat, n, started = [], 0, time.perf_counter()
    while n < args.objects and time.perf_counter() - started < args.budget:
        count = min(args.envelope, args.objects - n)
        body = json.dumps({"objects": [indicator(n + i) for i in range(count)]})
        t = time.perf_counter()
        r = s.post(url, data=body, headers={"Content-Type": MT})
        lat.append(time.perf_counter() - t)
        if r.status_code != 202 or f'"success_count": {count}'.replace(" ", "") not in r.text.replace(" ", ""):
            sys.exit(f"add failed: {r.status_code} {r.text[:300]}")
        n += count
    # Generating the envelopes is the client's cost and is inside `seconds`; it is
    # measured separately so the report can say how much it is.
    t = time.perf_counter()
    json.dumps({"objects": [indicator(i) for i in range(args.envelope)]})
    gen = time.perf_counter() - t
    report("add", time.perf_counter() - started, n, lat, n == args.objects)
    print(json.dumps({"phase": "add", "client_ms_per_envelope": round(gen * 1000, 1)}))


def page(args):
    s = session(args)
    url = args.collection + "objects/"
    params = {"limit": str(args.limit), "match[type]": "indicator"}
    lat, n, afters, started = [], 0, [], time.perf_counter()
    complete = False
    while time.perf_counter() - started < args.budget and len(lat) < args.pages:
        t = time.perf_counter()
        try:
            r = s.get(url, params=params, timeout=args.timeout)
        except requests.exceptions.Timeout:
            lat.append(time.perf_counter() - t)
            break
        lat.append(time.perf_counter() - t)
        if r.status_code != 200:
            sys.exit(f"page failed: {r.status_code} {r.text[:300]}")
        n += len(IDS.findall(r.content))
        if "X-TAXII-Date-Added-Last" in r.headers:
            afters.append(r.headers["X-TAXII-Date-Added-Last"])
        if not MORE.search(r.content[:200]) and not MORE.search(r.content[-200:]):
            complete = True
            break
        if len(lat) == args.pages:
            complete = True
            break
        m = NEXT.search(r.content[:400]) or NEXT.search(r.content[-400:])
        if not m:
            sys.exit("more without next")
        params["next"] = m.group(1).decode()
    report("page", time.perf_counter() - started, n, lat, complete)
    if args.afters:
        with open(args.afters, "w") as f:
            # Every boundary but the last, so each reader request gets a full page; a
            # collection of one page gets a time before all its objects instead, so each
            # reader request gets the whole collection.
            bounds = afters[:-1] or ["2000-01-01T00:00:00.000Z"]
            f.write("\n".join(bounds) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("phase", choices=["add", "page"])
    p.add_argument("--collection", required=True, help="collection URL ending in /")
    p.add_argument("--bearer")
    p.add_argument("--basic", help="user:password")
    p.add_argument("--objects", type=int, default=100_000)
    p.add_argument("--envelope", type=int, default=1000)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--afters")
    p.add_argument("--pages", type=float, default=float("inf"))
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--budget", type=float, default=float("inf"),
                   help="stop starting requests after this many seconds; the report says "
                        "complete: false")
    args = p.parse_args()
    {"add": add, "page": page}[args.phase](args)


if __name__ == "__main__":
    main()

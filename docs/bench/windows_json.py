#!/usr/bin/env python3
"""Writes the SigmaHQ regression events as two JSON Lines files of N events each, for the
comparison with rsigma in docs/BENCHMARKS.md: the same events in the same order, once in
the regression data's own layout (`Event.System` / `Event.EventData`, which `deltawall scan`
reads as Windows event JSON) and once flattened to Sigma's Windows field names
(`EventID`, `Channel`, `Provider_Name`, the event data's names without spaces), which is
what rsigma evaluates.

Usage: windows_json.py REGRESSION_DIR N NESTED.jsonl FLAT.jsonl
"""

import json
import pathlib
import sys

SYSTEM = ["Channel", "Computer", "EventRecordID", "Level", "Task", "Opcode", "Keywords", "Version"]


def documents(root):
    for path in sorted(pathlib.Path(root).rglob("*.json")):
        text, at, decoder = path.read_text(), 0, json.JSONDecoder()
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at >= len(text):
                break
            value, at = decoder.raw_decode(text, at)
            yield value


def flat(doc):
    event = doc.get("Event", {})
    system = event.get("System", {})
    out = {}
    eid = system.get("EventID")
    out["EventID"] = eid.get("#text") if isinstance(eid, dict) else eid
    out["Provider_Name"] = system.get("Provider", {}).get("#attributes", {}).get("Name")
    out.update({k: system[k] for k in SYSTEM if k in system})
    user = event.get("UserData")
    if isinstance(user, dict):
        inner = [x for x in user.values() if isinstance(x, dict)]
        if len(inner) == 1:
            user = inner[0]
    for section in (event.get("EventData"), user):
        if isinstance(section, dict):
            out.update({k.replace(" ", ""): x for k, x in section.items() if k != "#attributes"})
    out["@timestamp"] = system.get("TimeCreated", {}).get("#attributes", {}).get("SystemTime")
    return {k: x for k, x in out.items() if x is not None}


def main():
    root, n, nested_path, flat_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    docs = list(documents(root))
    with open(nested_path, "w") as nested, open(flat_path, "w") as flattened:
        for i in range(n):
            doc = docs[i % len(docs)]
            nested.write(json.dumps(doc, separators=(",", ":")) + "\n")
            flattened.write(json.dumps(flat(doc)) + "\n")
    print(f"{len(docs)} distinct events, {n} written to each file")


if __name__ == "__main__":
    main()

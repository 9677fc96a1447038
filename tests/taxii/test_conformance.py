"""Conformance breadth: every endpoint with the OASIS taxii2-client (and its paging helper),
stix2's TAXII data source and sink, every filter on objects, manifest, object, versions and
delete, content negotiation, headers, error bodies and paging edge cases. Every object the
server returns passes stix2-validator (helpers.check_body / validate_objects).

The demo collection `isac/shared` is shared by all tests of a run, so each test works on
objects it created itself (selected with match[id] or an added_after taken from its own
first add)."""

import json
import uuid

import pytest
import requests
import stix2
from stix2 import CompositeDataSource, Filter, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.v21 import ApiRoot, Server, as_pages

from helpers import (AMBER, BASE, GREEN, MT, TS, call, client, collection_url, get, ids,
                     indicator, malware, pages, password, post_envelope, validate_objects)

BANK = "bank-soc"
MFG = "mfg-soc"


@pytest.fixture(scope="module")
def url():
    return collection_url(BANK)


@pytest.fixture(scope="module")
def family(url):
    """Three objects added in one request: an indicator with three versions, a malware and
    a second indicator; the date_added of each version from the manifest."""
    ind = indicator(GREEN, "2026-01-01T00:00:00.000Z", n=11)
    v2 = dict(ind, modified="2026-02-01T00:00:00.000Z")
    v3 = dict(ind, modified="2026-03-01T00:00:00.000Z")
    mal = malware(GREEN, n=12)
    other = indicator(GREEN, n=13)
    r = post_envelope(BANK, url, [ind, mal, v2, other, v3])
    assert r.status_code == 202
    status = r.json()
    assert (status["status"], status["success_count"], status["total_count"]) == ("complete", 5, 5)
    want = [ind["id"], mal["id"], other["id"]]
    m = get(BANK, url + "manifest/", {"match[id]": ",".join(want), "match[version]": "all"}).json()
    added = {(rec["id"], rec["version"]): rec["date_added"] for rec in m["objects"]}
    assert len(added) == 5
    return {"ind": ind, "v2": v2, "v3": v3, "mal": mal, "other": other, "ids": want,
            "added": added, "status": status}


def test_discovery_api_root_collections_and_status_with_the_client(url, family):
    server = Server(BASE, user=BANK, password=password())
    # Discovery names the first ISAC trust group as the default API root.
    assert server.title and server.default is not None
    assert server.default.url == f"{BASE}isac/"
    roots = {r.url for r in server.api_roots}
    assert {f"{BASE}isac/", f"{BASE}alerts/"} <= roots
    root = ApiRoot(f"{BASE}isac/", user=BANK, password=password())
    assert MT in root.versions and root.max_content_length >= 1 << 20
    colls = root.collections
    shared = next(c for c in colls if c.alias == "shared")
    assert shared.url == url and shared.can_read and shared.can_write
    assert shared.media_types == ["application/stix+json;version=2.1"]
    # Stable order of the collection list (§3.3).
    again = [c.id for c in ApiRoot(f"{BASE}isac/", user=BANK, password=password()).collections]
    assert again == [c.id for c in colls]
    # By alias and by id: the same resource.
    by_alias = get(BANK, f"{BASE}isac/collections/shared/").json()
    assert by_alias == get(BANK, url).json()
    # Status (§4.3) through the client, and its counts.
    status = root.get_status(family["status"]["id"])
    assert status.status == "complete" and status.success_count == 5
    assert status.total_count == status.success_count + status.failure_count + status.pending_count
    assert {s["id"] for s in status.successes} == set(family["ids"])
    # Another organisation's status is not found: it names what was added.
    r = get(MFG, f"{BASE}isac/status/{family['status']['id']}/")
    assert r.status_code == 404
    assert get(BANK, f"{BASE}isac/status/{uuid.uuid4()}/").status_code == 404


def test_an_organisation_without_a_grant_sees_no_root(url):
    # The industry association holds no grant in either trust group.
    r = get("assoc-staff", BASE)
    assert r.status_code == 200 and "api_roots" not in r.json()
    for path in ("isac/", "isac/collections/", url[len(BASE):], url[len(BASE):] + "objects/"):
        assert get("assoc-staff", BASE + path).status_code == 404, path


def test_objects_with_the_client_and_as_pages(url, family):
    coll = client(BANK)
    # taxii2-client turns keyword filters into match[...] parameters.
    filt = {"id": family["ids"]}
    latest = [family["mal"]["id"], family["other"]["id"], family["ind"]["id"]]
    env = coll.get_objects(**filt)
    validate_objects(env["objects"])
    assert ids(env) == latest, "date_added order of the latest versions"
    assert env["objects"][-1] == family["v3"], "exact JSON round-trip"
    for per in (1, 2, 3, 1000):
        got = [o for p in as_pages(coll.get_objects, per_request=per, **filt) for o in p.get("objects", [])]
        assert [o["id"] for o in got] == latest, per
    got = [m for p in as_pages(coll.get_manifest, per_request=2, **filt) for m in p.get("objects", [])]
    assert [m["id"] for m in got] == latest
    for rec in got:
        assert TS.match(rec["date_added"]) and rec["media_type"] == "application/stix+json;version=2.1"
    assert coll.get_object(family["ind"]["id"])["objects"] == [family["v3"]]
    assert coll.get_object(family["ind"]["id"], version="first")["objects"] == [family["ind"]]
    assert coll.object_versions(family["ind"]["id"])["versions"] == [
        family["ind"]["modified"], family["v2"]["modified"], family["v3"]["modified"]]


def test_match_filters_on_objects_and_manifest(url, family):
    ind, mal, other = family["ind"]["id"], family["mal"]["id"], family["other"]["id"]
    every = ",".join(family["ids"])
    v = [family[k]["modified"] for k in ("ind", "v2", "v3")]
    cases = [
        ({"match[type]": "malware"}, [(mal, None)]),
        ({"match[type]": "indicator,malware"}, [(mal, None), (other, None), (ind, v[2])]),
        ({"match[type]": "grouping"}, []),
        ({"match[type]": "x-unknown-type"}, []),
        ({"match[id]": f"{other},{mal}"}, [(mal, None), (other, None)]),
        ({"match[version]": "first"}, [(ind, v[0]), (mal, None), (other, None)]),
        ({"match[version]": "last"}, [(mal, None), (other, None), (ind, v[2])]),
        ({"match[version]": "first,last"}, [(ind, v[0]), (mal, None), (other, None), (ind, v[2])]),
        ({"match[version]": "all"}, [(ind, v[0]), (mal, None), (ind, v[1]), (other, None), (ind, v[2])]),
        ({"match[version]": v[1]}, [(ind, v[1])]),
        # mal and other share v[0] as their only version.
        ({"match[version]": f"{v[0]},{v[2]}"}, [(ind, v[0]), (mal, None), (other, None), (ind, v[2])]),
        ({"match[version]": "2025-01-01T00:00:00Z"}, []),
        ({"match[spec_version]": "2.1"}, [(mal, None), (other, None), (ind, v[2])]),
        ({"match[spec_version]": "2.0"}, []),
        ({"match[spec_version]": "2.0,2.1", "match[type]": "malware"}, [(mal, None)]),
    ]
    mal_v = family["mal"]["modified"]
    other_v = family["other"]["modified"]
    for params, want in cases:
        want = [(i, ver or (mal_v if i == mal else other_v)) for i, ver in want]
        q = {"match[id]": every, **params} if "match[id]" not in params else params
        objs = get(BANK, url + "objects/", q).json().get("objects", [])
        assert [(o["id"], o["modified"]) for o in objs] == want, params
        man = get(BANK, url + "manifest/", q).json().get("objects", [])
        assert [(m["id"], m["version"]) for m in man] == want, params


def test_added_after_and_limit(url, family):
    every = ",".join(family["ids"])
    added = family["added"]
    ind = family["ind"]
    first_v1 = added[(ind["id"], ind["modified"])]
    # added_after equal to a date_added is exclusive.
    objs = get(BANK, url + "objects/", {"match[id]": every, "match[version]": "all",
                                        "added_after": first_v1}).json()
    assert len(objs["objects"]) == 4
    assert (ind["id"], ind["modified"]) not in {(o["id"], o["modified"]) for o in objs["objects"]}
    # The latest version is selected before added_after applies.
    last_added = max(added.values())
    r = get(BANK, url + "objects/", {"match[id]": every, "added_after": last_added})
    assert r.status_code == 200 and r.text == "{}"
    assert "X-TAXII-Date-Added-First" not in r.headers
    # limit boundaries: 1, exactly the remaining count (no `more`), above it.
    for limit, count, more in [(1, 1, True), (2, 2, True), (3, 3, False), (4, 3, False), (5000, 3, False)]:
        body = get(BANK, url + "objects/", {"match[id]": every, "limit": limit}).json()
        assert (len(body["objects"]), body.get("more", False)) == (count, more), limit
        assert ("next" in body) == more
    for bad in ("0", "-1", "abc", "1.5", ""):
        assert get(BANK, url + "objects/", {"limit": bad}).status_code == 400, bad


def test_object_by_id_versions_and_their_filters(url, family):
    ind = family["ind"]
    obj_url = f"{url}objects/{ind['id']}/"
    v = [family[k]["modified"] for k in ("ind", "v2", "v3")]
    cases = [({}, [v[2]]), ({"match[version]": "first"}, [v[0]]),
             ({"match[version]": "all"}, v), ({"match[version]": v[1]}, [v[1]]),
             ({"match[version]": "first,last"}, [v[0], v[2]]),
             ({"match[spec_version]": "2.1"}, [v[2]]), ({"match[spec_version]": "2.0"}, []),
             ({"match[version]": "all", "limit": 2}, v[:2]),
             ({"match[version]": "all", "added_after": family["added"][(ind["id"], v[0])]}, v[1:])]
    for params, want in cases:
        r = get(BANK, obj_url, params)
        assert r.status_code == 200, params
        assert [o["modified"] for o in r.json().get("objects", [])] == want, params
    ver_url = obj_url + "versions/"
    assert get(BANK, ver_url).json()["versions"] == v
    body = get(BANK, ver_url, {"limit": 2}).json()
    assert body["versions"] == v[:2] and body["more"] is True
    rest = get(BANK, ver_url, {"limit": 2, "next": body["next"]}).json()
    assert rest["versions"] == v[2:] and not rest.get("more")
    after = family["added"][(ind["id"], v[1])]
    assert get(BANK, ver_url, {"added_after": after}).json()["versions"] == [v[2]]
    assert get(BANK, ver_url, {"match[spec_version]": "2.0"}).text == "{}"
    items, _ = pages(BANK, ver_url, {"limit": 1}, key="versions")
    assert items == v
    # Headers on every non-empty page of these endpoints, equal to the manifest's dates.
    man = get(BANK, url + "manifest/", {"match[id]": ind["id"], "match[version]": "all"})
    recs = man.json()["objects"]
    for r in (man, get(BANK, obj_url, {"match[version]": "all"}), get(BANK, ver_url)):
        assert r.headers["X-TAXII-Date-Added-First"] == recs[0]["date_added"]
        assert r.headers["X-TAXII-Date-Added-Last"] == recs[-1]["date_added"]
    missing = f"{url}objects/indicator--{uuid.uuid4()}/"
    for path in (missing, missing + "versions/"):
        assert get(BANK, path).status_code == 404


def test_delete_and_its_filters(url):
    obj = indicator(GREEN, "2026-01-01T00:00:00.000Z", n=21)
    later = [dict(obj, modified=f"2026-0{m}-01T00:00:00.000Z") for m in (2, 3, 4)]
    assert post_envelope(BANK, url, [obj, *later]).json()["success_count"] == 4
    coll = client(BANK)
    oid = obj["id"]
    # A specific version.
    coll.delete_object(oid, version=later[0]["modified"])
    assert coll.object_versions(oid)["versions"] == [obj["modified"], later[1]["modified"], later[2]["modified"]]
    # first, then a spec version that matches nothing (404: nothing to delete).
    coll.delete_object(oid, version="first")
    r = call("DELETE", BANK, f"{url}objects/{oid}/", {"match[spec_version]": "2.0"})
    assert r.status_code == 404
    # Another organisation cannot delete it (it may read and write the collection).
    r = call("DELETE", MFG, f"{url}objects/{oid}/")
    assert r.status_code == 403
    # Everything else, then it is gone from every endpoint.
    coll.delete_object(oid)
    for path in ("", "versions/"):
        assert get(BANK, f"{url}objects/{oid}/{path}").status_code == 404
    assert get(BANK, url + "manifest/", {"match[id]": oid}).text == "{}"
    assert get(BANK, url + "objects/", {"match[id]": oid}).text == "{}"


def test_stix2_data_source_sink_and_composite_queries(url):
    sink = TAXIICollectionSink(client(BANK))
    tag = uuid.uuid4().hex[:8]  # names unique per run: the demo collection outlives a run
    ind = stix2.Indicator(name=f"stix2 sink indicator {tag}", pattern="[domain-name:value = 'evil.example']",
                          pattern_type="stix", valid_from="2026-01-01T00:00:00Z",
                          object_marking_refs=[GREEN])
    mal = stix2.Malware(name="stix2 sink malware", is_family=True, object_marking_refs=[GREEN])
    sink.add([ind, mal])
    newer = ind.new_version(name=f"stix2 sink indicator {tag} v2")
    sink.add(newer)

    source = TAXIICollectionSource(client(MFG))
    got = source.get(ind.id)
    assert got.name == f"stix2 sink indicator {tag} v2"
    assert [o.modified for o in source.all_versions(ind.id)] == [ind.modified, newer.modified]
    q = source.query([Filter("type", "=", "malware"), Filter("id", "=", mal.id)])
    assert [o.id for o in q] == [mal.id]

    alerts = TAXIICollectionSource(client(MFG, alias="alerts", root="alerts"))
    comp = CompositeDataSource()
    comp.add_data_sources([source, alerts])
    found = comp.query([Filter("type", "=", "indicator"), Filter("name", "=", f"stix2 sink indicator {tag} v2")])
    assert [o.id for o in found] == [ind.id]
    assert comp.get(mal.id).name == "stix2 sink malware"
    assert comp.get(f"indicator--{uuid.uuid4()}") is None
    # Every object the data source receives validates.
    validate_objects([json.loads(o.serialize()) for o in q + found])


def test_content_negotiation(url):
    ok = [MT, "application/taxii+json", f"{MT}, */*;q=0.1", "application/*", "*/*",
          "application/stix+json;version=2.1", f"text/html;q=0.9, {MT}"]
    for accept in ok:
        for path in (BASE, BASE + "isac/", url, url + "objects/?limit=1", url + "manifest/?limit=1"):
            r = get(BANK, path, accept=accept)
            assert r.status_code == 200, (accept, path)
            assert r.headers["Content-Type"] == MT
    for accept in ["application/json", "text/html", "application/taxii+json;version=2.0",
                   f"{MT};q=0", None]:
        for path in (BASE, url + "objects/"):
            r = get(BANK, path, accept=accept, headers={} if accept else {"Accept": None})
            assert r.status_code == 406, (accept, path)
    body = json.dumps({"objects": [indicator(GREEN, n=31)]})
    for ctype in ["application/json", "application/stix+json;version=2.1", "text/plain",
                  "application/taxii+json;version=2.0"]:
        r = call("POST", BANK, url + "objects/", headers={"Content-Type": ctype}, data=body)
        assert r.status_code == 415, ctype
    r = call("POST", BANK, url + "objects/", headers={"Content-Type": "application/taxii+json"}, data=body)
    assert r.status_code == 202


def test_error_bodies(url):
    """Every failure carries a TAXII error body (checked by helpers.check_body)."""
    cases = [
        (get(None, BASE), 401),
        (requests.get(BASE, auth=(BANK, "wrong password"), headers={"Accept": MT}), 401),
        (get(BANK, BASE + "nowhere/"), 404),
        (get(BANK, BASE.rstrip("/")), 404),
        (get(BANK, url + "objects"), 404),
        (get(BANK, url + "objects/", {"added_after": "yesterday"}), 400),
        (get(BANK, url + "objects/", [("match[type]", "indicator"), ("match[type]", "malware")]), 400),
        (get(BANK, url + "objects/", {"match[version]": "all,first"}), 400),
        (get(BANK, url + "objects/", {"match[version]": "last,last"}), 400),
        (get(BANK, url + "objects/", {"match[id]": "a,,b"}), 400),
        (get(BANK, url + "objects/", {"next": "garbage"}), 400),
        (call("POST", BANK, url + "objects/", headers={"Content-Type": MT}, data="not json"), 400),
        (call("POST", BANK, url + "objects/", headers={"Content-Type": MT}, data="{}"), 422),
        (call("POST", BANK, url + "objects/", headers={"Content-Type": MT}, data='{"objects": []}'), 422),
        (call("POST", "fsa-staff", url + "objects/", headers={"Content-Type": MT},
              data=json.dumps({"objects": [indicator(n=32)]})), 403),
    ]
    for r, status in cases:
        assert r.status_code == status, (r.request.url, r.text)
        if status == 401:
            assert "Basic" in r.headers["WWW-Authenticate"]
    r = cases[0][0]
    assert r.headers["Content-Type"] == MT and r.json()["http_status"] == "401"


def test_invalid_objects_are_per_object_failures(url):
    good = indicator(GREEN, n=41)
    bad_pattern = indicator(GREEN, n=42, pattern="[ipv4-addr:value = ")
    no_type = {k: v for k, v in indicator(GREEN, n=43).items() if k != "type"}
    spec22 = indicator(GREEN, n=44, spec_version="2.2")
    r = post_envelope(BANK, url, [good, bad_pattern, no_type, spec22])
    status = r.json()
    assert r.status_code == 202 and status["success_count"] == 1 and status["failure_count"] == 3
    assert all(f.get("message") for f in status["failures"])
    assert get(BANK, f"{url}objects/{bad_pattern['id']}/").status_code == 404
    # Custom properties are kept verbatim.
    custom = indicator(GREEN, n=45, x_deltawall_region="kinki")
    post_envelope(BANK, url, [custom])
    assert get(BANK, f"{url}objects/{custom['id']}/").json()["objects"] == [custom]


def test_many_objects_in_one_request_and_page_edges(url):
    # 1,200 objects in one request: consecutive date_added, nothing lost or repeated.
    batch = [indicator(GREEN, n=1000 + i) for i in range(1200)]
    first = get(BANK, url + "manifest/", {"limit": 1}).headers  # warms the session
    assert first is not None
    r = post_envelope(BANK, url, batch)
    assert r.json()["success_count"] == 1200
    want = [o["id"] for o in batch]
    anchor = get(BANK, f"{url}objects/{want[0]}/").headers["X-TAXII-Date-Added-First"]
    base = {"match[type]": "indicator", "added_after": anchor}
    # From just after the first object: 1,199 in pages of at most 1,000 (the server cap).
    items, responses = pages(BANK, url + "objects/", dict(base, limit=5000))
    got = [o["id"] for o in items]
    assert got[:1199] == want[1:]
    assert len(responses[0].json()["objects"]) == 1000 and responses[0].json()["more"] is True
    # Pages by added_after = X-TAXII-Date-Added-Last only.
    seen, after = [], anchor
    while True:
        r = get(BANK, url + "manifest/", {"match[type]": "indicator", "added_after": after, "limit": 500})
        if r.text == "{}":
            assert "X-TAXII-Date-Added-Last" not in r.headers
            break
        recs = r.json()["objects"]
        assert r.headers["X-TAXII-Date-Added-First"] == recs[0]["date_added"]
        assert r.headers["X-TAXII-Date-Added-Last"] == recs[-1]["date_added"]
        assert all(a["date_added"] < b["date_added"] for a, b in zip(recs, recs[1:]))
        seen.extend(m["id"] for m in recs)
        after = r.headers["X-TAXII-Date-Added-Last"]
    assert seen[:1199] == want[1:]
    # A page that ends exactly at the last object says no more.
    exact = get(BANK, url + "objects/", {"match[id]": ",".join(want[:3]), "limit": 3}).json()
    assert len(exact["objects"]) == 3 and not exact.get("more") and "next" not in exact


def test_next_tokens_are_bound_to_user_and_query(url):
    objs = [indicator(GREEN, n=50 + i) for i in range(4)]
    post_envelope(BANK, url, objs)
    params = {"match[id]": ",".join(o["id"] for o in objs), "limit": 2}
    first = get(BANK, url + "objects/", params).json()
    token = first["next"]
    assert get(BANK, url + "objects/", dict(params, next=token)).status_code == 200
    # The same token: by another user (of another or the same organisation), on another
    # endpoint, with other filters, or altered, is refused.
    assert get(MFG, url + "objects/", dict(params, next=token)).status_code == 400
    assert get("bank-admin", url + "objects/", dict(params, next=token)).status_code == 400
    assert get(BANK, url + "manifest/", dict(params, next=token)).status_code == 400
    assert get(BANK, url + "objects/", dict(params, next=token, **{"match[type]": "indicator"})).status_code == 400
    cursor, mac = token.split(".")
    assert get(BANK, url + "objects/", dict(params, next=f"{int(cursor) - 1}.{mac}")).status_code == 400
    # `limit` is not bound: the same query with another page size continues.
    rest = get(BANK, url + "objects/", dict(params, limit=10, next=token)).json()
    assert ids(rest) == [o["id"] for o in objs[2:]]

"""TAXII 2.1 conformance checks with the OASIS client (taxii2-client) and validator
(stix2-validator). Users come from the demo sector: bank-soc and mfg-soc are staff of two
institutions, isac-analyst is the ISAC (an AMBER recipient of `shared`), fsa-staff reads."""

import json
import re
import uuid

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

MT = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def indicator(marking, modified="2026-01-01T00:00:00.000Z", n=1):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": f"pytest indicator {n}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [marking],
    }


def collection(base_url, user, password, alias="shared", root="isac"):
    url = f"{base_url}{root}/collections/"
    listing = requests.get(url, auth=(user, password), headers={"Accept": MT}).json()
    coll = next(c for c in listing["collections"] if c.get("alias") == alias)
    return Collection(f"{url}{coll['id']}/", user=user, password=password)


def test_discovery_and_api_root(base_url, password):
    server = Server(base_url, user="bank-soc", password=password)
    roots = {r.url.rstrip("/").rsplit("/", 1)[-1] for r in server.api_roots}
    assert {"isac", "alerts"} <= roots
    root = ApiRoot(f"{base_url}isac/", user="bank-soc", password=password)
    root.refresh()
    assert MT in root.versions
    assert root.max_content_length > 0


def test_negotiation_and_authentication(base_url, password):
    r = requests.get(base_url)
    assert r.status_code == 401
    assert "Basic" in r.headers["WWW-Authenticate"]
    assert r.json()["http_status"] == "401"
    auth = ("bank-soc", password)
    for accept in [MT, "application/taxii+json", f"{MT}, */*;q=0.1"]:
        r = requests.get(base_url, auth=auth, headers={"Accept": accept})
        assert r.status_code == 200, accept
        assert r.headers["Content-Type"] == MT
    assert requests.get(base_url, auth=auth, headers={"Accept": "application/json"}).status_code == 406
    coll = collection(base_url, "bank-soc", password)
    r = requests.post(
        coll.url + "objects/",
        auth=auth,
        headers={"Accept": MT, "Content-Type": "application/json"},
        data="{}",
    )
    assert r.status_code == 415
    assert requests.get(base_url.rstrip("/"), auth=auth, headers={"Accept": MT}).status_code == 404


def test_add_get_validate_and_tlp(base_url, password):
    bank = collection(base_url, "bank-soc", password)
    green, amber = indicator(GREEN, n=1), indicator(AMBER, n=2)
    status = bank.add_objects({"objects": [green, amber]}, wait_for_completion=True)
    assert status.status == "complete"
    assert status.success_count == 2 and status.failure_count == 0
    # An exact duplicate is a success, not a failure.
    again = bank.add_objects({"objects": [green]}, wait_for_completion=True)
    assert again.failure_count == 0

    seen = {}
    for page in as_pages(bank.get_objects, per_request=7):
        for obj in page.get("objects", []):
            seen[obj["id"]] = obj
    assert seen[green["id"]] == green and seen[amber["id"]] == amber
    for obj in (seen[green["id"]], seen[amber["id"]]):
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, result.errors

    # Another institution is a community member: GREEN yes, AMBER never, by any path.
    other = collection(base_url, "mfg-soc", password)
    ids = [o["id"] for p in as_pages(other.get_objects, per_request=50) for o in p.get("objects", [])]
    assert green["id"] in ids and amber["id"] not in ids
    manifest = json.dumps([m for p in as_pages(other.get_manifest, per_request=50) for m in p.get("objects", [])])
    assert amber["id"] not in manifest
    for getter in (other.get_object, other.object_versions):
        with pytest.raises(requests.exceptions.HTTPError) as e:
            getter(amber["id"])
        assert e.value.response.status_code == 404
        assert amber["id"] not in e.value.response.text
    # The ISAC is a recipient organisation: it receives AMBER.
    isac = collection(base_url, "isac-analyst", password)
    assert isac.get_object(amber["id"])["objects"][0] == amber


def test_versions_manifest_headers_and_conflicts(base_url, password):
    bank = collection(base_url, "bank-soc", password)
    v1 = indicator(GREEN, "2026-01-01T00:00:00.000Z", n=3)
    v2 = dict(v1, modified="2026-02-01T00:00:00.000Z")
    bank.add_objects({"objects": [v1, v2]}, wait_for_completion=True)
    versions = bank.object_versions(v1["id"])
    assert versions["versions"] == [v1["modified"], v2["modified"]]
    assert bank.get_object(v1["id"])["objects"] == [v2]
    conflicting = dict(v2, name="changed")
    weaker = dict(v1, modified="2026-03-01T00:00:00.000Z", object_marking_refs=[
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"])
    status = bank.add_objects({"objects": [conflicting, weaker]}, wait_for_completion=True)
    assert status.failure_count == 2
    r = requests.get(bank.url + "manifest/", auth=("bank-soc", password), headers={"Accept": MT},
                     params={"match[id]": v1["id"], "match[version]": "all"})
    assert r.status_code == 200
    assert TS.match(r.headers["X-TAXII-Date-Added-First"]) and TS.match(r.headers["X-TAXII-Date-Added-Last"])
    assert [m["version"] for m in r.json()["objects"]] == [v1["modified"], v2["modified"]]
    for bad in ({"match[version]": "all,first"}, {"limit": "0"}, {"added_after": "yesterday"}):
        assert requests.get(bank.url + "objects/", auth=("bank-soc", password),
                            headers={"Accept": MT}, params=bad).status_code == 400


def test_alerts_are_read_only_for_institutions(base_url, password):
    alerts = collection(base_url, "bank-soc", password, alias="alerts", root="alerts")
    assert alerts.can_read and not alerts.can_write
    # The client refuses by itself; the server does too.
    r = requests.post(alerts.url + "objects/", auth=("bank-soc", password),
                      headers={"Accept": MT, "Content-Type": MT},
                      data=json.dumps({"objects": [indicator(GREEN, n=4)]}))
    assert r.status_code == 403
    assert r.json()["http_status"] == "403"


def session(base_url, login, password):
    """A signed-in browser session (for the JSON API), via the sign-in form."""
    site = base_url.split("/taxii2/")[0]
    s = requests.Session()
    r = s.post(f"{site}/login", data={"login": login, "password": password}, allow_redirects=False)
    assert r.status_code == 303, r.text
    return s, site


def test_feedback_from_taxii_clients_is_aggregated_per_reader(base_url, password):
    bank = collection(base_url, "bank-soc", password)
    now = "2026-11-20T00:00:00.000Z"
    ioc = indicator(GREEN, modified=now, n=77)
    ioc["created"] = now
    ioc["valid_from"] = "2026-11-20T00:00:00Z"
    assert bank.add_objects({"objects": [ioc]}, wait_for_completion=True).failure_count == 0

    # Another member: an anonymous sighting and a false positive (custom property), and an
    # opinion; every object passes the OASIS validator.
    def sighting(count, fp):
        s = {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
             "created": now, "modified": now, "sighting_of_ref": ioc["id"], "count": count,
             "object_marking_refs": [GREEN]}
        if fp:
            s["x_deltawall_false_positive"] = True
        return s
    opinion = {"type": "opinion", "spec_version": "2.1", "id": f"opinion--{uuid.uuid4()}",
               "created": now, "modified": now, "opinion": "agree", "object_refs": [ioc["id"]],
               "object_marking_refs": [GREEN]}
    feedback = [sighting(4, False), sighting(1, True), opinion]
    for obj in feedback:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, result.errors
    other = collection(base_url, "mfg-soc", password)
    status = other.add_objects({"objects": feedback}, wait_for_completion=True)
    assert status.success_count == 3, status

    s, site = session(base_url, "bank-soc", password)
    coll_id = bank.url.rstrip("/").rsplit("/", 1)[-1]
    r = s.get(f"{site}/api/v1/sharing/roots/isac/collections/{coll_id}/indicators?limit=100")
    assert r.status_code == 200, r.text
    item = next(i for i in r.json()["items"] if i["id"] == ioc["id"])
    assert item["standing"] == "active"
    assert (item["sightings"], item["sighting_reports"], item["false_positives"]) == (4, 1, 1)
    assert item["opinions"]["agree"] == 1
    assert item["named_reporters"] == [] and item["anonymous_reports"] == 3

"""Shared helpers of the black-box TAXII suite: users, raw requests that check the TAXII
envelope rules on every response, STIX fixtures, and stix2-validator over every object the
server returns."""

import json
import os
import re
import uuid

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection

MT = "application/taxii+json;version=2.1"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ERROR_KEYS = {"title", "description", "error_id", "error_code", "http_status"}

BASE = os.environ.get("DELTAWALL_TAXII_URL", "http://127.0.0.1:8765/taxii2/")
VALIDATION = ValidationOptions(version="2.1")


def password():
    return os.environ["DELTAWALL_DEMO_PASSWORD"]


_sessions = {}


def session(user):
    """One keep-alive session per demo user (HTTP Basic)."""
    if user not in _sessions:
        s = requests.Session()
        s.auth = (user, password())
        _sessions[user] = s
    return _sessions[user]


def validate_objects(objects):
    """Every STIX object the server returns passes stix2-validator."""
    for obj in objects:
        result = validate_instance(obj, VALIDATION)
        assert result.is_valid, (obj.get("id"), [str(e) for e in result.errors])


def check_body(r):
    """The rules every TAXII response obeys: the versioned media type; an error body in the
    TAXII error format whose http_status equals the status; objects that validate."""
    assert r.headers.get("Content-Type") == MT, (r.status_code, r.headers.get("Content-Type"))
    if r.status_code >= 400:
        body = r.json()
        assert ERROR_KEYS <= set(body), body
        assert body["http_status"] == str(r.status_code), body
        return
    if r.text:
        body = r.json()
        # Envelopes hold STIX objects; manifests hold records (id, date_added, version).
        validate_objects([o for o in body.get("objects", []) if "type" in o])
        for key in ("objects", "versions", "collections", "api_roots"):
            if key in body:
                assert body[key], f"an empty list is omitted, not sent: {key}"


def call(method, user, url, params=None, accept=MT, **kw):
    headers = kw.pop("headers", {})
    if accept is not None:
        headers.setdefault("Accept", accept)
    if user is None:
        r = requests.request(method, url, params=params, headers=headers, **kw)
    else:
        r = session(user).request(method, url, params=params, headers=headers, **kw)
    check_body(r)
    return r


def get(user, url, params=None, **kw):
    return call("GET", user, url, params, **kw)


def post_envelope(user, url, objects):
    return call("POST", user, url + "objects/", headers={"Content-Type": MT},
                data=json.dumps({"objects": objects}))


def collection_url(user, alias="shared", root="isac"):
    listing = get(user, f"{BASE}{root}/collections/").json()
    coll = next(c for c in listing["collections"] if c.get("alias") == alias)
    return f"{BASE}{root}/collections/{coll['id']}/"


def client(user, alias="shared", root="isac"):
    """A taxii2-client Collection for a demo user."""
    return Collection(collection_url(user, alias, root), user=user, password=password())


def indicator(marking=GREEN, modified="2026-01-01T00:00:00.000Z", n=1, oid=None, **extra):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid or f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": f"pytest indicator {n}",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    if marking:
        obj["object_marking_refs"] = [marking]
    obj.update(extra)
    return obj


def malware(marking=GREEN, n=1):
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"pytest malware {n}",
        "is_family": False,
        "object_marking_refs": [marking],
    }


def ids(envelope):
    return [o["id"] for o in envelope.get("objects", [])]


def pages(user, url, params, key="objects"):
    """Follows `next` to the end; returns (items, responses)."""
    params = dict(params)
    items, responses = [], []
    while True:
        r = get(user, url, params)
        assert r.status_code == 200, r.text
        body = r.json()
        responses.append(r)
        items.extend(body.get(key, []))
        if not body.get("more"):
            assert "next" not in body
            return items, responses
        assert body["next"]
        params["next"] = body["next"]

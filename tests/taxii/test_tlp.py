"""TLP proof against the running demo: objects marked RED, AMBER, AMBER+STRICT (or unmarked,
AMBER by policy, or carrying a marking the hub cannot interpret) never reach an
organisation outside their audience through objects, manifest, object, versions, paging,
filters, headers, error messages or writes.

Demo audiences in `isac/shared`: bank-soc's organisation adds (the originator; bank-admin
is in it too); mfg-soc is another institution (community member: CLEAR and GREEN);
isac-analyst is the ISAC (a recipient organisation: also AMBER and AMBER+STRICT);
fsa-staff is the FSA (a reader: CLEAR and GREEN)."""

import json
import uuid

import pytest

from helpers import (AMBER, AMBER_STRICT, CLEAR, GREEN, RED, call, collection_url, get, ids,
                     indicator, pages, post_envelope)

ORIGIN = "bank-soc"
CUSTOM_MARKING = "marking-definition--0c3fd3c1-1a30-4a3b-8b3f-7f1a4f2a9e11"


@pytest.fixture(scope="module")
def url():
    return collection_url(ORIGIN)


@pytest.fixture(scope="module")
def seeded(url):
    """One object per marking, plus an object whose second version is stricter (GREEN then
    AMBER), all added by the bank in one request."""
    v1 = "2026-01-01T00:00:00.000Z"
    objs = {
        "clear": indicator(CLEAR, n=61), "green": indicator(GREEN, n=62),
        "amber": indicator(AMBER, n=63), "strict": indicator(AMBER_STRICT, n=64),
        "red": indicator(RED, n=65), "unmarked": indicator(None, n=66),
        "custom": indicator(GREEN, n=67, object_marking_refs=[GREEN, CUSTOM_MARKING]),
        "granular": indicator(GREEN, n=68, granular_markings=[
            {"marking_ref": RED, "selectors": ["pattern"]}]),
        "evolving": indicator(GREEN, v1, n=69),
    }
    stricter = dict(objs["evolving"], modified="2026-02-01T00:00:00.000Z", object_marking_refs=[AMBER])
    status = post_envelope(ORIGIN, url, [*objs.values(), stricter]).json()
    assert status["failure_count"] == 0, status
    return objs, stricter


AUDIENCES = {
    "bank-soc": {"clear", "green", "amber", "strict", "red", "unmarked", "custom", "granular", "evolving"},
    "bank-admin": {"clear", "green", "amber", "strict", "red", "unmarked", "custom", "granular", "evolving"},
    "isac-analyst": {"clear", "green", "amber", "strict", "unmarked", "evolving"},
    "mfg-soc": {"clear", "green", "evolving"},
    "fsa-staff": {"clear", "green", "evolving"},
}


def everything_seen(user, url, every):
    """Every body a user can get about these ids through the read endpoints and paging."""
    bodies = []
    for endpoint in ("objects/", "manifest/"):
        for version in ("last", "first", "all"):
            params = {"match[id]": every, "match[version]": version}
            items, responses = pages(user, url + endpoint, dict(params, limit=1))
            bodies += [r.text for r in responses]
            bodies += [json.dumps(dict(r.headers)) for r in responses]
        r = get(user, url + endpoint, {"match[id]": every, "match[type]": "indicator",
                                       "match[spec_version]": "2.1"})
        bodies.append(r.text)
    return bodies


def test_each_audience_receives_exactly_its_share(url, seeded):
    objs, stricter = seeded
    every = ",".join(o["id"] for o in objs.values())
    for user, allowed in AUDIENCES.items():
        got = ids(get(user, url + "objects/", {"match[id]": every}).json())
        assert set(got) == {objs[k]["id"] for k in allowed}, user
        withheld = [objs[k] for k in objs if k not in allowed]
        bodies = everything_seen(user, url, every)
        for o in withheld:
            for body in bodies:
                assert o["id"] not in body and o["name"] not in body, (user, o["id"])


def test_a_stricter_version_is_withheld_and_the_older_one_stays_the_latest(url, seeded):
    objs, stricter = seeded
    oid = objs["evolving"]["id"]
    for user in ("mfg-soc", "fsa-staff"):
        assert get(user, f"{url}objects/{oid}/").json()["objects"] == [objs["evolving"]]
        assert get(user, f"{url}objects/{oid}/versions/").json()["versions"] == [objs["evolving"]["modified"]]
        r = get(user, f"{url}objects/{oid}/", {"match[version]": stricter["modified"]})
        assert r.status_code == 200 and r.text == "{}"
        man = get(user, url + "manifest/", {"match[id]": oid, "match[version]": "all"}).json()
        assert [m["version"] for m in man["objects"]] == [objs["evolving"]["modified"]]
    assert get("isac-analyst", f"{url}objects/{oid}/").json()["objects"] == [stricter]


def test_withheld_is_indistinguishable_from_missing(url, seeded):
    objs, _ = seeded
    missing = f"indicator--{uuid.uuid4()}"

    def shape(r):
        body = r.json()
        return r.status_code, body["title"], body["description"], body["http_status"], \
            sorted(k for k in r.headers if k.lower().startswith("x-taxii"))

    for user in ("mfg-soc", "fsa-staff", "isac-analyst"):
        hidden = [o for k, o in objs.items() if k not in AUDIENCES[user]]
        assert hidden
        for suffix, params in (("", {}), ("versions/", {}), ("", {"match[version]": "all"}),
                               ("", {"match[version]": "2026-01-01T00:00:00.000Z"})):
            want = shape(get(user, f"{url}objects/{missing}/{suffix}", params))
            assert want[0] == 404
            for o in hidden:
                r = get(user, f"{url}objects/{o['id']}/{suffix}", params)
                assert shape(r) == want, (user, o["id"], suffix)
                assert o["id"] not in r.text
        if user != "fsa-staff":  # the FSA has no write right: 403 for every id alike
            want = shape(call("DELETE", user, f"{url}objects/{missing}/"))
            for o in hidden:
                r = call("DELETE", user, f"{url}objects/{o['id']}/")
                assert shape(r) == want, (user, o["id"])
        # Writing a withheld id answers as writing an unknown id does, a success (issue 18,
        # finding 7: a refusal would tell the member the id exists), and never stores
        # anything over the withheld object.
        for o in hidden:
            attempt = dict(o, modified="2026-06-01T00:00:00.000Z", object_marking_refs=[CLEAR])
            status = post_envelope(user, url, [attempt]).json() if user != "fsa-staff" else None
            if status:
                assert (status["success_count"], status["failure_count"]) == (1, 0), status
                assert "failures" not in status or not status["failures"], status
    # Nothing was deleted or overwritten by those attempts.
    assert get(ORIGIN, f"{url}objects/{objs['red']['id']}/").json()["objects"] == [objs["red"]]


def test_paging_counts_and_headers_only_what_the_reader_receives(url, seeded):
    objs, stricter = seeded
    every = ",".join(o["id"] for o in objs.values())
    for user, allowed in AUDIENCES.items():
        n = len(allowed)
        # A page exactly as large as the reader's share: no `more`, whatever is withheld after.
        body = get(user, url + "objects/", {"match[id]": every, "limit": n}).json()
        assert len(body["objects"]) == n and not body.get("more"), user
        # The last page's X-TAXII-Date-Added-Last is the reader's last object, so paging by
        # added_after from it finds nothing more.
        r = get(user, url + "manifest/", {"match[id]": every})
        last = r.headers["X-TAXII-Date-Added-Last"]
        assert r.json()["objects"][-1]["date_added"] == last
        assert get(user, url + "manifest/", {"match[id]": every, "added_after": last}).text == "{}"
    # A next token of the originator does not open the rest of the originator's view to
    # another organisation.
    first = get(ORIGIN, url + "objects/", {"match[id]": every, "limit": 1}).json()
    r = get("mfg-soc", url + "objects/", {"match[id]": every, "limit": 1, "next": first["next"]})
    assert r.status_code == 400 and objs["red"]["id"] not in r.text

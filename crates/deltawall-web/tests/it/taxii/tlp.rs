//! TLP never leaves its audience; paging loses and repeats nothing; `next` is bound.

use super::*;
use crate::util::TestApp;
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn red_and_amber_never_reach_outside_their_audience() {
    let app = TestApp::new().await;
    setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let v = "2026-01-01T00:00:00.000Z";
    // 1: RED, 2: AMBER, 3: unmarked (AMBER by policy), 4: GREEN, 5: CLEAR; then 6: RED.
    add(
        &app,
        "shared",
        &a,
        &[
            indicator(1, v, Some(RED)),
            indicator(2, v, Some(AMBER)),
            indicator(3, v, None),
            indicator(4, v, Some(GREEN)),
            indicator(5, v, Some(CLEAR)),
            indicator(6, v, Some(RED)),
        ],
    )
    .await;
    let secret_ids = [id(1), id(2), id(3), id(6)];
    let all = get(&app, &objects_path("shared"), &a).await.json();
    assert_eq!(ids_of(&all).len(), 6, "the originator sees everything");
    for who in [
        app.b.as_role(Role::Staff),
        app.b.as_role(Role::Admin),
        app.fsa.as_role(Role::Staff),
        app.fsa.as_role(Role::Admin),
    ] {
        let mut bodies = Vec::new();
        let objs = get(&app, &objects_path("shared"), &who).await;
        assert_eq!(ids_of(&objs.json()), vec![id(4), id(5)]);
        bodies.push(objs.body.clone());
        bodies.push(
            get(
                &app,
                "/taxii2/isac/collections/shared/manifest/?match[version]=all",
                &who,
            )
            .await
            .body,
        );
        // Paging one by one: the hidden tail does not make `more` true.
        let p1 = get(&app, &format!("{}?limit=1", objects_path("shared")), &who).await;
        assert_eq!(p1.json()["more"], true);
        let next = p1.json()["next"].as_str().unwrap().to_owned();
        let p2 = get(
            &app,
            &format!("{}?limit=1&next={next}", objects_path("shared")),
            &who,
        )
        .await;
        assert_eq!(
            (ids_of(&p2.json()), p2.json()["more"].clone()),
            (vec![id(5)], json!(false)),
            "{}",
            p2.body
        );
        bodies.push(p1.body);
        bodies.push(p2.body);
        let missing = format!(
            "{}indicator--00000000-0000-4000-8000-999999999999/",
            objects_path("shared")
        );
        let missing_body = get(&app, &missing, &who).await.json();
        for sid in &secret_ids {
            for suffix in ["", "versions/", "?match[version]=all"] {
                let r = get(
                    &app,
                    &format!("{}{sid}/{suffix}", objects_path("shared")),
                    &who,
                )
                .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{sid}{suffix}");
                assert_eq!(
                    r.json()["description"],
                    missing_body["description"],
                    "indistinguishable from missing"
                );
                assert!(!r.headers.contains_key("x-taxii-date-added-first"));
                bodies.push(r.body);
            }
            let q = get(
                &app,
                &format!("{}?match[id]={sid}", objects_path("shared")),
                &who,
            )
            .await;
            assert_eq!(q.body, "{}");
            bodies.push(q.body);
        }
        for body in &bodies {
            for sid in &secret_ids {
                assert!(!body.contains(sid.as_str()), "{sid} leaked: {body}");
            }
            assert!(
                !body.contains("198.51.100.1'") && !body.contains("indicator 1\""),
                "{body}"
            );
        }
    }
    // Writes reveal nothing either: B cannot delete or overwrite the RED object, and the
    // refusal reads the same whatever the hidden version holds.
    let b = app.b.as_role(Role::Staff);
    let del = TestApp::request(
        Method::DELETE,
        &format!("{}{}/", objects_path("shared"), id(1)),
        &b,
    )
    .header(header::ACCEPT, MT)
    .body(Body::empty())
    .unwrap();
    assert_eq!(app.send(del).await.status, StatusCode::NOT_FOUND);
    let res = add(
        &app,
        "shared",
        &b,
        &[
            indicator(1, "2026-05-01T00:00:00.000Z", Some(CLEAR)),
            indicator(6, v, Some(RED)),
        ],
    )
    .await;
    // Issue 18, finding 7: a hidden id answers as an unknown one would (a success), and
    // nothing of B's is stored over A's objects.
    assert_eq!(
        (res["success_count"].clone(), res["failure_count"].clone()),
        (json!(2), json!(0)),
        "{res}"
    );
    assert!(res.get("failures").is_none(), "{res}");
    assert_eq!(
        ids_of(&get(&app, &objects_path("shared"), &b).await.json()),
        vec![id(4), id(5)]
    );
}

#[tokio::test]
async fn paging_loses_and_repeats_nothing() {
    let app = TestApp::new().await;
    setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let v = "2026-01-01T00:00:00.000Z";
    // 150 objects in one request share one clock reading; date_added still increases.
    let objs: Vec<Value> = (1..=150).map(|n| indicator(n, v, Some(GREEN))).collect();
    add(&app, "shared", &a, &objs).await;
    add(&app, "shared", &a, &[indicator(151, v, Some(GREEN))]).await;
    let want: Vec<String> = (1..=151).map(id).collect();
    for limit in [1usize, 7, 50, 100, 1000] {
        let (mut seen, mut next) = (Vec::new(), None::<String>);
        loop {
            let mut path = format!("{}?limit={limit}", objects_path("shared"));
            if let Some(n) = &next {
                path.push_str(&format!("&next={n}"));
            }
            let r = get(&app, &path, &a).await;
            let page = r.json();
            let got = ids_of(&page);
            assert!(got.len() <= limit.min(sharing::MAX_PAGE), "{limit}");
            seen.extend(got);
            if page["more"] != true {
                break;
            }
            next = Some(page["next"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen, want, "limit {limit} via next");
    }
    // Via added_after = X-TAXII-Date-Added-Last only (exclusive, strictly increasing).
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let mut path = format!("{}?limit=7", objects_path("shared"));
        if let Some(a) = &after {
            path.push_str(&format!("&added_after={a}"));
        }
        let r = get(&app, &path, &a).await;
        if r.body == "{}" {
            assert!(
                !r.headers.contains_key("x-taxii-date-added-last"),
                "no headers on an empty page"
            );
            break;
        }
        seen.extend(ids_of(&r.json()));
        after = Some(
            r.headers["x-taxii-date-added-last"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(seen, want, "via added_after");
    // A `next` is bound to the caller and the query, and cannot be altered.
    let p1 = get(&app, &format!("{}?limit=5", objects_path("shared")), &a)
        .await
        .json();
    let next = p1["next"].as_str().unwrap().to_owned();
    let path = format!("{}?limit=5&next={next}", objects_path("shared"));
    assert_eq!(get(&app, &path, &a).await.status, StatusCode::OK);
    assert_eq!(
        get(&app, &path, &app.a.as_role(Role::Admin)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, &path, &app.b.as_role(Role::Staff)).await.status,
        StatusCode::BAD_REQUEST
    );
    let other = format!(
        "{}?limit=5&match[type]=indicator&next={next}",
        objects_path("shared")
    );
    assert_eq!(get(&app, &other, &a).await.status, StatusCode::BAD_REQUEST);
    let mut forged = next.clone();
    forged.replace_range(0..1, if next.starts_with('1') { "2" } else { "1" });
    let r = get(
        &app,
        &format!("{}?limit=5&next={forged}", objects_path("shared")),
        &a,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["http_status"], "400");
    // The manifest pages the same way.
    let m = get(
        &app,
        "/taxii2/isac/collections/shared/manifest/?limit=100",
        &a,
    )
    .await
    .json();
    assert_eq!(
        (m["objects"].as_array().unwrap().len(), m["more"].clone()),
        (100, json!(true))
    );
}

#[tokio::test]
async fn amber_reaches_recipients_only_and_red_only_its_originator() {
    let app = TestApp::new().await;
    setup(&app).await;
    let v = "2026-01-01T00:00:00.000Z";
    // B shares AMBER and RED. A is a recipient organisation of `shared`; the FSA is a
    // member only.
    add(
        &app,
        "shared",
        &app.b.as_role(Role::Staff),
        &[indicator(41, v, Some(AMBER)), indicator(42, v, Some(RED))],
    )
    .await;
    let a = app.a.as_role(Role::Auditor);
    let fsa = app.fsa.as_role(Role::Admin);
    assert_eq!(
        ids_of(&get(&app, &objects_path("shared"), &a).await.json()),
        vec![id(41)]
    );
    assert_eq!(get(&app, &objects_path("shared"), &fsa).await.body, "{}");
    let manifest = get(&app, "/taxii2/isac/collections/shared/manifest/", &fsa).await;
    assert_eq!(manifest.body, "{}");
    assert!(!manifest.headers.contains_key("x-taxii-date-added-last"));
    let red = format!("{}{}/", objects_path("shared"), id(42));
    assert_eq!(get(&app, &red, &a).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, &format!("{red}versions/"), &fsa).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &red, &app.b.as_role(Role::Auditor)).await.status,
        StatusCode::OK,
        "the originator's own organisation reads it"
    );
}

const AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// A marking definition the hub cannot interpret: only the originator receives it.
const UNKNOWN: &str = "marking-definition--0c3fd3c1-1a30-4a3b-8b3f-7f1a4f2a9e11";

/// One stored version as the oracle sees it: id, version, originator org, JSON.
struct Version {
    id: String,
    version: String,
    origin: String,
    json: Value,
}

/// The oracle: the disclosure decision of `deltawall_stix` applied directly to one object
/// for a reader with the given grant on `shared` (independent of the stored `reach`).
fn oracle_allows(v: &Version, reader_org: &str, recipient: bool) -> bool {
    use deltawall_stix::{Audience, DisclosurePolicy, StixObject, may_disclose_object};
    let obj = StixObject::parse(&v.json.to_string()).unwrap();
    // Named recipients (TLP:RED) as the publisher wrote them in the object.
    let named = v.json["x_deltawall_recipients"]
        .as_array()
        .is_some_and(|r| r.iter().any(|o| o == reader_org));
    let audience = Audience {
        originator: v.origin == reader_org,
        recipient_org: recipient,
        community_member: true,
        named_recipient: named,
        ..Audience::default()
    };
    may_disclose_object(&obj, &audience, &DisclosurePolicy::default()).is_allowed()
}

/// Follows `next` from `path` (which has a query) and returns every body and the items.
async fn crawl(app: &TestApp, path: &str, who: &Who, key: &str) -> (Vec<String>, Vec<Value>) {
    let (mut bodies, mut items, mut next) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let p = match &next {
            Some(n) => format!("{path}&next={n}"),
            None => path.to_owned(),
        };
        let r = get(app, &p, who).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.body);
        let page = r.json();
        items.extend(page[key].as_array().cloned().unwrap_or_default());
        bodies.push(r.body);
        if page["more"] != true {
            return (bodies, items);
        }
        next = Some(page["next"].as_str().unwrap().to_owned());
    }
}

/// Every marking (TLP 2.0 levels, none, an unknown marking, a granular RED, RED with named
/// recipients) on objects of two originators, some with a stricter later version; for
/// each reader every path —
/// objects and manifest in every version mode and page size, object and versions of every
/// id (withheld ones included), filters — returns exactly what the oracle allows, and no
/// body names anything else.
#[tokio::test]
async fn every_path_agrees_with_the_disclosure_oracle() {
    let app = TestApp::new().await;
    setup(&app).await;
    let markings: [Option<Vec<&str>>; 7] = [
        Some(vec![CLEAR]),
        Some(vec![GREEN]),
        Some(vec![AMBER]),
        Some(vec![AMBER_STRICT]),
        Some(vec![RED]),
        None,
        Some(vec![GREEN, UNKNOWN]),
    ];
    let (a_org, b_org) = (app.a.org_id.clone(), app.b.org_id.clone());
    let mut stored: Vec<Version> = Vec::new();
    let (mut by_a, mut by_b) = (Vec::new(), Vec::new());
    for n in 0..16u32 {
        let marking = &markings[n as usize % markings.len()];
        let mut v1 = indicator(200 + n, "2026-01-01T00:00:00.000Z", None);
        if let Some(m) = marking {
            v1["object_marking_refs"] = json!(m);
        }
        if n == 15 {
            v1["granular_markings"] = json!([{"marking_ref": RED, "selectors": ["pattern"]}]);
        }
        let origin = if n % 2 == 0 { &a_org } else { &b_org };
        let mut versions = vec![v1.clone()];
        // Every third object gets a second version marked AMBER (never weaker: CLEAR and
        // GREEN become stricter, AMBER stays, stricter ones are refused and not stored).
        if n % 3 == 0 && matches!(n as usize % markings.len(), 0..=2) {
            let mut v2 = v1.clone();
            v2["modified"] = json!("2026-02-01T00:00:00.000Z");
            v2["object_marking_refs"] = json!([AMBER]);
            versions.push(v2);
        }
        for v in versions {
            stored.push(Version {
                id: v["id"].as_str().unwrap().to_owned(),
                version: v["modified"].as_str().unwrap().to_owned(),
                origin: origin.clone(),
                json: v.clone(),
            });
            if n % 2 == 0 { &mut by_a } else { &mut by_b }.push(v);
        }
    }
    // TLP:RED naming recipients: A names the FSA; B names A and the FSA; A names B and the
    // FSA, then a later version names B only (narrowing is allowed); a RED object with a
    // marking the hub cannot interpret names B, who still must not receive it.
    let fsa_org = app.fsa.org_id.clone();
    // (object number, originator, recipients of v1, of v2 if any, markings)
    type Case<'a> = (
        u32,
        &'a String,
        Vec<&'a String>,
        Option<Vec<&'a String>>,
        &'a [&'a str],
    );
    let named: [Case; 4] = [
        (216, &a_org, vec![&fsa_org], None, &[RED]),
        (217, &b_org, vec![&a_org, &fsa_org], None, &[RED]),
        (
            218,
            &a_org,
            vec![&b_org, &fsa_org],
            Some(vec![&b_org]),
            &[RED],
        ),
        (219, &a_org, vec![&b_org], None, &[RED, UNKNOWN]),
    ];
    for (n, origin, first, second, marks) in named {
        let mut v1 = indicator(n, "2026-01-01T00:00:00.000Z", None);
        v1["object_marking_refs"] = json!(marks);
        v1["x_deltawall_recipients"] = json!(first);
        let mut versions = vec![v1.clone()];
        if let Some(to) = second {
            let mut v2 = v1.clone();
            v2["modified"] = json!("2026-02-01T00:00:00.000Z");
            v2["x_deltawall_recipients"] = json!(to);
            versions.push(v2);
        }
        for v in versions {
            stored.push(Version {
                id: v["id"].as_str().unwrap().to_owned(),
                version: v["modified"].as_str().unwrap().to_owned(),
                origin: origin.clone(),
                json: v.clone(),
            });
            if origin == &a_org {
                &mut by_a
            } else {
                &mut by_b
            }
            .push(v);
        }
    }
    // A adds first, then B: that is the date_added order.
    stored.sort_by_key(|v| v.origin != a_org);
    let ra = add(&app, "shared", &app.a.as_role(Role::Staff), &by_a).await;
    let rb = add(&app, "shared", &app.b.as_role(Role::Staff), &by_b).await;
    assert_eq!(
        (ra["failure_count"].clone(), rb["failure_count"].clone()),
        (json!(0), json!(0))
    );

    // A is a recipient organisation, B and the FSA are members only.
    let readers = [
        (app.a.as_role(Role::Auditor), a_org.clone(), true),
        (app.b.as_role(Role::Staff), b_org.clone(), false),
        (app.fsa.as_role(Role::Staff), app.fsa.org_id.clone(), false),
    ];
    let all_ids: Vec<String> = {
        let mut v: Vec<String> = stored.iter().map(|s| s.id.clone()).collect();
        v.dedup();
        v
    };
    for (who, org, recipient) in &readers {
        let allowed: Vec<&Version> = stored
            .iter()
            .filter(|v| oracle_allows(v, org, *recipient))
            .collect();
        let pair = |o: &Value| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["modified"].as_str().unwrap().to_owned(),
            )
        };
        let want_all: Vec<(String, String)> = allowed
            .iter()
            .map(|v| (v.id.clone(), v.version.clone()))
            .collect();
        let mut bodies = Vec::new();
        for limit in [1, 3, 1000] {
            let (b, items) = crawl(
                &app,
                &format!(
                    "{}?match[version]=all&limit={limit}",
                    objects_path("shared")
                ),
                who,
                "objects",
            )
            .await;
            bodies.extend(b);
            assert_eq!(
                items.iter().map(pair).collect::<Vec<_>>(),
                want_all,
                "{org} {limit}"
            );
            let (b, recs) = crawl(
                &app,
                &format!(
                    "/taxii2/isac/collections/shared/manifest/?match[version]=all&limit={limit}"
                ),
                who,
                "objects",
            )
            .await;
            bodies.extend(b);
            let got: Vec<(String, String)> = recs
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["version"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(got, want_all, "manifest {org} {limit}");
        }
        for mode in ["last", "first"] {
            let (b, items) = crawl(
                &app,
                &format!("{}?match[version]={mode}&limit=2", objects_path("shared")),
                who,
                "objects",
            )
            .await;
            bodies.extend(b);
            for id in &all_ids {
                let mine: Vec<&&Version> = allowed.iter().filter(|v| &v.id == id).collect();
                let want = if mode == "last" {
                    mine.last()
                } else {
                    mine.first()
                };
                let got: Vec<&Value> = items.iter().filter(|o| o["id"] == json!(id)).collect();
                assert_eq!(got.len(), usize::from(want.is_some()), "{org} {mode} {id}");
                if let Some(w) = want {
                    assert_eq!(got[0], &w.json, "{org} {mode} {id}");
                }
            }
        }
        for id in &all_ids {
            let versions: Vec<&str> = allowed
                .iter()
                .filter(|v| &v.id == id)
                .map(|v| v.version.as_str())
                .collect();
            let obj = get(
                &app,
                &format!("{}{id}/?match[version]=all", objects_path("shared")),
                who,
            )
            .await;
            let ver = get(
                &app,
                &format!("{}{id}/versions/", objects_path("shared")),
                who,
            )
            .await;
            if versions.is_empty() {
                assert_eq!(
                    (obj.status, ver.status),
                    (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
                );
            } else {
                assert_eq!(ver.json()["versions"], json!(versions), "{org} {id}");
                assert_eq!(ids_of(&obj.json()).len(), versions.len(), "{org} {id}");
            }
            bodies.push(obj.body);
            bodies.push(ver.body);
        }
        let withheld: Vec<&str> = all_ids
            .iter()
            .filter(|id| !allowed.iter().any(|v| &&v.id == id))
            .map(String::as_str)
            .collect();
        assert!(!withheld.is_empty() || org == &a_org);
        for body in &bodies {
            for id in &withheld {
                assert!(!body.contains(id), "{org}: {id} leaked in {body}");
            }
        }
    }
}

/// TLP:RED with named recipients: A names the FSA (a member only, not an AMBER
/// recipient). The FSA receives it on every path; B never does, on any path, including
/// errors, paging, writes and the hub's pages. The audience is fixed when a version is
/// added: a later version may not name anyone new, and recipients must read the
/// collection and be named on TLP:RED only.
#[tokio::test]
async fn red_reaches_its_named_recipients_and_no_one_else() {
    let app = TestApp::new().await;
    let (shared, a_only, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let fsa = app.fsa.as_role(Role::Staff);
    let v = "2026-01-01T00:00:00.000Z";
    let mut red = indicator(70, v, Some(RED));
    red["x_deltawall_recipients"] = json!([app.fsa.org_id]);
    let res = add(
        &app,
        "shared",
        &a,
        &[red.clone(), indicator(71, v, Some(GREEN))],
    )
    .await;
    assert_eq!(res["failure_count"], 0, "{res}");
    let rid = id(70);
    let paths = [
        objects_path("shared"),
        format!("{}?limit=1", objects_path("shared")),
        format!("{}?match[id]={rid}", objects_path("shared")),
        "/taxii2/isac/collections/shared/manifest/".to_owned(),
        format!("{}{rid}/", objects_path("shared")),
        format!("{}{rid}/versions/", objects_path("shared")),
    ];
    for p in &paths {
        let r = get(&app, p, &fsa).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        if p.ends_with("versions/") {
            assert_eq!(r.json()["versions"], json!([v]), "{p}");
        } else {
            assert!(
                r.body.contains(&rid),
                "the named recipient misses it at {p}"
            );
        }
    }
    // B: withheld everywhere, and the 404 reads like a missing object's.
    let missing = get(
        &app,
        &format!(
            "{}indicator--00000000-0000-4000-8000-999999999999/",
            objects_path("shared")
        ),
        &b,
    )
    .await;
    for p in &paths {
        let r = get(&app, p, &b).await;
        assert!(
            !r.body.contains(&rid),
            "{rid} leaked to B at {p}: {}",
            r.body
        );
        if p.contains(&format!("{rid}/")) {
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert_eq!(r.json()["description"], missing.json()["description"]);
        }
    }
    // Paging one by one: B gets the GREEN object alone and `more` is false.
    let p1 = get(&app, &format!("{}?limit=1", objects_path("shared")), &b)
        .await
        .json();
    assert_eq!(
        (ids_of(&p1), p1["more"].clone()),
        (vec![id(71)], json!(false))
    );
    // B cannot overwrite or delete it, and the refusal says nothing about it.
    let mut forged = indicator(70, "2026-03-01T00:00:00.000Z", Some(RED));
    forged["x_deltawall_recipients"] = json!([app.b.org_id]);
    let res = add(&app, "shared", &b, &[forged]).await;
    assert_eq!(res["success_count"], 1, "{res}");
    assert!(
        !get(&app, &objects_path("shared"), &b)
            .await
            .body
            .contains(&rid),
        "a hidden id was stored over"
    );
    let del = TestApp::request(
        Method::DELETE,
        &format!("{}{rid}/", objects_path("shared")),
        &b,
    )
    .header(header::ACCEPT, MT)
    .body(Body::empty())
    .unwrap();
    assert_eq!(app.send(del).await.status, StatusCode::NOT_FOUND);

    // No widening by versioning: A's later version may not name B; naming fewer is fine
    // (then the FSA keeps only the version that named it).
    let mut wider = red.clone();
    wider["modified"] = json!("2026-02-01T00:00:00.000Z");
    wider["x_deltawall_recipients"] = json!([app.fsa.org_id, app.b.org_id]);
    let res = add(&app, "shared", &a, &[wider]).await;
    let msg = res["failures"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(msg.contains("must not name new recipients"), "{res}");
    // Nor may an older version arriving later.
    let mut older = red.clone();
    older["modified"] = json!("2025-12-01T00:00:00.000Z");
    older["x_deltawall_recipients"] = json!([app.fsa.org_id, app.b.org_id]);
    let res = add(&app, "shared", &a, &[older]).await;
    assert_eq!(res["failure_count"], 1, "{res}");
    assert!(
        get(&app, &objects_path("shared"), &b)
            .await
            .body
            .contains(&id(71))
    );
    assert!(
        !get(
            &app,
            &format!("{}?match[version]=all", objects_path("shared")),
            &b
        )
        .await
        .body
        .contains(&rid)
    );
    let mut narrower = red.clone();
    narrower["modified"] = json!("2026-02-01T00:00:00.000Z");
    narrower["x_deltawall_recipients"] = json!([]);
    let res = add(&app, "shared", &a, &[narrower.clone()]).await;
    assert!(
        res["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("x_deltawall_recipients"),
        "an empty list is refused: {res}"
    );
    narrower
        .as_object_mut()
        .unwrap()
        .remove("x_deltawall_recipients");
    let res = add(&app, "shared", &a, &[narrower]).await;
    assert_eq!(res["failure_count"], 0, "{res}");
    let versions = get(
        &app,
        &format!("{}{rid}/versions/", objects_path("shared")),
        &fsa,
    )
    .await;
    assert_eq!(
        versions.json()["versions"],
        json!([v]),
        "the FSA keeps the version naming it"
    );
    let versions = get(
        &app,
        &format!("{}{rid}/versions/", objects_path("shared")),
        &a,
    )
    .await;
    assert_eq!(versions.json()["versions"].as_array().unwrap().len(), 2);

    // Recipients are checked: TLP:RED only, and organisations that read the collection.
    let mut green = indicator(72, v, Some(GREEN));
    green["x_deltawall_recipients"] = json!([app.fsa.org_id]);
    let mut stranger = indicator(73, v, Some(RED));
    stranger["x_deltawall_recipients"] = json!([app.fsa.org_id]);
    let res = add(&app, "shared", &a, &[green]).await;
    assert!(
        res["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only a TLP:RED"),
        "{res}"
    );
    let body = json!({"objects": [stranger]}).to_string();
    let r = post(&app, &objects_path(&a_only), &a, &body).await;
    assert!(
        r.json()["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not read this collection"),
        "{}",
        r.body
    );

    // The hub's pages: the listing (with ended indicators: this one is old enough to have
    // decayed) and the object page show it to the FSA only.
    let listing = format!("/sharing/isac/{shared}?ended=1");
    let page = format!("/sharing/isac/{shared}/objects/{rid}");
    assert!(app.get(&listing, &fsa).await.body.contains("indicator 70"));
    assert_eq!(app.get(&page, &fsa).await.status, StatusCode::OK);
    assert!(!app.get(&listing, &b).await.body.contains("indicator 70"));
    let r = app.get(&page, &b).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("indicator 70"));
    // The FSA's sighting on it carries RED and names A, the indicator's originator: A
    // counts it, B never sees it.
    let r = app
        .form(
            Method::POST,
            &format!("{page}/sightings"),
            &fsa,
            &[
                ("count", "4"),
                ("false_positive", "no"),
                ("reporter", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sightings = format!("{}?match[type]=sighting", objects_path("shared"));
    let seen_by_a = get(&app, &sightings, &a).await.json();
    assert_eq!(
        seen_by_a["objects"][0]["x_deltawall_recipients"],
        json!([app.a.org_id])
    );
    assert_eq!(seen_by_a["objects"][0]["object_marking_refs"], json!([RED]));
    assert_eq!(get(&app, &sightings, &b).await.body, "{}");
}

/// The publish form offers the collection's other readers as recipients and stores the
/// choice in the object; the recipient sees it, another member does not.
#[tokio::test]
async fn the_publish_form_names_red_recipients() {
    let app = TestApp::new().await;
    let (shared, _, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let form = app
        .get(&format!("/sharing/isac/{shared}/publish"), &a)
        .await;
    assert!(
        form.body
            .contains(&format!("name=\"recipient\" value=\"{}\"", app.fsa.org_id))
    );
    assert!(
        form.body
            .contains(&format!("name=\"recipient\" value=\"{}\"", app.b.org_id))
    );
    assert!(
        !form
            .body
            .contains(&format!("name=\"recipient\" value=\"{}\"", app.a.org_id))
    );
    let r = app
        .form(
            Method::POST,
            &format!("/sharing/isac/{shared}/indicators"),
            &a,
            &[
                ("name", "red-for-b"),
                ("pattern", "[ipv4-addr:value = '203.0.113.9']"),
                ("tlp", "red"),
                ("recipient", &app.b.org_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let listing = format!("/sharing/isac/{shared}");
    assert!(
        app.get(&listing, &app.b.as_role(Role::Staff))
            .await
            .body
            .contains("red-for-b")
    );
    assert!(
        !app.get(&listing, &app.fsa.as_role(Role::Staff))
            .await
            .body
            .contains("red-for-b")
    );
    // Naming recipients on anything but RED is refused beside the form.
    let r = app
        .form(
            Method::POST,
            &format!("/sharing/isac/{shared}/indicators"),
            &a,
            &[
                ("name", "green-named"),
                ("pattern", "[ipv4-addr:value = '203.0.113.10']"),
                ("tlp", "green"),
                ("recipient", &app.b.org_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("only a TLP:RED"), "{}", r.body);
}

//! The sharing hub's pages: publishing goes through the TAXII add path; collection, report
//! and indicator pages never show an AMBER or RED object to an organisation outside its
//! audience, nor another tenant's collection; feedback is aggregated per reader without
//! naming anonymous reporters; ended indicators leave the default listing.

use crate::taxii::{AMBER, GREEN, add, setup};
use crate::util::{Resp, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

fn coll_path(coll: &str) -> String {
    format!("/sharing/isac/{coll}")
}

/// Publishes an indicator through the form; returns its id.
async fn publish(app: &TestApp, coll: &str, who: &Who, name: &str, tlp: &str, ip: u8) -> String {
    let pattern = format!("[ipv4-addr:value = '203.0.113.{ip}']");
    let r = app
        .form(
            Method::POST,
            &format!("{}/indicators", coll_path(coll)),
            who,
            &[
                ("name", name),
                ("pattern", &pattern),
                ("tlp", tlp),
                ("valid_from", ""),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().unwrap();
    assert!(loc.ends_with("?notice=created"), "{loc}");
    loc.rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches("?notice=created")
        .to_owned()
}

async fn page(app: &TestApp, path: &str, who: &Who) -> Resp {
    app.get(path, who).await
}

#[tokio::test]
async fn pages_show_objects_only_to_their_tlp_audience() {
    let app = TestApp::new().await;
    let (shared, a_only, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let fsa = app.fsa.as_role(Role::Staff);
    let green = publish(&app, &shared, &a, "green-ind", "green", 1).await;
    let amber = publish(&app, &shared, &a, "amber-ind", "amber", 2).await;
    let red = publish(&app, &shared, &a, "red-ind", "red", 3).await;
    publish(&app, &a_only, &a, "a-only-ind", "clear", 4).await;

    // A (originator, AMBER recipient) sees all three; B and the FSA only the GREEN one.
    let listing = page(&app, &coll_path(&shared), &a).await;
    assert_eq!(listing.status, StatusCode::OK);
    for name in ["green-ind", "amber-ind", "red-ind", "TLP:RED", "TLP:AMBER"] {
        assert!(listing.body.contains(name), "A misses {name}");
    }
    for who in [&b, &fsa] {
        let listing = page(&app, &coll_path(&shared), who).await;
        assert_eq!(listing.status, StatusCode::OK);
        assert!(listing.body.contains("green-ind"));
        for hidden in [
            "amber-ind",
            "red-ind",
            amber.as_str(),
            red.as_str(),
            "a-only-ind",
        ] {
            assert!(!listing.body.contains(hidden), "leaked {hidden}");
        }
        for id in [&amber, &red] {
            let r = page(&app, &format!("{}/objects/{id}", coll_path(&shared)), who).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert!(!r.body.contains("-ind"));
        }
    }
    // Another tenant's collection does not exist for B, on the home page or by URL.
    let home = page(&app, "/sharing", &b).await;
    assert!(home.body.contains("Shared") && !home.body.contains("A only"));
    for path in [
        coll_path(&a_only),
        format!("{}/publish", coll_path(&a_only)),
    ] {
        let r = page(&app, &path, &b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("a-only-ind"));
    }

    // A GREEN report covering a GREEN and an AMBER indicator: B reads the report and the
    // GREEN indicator; the AMBER one is only an id marked unavailable.
    let r = app
        .form(
            Method::POST,
            &format!("{}/reports", coll_path(&shared)),
            &a,
            &[
                ("name", "weekly-report"),
                ("description", "two indicators"),
                ("tlp", "green"),
                ("ref", &green),
                ("ref", &amber),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let report_page = r.location().unwrap().replace("?notice=created", "");
    let seen_by_a = page(&app, &report_page, &a).await;
    assert!(seen_by_a.body.contains("amber-ind") && seen_by_a.body.contains("green-ind"));
    let seen_by_b = page(&app, &report_page, &b).await;
    assert_eq!(seen_by_b.status, StatusCode::OK);
    assert!(seen_by_b.body.contains("weekly-report") && seen_by_b.body.contains("green-ind"));
    assert!(!seen_by_b.body.contains("amber-ind"));
    assert!(seen_by_b.body.contains("class=\"ref-unavailable\""));

    // The same objects over TAXII: the UI stored exactly what TAXII serves.
    let objects = crate::taxii::get(&app, &crate::taxii::objects_path(&shared), &b)
        .await
        .json();
    let ids = crate::taxii::ids_of(&objects);
    assert!(ids.contains(&green) && !ids.contains(&amber) && !ids.contains(&red));
}

#[tokio::test]
async fn publishing_checks_input_rights_and_markings() {
    let app = TestApp::new().await;
    let (shared, _, alerts) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let path = format!("{}/indicators", coll_path(&shared));
    let bad = app
        .form(
            Method::POST,
            &path,
            &a,
            &[
                ("name", "x"),
                ("pattern", "[ipv4-addr:value = "),
                ("tlp", "green"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("pattern: "), "{}", bad.body);
    let no_tlp = app
        .form(
            Method::POST,
            &path,
            &a,
            &[
                ("name", "x"),
                ("pattern", "[ipv4-addr:value = '1.2.3.4']"),
                ("tlp", "purple"),
            ],
        )
        .await;
    assert_eq!(no_tlp.status, StatusCode::UNPROCESSABLE_ENTITY);
    let backwards = app
        .form(
            Method::POST,
            &path,
            &a,
            &[
                ("name", "x"),
                ("pattern", "[ipv4-addr:value = '1.2.3.4']"),
                ("tlp", "green"),
                ("valid_from", "2026-02-01"),
                ("valid_until", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Institutions only read the FSA's alerts; an auditor never publishes.
    let alerts_path = format!("/sharing/alerts/{alerts}/indicators");
    let form = [
        ("name", "x"),
        ("pattern", "[ipv4-addr:value = '1.2.3.4']"),
        ("tlp", "green"),
    ];
    for (who, path) in [
        (&a, alerts_path.as_str()),
        (&app.a.as_role(Role::Auditor), path.as_str()),
    ] {
        let r = app.form(Method::POST, path, who, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    assert_eq!(
        page(&app, &format!("/sharing/alerts/{alerts}/publish"), &a)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The indicator page carries the marking the form chose, as TAXII serves it.
    let id = publish(&app, &shared, &a, "strict-ind", "amber+strict", 9).await;
    let obj = crate::taxii::get(
        &app,
        &format!("{}{id}/", crate::taxii::objects_path(&shared)),
        &a,
    )
    .await
    .json();
    assert_eq!(
        obj["objects"][0]["object_marking_refs"],
        json!(["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"])
    );
}

async fn sight(
    app: &TestApp,
    coll: &str,
    id: &str,
    who: &Who,
    count: &str,
    fp: &str,
    reporter: &str,
) {
    let r = app
        .form(
            Method::POST,
            &format!("{}/objects/{id}/sightings", coll_path(coll)),
            who,
            &[
                ("count", count),
                ("false_positive", fp),
                ("reporter", reporter),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// The text of the element with this id.
fn cell(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}: {body}"));
    let rest = &body[at..];
    let text = &rest[rest.find('>').unwrap() + 1..];
    text[..text.find('<').unwrap()].trim().to_owned()
}

#[tokio::test]
async fn feedback_is_aggregated_per_reader_and_anonymous_stays_anonymous() {
    let app = TestApp::new().await;
    let (shared, _, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let id = publish(&app, &shared, &a, "c2-server", "green", 7).await;
    let page_path = format!("{}/objects/{id}", coll_path(&shared));
    let before = app.audit_count().await;

    // B: 3 sightings, anonymously. A: a false positive, under its name.
    sight(&app, &shared, &id, &b, "3", "no", "anonymous").await;
    sight(&app, &shared, &id, &a, "1", "yes", "named").await;
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "each sighting is audited"
    );
    // Over TAXII: B disagrees strongly (counts as a false positive); A adds an AMBER
    // sighting, which B (not an AMBER recipient) must not count.
    let opinion = json!({"type": "opinion", "spec_version": "2.1",
        "id": "opinion--6a1a0c5e-0c4e-4a55-9a6c-2b4c5d6e7f80",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "opinion": "strongly-disagree", "object_refs": [id],
        "object_marking_refs": [GREEN]});
    add(&app, &shared, &b, &[opinion]).await;
    let amber_sighting = json!({"type": "sighting", "spec_version": "2.1",
        "id": "sighting--6a1a0c5e-0c4e-4a55-9a6c-2b4c5d6e7f81",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "sighting_of_ref": id, "count": 40, "object_marking_refs": [AMBER]});
    add(&app, &shared, &a, &[amber_sighting]).await;

    let seen_by_b = page(&app, &page_path, &b).await.body;
    let seen_by_a = page(&app, &page_path, &a).await.body;
    // Sightings: B counts its 3; A also counts its own AMBER 40.
    assert_eq!(cell(&seen_by_b, "fb-sightings"), "3 (1)");
    assert_eq!(cell(&seen_by_a, "fb-sightings"), "43 (2)");
    // Both count two false positives (A's flagged sighting, B's strongly-disagree).
    assert_eq!(cell(&seen_by_b, "fb-false-positives"), "2");
    assert_eq!(cell(&seen_by_a, "fb-false-positives"), "2");
    assert_eq!(cell(&seen_by_b, "fb-anonymous"), "2");
    assert_eq!(cell(&seen_by_a, "fb-anonymous"), "3");
    // A chose to be named; B did not: B's name appears nowhere, A's does.
    for body in [&seen_by_a, &seen_by_b] {
        assert!(cell(body, "fb-named").contains("Bank A"), "{body}");
        assert!(!body.contains("Shinkin B"), "anonymous reporter named");
    }
    // The named sighting carries A's identity; the anonymous one carries none.
    let sightings = crate::taxii::get(
        &app,
        &format!(
            "{}?match[type]=sighting",
            crate::taxii::objects_path(&shared)
        ),
        &b,
    )
    .await
    .json();
    let list = sightings["objects"].as_array().unwrap();
    assert_eq!(list.len(), 2, "B sees the two GREEN sightings only");
    assert_eq!(
        list.iter()
            .filter(|s| s.get("created_by_ref").is_some())
            .count(),
        1
    );
    assert!(
        list.iter()
            .all(|s| s["object_marking_refs"] == json!([GREEN]))
    );
    assert!(list.iter().any(|s| s["x_deltawall_false_positive"] == true));
    // An auditor changes nothing, even with a read grant.
    let r = app
        .form(
            Method::POST,
            &format!("{page_path}/sightings"),
            &app.a.as_role(Role::Auditor),
            &[
                ("count", "1"),
                ("false_positive", "no"),
                ("reporter", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn opine(app: &TestApp, coll: &str, id: &str, who: &Who, opinion: &str) -> Resp {
    app.form(
        Method::POST,
        &format!("{}/objects/{id}/opinions", coll_path(coll)),
        who,
        &[
            ("opinion", opinion),
            ("explanation", "seen on our proxy"),
            ("reporter", "named"),
        ],
    )
    .await
}

#[tokio::test]
async fn opinions_from_the_indicator_page_count_for_their_audience_only() {
    let app = TestApp::new().await;
    let (shared, a_only, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let green = publish(&app, &shared, &a, "green-ind", "green", 1).await;
    let amber = publish(&app, &shared, &a, "amber-ind", "amber", 2).await;
    let hidden = publish(&app, &a_only, &a, "a-only-ind", "green", 3).await;
    let form = app
        .get(&format!("{}/objects/{green}", coll_path(&shared)), &b)
        .await;
    assert!(form.body.contains("id=\"opinion-form\""), "{}", form.body);
    assert!(form.body.contains("value=\"strongly-agree\""));

    let before = app.audit_count().await;
    let r = opine(&app, &shared, &green, &b, "agree").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = opine(&app, &shared, &amber, &a, "disagree").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "each opinion is audited"
    );

    // B's GREEN opinion is stored as STIX, named, with the indicator's marking.
    let list = crate::taxii::get(
        &app,
        &format!(
            "{}?match[type]=opinion",
            crate::taxii::objects_path(&shared)
        ),
        &b,
    )
    .await
    .json();
    let ops = list["objects"].as_array().unwrap();
    assert_eq!(ops.len(), 1, "B does not receive A's AMBER opinion: {list}");
    assert_eq!(ops[0]["opinion"], "agree");
    assert_eq!(ops[0]["object_refs"], json!([green]));
    assert_eq!(ops[0]["explanation"], "seen on our proxy");
    assert_eq!(ops[0]["object_marking_refs"], json!([GREEN]));
    assert!(
        ops[0]["created_by_ref"]
            .as_str()
            .unwrap()
            .starts_with("identity--")
    );
    // Counted per reader: the API shows B's agreement to both; A's AMBER disagreement
    // only to A.
    let api = format!("/api/v1/sharing/roots/isac/collections/{shared}/indicators");
    let seen_by_b = app.get(&api, &b).await.json();
    assert_eq!(seen_by_b["items"][0]["opinions"]["agree"], 1, "{seen_by_b}");
    let seen_by_a = app.get(&api, &a).await.json();
    let amber_item = seen_by_a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == amber.as_str())
        .unwrap();
    assert_eq!(amber_item["opinions"]["disagree"], 1);

    // B may not give an opinion on what it cannot see: A's AMBER indicator, another
    // tenant's collection; both look like a missing object. Unknown values are refused.
    for (coll, id) in [(&shared, &amber), (&a_only, &hidden)] {
        let r = opine(&app, coll, id, &b, "agree").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.body);
        assert!(!r.body.contains("-ind"));
    }
    let r = opine(&app, &shared, &green, &b, "maybe").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = opine(
        &app,
        &shared,
        &green,
        &app.b.as_role(Role::Auditor),
        "agree",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn read_only_members_give_feedback_but_publish_nothing_else() {
    let app = TestApp::new().await;
    let (shared, _, alerts) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let fsa = app.fsa.as_role(Role::Staff);
    // The FSA only reads `shared`; institutions only read the FSA's alerts.
    let green = publish(&app, &shared, &a, "green-ind", "green", 1).await;
    let page_path = format!("{}/objects/{green}", coll_path(&shared));
    assert!(
        app.get(&page_path, &fsa)
            .await
            .body
            .contains("id=\"opinion-form\"")
    );
    sight(&app, &shared, &green, &fsa, "2", "no", "anonymous").await;
    let r = opine(&app, &shared, &green, &fsa, "strongly-agree").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let api = format!("/api/v1/sharing/roots/isac/collections/{shared}/indicators");
    let item = app.get(&api, &a).await.json()["items"][0].clone();
    assert_eq!(
        (
            item["sightings"].as_u64(),
            item["opinions"]["strongly-agree"].as_u64()
        ),
        (Some(2), Some(1)),
        "{item}"
    );
    assert_eq!(item["named_reporters"], json!([app.fsa.org_id]));
    // Recorded by the hub on the FSA's behalf: its organisation is the originator, and the
    // audit trail says feedback, not an add.
    let mut conn = app.db.store.read().await.unwrap();
    let rows = deltawall_store::sharing::objects(
        &mut conn,
        &shared,
        &deltawall_store::sharing::ObjectFilter {
            ids: vec![],
            types: vec!["sighting".into(), "opinion".into()],
        },
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.origin_org == app.fsa.org_id));
    let audit = app
        .get(
            "/api/v1/audit?action=taxii.feedback",
            &app.fsa.as_role(Role::Admin),
        )
        .await;
    assert!(audit.body.contains("taxii.feedback"), "{}", audit.body);

    // Still no write access: the FSA publishes nothing in `shared`, over the UI or TAXII
    // (the collection says can_write false), and nor does an institution in the alerts.
    let form = [
        ("name", "x"),
        ("pattern", "[ipv4-addr:value = '1.2.3.4']"),
        ("tlp", "green"),
    ];
    let r = app
        .form(
            Method::POST,
            &format!("{}/indicators", coll_path(&shared)),
            &fsa,
            &form,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let sighting = json!({"type": "sighting", "spec_version": "2.1",
        "id": "sighting--6a1a0c5e-0c4e-4a55-9a6c-2b4c5d6e7f99",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "sighting_of_ref": green, "object_marking_refs": [GREEN]});
    let body = json!({"objects": [sighting]}).to_string();
    let r = crate::taxii::post(&app, &crate::taxii::objects_path(&shared), &fsa, &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .form(
            Method::POST,
            &format!("/sharing/alerts/{alerts}/indicators"),
            &a,
            &form,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn ended_indicators_leave_the_default_listing() {
    let app = TestApp::new().await;
    let (shared, _, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    publish(&app, &shared, &a, "fresh-ind", "green", 1).await;
    let now = jiff::Timestamp::now();
    let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let recent = stamp(now - jiff::SignedDuration::from_hours(48));
    let yesterday = stamp(now - jiff::SignedDuration::from_hours(24));
    let mut expired = crate::taxii::indicator(501, &recent, Some(GREEN));
    expired["created"] = recent.clone().into();
    expired["name"] = "expired-ind".into();
    expired["valid_from"] = recent.clone().into();
    expired["valid_until"] = yesterday.into();
    let mut revoked = crate::taxii::indicator(502, &recent, Some(GREEN));
    revoked["created"] = recent.clone().into();
    revoked["name"] = "revoked-ind".into();
    revoked["revoked"] = true.into();
    // Old, never sighted: decayed (the fixture's version is from January 2026 or earlier).
    let mut old = crate::taxii::indicator(503, "2025-01-01T00:00:00.000Z", Some(GREEN));
    old["created"] = "2025-01-01T00:00:00.000Z".into();
    old["name"] = "decayed-ind".into();
    add(&app, &shared, &a, &[expired, revoked, old]).await;

    let default = page(&app, &coll_path(&shared), &a).await.body;
    assert!(default.contains("fresh-ind"));
    for name in ["expired-ind", "revoked-ind", "decayed-ind"] {
        assert!(!default.contains(name), "{name} listed");
    }
    assert!(default.contains("id=\"ended-hidden\""));
    let all = page(&app, &format!("{}?ended=1", coll_path(&shared)), &a)
        .await
        .body;
    for name in ["expired-ind", "revoked-ind", "decayed-ind", "fresh-ind"] {
        assert!(all.contains(name), "{name} missing with ended=1");
    }
    let expired_page = page(
        &app,
        &format!("{}/objects/{}", coll_path(&shared), crate::taxii::id(501)),
        &a,
    )
    .await
    .body;
    assert!(
        expired_page.contains("id=\"standing\">Expired")
            || expired_page.contains("id=\"standing\">期限切れ")
    );
}

#[tokio::test]
async fn the_api_marks_each_indicator_with_its_standing_and_feedback() {
    let app = TestApp::new().await;
    let (shared, _, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let green = publish(&app, &shared, &a, "green-ind", "green", 1).await;
    publish(&app, &shared, &a, "amber-ind", "amber", 2).await;
    sight(&app, &shared, &green, &b, "5", "no", "named").await;
    let mut expired = crate::taxii::indicator(601, "2026-11-01T00:00:00.000Z", Some(GREEN));
    expired["created"] = "2026-11-01T00:00:00.000Z".into();
    expired["valid_from"] = "2026-11-01T00:00:00Z".into();
    expired["valid_until"] = "2026-11-02T00:00:00Z".into();
    add(&app, &shared, &a, &[expired]).await;

    let path = format!("/api/v1/sharing/roots/isac/collections/{shared}/indicators");
    let seen_by_b = app.get(&path, &b).await;
    assert_eq!(seen_by_b.status, StatusCode::OK, "{}", seen_by_b.body);
    let v = seen_by_b.json();
    assert_eq!(
        (v["total"].as_u64(), v["ended_hidden"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let item = &v["items"][0];
    assert_eq!(item["name"], "green-ind");
    assert_eq!(item["tlp"], "TLP:GREEN");
    assert_eq!(item["standing"], "active");
    assert_eq!(item["sightings"], 5);
    assert_eq!(item["named_reporters"], json!([app.b.org_id]));
    assert!(!seen_by_b.body.contains("amber-ind"));
    let all = app.get(&format!("{path}?ended=true"), &b).await.json();
    let standings: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["standing"].as_str().unwrap())
        .collect();
    assert_eq!(standings, ["expired", "active"]);
    // A sees its AMBER indicator too; another tenant's collection is a 404.
    assert_eq!(app.get(&path, &a).await.json()["total"], 2);
    let r = app
        .get(
            "/api/v1/sharing/roots/isac/collections/no-such/indicators",
            &b,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

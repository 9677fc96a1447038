//! Detections: `POST /api/v1/detections` with a token (counts, per-line errors, 413, 415,
//! read-only tokens refused), `GET /api/v1/detections` (filters, cursor paging), the inbox
//! page (groups, triage per row and in bulk, assignment, the open-an-incident form) and
//! tenant isolation on all of them.

use crate::security::token;
use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;

/// `n` correlation alerts as `deltawall scan` prints them, one per source address.
pub fn alerts(n: usize, rule: &str, level: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"rule_id":"{rule}","title":"Many failed logins from one source","level":"{level}","kind":"correlation","first_seen":"2026-11-02T01:{:02}:00Z","last_seen":"2026-11-02T01:59:00Z","group":{{"src_ip":"198.51.100.{i}"}},"count":{}}}"#,
                i % 60,
                i + 10
            ) + "\n"
        })
        .collect()
}

pub async fn send(app: &TestApp, who: &Who, content_type: &str, body: String) -> crate::util::Resp {
    let req = TestApp::request(Method::POST, "/api/v1/detections", who)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn counts(r: &crate::util::Resp) -> (u64, u64, u64) {
    let j = r.json();
    let n = |k: &str| j[k].as_u64().unwrap_or_else(|| panic!("{k}: {j}"));
    (n("accepted"), n("duplicate"), n("rejected"))
}

#[tokio::test]
async fn ingest_counts_lines_and_never_stops_on_a_bad_one() {
    let app = TestApp::new().await;
    let writer = Who::Token(token(&app, &app.a.as_role(Role::Admin), "write").await);
    let mut body = alerts(3, "list-attack", "high");
    body.push_str("{not json\n");
    body.push_str(r#"{"title":"x","kind":"sideways"}"#);
    body.push('\n');
    body.push_str(&alerts(2, "spray", "medium"));
    let r = send(&app, &writer, "application/x-ndjson", body.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(counts(&r), (5, 0, 2));
    let errors = r.json()["errors"].clone();
    assert_eq!(errors[0]["line"], 4);
    assert!(
        errors[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not JSON"),
        "{errors}"
    );
    assert_eq!(errors[1]["line"], 5);
    assert!(
        errors[1]["reason"].as_str().unwrap().starts_with("kind:"),
        "{errors}"
    );
    // A resend is all duplicates; the same alerts as a JSON array too.
    let again = send(&app, &writer, "application/x-ndjson", body).await;
    assert_eq!(counts(&again), (0, 5, 2));
    let array = format!(
        "[{}]",
        alerts(3, "list-attack", "high")
            .trim_end()
            .replace('\n', ",")
    );
    let r = send(&app, &writer, "application/json", array).await;
    assert_eq!(counts(&r), (0, 3, 0), "{}", r.body);
    // Each request is audited with its counts.
    let audit = app
        .get(
            "/api/v1/audit?action=detection.ingest",
            &app.a.as_role(Role::Admin),
        )
        .await
        .json();
    assert_eq!(audit.as_array().unwrap().len(), 3, "{audit}");
}

#[tokio::test]
async fn bad_requests_are_refused_with_their_status() {
    let app = TestApp::new().await;
    let writer = Who::Token(token(&app, &app.a.as_role(Role::Admin), "write").await);
    let reader = Who::Token(token(&app, &app.a.as_role(Role::Admin), "read").await);
    let before = app.audit_count().await;
    let r = send(&app, &reader, "application/x-ndjson", alerts(1, "r", "low")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, &writer, "text/csv", alerts(1, "r", "low")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    let huge = alerts(1, "r", "low").repeat(deltawall_app::detections::MAX_INGEST_BYTES / 200 + 10);
    assert!(huge.len() > deltawall_app::detections::MAX_INGEST_BYTES);
    let r = send(&app, &writer, "application/x-ndjson", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "err-bad-request");
    let r = send(&app, &writer, "application/x-ndjson", "[1, 2".into()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.json()["errors"][0]["line"], 1, "{}", r.body);
    // Supervisors receive no detections.
    let fsa = Who::Token(token(&app, &app.fsa.as_role(Role::Admin), "write").await);
    let r = send(&app, &fsa, "application/x-ndjson", alerts(1, "r", "low")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "three tokens issued, one batch audited"
    );
}

#[tokio::test]
async fn listing_filters_and_pages_with_a_cursor() {
    let app = TestApp::new().await;
    let writer = Who::Token(token(&app, &app.a.as_role(Role::Admin), "write").await);
    let mut body = alerts(7, "list-attack", "high");
    body.push_str(&alerts(3, "spray", "medium"));
    assert_eq!(
        counts(&send(&app, &writer, "application/x-ndjson", body).await),
        (10, 0, 0)
    );
    let reader = Who::Token(token(&app, &app.a.as_role(Role::Admin), "read").await);
    let list = |q: &'static str| {
        let (app, reader) = (&app, reader.clone());
        async move { app.get(&format!("/api/v1/detections{q}"), &reader).await }
    };
    let all = list("?limit=4").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 4, "{all}");
    let mut seen: Vec<String> = Vec::new();
    let mut next = all["next"].as_str().map(str::to_owned);
    seen.extend(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned()),
    );
    while let Some(c) = next {
        let page = app
            .get(&format!("/api/v1/detections?limit=4&cursor={c}"), &reader)
            .await
            .json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (10, 10),
        "every detection once across pages"
    );
    let spray = list("?rule=spray&level=medium&status=new").await.json();
    assert_eq!(spray["items"].as_array().unwrap().len(), 3, "{spray}");
    assert_eq!(spray["items"][0]["alert"]["rule_id"], "spray");
    // Alerts whose first event is at 01:00–01:02 UTC on 2 November (10:00–10:02 in Japan).
    let early = list("?from=2026-11-02T01:00:00Z&to=2026-11-02T01:03:00Z")
        .await
        .json();
    assert_eq!(early["items"].as_array().unwrap().len(), 6, "{early}");
    let day = list("?from=2026-11-02&to=2026-11-02").await.json();
    assert_eq!(day["items"].as_array().unwrap().len(), 10);
    let none = list("?from=2026-11-03").await.json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    for (q, field) in [
        ("?status=closed", "status"),
        ("?from=tomorrow", "from"),
        ("?cursor=zz", "cursor"),
        ("?limit=0", "limit"),
    ] {
        let r = app.get(&format!("/api/v1/detections{q}"), &reader).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(r.json()["error"]["field"], field, "{q}");
    }
    // B sees none of A's, and its token reads only its own.
    let b = Who::Token(token(&app, &app.b.as_role(Role::Admin), "read").await);
    let theirs = app.get("/api/v1/detections", &b).await.json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0, "{theirs}");
}

/// The ids of A's detections as its staff lists them.
async fn ids(app: &TestApp, q: &str) -> Vec<String> {
    let l = app
        .get(
            &format!("/api/v1/detections{q}"),
            &app.a.as_role(Role::Staff),
        )
        .await
        .json();
    l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_inbox_groups_triages_and_assigns() {
    let app = TestApp::new().await;
    let writer = Who::Token(token(&app, &app.a.as_role(Role::Admin), "write").await);
    let mut body = alerts(3, "list-attack", "high");
    body.push_str(&alerts(2, "spray", "medium"));
    send(&app, &writer, "application/x-ndjson", body).await;
    let staff = app.a.as_role(Role::Staff);
    let page = app.get("/detections", &staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("検知の受信箱"), "Japanese first");
    assert!(page.body.contains("src_ip=198.51.100.2"));
    assert!(
        page.body
            .contains(r#"formaction="/incidents/new" formmethod="post""#)
    );
    assert!(page.body.contains(r#"name="detection" value="det-"#));
    let all = ids(&app, "").await;
    // One row's own button, then a bulk action on two more.
    let r = app
        .form(
            Method::POST,
            "/detections/triage",
            &staff,
            &[("ack_one", &all[0]), ("back", "/detections?status=new")],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, Some("/detections?status=new")),
        "{}",
        r.body
    );
    let bulk = [
        ("detection", all[1].as_str()),
        ("detection", all[2].as_str()),
        ("command", "acknowledge"),
    ];
    assert_eq!(
        app.form(Method::POST, "/detections/triage", &staff, &bulk)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(ids(&app, "?status=acknowledged").await.len(), 3);
    // "Open an incident from these" shows the case form with the chosen detections and
    // opens nothing yet.
    let prefill = [
        ("detection", all[1].as_str()),
        ("detection", all[2].as_str()),
        ("command", "prefill"),
    ];
    let r = app
        .form(Method::POST, "/incidents/new", &staff, &prefill)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(r#"id="inc-open""#) && r.body.contains(all[2].as_str()));
    // A false positive needs a reason; the refusal changes nothing.
    let fp = [
        ("detection", all[1].as_str()),
        ("detection", all[2].as_str()),
        ("command", "false_positive"),
        ("reason", ""),
    ];
    assert_eq!(
        app.form(Method::POST, "/detections/triage", &staff, &fp)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let fp = [
        ("detection", all[1].as_str()),
        ("detection", all[2].as_str()),
        ("command", "false_positive"),
        ("reason", "load test"),
    ];
    assert_eq!(
        app.form(Method::POST, "/detections/triage", &staff, &fp)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // All or nothing: one new detection among acknowledged ones refuses the whole batch.
    let mixed = [
        ("detection", all[0].as_str()),
        ("detection", all[3].as_str()),
        ("command", "false_positive"),
        ("reason", "x"),
    ];
    let r = app
        .form(Method::POST, "/detections/triage", &staff, &mixed)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(ids(&app, "?status=false_positive").await.len(), 2);
    assert_eq!(
        ids(&app, "?status=acknowledged").await,
        vec![all[0].clone()]
    );
    // Assignment to a user of the institution; an auditor or B's user is refused.
    let exec = app.a.user_ids[&Role::Executive].clone();
    let assign = [
        ("detection", all[3].as_str()),
        ("command", "assign"),
        ("assignee", exec.as_str()),
    ];
    assert_eq!(
        app.form(Method::POST, "/detections/triage", &staff, &assign)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let listed = app
        .get("/api/v1/detections?status=new", &staff)
        .await
        .json();
    let row = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == all[3].as_str())
        .unwrap()
        .clone();
    assert_eq!(row["assignee"], exec.as_str());
    assert!(
        app.get("/detections", &staff)
            .await
            .body
            .contains("a executive")
    );
    for who in [
        &app.a.user_ids[&Role::Auditor],
        &app.b.user_ids[&Role::Staff],
    ] {
        let bad = [
            ("detection", all[4].as_str()),
            ("command", "assign"),
            ("assignee", who.as_str()),
        ];
        assert_eq!(
            app.form(Method::POST, "/detections/triage", &staff, &bad)
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The grouped view filters to one rule and key.
    let group = app
        .get("/detections?rule=spray&group=src_ip%3D198.51.100.1", &staff)
        .await;
    assert_eq!(
        group.body.matches(r#"name="detection" value="#).count(),
        1,
        "{}",
        group.body
    );
    // Every change was audited: 3 acknowledged, 2 false positives, 1 assignment.
    let audit = |action: &'static str| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/audit?action={action}"),
                &app.a.as_role(Role::Admin),
            )
            .await
            .json()
            .as_array()
            .unwrap()
            .len() as i64
        }
    };
    assert_eq!(
        (
            audit("detection.triage").await,
            audit("detection.assign").await
        ),
        (5, 1)
    );
    // The auditor reads but has no triage form.
    let auditor = app.get("/detections", &app.a.as_role(Role::Auditor)).await;
    assert_eq!(auditor.status, StatusCode::OK);
    assert!(!auditor.body.contains("det-bulk-ack"));
}

#[tokio::test]
async fn one_institution_never_reads_or_triages_anothers_detections() {
    let app = TestApp::new().await;
    let b_writer = Who::Token(token(&app, &app.b.as_role(Role::Admin), "write").await);
    send(
        &app,
        &b_writer,
        "application/x-ndjson",
        alerts(2, "b-secret-rule", "high"),
    )
    .await;
    let b_ids: Vec<String> = app
        .get("/api/v1/detections", &app.b.as_role(Role::Staff))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(b_ids.len(), 2);
    let page = app.get("/detections", &app.a.as_role(Role::Staff)).await;
    assert!(
        !page.body.contains("b-secret-rule"),
        "A's inbox shows B's detections"
    );
    for id in &b_ids {
        assert!(!page.body.contains(id.as_str()));
        let r = app
            .form(
                Method::POST,
                "/detections/triage",
                &app.a.as_role(Role::Admin),
                &[("ack_one", id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let assign = [
            ("detection", id.as_str()),
            ("command", "assign"),
            ("assignee", ""),
        ];
        let r = app
            .form(
                Method::POST,
                "/detections/triage",
                &app.a.as_role(Role::Admin),
                &assign,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // The same alerts from A are A's own detections (same stable ids), not duplicates of
    // B's; triaging them leaves B's alone.
    let a_writer = Who::Token(token(&app, &app.a.as_role(Role::Admin), "write").await);
    let r = send(
        &app,
        &a_writer,
        "application/x-ndjson",
        alerts(2, "b-secret-rule", "high"),
    )
    .await;
    assert_eq!(counts(&r), (2, 0, 0));
    assert_eq!(ids(&app, "").await, b_ids);
    let both = [
        ("detection", b_ids[0].as_str()),
        ("detection", b_ids[1].as_str()),
        ("command", "acknowledge"),
    ];
    let r = app
        .form(
            Method::POST,
            "/detections/triage",
            &app.a.as_role(Role::Staff),
            &both,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let b_after = app
        .get("/api/v1/detections?status=new", &app.b.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(
        b_after["items"].as_array().unwrap().len(),
        2,
        "B's detections unchanged"
    );
    assert!(
        b_after["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["assignee"].is_null())
    );
}

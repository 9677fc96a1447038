//! OSCAL import, OSCAL export and mappings over HTTP: an institution's imported catalog and
//! mapping are never seen by another tenant; hostile uploads are refused with their
//! location and store nothing; pre-filled answers stay "derived" until a person confirms
//! them; exports are checked by compliance-trestle (see `trestle.rs` for the venv).

use crate::posture::records;
use crate::util::{Resp, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::{Value, json};

pub const SMALL: &[u8] =
    include_bytes!("../../../deltawall-oscal/tests/it/fixtures/small-catalog.json");

/// Posts a multipart body of `(name, filename, bytes)` parts.
pub async fn multipart(
    app: &TestApp,
    path: &str,
    who: &Who,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Resp {
    let boundary = "dw-oscal-boundary";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        let disp = match filename {
            Some(f) => format!(
                "form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream"
            ),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend(format!("--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n").as_bytes());
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let req = TestApp::request(Method::POST, path, who)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

pub async fn import(app: &TestApp, who: &Who, doc: &[u8], key: &str) -> Resp {
    multipart(
        app,
        "/api/v1/posture/catalogs",
        who,
        &[
            ("kind", None, b"catalog"),
            ("file", Some("c.json"), doc),
            ("key", None, key.as_bytes()),
        ],
    )
    .await
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn catalog_count(app: &TestApp) -> usize {
    let mut c = app.db.store.read().await.unwrap();
    deltawall_store::assessments::list_catalogs(&mut c)
        .await
        .unwrap()
        .len()
}

fn err_message(r: &Resp) -> String {
    r.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn imported_catalogs_stay_with_their_institution() {
    let app = TestApp::new().await;
    let (a_admin, a_staff) = (app.a.as_role(Role::Admin), app.a.as_role(Role::Staff));
    let (b_admin, b_staff) = (app.b.as_role(Role::Admin), app.b.as_role(Role::Staff));
    // the built-in catalog is stored on first use and listed for everyone
    let list = app.get("/api/v1/posture/catalogs", &b_staff).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.json()[0]["builtin"], true);

    let audit = app.audit_count().await;
    let r = import(&app, &a_admin, SMALL, "small-test").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cat = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.audit_count().await, audit + 1);
    // the same bytes again: idempotent
    let again = import(&app, &a_admin, SMALL, "small-test").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], cat);
    // other content under the same key and version: refused
    let other =
        String::from_utf8_lossy(SMALL).replacen("\"title\": \"", "\"title\": \"Changed ", 1);
    assert_ne!(other.as_bytes(), SMALL);
    let clash = import(&app, &a_admin, other.as_bytes(), "small-test").await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.body);
    assert_eq!(clash.json()["error"]["code"], "err-oscal-edition-exists");

    // hostile or broken input: refused with its location, nothing stored
    let stored = catalog_count(&app).await;
    let deep = format!("{{\"catalog\": {}{}}}", "[".repeat(200), "]".repeat(200));
    let huge = vec![b' '; (16 << 20) + 1];
    let cases: [(&[u8], StatusCode, &str, &str); 4] = [
        (
            b"{\"catalog\": {\"uuid\": 5}}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "err-oscal-invalid",
            "line 1, column",
        ),
        (
            deep.as_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "err-oscal-invalid",
            "nesting is deeper",
        ),
        (
            b"{\"catalog\": ",
            StatusCode::UNPROCESSABLE_ENTITY,
            "err-oscal-invalid",
            "line 1",
        ),
        (
            &huge,
            StatusCode::UNPROCESSABLE_ENTITY,
            "err-oscal-too-large",
            "over the limit",
        ),
    ];
    for (doc, status, code, message) in cases {
        let r = import(&app, &a_admin, doc, "").await;
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{}", r.body);
        assert!(err_message(&r).contains(message), "{}", r.body);
        assert_eq!(r.json()["error"]["field"], "file");
    }
    assert_eq!(catalog_count(&app).await, stored);
    // the page shows the location too
    let page = multipart(
        &app,
        "/posture/catalogs",
        &a_admin,
        &[("file", Some("c.json"), b"{\"catalog\": {\"uuid\": 5}}")],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("$.catalog.uuid"), "{}", page.body);

    // only administrators import
    for who in [
        &a_staff,
        &app.a.as_role(Role::Auditor),
        &app.fsa.as_role(Role::Staff),
    ] {
        assert_eq!(
            import(&app, who, SMALL, "x").await.status,
            StatusCode::FORBIDDEN
        );
    }

    // B sees neither the edition nor its page, and cannot assess against it
    assert!(!ids(&app.get("/api/v1/posture/catalogs", &b_staff).await.json()).contains(&cat));
    let path = format!("/api/v1/posture/catalogs/{cat}");
    assert_eq!(app.get(&path, &b_staff).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&path, &app.fsa.as_role(Role::Staff)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/posture/catalogs/{cat}"), &b_staff)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let body =
        json!({"kind": "self", "scope": "enterprise", "as_of": "2026-03-31", "catalog_id": cat});
    let r = app
        .json(Method::POST, "/api/v1/posture/assessments", &b_staff, &body)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // A assesses against it and answers
    let doc = app.get(&path, &a_staff).await.json();
    let req = doc["sections"][0]["requirements"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .json(Method::POST, "/api/v1/posture/assessments", &a_staff, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let asm = r.json()["id"].as_str().unwrap().to_owned();
    let ans =
        json!({"requirement_id": req, "result": "met", "rationale": "seen", "confidence": "high"});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/posture/assessments/{asm}/answers"),
            &a_staff,
            &ans,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = app.get(&format!("/posture/catalogs/{cat}"), &a_staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&req));

    // B importing the very same bytes gains its own view of the edition
    let r = import(&app, &b_admin, SMALL, "small-test").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(ids(&app.get("/api/v1/posture/catalogs", &b_staff).await.json()).contains(&cat));
    // a supervisor's import is public
    let r = import(&app, &app.fsa.as_role(Role::Admin), SMALL, "fsa-published").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let public = r.json()["id"].as_str().unwrap().to_owned();
    let seen = app
        .get("/api/v1/posture/catalogs", &app.kinki.as_role(Role::Staff))
        .await
        .json();
    assert!(ids(&seen).contains(&public));
    assert!(!ids(&seen).contains(&cat));
}

async fn answer(app: &TestApp, who: &Who, asm: &str, req: &str, result: &str) {
    let ans = json!({"requirement_id": req, "result": result, "rationale": "board minutes", "confidence": "high"});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/posture/assessments/{asm}/answers"),
            who,
            &ans,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

fn latest<'a>(detail: &'a Value, req: &str) -> Option<&'a Value> {
    detail["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement_id"] == req)
}

fn change<'a>(detail: &'a Value, req: &str) -> Option<&'a str> {
    detail["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[0] == req)
        .and_then(|c| c[1].as_str())
}

#[tokio::test]
async fn mapping_prefills_derived_answers_until_a_person_confirms() {
    let app = TestApp::new().await;
    let (a_admin, a_staff) = (app.a.as_role(Role::Admin), app.a.as_role(Role::Staff));
    let b_admin = app.b.as_role(Role::Admin);
    let small = import(&app, &a_admin, SMALL, "small-map").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cats = app.get("/api/v1/posture/catalogs", &a_staff).await.json();
    let builtin = cats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["builtin"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = app
        .get(&format!("/api/v1/posture/catalogs/{small}"), &a_staff)
        .await
        .json();
    let reqs: Vec<String> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["requirements"].as_array().unwrap().iter())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(reqs.len() >= 2, "{reqs:?}");
    let (t1, t2) = (&reqs[0], &reqs[1]);

    let upload = |csv: String| {
        let (app, a_admin, builtin, small) = (&app, &a_admin, builtin.clone(), small.clone());
        async move {
            multipart(
                app,
                "/api/v1/posture/mappings",
                a_admin,
                &[
                    ("title", None, b"FSA to small"),
                    ("from_catalog", None, builtin.as_bytes()),
                    ("to_catalog", None, small.as_bytes()),
                    ("provenance", None, b"written for the test"),
                    ("file", Some("m.csv"), csv.as_bytes()),
                ],
            )
            .await
        }
    };
    // refusals name the line
    let bad =
        upload("from,to,relationship,strength,rationale\nFSA-BE1-01,nope,equal,8,x\n".into()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        err_message(&bad).starts_with("line 2: requirement \"nope\""),
        "{}",
        bad.body
    );
    let bad = upload("from,to,relationship,strength\n".into()).await;
    assert!(
        err_message(&bad).contains("line 1, column 0"),
        "{}",
        bad.body
    );
    let csv = format!(
        "from,to,relationship,strength,rationale\nFSA-BE1-01,{t1},equal,8,same duty\nFSA-BE1-02,{t2},subset,6,\"part of it, only\"\n"
    );
    let r = upload(csv).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let set = r.json()["id"].as_str().unwrap().to_owned();

    // A answers the built-in catalog, then starts an assessment of the small one through the set
    let body = json!({"kind": "self", "scope": "enterprise", "as_of": "2026-03-31"});
    let src = app
        .json(Method::POST, "/api/v1/posture/assessments", &a_staff, &body)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    answer(&app, &a_staff, &src, "FSA-BE1-01", "met").await;
    answer(&app, &a_staff, &src, "FSA-BE1-02", "not_met").await;
    let body = json!({"kind": "self", "scope": "enterprise", "as_of": "2026-03-31", "catalog_id": small, "mapping_set_id": set});
    let r = app
        .json(Method::POST, "/api/v1/posture/assessments", &a_staff, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let asm = r.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/posture/assessments/{asm}");
    let detail = app.get(&path, &a_staff).await.json();
    assert_eq!(latest(&detail, t1).unwrap()["result"], "met");
    assert_eq!(change(&detail, t1), Some("derived"));
    assert!(latest(&detail, t2).is_none(), "subset only suggests");
    let answered: u64 = detail["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["answered"].as_u64().unwrap())
        .sum();
    assert_eq!(answered, 0, "a derived answer is not a person's answer");
    let page = app
        .get(&format!("/posture/assessments/{asm}"), &a_staff)
        .await;
    assert!(
        page.body.contains(&format!("id=\"derived-{t1}\"")),
        "{}",
        page.body
    );

    // on demand: nothing new to copy, the subset comes back as a suggestion
    let r = app
        .json(
            Method::POST,
            &format!("{path}/prefill"),
            &a_staff,
            &json!({"mapping_set_id": set}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["fills"], 0);
    assert_eq!(r.json()["suggestions"][0][0], t2.as_str());

    // a person confirms: a new revision, no longer derived; history keeps both
    let r = app
        .json(
            Method::POST,
            &format!("{path}/confirm"),
            &a_staff,
            &json!({"requirement_id": t1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json(), 2);
    let detail = app.get(&path, &a_staff).await.json();
    assert_ne!(change(&detail, t1), Some("derived"));
    let answered: u64 = detail["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["answered"].as_u64().unwrap())
        .sum();
    assert_eq!(answered, 1);
    let hist = app
        .get(&format!("{path}/history?requirement={t1}"), &a_staff)
        .await
        .json();
    assert_eq!(hist.as_array().unwrap().len(), 2);
    // a confirmed answer is a person's: pre-fill never overwrites it
    answer(&app, &a_staff, &src, "FSA-BE1-01", "not_met").await;
    let r = app
        .json(
            Method::POST,
            &format!("{path}/prefill"),
            &a_staff,
            &json!({"mapping_set_id": set}),
        )
        .await;
    assert_eq!(r.json()["fills"], 0, "{}", r.body);

    // the set in both export formats, in the import format
    let csv = app
        .get(&format!("/posture/mappings/{set}/entries.csv"), &a_staff)
        .await;
    assert!(
        csv.body
            .contains(&format!("FSA-BE1-01,{t1},equal,8,same duty")),
        "{}",
        csv.body
    );
    let xlsx = app
        .get(&format!("/posture/mappings/{set}/entries.xlsx"), &a_staff)
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.raw.starts_with(b"PK"));
    assert_eq!(
        app.get(&format!("/posture/mappings/{set}"), &a_staff)
            .await
            .status,
        StatusCode::OK
    );

    // B sees nothing of it
    let b_staff = app.b.as_role(Role::Staff);
    assert!(
        !app.get("/api/v1/posture/mappings", &b_staff)
            .await
            .body
            .contains(&set)
    );
    for p in [
        format!("/api/v1/posture/mappings/{set}"),
        format!("/posture/mappings/{set}"),
        format!("/posture/mappings/{set}/entries.csv"),
        format!("/posture/mappings/{set}/entries.xlsx"),
    ] {
        assert_eq!(
            app.get(&p, &b_staff).await.status,
            StatusCode::NOT_FOUND,
            "{p}"
        );
    }
    let r = app
        .json(
            Method::POST,
            &format!("{path}/prefill"),
            &app.b.as_role(Role::Staff),
            &json!({"mapping_set_id": set}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // B's own draft cannot use A's set
    let body = json!({"kind": "self", "scope": "enterprise", "as_of": "2026-03-31", "mapping_set_id": set});
    let r = app
        .json(Method::POST, "/api/v1/posture/assessments", &b_staff, &body)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // nor install a mapping into A's catalog
    let r = app
        .json(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            &b_admin,
            &json!({"to_catalog": small}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A can: the built-in mapping keeps the entries whose control the catalog has (ir-4)
    let r = app
        .json(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            &a_admin,
            &json!({"to_catalog": small}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = app
        .get(
            &format!(
                "/api/v1/posture/mappings/{}",
                r.json()["id"].as_str().unwrap()
            ),
            &a_staff,
        )
        .await
        .json();
    let tos: Vec<&str> = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert!(
        !tos.is_empty() && tos.iter().all(|t| reqs.iter().any(|r| r == t)),
        "{tos:?}"
    );
    // and refuses the built-in catalog itself as a target: it has none of the controls
    let r = app
        .json(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            &a_admin,
            &json!({"to_catalog": builtin}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn oscal_exports_are_valid_and_stay_with_their_readers() {
    let app = TestApp::new().await;
    let recs = records(&app, &app.a).await;
    let a_staff = app.a.as_role(Role::Staff);
    let base = format!("/api/v1/posture/assessments/{}/oscal", recs.assessment);
    let ar = app
        .get(&format!("{base}/assessment-results"), &a_staff)
        .await;
    assert_eq!(ar.status, StatusCode::OK, "{}", ar.body);
    let ar = ar.json();
    assert!(
        ar["assessment-results"]["results"][0]["findings"].is_array(),
        "{ar}"
    );
    let poam = app.get(&format!("{base}/poam"), &a_staff).await;
    assert_eq!(poam.status, StatusCode::OK, "{}", poam.body);
    let poam = poam.json();
    assert_eq!(
        poam["plan-of-action-and-milestones"]["poam-items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // the page downloads are attachments
    for p in ["oscal-assessment-results.json", "oscal-poam.json"] {
        let r = app
            .get(
                &format!("/posture/assessments/{}/{p}", recs.assessment),
                &a_staff,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers
                .get("content-disposition")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
    }
    // another institution and the supervisor (the assessment is a draft) see nothing
    for who in [app.b.as_role(Role::Staff), app.fsa.as_role(Role::Staff)] {
        for p in [format!("{base}/assessment-results"), format!("{base}/poam")] {
            assert_eq!(app.get(&p, &who).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        let p = format!("/posture/assessments/{}/oscal-poam.json", recs.assessment);
        assert_eq!(app.get(&p, &who).await.status, StatusCode::NOT_FOUND);
    }
    crate::trestle::validate("assessment-results", &ar);
    crate::trestle::validate("plan-of-action-and-milestones", &poam);
}

#[tokio::test]
async fn catalog_and_mapping_pages_render_in_both_languages() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let cat = import(&app, &admin, SMALL, "small-pages").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .json(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            &admin,
            &json!({"to_catalog": cat}),
        )
        .await;
    let set = r.json()["id"].as_str().unwrap().to_owned();
    let pages = [
        (
            "/posture/catalogs".to_owned(),
            "カタログとマッピング",
            "Catalogs and mappings",
        ),
        (
            format!("/posture/catalogs/{cat}"),
            "フィンガープリント",
            "Fingerprint",
        ),
        (format!("/posture/mappings/{set}"), "交差", "Intersects"),
        (
            "/posture".to_owned(),
            "マッピングで事前入力",
            "Pre-fill through mapping",
        ),
    ];
    for (path, ja, en) in &pages {
        let r = app.get(path, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains(ja), "{path} in Japanese: {}", r.body);
        let req = TestApp::request(Method::GET, path, &admin)
            .header("accept-language", "en")
            .body(Body::empty())
            .unwrap();
        let r = app.send(req).await;
        assert!(r.body.contains(en), "{path} in English: {}", r.body);
    }
    // staff see the catalogs but no import forms
    let page = app
        .get("/posture/catalogs", &app.a.as_role(Role::Staff))
        .await;
    assert!(page.body.contains("catalogs") && !page.body.contains("id=\"oscal-import\""));
    // the built-in mapping into the small catalog relates FSA viewpoints to ir-4 only
    let csv = app
        .get(&format!("/posture/mappings/{set}/entries.csv"), &admin)
        .await
        .body;
    assert!(
        csv.starts_with("from,to,relationship,strength,rationale\r\n"),
        "{csv}"
    );
    assert!(csv.lines().skip(1).all(|l| l.contains(",ir-4,")), "{csv}");
}

#[tokio::test]
async fn a_profile_is_imported_with_the_catalog_it_imports() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let profile = br#"{"profile": {
        "uuid": "5c0c4a57-1c3f-4d5e-9a8b-2e4f6a7b8c9d",
        "metadata": {"title": "Test Profile", "last-modified": "2025-06-01T00:00:00Z",
                     "version": "2", "oscal-version": "1.1.2"},
        "imports": [{"href": "small.json", "include-controls": [{"with-ids": ["gov-1", "ir-4"]}]}]
    }}"#;
    let send = |catalog: &'static [u8]| {
        let (app, admin) = (&app, &admin);
        async move {
            multipart(
                app,
                "/api/v1/posture/catalogs",
                admin,
                &[
                    ("kind", None, b"profile"),
                    ("file", Some("p.json"), profile),
                    ("catalog", Some("small.json"), catalog),
                ],
            )
            .await
        }
    };
    let r = send(SMALL).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let doc = app
        .get(&format!("/api/v1/posture/catalogs/{id}"), &admin)
        .await
        .json();
    let reqs: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["requirements"].as_array().unwrap().iter())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(reqs, ["gov-1", "ir-4"]);
    // without the catalog, or with a broken one, the refusal says where
    let r = send(b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "catalog");
    let r = send(b"{\"catalog\": [}").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        err_message(&r).starts_with("in small.json: line 1"),
        "{}",
        r.body
    );
}

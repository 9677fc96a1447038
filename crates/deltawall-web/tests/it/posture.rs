//! Posture over HTTP: assessments, evidence, risks and findings are never seen by another
//! tenant; a holding company reads its group companies' submitted records (read-only); the
//! supervisor never sees a draft; illegal finding transitions are a 409 with the domain's
//! reason; a new cycle carries answers forward; the pages render in both languages.

use crate::util::{PASSWORD, Resp, Tenant, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::users::{self, NewUser};
use serde_json::{Value, json};

/// One tenant's posture records, for the access tests.
pub struct Records {
    pub assessment: String,
    pub evidence: String,
    pub risk: String,
    pub finding: String,
    pub milestone: String,
}

fn id(r: &Resp) -> String {
    assert!(r.status.is_success(), "{}: {}", r.status, r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Uploads a file through the API's multipart endpoint.
pub async fn upload(
    app: &TestApp,
    who: &Who,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Resp {
    let boundary = "dw-posture-boundary";
    let mut body = Vec::new();
    for (field, value) in [
        ("collected_on", "2026-03-01"),
        ("owner", "CISO"),
        ("tlp", "amber"),
    ] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = TestApp::request(Method::POST, "/api/v1/posture/evidence", who)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn new_assessment(app: &TestApp, who: &Who, previous: Option<&str>) -> String {
    let body = json!({"kind": "self", "scope": "enterprise", "as_of": "2026-03-31", "previous_id": previous});
    id(&app
        .json(Method::POST, "/api/v1/posture/assessments", who, &body)
        .await)
}

async fn answer(
    app: &TestApp,
    who: &Who,
    assessment: &str,
    req: &str,
    result: &str,
    maturity: u8,
) -> Resp {
    let body = json!({"requirement_id": req, "result": result, "maturity": maturity, "rationale": format!("{req} {result}"), "confidence": "high"});
    app.json(
        Method::POST,
        &format!("/api/v1/posture/assessments/{assessment}/answers"),
        who,
        &body,
    )
    .await
}

async fn command(app: &TestApp, who: &Who, finding: &str, body: Value) -> Resp {
    app.json(
        Method::POST,
        &format!("/api/v1/posture/findings/{finding}/transitions"),
        who,
        &body,
    )
    .await
}

/// Creates one of everything for `t`, through the API as its staff user.
pub async fn records(app: &TestApp, t: &Tenant) -> Records {
    let staff = t.as_role(Role::Staff);
    let assessment = new_assessment(app, &staff, None).await;
    let r = answer(app, &staff, &assessment, "FSA-BE1-01", "partial", 2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let evidence = id(&upload(
        app,
        &staff,
        "minutes.pdf",
        "application/pdf",
        b"%PDF-1.7 secret minutes",
    )
    .await);
    let risk = json!({"title": "ransomware on core banking", "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 4, "owner": "CISO", "treatment": "mitigate", "review_on": "2026-09-30"});
    let risk = id(&app
        .json(Method::POST, "/api/v1/posture/risks", &staff, &risk)
        .await);
    let finding = json!({"title": "no contingency exercise", "description": "not exercised in 2025", "severity": "high", "requirement_ids": ["FSA-BE1-01"], "owner_user": t.user_ids[&Role::Staff], "due_on": "2026-01-31", "assessment_id": assessment});
    let finding = id(&app
        .json(Method::POST, "/api/v1/posture/findings", &staff, &finding)
        .await);
    let m = json!({"title": "run the exercise", "owner": "CISO", "due_on": "2026-01-15"});
    let milestone = id(&app
        .json(
            Method::POST,
            &format!("/api/v1/posture/findings/{finding}/milestones"),
            &staff,
            &m,
        )
        .await);
    Records {
        assessment,
        evidence,
        risk,
        finding,
        milestone,
    }
}

/// A subsidiary of A with a staff user, signed in.
async fn subsidiary_of_a(app: &TestApp) -> (String, Who) {
    let hash = deltawall_app::platform::auth::password::hash(PASSWORD.into())
        .await
        .unwrap();
    let mut tx = app.db.store.write().await.unwrap();
    let org = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: "A信託銀行".into(),
            name_en: "A Trust Bank".into(),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::RegionalBank),
            region: Some(Region::Kinki),
            parent_id: Some(app.a.org_id.clone()),
        },
    )
    .await
    .unwrap();
    users::create(
        &mut tx,
        &NewUser {
            org_id: org.clone(),
            login: "sub-staff".into(),
            display_name: "sub staff".into(),
            email: None,
            role: Role::Staff,
            password_hash: hash,
            lang: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (org, Who::Session(app.login("sub-staff", PASSWORD).await))
}

#[tokio::test]
async fn tenants_never_see_each_others_posture() {
    let app = TestApp::new().await;
    let b = records(&app, &app.b).await;
    let a_staff = app.a.as_role(Role::Staff);
    for path in [
        format!("/api/v1/posture/assessments/{}", b.assessment),
        format!("/api/v1/posture/assessments/{}/history", b.assessment),
        format!("/api/v1/posture/evidence/{}", b.evidence),
        format!("/api/v1/posture/findings/{}", b.finding),
        format!("/posture/assessments/{}", b.assessment),
        format!("/posture/evidence/{}", b.evidence),
        format!("/posture/findings/{}", b.finding),
    ] {
        let r = app.get(&path, &a_staff).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(
            !r.body.contains("secret minutes") && !r.body.contains("contingency"),
            "{path}"
        );
    }
    for path in [
        "/api/v1/posture/assessments",
        "/api/v1/posture/evidence",
        "/api/v1/posture/risks",
        "/api/v1/posture/findings",
        "/api/v1/posture/report",
        "/posture",
        "/posture/evidence",
        "/posture/risks",
        "/posture/findings",
        "/posture/findings.csv",
        "/posture/risks.csv",
        "/posture/evidence.csv",
        "/posture/report",
        "/posture/group",
    ] {
        let r = app.get(path, &a_staff).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        for secret in [
            &b.assessment,
            &b.evidence,
            &b.risk,
            &b.finding,
            &app.b.org_id,
        ] {
            assert!(!r.body.contains(secret.as_str()), "{path} leaks {secret}");
        }
        assert!(
            !r.body.contains("ransomware") && !r.body.contains("minutes.pdf"),
            "{path}"
        );
    }
    // B sees its own, with the file's exact bytes and hash.
    let b_staff = app.b.as_role(Role::Staff);
    let file = app
        .get(
            &format!("/api/v1/posture/evidence/{}", b.evidence),
            &b_staff,
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, "%PDF-1.7 secret minutes");
    assert_eq!(file.headers["content-type"], "application/octet-stream");
    assert_eq!(
        file.headers["x-evidence-sha256"].to_str().unwrap().len(),
        64,
        "the hash travels with the file"
    );
    let list = app.get("/api/v1/posture/risks", &b_staff).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_supervisor_sees_submitted_assessments_and_issued_findings_only() {
    let app = TestApp::new().await;
    let a = records(&app, &app.a).await;
    let fsa = app.fsa.as_role(Role::Staff);
    let kinki = app.kinki.as_role(Role::Staff);
    for who in [&fsa, &kinki] {
        assert_eq!(
            app.get(
                &format!("/api/v1/posture/assessments/{}", a.assessment),
                who
            )
            .await
            .status,
            StatusCode::NOT_FOUND,
            "a draft stays home"
        );
        assert_eq!(
            app.get("/api/v1/posture/assessments", who).await.json(),
            json!([])
        );
        assert_eq!(
            app.get("/api/v1/posture/findings", who).await.json(),
            json!([])
        );
    }
    let a_staff = app.a.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/posture/assessments/{}/submit", a.assessment),
            &a_staff,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let exec = app.a.as_role(Role::Executive);
    let r = command(&app, &exec, &a.finding, json!({"command": "issue"})).await;
    assert_eq!(r.json()["state"], "issued");
    for who in [&fsa, &kinki] {
        let got = app
            .get(
                &format!("/api/v1/posture/assessments/{}", a.assessment),
                who,
            )
            .await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        assert_eq!(got.json()["results"][0]["requirement_id"], "FSA-BE1-01");
        assert_eq!(
            app.get("/api/v1/posture/findings", who)
                .await
                .json()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Evidence and the risk register never reach the supervisor.
        assert_eq!(
            app.get(&format!("/api/v1/posture/evidence/{}", a.evidence), who)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/posture/risks", who).await.json(),
            json!([])
        );
        // Reading is not writing.
        let r = answer(&app, who, &a.assessment, "FSA-BE1-02", "met", 2).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // The Kanto shinkin's records stay out of the Kinki bureau's reach even when submitted.
    let b = records(&app, &app.b).await;
    let b_staff = app.b.as_role(Role::Staff);
    app.json(
        Method::POST,
        &format!("/api/v1/posture/assessments/{}/submit", b.assessment),
        &b_staff,
        &json!({}),
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/posture/assessments/{}", b.assessment),
            &kinki
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/posture/assessments/{}", b.assessment),
            &fsa
        )
        .await
        .status,
        StatusCode::OK
    );
    // A submitted assessment takes no more answers.
    let r = answer(&app, &a_staff, &a.assessment, "FSA-BE1-02", "met", 2).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("err-assessment-submitted"))
    );
}

#[tokio::test]
async fn a_holding_company_reads_its_group_read_only() {
    let app = TestApp::new().await;
    let (sub, sub_staff) = subsidiary_of_a(&app).await;
    let draft = new_assessment(&app, &sub_staff, None).await;
    let a_staff = app.a.as_role(Role::Staff);
    assert_eq!(
        app.get(&format!("/api/v1/posture/assessments/{draft}"), &a_staff)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the parent does not see the subsidiary's draft"
    );
    answer(&app, &sub_staff, &draft, "FSA-BE1-01", "met", 3).await;
    answer(&app, &sub_staff, &draft, "FSA-BE2-01", "not_met", 1).await;
    app.json(
        Method::POST,
        &format!("/api/v1/posture/assessments/{draft}/submit"),
        &sub_staff,
        &json!({}),
    )
    .await;
    let got = app
        .get(&format!("/api/v1/posture/assessments/{draft}"), &a_staff)
        .await;
    assert_eq!(got.status, StatusCode::OK);
    let group = app.get("/api/v1/posture/group", &a_staff).await.json();
    let companies = group["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 1, "{group}");
    assert_eq!(companies[0]["org_id"], sub.as_str());
    let be1 = companies[0]["progress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["section_id"] == "FSA-BE1")
        .unwrap();
    assert_eq!(
        (be1["answered"].clone(), be1["met"].clone()),
        (json!(1), json!(1))
    );
    let page = app.get("/posture/group", &a_staff).await;
    assert!(page.body.contains("A信託銀行"), "{}", page.body);
    let csv = app.get("/posture/group.csv", &a_staff).await;
    assert!(
        csv.body.contains(&sub) && csv.body.contains("FSA-BE2"),
        "{}",
        csv.body
    );
    // Group maturity (issue 17): the subsidiary's levels by element, BE2 below target 2.
    let m = app.get("/posture/group/maturity?target=2", &a_staff).await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let row = m
        .body
        .split("<th scope=\"row\">A信託銀行</th>")
        .nth(1)
        .unwrap();
    let row = row.split("</tr>").next().unwrap();
    assert!(
        row.contains(">3.00<") && row.contains("below-target\">1.00"),
        "{row}"
    );
    let bad = app.get("/posture/group/maturity?target=9", &a_staff).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Read-only: the parent cannot answer or submit for the subsidiary.
    let r = answer(&app, &a_staff, &draft, "FSA-BE1-02", "met", 2).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nobody else's roll-up holds it: B's is empty, the subsidiary has no group.
    for who in [app.b.as_role(Role::Staff), sub_staff.clone()] {
        let g = app.get("/api/v1/posture/group", &who).await.json();
        assert_eq!(g["companies"], json!([]), "{g}");
    }
    // Supervisors have no roll-up page of their own.
    assert_eq!(
        app.get("/api/v1/posture/group", &app.fsa.as_role(Role::Staff))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn findings_follow_the_domain_state_machine() {
    let app = TestApp::new().await;
    let a = records(&app, &app.a).await;
    let staff = app.a.as_role(Role::Staff);
    let exec = app.a.as_role(Role::Executive);
    let before = app.audit_count().await;
    let steps: &[(&Who, Value, StatusCode, &str)] = &[
        (
            &staff,
            json!({"command": "close"}),
            StatusCode::CONFLICT,
            "cannot close a finding that is Draft",
        ),
        (&exec, json!({"command": "issue"}), StatusCode::OK, "issued"),
        (
            &exec,
            json!({"command": "acknowledge"}),
            StatusCode::CONFLICT,
            "only the finding's owner may acknowledge or dispute",
        ),
        (
            &staff,
            json!({"command": "acknowledge"}),
            StatusCode::OK,
            "acknowledged",
        ),
        (
            &exec,
            json!({"command": "accept_plan"}),
            StatusCode::OK,
            "plan_accepted",
        ),
        (
            &staff,
            json!({"command": "start_remediation"}),
            StatusCode::OK,
            "in_remediation",
        ),
        (
            &staff,
            json!({"command": "claim_remediation"}),
            StatusCode::OK,
            "remediation_claimed",
        ),
        (
            &staff,
            json!({"command": "verify_pass"}),
            StatusCode::CONFLICT,
            "verification must be done by someone other than the owner and the claimant",
        ),
        (
            &exec,
            json!({"command": "verify_pass"}),
            StatusCode::OK,
            "verified",
        ),
        (
            &staff,
            json!({"command": "close"}),
            StatusCode::OK,
            "closed",
        ),
        (
            &staff,
            json!({"command": "fly"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "command",
        ),
    ];
    for (who, body, status, expect) in steps {
        let r = command(&app, who, &a.finding, body.clone()).await;
        assert_eq!(r.status, *status, "{body}: {}", r.body);
        let j = r.json();
        let got = if r.status == StatusCode::OK {
            j["state"].as_str().unwrap().to_owned()
        } else if r.status == StatusCode::CONFLICT {
            assert_eq!(j["error"]["code"], "err-finding-refused");
            j["error"]["message"].as_str().unwrap().to_owned()
        } else {
            j["error"]["field"].as_str().unwrap().to_owned()
        };
        assert_eq!(got, *expect, "{body}");
    }
    assert_eq!(
        app.audit_count().await,
        before + 7,
        "one audit entry per accepted command"
    );
    let detail = app
        .get(&format!("/api/v1/posture/findings/{}", a.finding), &staff)
        .await
        .json();
    assert_eq!(detail["finding"]["history"].as_array().unwrap().len(), 7);
    assert_eq!(detail["allowed"], json!(["reopen"]));
    // The milestone was due in the past and is not done: the page highlights it.
    let page = app
        .get(&format!("/posture/findings/{}", a.finding), &staff)
        .await;
    assert!(page.body.contains("class=\"overdue\""), "{}", page.body);
    assert!(page.body.contains("完了"), "Japanese first");
    let r = app
        .form(
            Method::POST,
            &format!(
                "/posture/findings/{}/milestones/{}/done",
                a.finding, a.milestone
            ),
            &staff,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Risk acceptance: a high finding needs an executive.
    let f = json!({"title": "legacy TLS", "severity": "high", "owner_user": app.a.user_ids[&Role::Staff]});
    let f = id(&app
        .json(Method::POST, "/api/v1/posture/findings", &staff, &f)
        .await);
    command(&app, &exec, &f, json!({"command": "issue"})).await;
    command(&app, &staff, &f, json!({"command": "acknowledge"})).await;
    let accept =
        json!({"command": "accept_risk", "reason": "replaced in Q3", "expires_on": "2099-12-31"});
    let admin = app.a.as_role(Role::Admin);
    let r = command(&app, &admin, &f, accept.clone()).await;
    assert_eq!(
        r.json()["error"]["message"],
        "a High finding's risk must be accepted by an executive"
    );
    let r = command(&app, &exec, &f, accept).await;
    assert_eq!(r.json()["state"], "risk_accepted", "{}", r.body);
    // The UI offers exactly the commands the domain allows, as buttons.
    let page = app.get(&format!("/posture/findings/{f}"), &exec).await;
    assert!(page.body.contains("id=\"cmd-close\"") && page.body.contains("id=\"cmd-reopen\""));
    assert!(!page.body.contains("id=\"cmd-issue\""));
    let r = app
        .form(
            Method::POST,
            &format!("/posture/findings/{f}/transition"),
            &exec,
            &[("command", "issue")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_new_cycle_carries_answers_forward_and_shows_what_changed() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let first = new_assessment(&app, &staff, None).await;
    for (req, result) in [
        ("FSA-BE1-01", "met"),
        ("FSA-BE1-02", "partial"),
        ("FSA-BE1-03", "not_met"),
    ] {
        answer(&app, &staff, &first, req, result, 2).await;
    }
    let second = new_assessment(&app, &staff, Some(&first)).await;
    let view = app
        .get(&format!("/api/v1/posture/assessments/{second}"), &staff)
        .await
        .json();
    assert_eq!(view["assessment"]["cycle"], 2);
    assert_eq!(view["assessment"]["previous_id"], first.as_str());
    let results = view["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["carried"] == true));
    // Confirm one through the page, change another, leave the third.
    let r = app
        .form(
            Method::POST,
            &format!("/posture/assessments/{second}/confirm"),
            &staff,
            &[("requirement_id", "FSA-BE1-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    answer(&app, &staff, &second, "FSA-BE1-02", "met", 3).await;
    let view = app
        .get(&format!("/api/v1/posture/assessments/{second}"), &staff)
        .await
        .json();
    let changes: Vec<(String, String)> = view["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap().to_owned(),
                c[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("FSA-BE1-01".to_owned(), "confirmed".to_owned()),
            ("FSA-BE1-02".into(), "changed".into()),
            ("FSA-BE1-03".into(), "carried".into()),
        ]
    );
    let be1 = &view["progress"][0];
    assert_eq!(
        (be1["answered"].clone(), be1["carried"].clone()),
        (json!(2), json!(1))
    );
    // The revision history keeps every step; nothing was overwritten.
    let hist = app
        .get(
            &format!("/api/v1/posture/assessments/{second}/history?requirement=FSA-BE1-02"),
            &staff,
        )
        .await
        .json();
    assert_eq!(hist.as_array().unwrap().len(), 2);
    assert_eq!(
        hist[1]["reviewed_by"],
        app.a.user_ids[&Role::Staff].as_str()
    );
    // As reported on a day before anything was recorded: nothing.
    let past = app
        .get(
            &format!("/api/v1/posture/assessments/{second}?as_of=2020-01-01"),
            &staff,
        )
        .await
        .json();
    assert_eq!(past["results"], json!([]));
    let bad = app
        .get(
            &format!("/api/v1/posture/assessments/{second}?as_of=yesterday"),
            &staff,
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("as_of"))
    );
    // Not applicable needs a justification.
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/posture/assessments/{second}/answers"),
            &staff,
            &json!({"requirement_id": "FSA-BE2-01", "result": "not_applicable", "rationale": "x", "confidence": "low"}),
        )
        .await;
    assert_eq!(r.json()["error"]["field"], "justification", "{}", r.body);
}

#[tokio::test]
async fn evidence_uploads_are_limited_and_checked() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    // Larger than the router's 1 MiB default, within the evidence limit: accepted.
    let big = vec![b'x'; 3 << 20];
    let r = upload(&app, &staff, "export.csv", "text/csv", &big).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = app.get("/api/v1/posture/evidence", &staff).await.json();
    assert_eq!(list[0]["size"], 3 << 20);
    // Just over the file limit: refused by the check, naming the field.
    let over = vec![b'x'; (8 << 20) + 1];
    let r = upload(&app, &staff, "huge.csv", "text/csv", &over).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("err-too-large"))
    );
    // Far over: the body limit stops it while it is read.
    let huge = vec![b'x'; 9 << 20];
    let r = upload(&app, &staff, "huge.csv", "text/csv", &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    for ct in ["text/html", "image/svg+xml", "application/javascript"] {
        let r = upload(&app, &staff, "page.html", ct, b"<script>alert(1)</script>").await;
        assert_eq!(
            (r.status, r.json()["error"]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("err-content-type")),
            "{ct}"
        );
    }
    // A garbled body is a 400 naming the problem, not a panic.
    let req = TestApp::request(Method::POST, "/api/v1/posture/evidence", &staff)
        .header("content-type", "multipart/form-data; boundary=x")
        .body(Body::from(
            "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated",
        ))
        .unwrap();
    let r = app.send(req).await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "refused uploads store nothing"
    );
}

#[tokio::test]
async fn pages_render_in_japanese_and_english() {
    let app = TestApp::new().await;
    let a = records(&app, &app.a).await;
    let staff = app.a.as_role(Role::Staff);
    let exec = app.a.as_role(Role::Executive);
    command(&app, &exec, &a.finding, json!({"command": "issue"})).await;
    let pages = [
        ("/posture".to_owned(), "要素別の進捗", "Progress by element"),
        (
            format!("/posture/assessments/{}", a.assessment),
            "典型的な証跡",
            "Typical evidence",
        ),
        (
            format!("/posture/assessments/{}/history", a.assessment),
            "改訂履歴",
            "Revision history",
        ),
        (
            "/posture/evidence".to_owned(),
            "証跡をアップロード",
            "Upload evidence",
        ),
        ("/posture/risks".to_owned(), "低減", "Mitigate"),
        ("/posture/findings".to_owned(), "期限超過", "Overdue"),
        (
            "/posture/report".to_owned(),
            "成熟度の推移",
            "Maturity over time",
        ),
    ];
    for (path, ja, en) in &pages {
        let r = app.get(path, &staff).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains(ja), "{path} in Japanese");
        let req = TestApp::request(Method::GET, path, &staff)
            .header("accept-language", "en")
            .body(Body::empty())
            .unwrap();
        let r = app.send(req).await;
        assert!(r.body.contains(en), "{path} in English: {}", r.body);
    }
    // The report's chart and its table carry the same numbers.
    let report = app.get("/posture/report", &staff).await.body;
    assert!(report.contains("<svg") && report.contains("maturity-table"));
    assert!(report.contains("2.00"), "mean maturity of the one answer");
    for table in ["elements", "maturity", "open", "overdue", "expiring"] {
        let r = app
            .get(&format!("/posture/report.csv?table={table}"), &staff)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{table}");
        assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    }
    let overdue = app
        .get("/posture/report.csv?table=overdue", &staff)
        .await
        .body;
    assert!(overdue.contains(&a.finding), "{overdue}");
    let results = app
        .get(
            &format!("/posture/assessments/{}/results.csv", a.assessment),
            &staff,
        )
        .await
        .body;
    assert!(results.contains("FSA-BE1-01,1,partial,2,high"), "{results}");
    assert_eq!(
        app.get("/posture/report.csv?table=x", &staff).await.status,
        StatusCode::BAD_REQUEST
    );
}

//! Regression tests for the rest of issue 18 (findings 3 to 7 and 9 to 11, and the audit
//! trail's record of tokens): each failed on main before its fix.

use crate::security::token;
use crate::taxii::{AMBER, RED, add, id, indicator, setup};
use crate::util::{PASSWORD, Resp, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_app::platform::auth::totp;
use deltawall_domain::role::Role;
use serde_json::{Value, json};

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn issue(app: &TestApp, who: &Who, proof: Value) -> Resp {
    let mut body = json!({"name": "probe", "scope": "read", "days": 30});
    if let (Value::Object(b), Value::Object(p)) = (&mut body, proof) {
        b.extend(p);
    }
    app.json(Method::POST, "/api/v1/tokens", who, &body).await
}

/// Finding 3: issuing and revoking tokens needs the current password or a current TOTP
/// code (used once); the TOTP secret is stored sealed, never in clear.
#[tokio::test]
async fn token_changes_need_a_step_up_and_totp_secrets_are_sealed() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let before = app.audit_count().await;
    for proof in [
        json!({}),
        json!({"current_password": "not the password"}),
        json!({"current_code": "123456"}),
    ] {
        let r = issue(&app, &admin, proof.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{proof}");
    }
    let r = app
        .form(
            Method::POST,
            "/tokens",
            &admin,
            &[("name", "x"), ("scope", "read"), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The two wrong proofs are audited as failed step-ups (they count toward the lock);
    // the missing ones are not, and no change is.
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "a refused change was audited"
    );
    let made = issue(&app, &admin, json!({"current_password": PASSWORD})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let path = format!("/api/v1/tokens/{}", made.json()["id"].as_str().unwrap());
    for proof in [json!({}), json!({"current_password": "nope"})] {
        let r = app.json(Method::DELETE, &path, &admin, &proof).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{proof}");
    }

    // Enrol a second factor: its secret is sealed at rest.
    let page = app
        .form(
            Method::POST,
            "/account/totp",
            &admin,
            &[("current_password", PASSWORD)],
        )
        .await;
    let secret = page
        .body
        .split(r#"<code id="totp-secret">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let code = totp::code_at(&secret, now_secs()).unwrap();
    let r = app
        .form(
            Method::POST,
            "/account/totp/confirm",
            &admin,
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let backup = deltawall_store::backup::export(&app.db.store)
        .await
        .unwrap()
        .to_string();
    assert!(
        !backup.contains(&secret),
        "the TOTP secret is stored in clear"
    );
    assert!(backup.contains("sealed:v1:"));
    // A current code is a step-up, once.
    let next = totp::code_at(&secret, now_secs() + 30).unwrap();
    let r = app
        .json(
            Method::DELETE,
            &path,
            &admin,
            &json!({"current_code": next}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let again = issue(&app, &admin, json!({"current_code": next})).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code was used twice"
    );
}

/// Finding 4: a bureau neither registers an organisation outside its region and kinds nor
/// moves an institution out of its region; nothing is written.
#[tokio::test]
async fn a_bureau_writes_organisations_only_within_its_reach() {
    let app = TestApp::new().await;
    let kinki = app.kinki.as_role(Role::Admin);
    let fsa = app.fsa.as_role(Role::Admin);
    let count = |v: Value| v.as_array().unwrap().len();
    let orgs_before = count(app.get("/api/v1/orgs?limit=500", &fsa).await.json());
    let audit_before = app.audit_count().await;
    let org = |kind: &str, region: &str| {
        let bt = if kind == "institution" {
            json!("shinkin_bank")
        } else {
            Value::Null
        };
        json!({"name_ja": "外", "name_en": "Outside", "kind": kind, "business_type": bt, "region": region})
    };
    for body in [
        org("institution", "kanto"),
        org("supervisor", "kinki"),
        org("sharing_body", "kinki"),
    ] {
        let r = app.json(Method::POST, "/api/v1/orgs", &kinki, &body).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{body}: {} {}",
            r.status,
            r.body
        );
    }
    let a_path = format!("/api/v1/orgs/{}", app.a.org_id);
    let mut moved = org("institution", "kanto");
    moved["name_en"] = json!("Bank A");
    moved["business_type"] = json!("regional_bank");
    let r = app.json(Method::PUT, &a_path, &kinki, &moved).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.body
    );
    assert_eq!(
        count(app.get("/api/v1/orgs?limit=500", &fsa).await.json()),
        orgs_before
    );
    assert_eq!(app.get(&a_path, &fsa).await.json()["region"], "kinki");
    assert_eq!(app.audit_count().await, audit_before);
    // Inside its reach it still works.
    let r = app
        .json(
            Method::POST,
            "/api/v1/orgs",
            &kinki,
            &org("institution", "kinki"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// Finding 5: only the organisation that manages a trust group closes, extends or reopens
/// it, and a closed group can be reopened.
#[tokio::test]
async fn trust_groups_are_changed_only_by_their_manager() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let kinki = app.kinki.as_role(Role::Admin);
    let r = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots",
            &fsa,
            &json!({"id": "council-1", "title": "Council", "kind": "council"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let collection =
        json!({"title": "x", "grants": [{"grantee": "kind:institution", "can_read": true}]});
    let post = |who: &Who, path: &str, body: &Value| {
        let (who, path, body) = (who.clone(), path.to_owned(), body.clone());
        let app = &app;
        async move { app.json(Method::POST, &path, &who, &body).await.status }
    };
    let before = app.audit_count().await;
    assert_eq!(
        post(
            &kinki,
            "/api/v1/sharing/roots/council-1/collections",
            &collection
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&kinki, "/api/v1/sharing/roots/council-1/close", &json!({})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_count().await, before);
    assert_eq!(
        post(&fsa, "/api/v1/sharing/roots/council-1/close", &json!({})).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(&kinki, "/api/v1/sharing/roots/council-1/reopen", &json!({})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&fsa, "/api/v1/sharing/roots/council-1/reopen", &json!({})).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(
            &fsa,
            "/api/v1/sharing/roots/council-1/collections",
            &collection
        )
        .await,
        StatusCode::CREATED
    );
}

/// Finding 6: a supervisor does not provision people inside an institution that has its
/// own administrators; it onboards only the first administrator of a new one. The
/// institution's administrator sees and deactivates every account in it.
#[tokio::test]
async fn supervisors_onboard_but_do_not_provision_institutions() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let user = |login: &str, role: &str| json!({"login": login, "display_name": "x", "role": role, "password": "a very long password 1"});
    let a_users = format!("/api/v1/orgs/{}/users", app.a.org_id);
    let r = app
        .json(Method::POST, &a_users, &fsa, &user("fsa-plant", "staff"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .json(Method::POST, &a_users, &fsa, &user("fsa-plant2", "admin"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A supervisor changes nobody of A either.
    let a_staff = &app.a.user_ids[&Role::Staff];
    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/users/{a_staff}"),
            &fsa,
            &json!({"role": "admin"}),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.body
    );
    // A new institution: its first account is an administrator the FSA onboards.
    let new = app
        .json(
            Method::POST,
            "/api/v1/orgs",
            &fsa,
            &json!({"name_ja": "新", "name_en": "New Bank", "kind": "institution", "business_type": "regional_bank", "region": "kanto"}),
        )
        .await
        .json();
    let path = format!("/api/v1/orgs/{}/users", new["id"].as_str().unwrap());
    let r = app
        .json(Method::POST, &path, &fsa, &user("new-staff", "staff"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .json(Method::POST, &path, &fsa, &user("new-admin", "admin"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .json(Method::POST, &path, &fsa, &user("new-admin2", "admin"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The new administrator sees its account and can add its people.
    let session = app.login("new-admin", "a very long password 1").await;
    let own = app.get(&path, &Who::Session(session.clone())).await.json();
    assert_eq!(own[0]["login"], "new-admin", "{own}");
    let r = app
        .json(
            Method::POST,
            &path,
            &Who::Session(session),
            &user("new-staff", "staff"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// Finding 7: adding an object whose id is hidden from the member answers exactly as
/// adding an unknown id does, and the hidden object is untouched.
#[tokio::test]
async fn taxii_add_is_no_oracle_for_hidden_ids() {
    let app = TestApp::new().await;
    setup(&app).await;
    let v = "2026-01-01T00:00:00.000Z";
    add(
        &app,
        "shared",
        &app.a.as_role(Role::Staff),
        &[indicator(1, v, Some(RED)), indicator(2, v, Some(AMBER))],
    )
    .await;
    let b = app.b.as_role(Role::Staff);
    let shape = |mut s: Value| {
        for k in ["id", "request_timestamp"] {
            s.as_object_mut().unwrap().remove(k);
        }
        for d in s["successes"].as_array_mut().into_iter().flatten() {
            d.as_object_mut().unwrap().remove("id");
        }
        s
    };
    let later = "2026-02-01T00:00:00.000Z";
    let hidden = add(
        &app,
        "shared",
        &b,
        &[
            indicator(1, later, Some(RED)),
            indicator(2, later, Some(AMBER)),
        ],
    )
    .await;
    let unknown = add(
        &app,
        "shared",
        &b,
        &[
            indicator(91, later, Some(RED)),
            indicator(92, later, Some(AMBER)),
        ],
    )
    .await;
    assert_eq!(shape(hidden.clone()), shape(unknown), "{hidden}");
    let a_view = crate::taxii::get(
        &app,
        &format!(
            "{}{}/versions/",
            crate::taxii::objects_path("shared"),
            id(1)
        ),
        &app.a.as_role(Role::Staff),
    )
    .await;
    assert_eq!(a_view.json()["versions"], json!([v]), "{}", a_view.body);
}

/// Finding 9: a bureau cannot lower k below the default; the FSA can.
#[tokio::test]
async fn only_the_national_supervisor_lowers_k() {
    let app = TestApp::new().await;
    let put = |who: Who, k: u32| {
        let app = &app;
        async move {
            app.json(
                Method::PUT,
                "/api/v1/supervision/benchmarks/k",
                &who,
                &json!({ "k": k }),
            )
            .await
            .status
        }
    };
    let kinki = app.kinki.as_role(Role::Admin);
    assert_eq!(
        put(kinki.clone(), 2).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put(kinki.clone(), 4).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(put(kinki, 6).await, StatusCode::NO_CONTENT);
    assert_eq!(
        put(app.fsa.as_role(Role::Admin), 2).await,
        StatusCode::NO_CONTENT
    );
}

/// Finding 10: a member's sighting of an indicator it cannot see fails exactly as one of
/// an unknown indicator does, and counts nowhere.
#[tokio::test]
async fn sightings_only_for_indicators_the_member_sees() {
    let app = TestApp::new().await;
    setup(&app).await;
    let v = "2026-01-01T00:00:00.000Z";
    add(
        &app,
        "shared",
        &app.a.as_role(Role::Staff),
        &[indicator(1, v, Some(RED))],
    )
    .await;
    let sighting = |n: u32, target: String| {
        json!({"type": "sighting", "spec_version": "2.1",
               "id": format!("sighting--00000000-0000-4000-8000-{n:012}"),
               "created": v, "modified": v, "sighting_of_ref": target, "count": 1,
               "x_deltawall_false_positive": true})
    };
    let b = app.b.as_role(Role::Staff);
    let hidden = add(&app, "shared", &b, &[sighting(1, id(1))]).await;
    let unknown = add(&app, "shared", &b, &[sighting(2, id(77))]).await;
    let message = |s: &Value, target: &str| {
        s["failures"][0]["message"]
            .as_str()
            .unwrap_or("")
            .replace(target, "<id>")
    };
    assert_eq!(hidden["failure_count"], 1, "{hidden}");
    assert_eq!(message(&hidden, &id(1)), message(&unknown, &id(77)));
}

/// Finding 11: an over-long search is 400, not 500; `next` never leaves the site nor
/// breaks the answer; logins ignore case and answer alike for known and unknown names.
#[tokio::test]
async fn lesser_findings_are_closed() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let long = "x".repeat(60_000);
    for path in [format!("/orgs?q={long}"), format!("/api/v1/orgs?q={long}")] {
        assert_eq!(app.get(&path, &admin).await.status, StatusCode::BAD_REQUEST);
    }
    for next in [
        "/\x7f",
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
    ] {
        let r = app
            .form(
                Method::POST,
                "/lang",
                &Who::Anon,
                &[("lang", "en"), ("next", next)],
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, Some("/")),
            "{next:?}"
        );
    }
    // One account per name whatever its case.
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "A-STAFF"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/")));
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/orgs/{}/users", app.a.org_id),
            &admin,
            &json!({"login": "A-Staff", "display_name": "x", "role": "staff", "password": "a very long password 1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Known and unknown names get the same answer.
    let answer = |login: &'static str| {
        let app = &app;
        async move {
            let r = app
                .form(
                    Method::POST,
                    "/login",
                    &Who::Anon,
                    &[("login", login), ("password", "a wrong password 123")],
                )
                .await;
            (r.status, r.body.replace(login, "<login>"))
        }
    };
    assert_eq!(answer("a-staff").await, answer("nobody-here").await);
}

/// The audit trail names the API token behind a write (its id, never its secret), and
/// says when a session made it.
#[tokio::test]
async fn the_audit_trail_names_the_token_of_a_write() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let secret = token(&app, &admin, "write").await;
    let r = app
        .json(
            Method::PUT,
            &format!("/api/v1/orgs/{}", app.a.org_id),
            &Who::Token(secret.clone()),
            &json!({"name_ja": "A銀行", "name_en": "Bank A2", "kind": "institution", "business_type": "regional_bank", "region": "kinki"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = app.db.store.read().await.unwrap();
    let filter = deltawall_store::audit::AuditFilter {
        action_prefix: Some("token.".into()),
        org_id: None,
    };
    let all = deltawall_domain::OrgScope::All;
    let page = || deltawall_store::Page::new(0, 10);
    let created = deltawall_store::audit::list(&mut c, &all, &filter, page())
        .await
        .unwrap();
    let token_id = created.items[0].object_id.clone().unwrap();
    assert_eq!(created.items[0].summary["via"], "session");
    let filter = deltawall_store::audit::AuditFilter {
        action_prefix: Some("org.update".into()),
        org_id: None,
    };
    let updated = deltawall_store::audit::list(&mut c, &all, &filter, page())
        .await
        .unwrap();
    let entry = &updated.items[0];
    assert_eq!(entry.summary["via"], json!({ "token": token_id }));
    assert!(!entry.summary.to_string().contains(&secret));
}

/// TAXII Basic: a verified credential is remembered, so repeated requests do not each
/// cost an argon2 hash; a password change ends it at once.
#[tokio::test]
async fn basic_credentials_are_remembered_until_the_password_changes() {
    use base64::Engine;
    let app = TestApp::new().await;
    let basic = |pw: &str| {
        let cred = base64::engine::general_purpose::STANDARD.encode(format!("a-staff:{pw}"));
        axum::http::Request::get("/taxii2/")
            .header("accept", crate::taxii::MT)
            .header("authorization", format!("Basic {cred}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let before = deltawall_app::platform::auth::basic_cache::hits();
    for _ in 0..5 {
        assert_eq!(app.send(basic(PASSWORD)).await.status, StatusCode::OK);
    }
    let hits = deltawall_app::platform::auth::basic_cache::hits() - before;
    assert!(
        hits >= 4,
        "only {hits} of 5 requests were answered from memory"
    );
    let new = "a brand new password 42";
    let r = app
        .form(
            Method::POST,
            "/account/password",
            &app.a.as_role(Role::Staff),
            &[("current_password", PASSWORD), ("new_password", new)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.send(basic(PASSWORD)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.send(basic(new)).await.status, StatusCode::OK);
}

/// A supervisor's read of an institution's records is audited under the institution, so
/// the institution sees who looked; its own reads are not.
#[tokio::test]
async fn an_institution_sees_which_supervisor_read_its_records() {
    let app = TestApp::new().await;
    let rec = crate::posture::records(&app, &app.a).await;
    let staff = app.a.as_role(Role::Staff);
    let submit = format!("/api/v1/posture/assessments/{}/submit", rec.assessment);
    let r = app.json(Method::POST, &submit, &staff, &json!({})).await;
    assert!(r.status.is_success(), "{}", r.body);
    let path = format!("/api/v1/posture/assessments/{}", rec.assessment);
    assert_eq!(app.get(&path, &staff).await.status, StatusCode::OK);
    let admin = app.a.as_role(Role::Admin);
    let reads = || async {
        app.get("/api/v1/audit?action=assessment.read", &admin)
            .await
            .json()
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert!(reads().await.is_empty(), "an own read was audited");
    let r = app.get(&path, &app.fsa.as_role(Role::Staff)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let seen = reads().await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0]["actor_user"],
        app.fsa.user_ids[&Role::Staff].as_str()
    );
}

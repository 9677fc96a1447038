//! The home page and `GET /api/v1/me/work`: each person sees the items that wait for them,
//! overdue first, and nothing of another institution; the supervisor's late institutions
//! follow its reach (a bureau sees its region only); the navigation shows each role its own
//! features with the same counts; every error a person meets is a page in their language.

use crate::access::{Body_, Route, r};
use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::DAY_US;
use serde_json::{Value, json};

/// The home routes of the access table.
pub fn access_routes() -> Vec<Route> {
    vec![
        r(Method::GET, "/supervision/late", Body_::None),
        r(Method::GET, "/api/v1/me/work", Body_::None),
        r(Method::GET, "/api/v1/supervision/late", Body_::None),
    ]
}

fn day(app: &TestApp, days: i64) -> String {
    let jst_days = (app.clock.now_us() + 9 * 3600 * 1_000_000).div_euclid(DAY_US);
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(jst_days + days))
        .unwrap()
        .to_string()
}

/// The FSA asks every shinkin bank (institution B only) something due in `days`.
async fn request_to_shinkin(app: &TestApp, title: &str, days: i64) -> String {
    let body = json!({
        "title_ja": title, "title_en": format!("{title} (en)"),
        "asked": {"kind": "questions", "questions": [{"id": "q", "text": {"ja": "質問", "en": "question"}}]},
        "population": {"filter": {"business_types": ["shinkin_bank"]}},
        "deadline": day(app, days),
    });
    let who = app.fsa.as_role(Role::Staff);
    let r = app
        .json(Method::POST, "/api/v1/supervision/requests", &who, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn alert_to_shinkin(app: &TestApp, days: i64) {
    let body = json!({
        "title_ja": "リスト型攻撃への注意", "title_en": "Beware of list attacks",
        "body_ja": "本文", "body_en": "body",
        "population": {"filter": {"business_types": ["shinkin_bank"]}},
        "respond_by": day(app, days),
    });
    let who = app.fsa.as_role(Role::Staff);
    let r = app
        .json(Method::POST, "/api/v1/supervision/alerts", &who, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn work(app: &TestApp, who: &Who) -> Value {
    let r = app.get("/api/v1/me/work", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn titles(work: &Value) -> Vec<(String, bool)> {
    work["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"]["ja"].as_str().unwrap().to_owned(),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_person_sees_their_own_items_overdue_first() {
    let app = TestApp::new().await;
    request_to_shinkin(&app, "後の要請", 20).await;
    request_to_shinkin(&app, "先の要請", 3).await;
    alert_to_shinkin(&app, 10).await;
    let b = app.b.as_role(Role::Staff);
    assert_eq!(
        titles(&work(&app, &b).await),
        vec![
            ("先の要請".to_owned(), false),
            ("リスト型攻撃への注意".to_owned(), false),
            ("後の要請".to_owned(), false),
        ]
    );
    // Institution A (a regional bank) was asked nothing and sees nothing of B's.
    assert!(titles(&work(&app, &app.a.as_role(Role::Staff)).await).is_empty());
    // An auditor acts on nothing, so nothing waits for them.
    assert!(titles(&work(&app, &app.b.as_role(Role::Auditor)).await).is_empty());

    app.clock.advance(5 * DAY_US);
    let after = titles(&work(&app, &b).await);
    assert_eq!(
        after[0],
        ("先の要請".to_owned(), true),
        "overdue comes first"
    );
    assert!(!after[1].1 && !after[2].1);
}

#[tokio::test]
async fn the_home_page_lists_exactly_the_api_items_with_their_links() {
    let app = TestApp::new().await;
    request_to_shinkin(&app, "要請その一", 2).await;
    alert_to_shinkin(&app, 4).await;
    let b = app.b.as_role(Role::Staff);
    let api: Vec<String> = work(&app, &b).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["href"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(api.len(), 2);
    let page = app.get("/", &b).await;
    assert_eq!(page.status, StatusCode::OK);
    let table = &page.body[page.body.find("id=\"work\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let links: Vec<&str> = table
        .split("<a href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(links, api);
    for href in &api {
        assert_eq!(app.get(href, &b).await.status, StatusCode::OK, "{href}");
    }
    // The navigation counts the same items: two under 公助 (requests and alerts).
    assert!(
        page.body.contains("要請 <span class=\"badge\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn late_institutions_follow_the_supervisors_reach() {
    let app = TestApp::new().await;
    let request = request_to_shinkin(&app, "期限のある要請", 1).await;
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(work(&app, &fsa).await["late"]["institutions"], 0);
    app.clock.advance(3 * DAY_US);
    let late = work(&app, &fsa).await["late"].clone();
    assert_eq!(late["institutions"], 1, "{late}");
    assert_eq!(late["cells"][0]["business_type"], "shinkin_bank");
    assert_eq!(late["cells"][0]["region"], "kanto");
    // The Kinki bureau does not reach B (Kanto).
    let kinki = app.kinki.as_role(Role::Staff);
    assert_eq!(work(&app, &kinki).await["late"]["institutions"], 0);
    let list = app
        .get("/api/v1/supervision/late?region=kanto", &kinki)
        .await
        .json();
    assert_eq!(list, json!([]));
    // The FSA's count links to the list behind it, which names B's task.
    let page = app.get("/", &fsa).await.body;
    let table = &page[page.find("id=\"late\"").unwrap()..];
    assert!(
        table.contains("href=\"/supervision/late?business_type=shinkin_bank&#38;region=kanto\""),
        "{table}"
    );
    let list = app
        .get(
            "/supervision/late?business_type=shinkin_bank&region=kanto",
            &fsa,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body
            .contains(&format!("/supervision/requests/{request}/tasks/"))
    );
    // Institutions have no late list.
    let b = app.b.as_role(Role::Staff);
    assert_eq!(
        app.get("/api/v1/supervision/late", &b).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(work(&app, &b).await["late"].is_null());
    let bad = app
        .get("/api/v1/supervision/late?region=atlantis", &fsa)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_navigation_shows_each_role_its_own_features() {
    let app = TestApp::new().await;
    let inst = app.get("/", &app.a.as_role(Role::Staff)).await.body;
    assert!(inst.contains(">自助<") && inst.contains("href=\"/posture\""));
    assert!(!inst.contains("href=\"/supervision\""));
    let sup = app.get("/", &app.fsa.as_role(Role::Staff)).await.body;
    assert!(sup.contains("href=\"/supervision\"") && !sup.contains(">自助<"));
}

fn with_lang(method: Method, path: &str, who: &Who, lang: &str) -> Request<Body> {
    TestApp::request(method, path, who)
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap()
}

fn check_page(resp: &crate::util::Resp, status: StatusCode, text: &str) {
    assert_eq!(resp.status, status);
    let ct = resp.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(resp.body.contains(text), "{}", resp.body);
    assert!(resp.body.contains("href=\"/\""), "a way back");
}

#[tokio::test]
async fn every_error_is_a_page_in_the_users_language() {
    let app = TestApp::new().await;
    let who = app.a.as_role(Role::Staff);
    for (lang, not_found, method) in [
        (
            "ja",
            "見つかりません",
            "このアドレスはその操作を受け付けません",
        ),
        (
            "en",
            "Not found",
            "This address does not accept that request",
        ),
    ] {
        let r = app
            .send(with_lang(Method::GET, "/no/such/page", &who, lang))
            .await;
        check_page(&r, StatusCode::NOT_FOUND, not_found);
        let r = app
            .send(with_lang(Method::DELETE, "/orgs", &who, lang))
            .await;
        check_page(&r, StatusCode::METHOD_NOT_ALLOWED, method);
        let big = TestApp::request(Method::POST, "/orgs", &who)
            .header(header::ACCEPT_LANGUAGE, lang)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(vec![b'a'; 2 * 1024 * 1024]))
            .unwrap();
        let r = app.send(big).await;
        let too_large = if lang == "ja" {
            "大きすぎます"
        } else {
            "too large"
        };
        check_page(&r, StatusCode::PAYLOAD_TOO_LARGE, too_large);
    }
    // A form's address opened directly goes to the page that holds the form.
    let r = app
        .get("/supervision/requests", &app.fsa.as_role(Role::Staff))
        .await;
    assert_eq!(r.location(), Some("/supervision/requests/new"));
    let r = app.get("/account/password", &who).await;
    assert_eq!(r.location(), Some("/account"));
    // The API keeps its JSON envelope.
    let r = app
        .send(with_lang(Method::DELETE, "/api/v1/orgs", &who, "en"))
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!r.body.contains("<html"));
}

/// The hrefs of the actor's incident work items, with whether each is overdue.
async fn reports_due(app: &TestApp, who: &Who) -> Vec<(String, bool)> {
    work(app, who).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["feature"] == "incidents")
        .map(|i| {
            assert_eq!(i["action"], "work-submit-incident-report", "{i}");
            (
                i["href"].as_str().unwrap().to_owned(),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn regulator_reports_due_link_to_their_form_and_leave_once_submitted() {
    let app = TestApp::new().await;
    let exec = app.a.as_role(Role::Executive);
    let r = app
        .json(
            Method::POST,
            "/api/v1/incidents/cases",
            &exec,
            &crate::incidents::case_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case = r.json()["id"].as_str().unwrap().to_owned();
    let first = format!("/incidents/cases/{case}#report-fsa_incident_report-first");
    // Recognised in January: the FSA's first report ("promptly") is overdue by now.
    let due = reports_due(&app, &exec).await;
    assert!(due.contains(&(first.clone(), true)), "{due:?}");
    // The staff member who runs the case sees it too; B's people and A's auditor do not.
    assert_eq!(reports_due(&app, &app.a.as_role(Role::Staff)).await, due);
    assert!(
        reports_due(&app, &app.b.as_role(Role::Staff))
            .await
            .is_empty()
    );
    assert!(
        reports_due(&app, &app.a.as_role(Role::Auditor))
            .await
            .is_empty()
    );
    // The home page links the same anchor, which names the stage's form on the case page,
    // and the navigation's incident entry counts the items.
    let page = app.get("/", &exec).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("href=\"{first}\"")),
        "{}",
        page.body
    );
    let badge = "インシデント <span class=\"badge\"";
    assert!(page.body.contains(badge), "{}", page.body);
    let case_page = app.get(&format!("/incidents/cases/{case}"), &exec).await;
    assert_eq!(case_page.status, StatusCode::OK);
    assert!(
        case_page
            .body
            .contains("id=\"report-fsa_incident_report-first\""),
        "{}",
        case_page.body
    );
    let path = format!("/api/v1/incidents/cases/{case}/reports");
    let r = app
        .json(
            Method::POST,
            &path,
            &exec,
            &crate::incidents::first_report_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let after = reports_due(&app, &exec).await;
    assert!(!after.iter().any(|(h, _)| h == &first), "{after:?}");
}

/// The supervisor's answers to review are one item per request, counting its answers and
/// opening the request's page; a bureau whose region the institution is not in sees none.
#[tokio::test]
async fn answers_to_review_are_one_item_per_request_within_reach() {
    let app = TestApp::new().await;
    let request = request_to_shinkin(&app, "審査待ちの要請", 5).await;
    let inbox = work(&app, &app.b.as_role(Role::Staff)).await;
    let task = inbox["items"][0]["href"]
        .as_str()
        .unwrap()
        .trim_start_matches("/tasks/")
        .to_owned();
    let answers = json!({"answers": [{"id": "q", "value": "yes"}], "attest": true});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/tasks/{task}/submit"),
            &app.b.as_role(Role::Executive),
            &answers,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let fsa = work(&app, &app.fsa.as_role(Role::Staff)).await;
    let reviews: Vec<&Value> = fsa["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["feature"] == "reviews")
        .collect();
    assert_eq!(reviews.len(), 1, "{fsa}");
    assert_eq!(
        reviews[0]["title"]["ja"],
        "審査待ちの要請（確認待ちの回答 1 件）"
    );
    assert_eq!(
        reviews[0]["title"]["en"],
        "審査待ちの要請 (en) (1 answer to review)"
    );
    let href = reviews[0]["href"].as_str().unwrap();
    assert_eq!(href, format!("/supervision/requests/{request}"));
    assert_eq!(
        app.get(href, &app.fsa.as_role(Role::Staff)).await.status,
        StatusCode::OK
    );
    let kinki = work(&app, &app.kinki.as_role(Role::Staff)).await;
    assert!(
        kinki["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["feature"] != "reviews"),
        "{kinki}"
    );
}

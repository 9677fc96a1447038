//! The vulnerability pages: the home page's work item opens the finding, and an
//! institution walks scope, upload, decision and approval through the forms in Japanese,
//! while another institution's findings stay out of reach.

use crate::access_vuln::{ASSET_FORM, DECISION_FORM, records_of};
use crate::util::{Resp, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;

const NESSUS: &str = include_str!("../../../deltawall-vuln/tests/fixtures/two-hosts.nessus");
const DAY_US: i64 = 86_400_000_000;

/// Uploads `file` as the scan of `asset` through the page's form.
async fn upload(app: &TestApp, who: &Who, asset: &str, file: &str) -> Resp {
    let boundary = "dw-vuln-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\n{asset}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.nessus\"\r\n\
         Content-Type: application/xml\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    let req = TestApp::request(Method::POST, "/vulnerabilities/imports", who)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// The ids of the findings linked from a list page, in order.
fn linked_findings(body: &str) -> Vec<String> {
    body.split("<a href=\"/vulnerabilities/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|id| !id.contains('/') && !["scope", "contracts"].contains(id))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_work_item_opens_the_finding_page() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let records = records_of(&app, &app.a).await;
    // Past every decision deadline of the policy, so the findings wait on the home page.
    app.clock.advance(120 * DAY_US);
    let work = app.get("/api/v1/me/work", &staff).await.json();
    let hrefs: Vec<&str> = work["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["href"].as_str())
        .filter(|h| h.starts_with("/vulnerabilities/"))
        .collect();
    assert!(!hrefs.is_empty(), "{work}");
    let home = app.get("/", &staff).await;
    for href in &hrefs {
        assert!(home.body.contains(&format!("href=\"{href}\"")), "{href}");
        let page = app.get(href, &staff).await;
        assert_eq!(page.status, StatusCode::OK, "{href}: {}", page.body);
        assert!(page.body.contains("id=\"vuln-finding-title\""));
        assert!(page.body.contains("期限超過"), "{}", page.body);
    }
    let own = format!("/vulnerabilities/{}", records.finding);
    let page = app.get(&own, &staff).await.body;
    assert!(
        page.contains("リスク受容を申請"),
        "history shows the request"
    );
    assert!(page.contains("承認待ち"), "the acceptance waits");
    assert!(!page.contains("vuln-approve-"), "staff cannot approve");
    assert!(page.contains("href=\"/vulnerabilities\""), "{page}");
    let nav = app.get("/vulnerabilities", &staff).await.body;
    assert!(
        nav.contains("脆弱性診断"),
        "the navigation names the feature"
    );
}

#[tokio::test]
async fn an_institution_walks_scope_upload_decision_and_approval() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let added = app
        .form(Method::POST, "/vulnerabilities/scope", &staff, ASSET_FORM)
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let scope = app.get("/vulnerabilities/scope", &staff).await.body;
    assert!(scope.contains("www.b.example.jp") && scope.contains("未診断"));
    let asset = scope
        .split("<option value=\"")
        .skip(1)
        .filter_map(|s| s.split_once("\">www.b.example.jp<"))
        .map(|(id, _)| id.to_owned())
        .next()
        .expect("the upload form offers the asset");
    let bad_cadence: Vec<(&str, &str)> = ASSET_FORM
        .iter()
        .map(|&(k, v)| match k {
            "name" => (k, "other"),
            "cadence_days" => (k, "weekly"),
            _ => (k, v),
        })
        .collect();
    let refused = app
        .form(Method::POST, "/vulnerabilities/scope", &staff, &bad_cadence)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let imported = upload(&app, &staff, &asset, NESSUS).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let back = imported.location().unwrap().to_owned();
    assert!(back.contains("new=3&unchanged=0"), "{back}");
    let scope = app.get(&back, &staff).await.body;
    assert!(scope.contains("取り込みました") && scope.contains("100%"));
    let broken = upload(&app, &staff, &asset, &NESSUS[..NESSUS.len() / 2]).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("line"), "{}", broken.body);

    let list = app.get("/vulnerabilities", &staff).await.body;
    assert_eq!(linked_findings(&list).len(), 3, "{list}");
    let critical = app
        .get("/vulnerabilities?state=open&severity=critical&kev=", &staff)
        .await
        .body;
    let ids = linked_findings(&critical);
    assert_eq!(ids.len(), 1, "{critical}");
    let kev = app.get("/vulnerabilities?kev=1", &staff).await.body;
    assert!(linked_findings(&kev).is_empty() && kev.contains("該当する指摘はありません"));
    let paged = app.get("/vulnerabilities?limit=2", &staff).await.body;
    assert_eq!(linked_findings(&paged).len(), 2);
    assert!(paged.contains("id=\"pager-next\""));
    let nonsense = app.get("/vulnerabilities?state=nonsense", &staff).await;
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);

    let finding = format!("/vulnerabilities/{}", ids[0]);
    let asked = app
        .form(
            Method::POST,
            &format!("{finding}/decisions"),
            &staff,
            DECISION_FORM,
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let exec = app.a.as_role(Role::Executive);
    let page = app.get(&finding, &exec).await.body;
    let approve = page
        .split("action=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with("/approve"))
        .expect("the executive sees the approval button")
        .to_owned();
    let approved = app.form(Method::POST, &approve, &exec, &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = app.get(&finding, &staff).await.body;
    assert!(page.contains("リスク受容を承認") && page.contains("リスク受容中"));

    // An executive cannot approve an acceptance they asked for themselves.
    let other = linked_findings(&list)
        .into_iter()
        .find(|id| *id != ids[0])
        .unwrap();
    let other = format!("/vulnerabilities/{other}");
    app.form(
        Method::POST,
        &format!("{other}/decisions"),
        &exec,
        DECISION_FORM,
    )
    .await;
    let page = app.get(&other, &exec).await.body;
    assert!(page.contains("承認待ち") && !page.contains("vuln-approve-"));
    let no_due: Vec<(&str, &str)> = vec![("kind", "fix"), ("due", ""), ("reason", "")];
    let refused = app
        .form(Method::POST, &format!("{other}/decisions"), &exec, &no_due)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn another_institution_sees_and_changes_nothing() {
    let app = TestApp::new().await;
    let b = records_of(&app, &app.b).await;
    let a = app.a.as_role(Role::Executive);
    let list = app.get("/vulnerabilities", &a).await.body;
    assert!(linked_findings(&list).is_empty() && !list.contains(&b.finding));
    let scope = app.get("/vulnerabilities/scope", &a).await.body;
    assert!(!scope.contains(&b.asset) && !scope.contains("www.b.example.jp"));
    let page = app
        .get(&format!("/vulnerabilities/{}", b.finding), &a)
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let into_b = upload(&app, &a, &b.asset, NESSUS).await;
    assert_eq!(into_b.status, StatusCode::NOT_FOUND, "{}", into_b.body);
    let approve = format!(
        "/vulnerabilities/{}/decisions/{}/approve",
        b.finding, b.decision
    );
    let r = app.form(Method::POST, &approve, &a, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let b_view = app
        .get(
            &format!("/api/v1/vulnerabilities/{}", b.finding),
            &app.b.as_role(Role::Staff),
        )
        .await
        .json();
    assert_eq!(b_view["view"]["state"], "open");
    assert_eq!(b_view["decisions"][0]["status"], "pending");
    // A supervisor has no findings of its own: the pages refuse it.
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(
        app.get("/vulnerabilities", &fsa).await.status,
        StatusCode::FORBIDDEN
    );
}

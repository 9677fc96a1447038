//! Scan uploads are streamed to disk, not buffered: a body past the limit is refused with
//! 413 before the rest of it is read, and a malformed file is refused with its location
//! while the store stays as it was.

use crate::access_vuln::{import, records_of};
use crate::util::TestApp;
use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const MIB: usize = 1 << 20;

/// What the API lists of the institution's findings and scope, to compare before and after.
async fn state_of(app: &TestApp, who: &crate::util::Who) -> (serde_json::Value, serde_json::Value) {
    let list = app
        .get("/api/v1/vulnerabilities?limit=200", who)
        .await
        .json();
    let scope = app.get("/api/v1/vulnerabilities/scope", who).await.json();
    (list, scope)
}

#[tokio::test]
async fn a_body_past_the_limit_is_refused_with_413_before_it_is_all_read() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let r = records_of(&app, &app.a).await;
    let before = state_of(&app, &staff).await;
    let limit = deltawall_app::vuln::MAX_IMPORT_BYTES;
    // Up to 64 MiB more than the limit, one shared 1 MiB chunk at a time, counted as sent.
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let chunk = Bytes::from(vec![b' '; MIB]);
    let chunks = (0..limit / MIB + 64).map(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok::<_, std::io::Error>(chunk.clone())
    });
    let path = format!("/api/v1/vulnerabilities/imports?scope={}", r.asset);
    let req = TestApp::request(Method::POST, &path, &staff)
        .header("content-type", "application/xml")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", resp.body);
    assert!(resp.body.contains("larger than"), "{}", resp.body);
    let read = sent.load(Ordering::Relaxed);
    assert!(
        read <= limit / MIB + 1,
        "stopped at the limit, not at the end: {read} MiB read"
    );
    assert_eq!(state_of(&app, &staff).await, before, "nothing kept");
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_location_and_changes_nothing() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let r = records_of(&app, &app.a).await;
    let before = state_of(&app, &staff).await;
    // Well-formed up to a report item whose closing tag is wrong, on line 4.
    let broken = "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"x\">\n\
        <ReportHost name=\"10.0.0.9\"><ReportItem port=\"22\" svc_name=\"ssh\" protocol=\"tcp\" \
        severity=\"3\" pluginID=\"1\" pluginName=\"p\"></ReportHost>\n</Report>\n</NessusClientData_v2>\n";
    let resp = import(&app, &staff, &r.asset, broken).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.body
    );
    let message = resp.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("line 4"), "{message}");
    // A file that breaks off after many good findings writes none of them either.
    let mut many = String::from(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"x\">\n<ReportHost name=\"10.0.0.9\">\n",
    );
    for i in 0..500 {
        many.push_str(&format!(
            "<ReportItem port=\"{i}\" svc_name=\"x\" protocol=\"tcp\" severity=\"2\" pluginID=\"9\" pluginName=\"p\"></ReportItem>\n"
        ));
    }
    many.push_str("<ReportItem port=\"1\"");
    let resp = import(&app, &staff, &r.asset, &many).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.body
    );
    assert!(resp.body.contains("line 505"), "{}", resp.body);
    assert_eq!(state_of(&app, &staff).await, before, "nothing kept");
}

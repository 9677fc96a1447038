//! Issue 18, the audit trail of outsiders' reads: a supervisor's reads of an institution's
//! incident records (a case with everything around it, a regulator report) are written
//! under the institution, so it sees who looked; its own reads are not.

use crate::util::{TestApp, Who};
use axum::http::StatusCode;
use deltawall_domain::role::Role;
use serde_json::Value;

/// The entries of B's audit trail whose action starts with `prefix`, as B's administrator
/// sees them.
async fn b_sees(app: &TestApp, prefix: &str) -> Vec<Value> {
    let path = format!("/api/v1/audit?action={prefix}");
    let r = app.get(&path, &app.b.as_role(Role::Admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_supervisors_reads_of_incident_records_are_audited_under_the_institution() {
    let app = TestApp::new().await;
    let rec = crate::incidents::records(&app).await;
    let case = format!("/api/v1/incidents/cases/{}", rec.case);
    let report = format!("/api/v1/incidents/reports/{}", rec.report);
    let page = format!("/incidents/reports/{}", rec.report);
    let own = app.b.as_role(Role::Staff);
    for path in [&case, &report, &page] {
        assert_eq!(app.get(path, &own).await.status, StatusCode::OK, "{path}");
    }
    let reads = || async {
        let mut all = b_sees(&app, "incident_case.read").await;
        all.extend(b_sees(&app, "incident_report.read").await);
        all
    };
    assert!(reads().await.is_empty(), "an own read was audited");
    // A bureau out of reach reads nothing, and nothing is logged.
    let kinki = app.kinki.as_role(Role::Staff);
    for path in [&case, &report] {
        assert_eq!(app.get(path, &kinki).await.status, StatusCode::NOT_FOUND);
    }
    assert!(reads().await.is_empty());
    // The national supervisor reads the case, the report and its printable page.
    let fsa: Who = app.fsa.as_role(Role::Staff);
    for path in [&case, &report, &page] {
        let r = app.get(path, &fsa).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let fsa_user = app.fsa.user_ids[&Role::Staff].as_str();
    let cases = b_sees(&app, "incident_case.read").await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["actor_user"], fsa_user);
    assert_eq!(cases[0]["object_id"], rec.case.as_str());
    let reports = b_sees(&app, "incident_report.read").await;
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(
        reports
            .iter()
            .all(|e| e["actor_user"] == fsa_user && e["object_id"] == rec.report.as_str())
    );
}

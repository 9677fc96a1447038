//! The supervisor's incident board: open cases and regulator reports by business type and
//! region, overdue first; the FSA sees every institution, the Kinki bureau only its region,
//! an institution not at all.

use crate::incidents::{case_json, records};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::Value;

fn created(r: &crate::util::Resp) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn case_ids(board: &Value) -> Vec<&str> {
    board["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["case_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_board_counts_by_type_and_region_overdue_first_within_reach() {
    let app = TestApp::new().await;
    // B (a Kanto shinkin bank) has a case whose FSA first report waits for review.
    let b = records(&app).await;
    // A (a Kinki regional bank) has a case recognised long ago and nothing reported.
    let mut late = case_json();
    late["title"] = "Account takeovers at A".into();
    let a_case = created(
        &app.json(
            Method::POST,
            "/api/v1/incidents/cases",
            &app.a.as_role(Role::Staff),
            &late,
        )
        .await,
    );

    let fsa = app
        .get(
            "/api/v1/supervision/incident-board",
            &app.fsa.as_role(Role::Staff),
        )
        .await;
    assert_eq!(fsa.status, StatusCode::OK, "{}", fsa.body);
    let fsa = fsa.json();
    assert_eq!(fsa["open_cases"], 2, "{fsa}");
    assert_eq!(fsa["awaiting_review"], 1, "{fsa}");
    let rows = fsa["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{fsa}");
    // A's FSA first report is overdue, B's was submitted: A's row and report come first.
    assert_eq!(rows[0]["business_type"], "regional_bank", "{fsa}");
    assert_eq!(rows[0]["region"], "kinki", "{fsa}");
    assert!(
        rows[0]["reports_overdue"].as_u64() > rows[1]["reports_overdue"].as_u64(),
        "{fsa}"
    );
    assert_eq!(rows[1]["awaiting_review"], 1, "{fsa}");
    assert_eq!(fsa["reports"][0]["case_id"], a_case.as_str(), "{fsa}");
    assert_eq!(fsa["reports"][0]["overdue"], true, "{fsa}");
    assert!(
        fsa["reports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["case_id"] == a_case.as_str()
                && r["regime"] == "fsa_incident_report"
                && r["stage"] == "first"),
        "{fsa}"
    );
    let overdue: Vec<bool> = fsa["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["overdue"].as_bool().unwrap())
        .collect();
    assert!(overdue.windows(2).all(|w| w[0] >= w[1]), "overdue first");

    // The Kinki bureau sees A's case only; nothing of B.
    let kinki = app
        .get(
            "/api/v1/supervision/incident-board",
            &app.kinki.as_role(Role::Staff),
        )
        .await;
    assert_eq!(kinki.status, StatusCode::OK, "{}", kinki.body);
    assert!(
        !kinki.body.contains(&b.case) && !kinki.body.contains("Shinkin B"),
        "{}",
        kinki.body
    );
    let kinki = kinki.json();
    assert_eq!(kinki["open_cases"], 1, "{kinki}");
    assert_eq!(kinki["awaiting_review"], 0, "{kinki}");
    assert_eq!(kinki["rows"].as_array().unwrap().len(), 1, "{kinki}");
    assert!(case_ids(&kinki).iter().all(|c| *c == a_case), "{kinki}");

    // Institutions have no board, not even of themselves.
    for who in [app.a.as_role(Role::Admin), app.b.as_role(Role::Executive)] {
        let r = app.get("/api/v1/supervision/incident-board", &who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = app.get("/supervision/incident-board", &who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    // The page, in Japanese by default, for the FSA's auditor too.
    let page = app
        .get(
            "/supervision/incident-board",
            &app.fsa.as_role(Role::Auditor),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("インシデント状況ボード")
            && page.body.contains("Account takeovers at A")
            && page.body.contains("地方銀行")
            && page.body.contains("期限超過"),
        "{}",
        page.body
    );
}

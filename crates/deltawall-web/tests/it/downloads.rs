//! Table downloads: every page that shows a table offers it as CSV and XLSX through
//! `?format=csv|xlsx&table=N`, holding exactly the page's cells; another tenant's rows never
//! appear in any download; a formula typed by a user stays text.

use crate::posture::records;
use crate::taxii::setup;
use crate::util::{Resp, Tenant, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use deltawall_web::downloads::html as export_html;
use serde_json::json;
use std::io::Read as _;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every part under `xl/` of a workbook, as one text (cells, shared strings, sheet names).
fn xlsx_text(raw: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(raw)).expect("an xlsx is a zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        if name.starts_with("xl/") && name.ends_with(".xml") {
            f.read_to_string(&mut all).unwrap();
        }
    }
    all
}

/// Number of worksheets in a workbook.
fn sheets(raw: &[u8]) -> usize {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(raw)).unwrap();
    zip.file_names()
        .filter(|n| {
            n.as_ref()
                .is_ok_and(|n| n.starts_with("xl/worksheets/sheet"))
        })
        .count()
}

/// Records of `t` whose titles name it, so a leak is visible in any export.
async fn marked_records(app: &TestApp, t: &Tenant, mark: &str) {
    let staff = t.as_role(Role::Staff);
    let r = records(app, t).await;
    let finding = json!({"title": format!("{mark}-secret-finding"), "description": "d", "severity": "medium", "requirement_ids": ["FSA-BE1-01"], "owner_user": t.user_ids[&Role::Staff], "due_on": "2026-02-28", "assessment_id": r.assessment});
    let f = app
        .json(Method::POST, "/api/v1/posture/findings", &staff, &finding)
        .await;
    assert_eq!(f.status, StatusCode::CREATED, "{}", f.body);
    let risk = json!({"title": format!("{mark}-secret-risk"), "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2, "residual_impact": 2, "owner": "CRO", "treatment": "accept", "review_on": "2026-10-31"});
    let k = app
        .json(Method::POST, "/api/v1/posture/risks", &staff, &risk)
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{}", k.body);
    let token_name = format!("{mark}-secret-token");
    let tok = app
        .form(
            Method::POST,
            "/tokens",
            &t.as_role(Role::Admin),
            &[
                ("name", token_name.as_str()),
                ("scope", "read"),
                ("days", "30"),
                ("current_password", crate::util::PASSWORD),
            ],
        )
        .await;
    assert!(
        tok.status.is_success() || tok.status.is_redirection(),
        "{}",
        tok.body
    );
}

/// The pages with tables that `t`'s users open, and who opens each.
async fn table_pages(app: &TestApp, t: &Tenant, shared: &str) -> Vec<(String, Who)> {
    let staff = t.as_role(Role::Staff);
    let admin = t.as_role(Role::Admin);
    let list = app.get("/api/v1/posture/findings", &staff).await.json();
    let finding = list["items"][0]["id"]
        .as_str()
        .or_else(|| list[0]["id"].as_str())
        .expect("a finding")
        .to_owned();
    let list = app.get("/api/v1/posture/assessments", &staff).await.json();
    let assessment = list["items"][0]["id"]
        .as_str()
        .or_else(|| list[0]["id"].as_str())
        .expect("an assessment")
        .to_owned();
    let org = &t.org_id;
    let mut pages: Vec<(String, Who)> = [
        "/orgs".to_owned(),
        format!("/orgs/{org}"),
        format!("/orgs/{org}/users"),
        "/posture".into(),
        format!("/posture/assessments/{assessment}"),
        format!("/posture/assessments/{assessment}/history"),
        "/posture/evidence".into(),
        "/posture/risks".into(),
        "/posture/findings".into(),
        format!("/posture/findings/{finding}"),
        "/posture/group".into(),
        "/posture/report".into(),
        "/sharing".into(),
        format!("/sharing/isac/{shared}"),
    ]
    .into_iter()
    .map(|p| (p, staff.clone()))
    .collect();
    pages.push(("/tokens".into(), admin.clone()));
    pages.push(("/audit?action=".into(), admin));
    pages
}

/// The page's address with a download asked for.
fn ask(page: &str, format: &str, table: Option<usize>) -> String {
    let sep = if page.contains('?') { '&' } else { '?' };
    match table {
        Some(n) => format!("{page}{sep}format={format}&table={n}"),
        None => format!("{page}{sep}format={format}"),
    }
}

/// Checks one page: links after each table, and each table's CSV and XLSX.
async fn check(app: &TestApp, page: &str, who: &Who) -> Vec<Resp> {
    let html = app.get(page, who).await;
    assert_eq!(html.status, StatusCode::OK, "{page}: {}", html.body);
    let shown = export_html::tables(&html.body);
    assert!(!shown.is_empty(), "{page} shows no table");
    let mut out = Vec::new();
    for (i, table) in shown.iter().enumerate() {
        let n = i + 1;
        for format in ["csv", "xlsx"] {
            let link = ask(page, format, Some(n)).replace('&', "&amp;");
            assert!(html.body.contains(&link), "{page}: no link {link}");
        }
        let csv = app.get(&ask(page, "csv", Some(n)), who).await;
        assert_eq!(csv.status, StatusCode::OK, "{page} csv {n}");
        assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
        let disposition = csv.headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
        let header: Vec<String> = table
            .headers
            .iter()
            .map(|h| deltawall_web::downloads::table::csv_field(h))
            .collect();
        assert_eq!(
            lines.first().copied(),
            Some(header.join(",").as_str()),
            "{page}"
        );
        // One line per row (cells may hold no line breaks: the page collapses them).
        assert_eq!(
            lines.len(),
            table.rows.len() + 1,
            "{page} table {n}: {}",
            csv.body
        );
        let xlsx = app.get(&ask(page, "xlsx", Some(n)), who).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{page} xlsx {n}");
        assert_eq!(xlsx.headers["content-type"], XLSX);
        assert_eq!(sheets(&xlsx.raw), 1, "{page}");
        let text = xlsx_text(&xlsx.raw);
        for cell in table
            .rows
            .iter()
            .flatten()
            .filter(|c| c.is_ascii() && !c.contains(['&', '<', '>', '"', '\'']))
        {
            assert!(text.contains(cell.as_str()), "{page} xlsx misses {cell}");
        }
        out.push(csv);
        out.push(xlsx);
    }
    let book = app.get(&ask(page, "xlsx", None), who).await;
    assert_eq!(book.status, StatusCode::OK);
    assert_eq!(
        sheets(&book.raw),
        shown.len(),
        "{page}: one sheet per table"
    );
    out.push(book);
    out
}

#[tokio::test]
async fn every_table_page_offers_csv_and_xlsx_of_what_it_shows() {
    let app = TestApp::new().await;
    let (shared, _, _) = setup(&app).await;
    marked_records(&app, &app.a, "A").await;
    let pages = table_pages(&app, &app.a, &shared).await;
    assert!(pages.len() >= 16);
    for (page, who) in &pages {
        check(&app, page, who).await;
    }
    // The supervisor's dashboard and organisation list are tables too.
    let fsa = app.fsa.as_role(Role::Staff);
    for page in ["/", "/orgs"] {
        check(&app, page, &fsa).await;
    }
    // Content, not just shape: the rows the page shows are in the files.
    let staff = app.a.as_role(Role::Staff);
    let csv = app.get("/posture/findings?format=csv", &staff).await;
    assert!(csv.body.contains("A-secret-finding"), "{}", csv.body);
    let xlsx = app.get("/posture/risks?format=xlsx", &staff).await;
    assert!(xlsx_text(&xlsx.raw).contains("A-secret-risk"));
    let tokens = app
        .get("/tokens?format=csv", &app.a.as_role(Role::Admin))
        .await;
    assert!(tokens.body.contains("A-secret-token"), "{}", tokens.body);
    // A page without a table, or a table that is not there: not found, not an empty file.
    let none = app.get("/account?format=csv", &staff).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let missing = app
        .get("/posture/findings?format=csv&table=9", &staff)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Signed out: the page's own redirect to the login, never a file.
    let anon = app.get("/posture/findings?format=csv", &Who::Anon).await;
    assert!(anon.status.is_redirection(), "{}", anon.status);
}

#[tokio::test]
async fn exports_never_hold_another_tenants_rows() {
    let app = TestApp::new().await;
    let (shared, a_only, _) = setup(&app).await;
    marked_records(&app, &app.a, "A").await;
    marked_records(&app, &app.b, "B").await;
    // A publishes an AMBER indicator B may not read, in a collection B reads.
    let amber = app
        .form(
            Method::POST,
            &format!("/sharing/isac/{shared}/indicators"),
            &app.a.as_role(Role::Staff),
            &[
                ("name", "A-secret-indicator"),
                ("pattern", "[ipv4-addr:value = '203.0.113.9']"),
                ("tlp", "amber"),
                ("valid_from", ""),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(amber.status, StatusCode::SEE_OTHER, "{}", amber.body);
    for (me, other, mark, theirs) in [
        (&app.a, &app.b, "B", None),
        (&app.b, &app.a, "A", Some(a_only.as_str())),
    ] {
        let pages = table_pages(&app, me, &shared).await;
        let mine = if mark == "A" { "B" } else { "A" };
        let mut seen_mine = false;
        for (page, who) in &pages {
            for file in check(&app, page, who).await {
                let text = match file.headers["content-type"].to_str().unwrap() {
                    XLSX => xlsx_text(&file.raw),
                    _ => file.body.clone(),
                };
                seen_mine |= text.contains(&format!("{mine}-secret-finding"));
                for leak in [
                    format!("{mark}-secret-finding"),
                    format!("{mark}-secret-risk"),
                    format!("{mark}-secret-token"),
                    format!("{mark}-secret-indicator"),
                    other.org_id.clone(),
                ] {
                    assert!(!text.contains(&leak), "{page}: {leak} leaked");
                }
                if let Some(coll) = theirs {
                    assert!(!text.contains("A only") && !text.contains(coll), "{page}");
                }
            }
        }
        assert!(seen_mine, "the exports hold the tenant's own rows");
    }
    // A local bureau's organisation list holds its region only, in both files.
    let kinki = app.kinki.as_role(Role::Staff);
    let files = check(&app, "/orgs", &kinki).await;
    let csv = &files[0].body;
    assert!(
        csv.contains("Bank A") && !csv.contains("Shinkin B"),
        "{csv}"
    );
    for f in &files[1..] {
        let text = xlsx_text(&f.raw);
        assert!(text.contains("Bank A") && !text.contains("Shinkin B"));
    }
}

#[tokio::test]
async fn formulas_typed_by_users_stay_text_in_both_files() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let r = records(&app, &app.a).await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let finding = json!({"title": evil, "description": "d", "severity": "low", "requirement_ids": ["FSA-BE1-01"], "owner_user": app.a.user_ids[&Role::Staff], "due_on": "2026-02-28", "assessment_id": r.assessment});
    let f = app
        .json(Method::POST, "/api/v1/posture/findings", &staff, &finding)
        .await;
    assert_eq!(f.status, StatusCode::CREATED, "{}", f.body);
    let csv = app.get("/posture/findings?format=csv", &staff).await;
    assert!(
        csv.body
            .contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{}",
        csv.body
    );
    let xlsx = app.get("/posture/findings?format=xlsx", &staff).await;
    let text = xlsx_text(&xlsx.raw);
    assert!(!text.contains("<f>"), "no formula cell");
    assert!(
        text.contains("=HYPERLINK(&quot;http://evil.example&quot;")
            || text.contains("=HYPERLINK(\"http://evil.example\"")
    );
}

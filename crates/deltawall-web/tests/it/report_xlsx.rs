//! The management report as a workbook: read back from its XML parts, its figures are the
//! page's, numbers are numbers, days are dates and maturity over time is a native chart.

use crate::posture::records;
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use deltawall_web::downloads::html::{tables, unescape};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Read as _;

fn part(raw: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(raw)).unwrap();
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// A cell as read back: a number, or text (shared or inline), or a boolean.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(f64),
    Text(String),
    Bool(bool),
}

/// The cells of a sheet by reference (`B2`), shared strings resolved.
fn cells(raw: &[u8], sheet: usize) -> BTreeMap<String, Cell> {
    let shared: Vec<String> = part(raw, "xl/sharedStrings.xml")
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = si.split_once('>').map_or("", |(_, r)| r);
            unescape(t.split("</t>").next().unwrap_or(""))
        })
        .collect();
    let xml = part(raw, &format!("xl/worksheets/sheet{sheet}.xml"));
    let mut out = BTreeMap::new();
    for c in xml.split("<c r=\"").skip(1) {
        let (r, rest) = c.split_once('"').unwrap();
        let head = rest.split('>').next().unwrap();
        let v = rest
            .split_once("<v>")
            .map(|(_, v)| v.split("</v>").next().unwrap().to_owned());
        let Some(v) = v else { continue };
        let cell = if head.contains("t=\"s\"") {
            Cell::Text(shared[v.parse::<usize>().unwrap()].clone())
        } else if head.contains("t=\"b\"") {
            Cell::Bool(v == "1")
        } else {
            assert!(!head.contains("t=\""), "unexpected cell type {head}");
            Cell::Number(v.parse().unwrap())
        };
        out.insert(r.to_owned(), cell);
    }
    out
}

/// Excel's serial day number of `YYYY-MM-DD` (days since 1899-12-30).
fn serial(day: &str) -> f64 {
    let d = jiff::civil::Date::strptime("%Y-%m-%d", day).unwrap();
    let epoch = jiff::civil::date(1899, 12, 30);
    (d - epoch).get_days() as f64
}

fn col(i: usize) -> char {
    (b'A' + u8::try_from(i).unwrap()) as char
}

#[tokio::test]
async fn the_report_workbook_holds_the_pages_figures_typed_with_a_chart() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let r = records(&app, &app.a).await;
    for (req, level) in [("FSA-BE1-02", 3), ("FSA-BE2-01", 1)] {
        let a = app
            .json(
                Method::POST,
                &format!("/api/v1/posture/assessments/{}/answers", r.assessment),
                &staff,
                &json!({"requirement_id": req, "result": "met", "maturity": level, "rationale": "checked", "confidence": "high"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    }
    let page = app.get("/posture/report", &staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("href=\"/posture/report.xlsx\""));
    let shown = tables(&page.body);
    let book = app.get("/posture/report.xlsx", &staff).await;
    assert_eq!(book.status, StatusCode::OK, "{}", book.body);
    let raw = &book.raw;
    let workbook = part(raw, "xl/workbook.xml");
    for name in [
        "Summary",
        "Progress",
        "Maturity",
        "Open findings",
        "Overdue findings",
        "Expiring acceptances",
    ] {
        assert!(workbook.contains(&format!("name=\"{name}\"")), "{workbook}");
    }

    // Progress by element: every count and maturity of the page, as numbers.
    let progress = &shown[0];
    let sheet = cells(raw, 2);
    assert_eq!(sheet["A1"], Cell::Text(progress.headers[0].clone()));
    assert!(!progress.rows.is_empty());
    for (i, row) in progress.rows.iter().enumerate() {
        let n = i + 2;
        assert_eq!(sheet[&format!("A{n}")], Cell::Text(row[0].clone()));
        for (c, shown) in row.iter().enumerate().skip(1) {
            let got = sheet.get(&format!("{}{n}", col(c)));
            match shown.parse::<f64>() {
                Ok(v) => assert_eq!(got, Some(&Cell::Number(v)), "{}{n}", col(c)),
                Err(_) => assert_eq!(got, None, "{}{n}: {shown} is no figure", col(c)),
            }
        }
    }
    let rated = progress.rows.iter().filter(|r| r[8] != "—").count();
    assert!(rated >= 1, "a maturity to compare");

    // Maturity over time: days as dates, levels as numbers, and a chart over them.
    let maturity = &shown[1];
    let sheet = cells(raw, 3);
    assert_eq!(maturity.rows.len(), 1);
    for (i, row) in maturity.rows.iter().enumerate() {
        let n = i + 2;
        assert_eq!(sheet[&format!("A{n}")], Cell::Number(serial(&row[0])));
        assert_eq!(
            sheet[&format!("B{n}")],
            Cell::Number(row[1].parse().unwrap())
        );
        assert_eq!(
            sheet[&format!("C{n}")],
            Cell::Number(row[2].parse().unwrap())
        );
    }
    let styles = part(raw, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"yyyy-mm-dd\""), "{styles}");
    let chart = part(raw, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:lineChart>"), "{chart}");
    assert!(
        !chart.contains("<c:symbol val=\"none\"/>"),
        "a single point stays visible"
    );
    assert!(chart.contains("<c:f>Maturity!$C$2</c:f>"), "{chart}");
    assert!(chart.contains("<c:f>Maturity!$A$2</c:f>"), "{chart}");

    // Open and overdue findings: the page's rows, due days as dates, overdue as a boolean.
    for (table, sheet_no) in [(&shown[2], 4), (&shown[3], 5)] {
        let sheet = cells(raw, sheet_no);
        assert_eq!(
            sheet.keys().filter(|k| k.starts_with('A')).count(),
            table.rows.len() + 1,
            "{}",
            table.sheet
        );
        for (i, row) in table.rows.iter().enumerate() {
            let n = i + 2;
            assert_eq!(sheet[&format!("A{n}")], Cell::Text(row[0].clone()));
            let due = row[4].split(' ').next().unwrap();
            assert_eq!(sheet[&format!("E{n}")], Cell::Number(serial(due)));
            assert_eq!(
                sheet[&format!("F{n}")],
                Cell::Bool(row[4].contains(' ')),
                "overdue flag as the page marks it"
            );
        }
    }

    // The summary's counts are the page's.
    let sheet = cells(raw, 1);
    assert_eq!(sheet["B5"], Cell::Number(shown[2].rows.len() as f64));
    assert_eq!(sheet["B6"], Cell::Number(shown[3].rows.len() as f64));
    assert_eq!(sheet["B7"], Cell::Number(shown[4].rows.len() as f64));
}

#[tokio::test]
async fn the_report_workbook_is_the_readers_own() {
    let app = TestApp::new().await;
    records(&app, &app.a).await;
    let b = app
        .get("/posture/report.xlsx", &app.b.as_role(Role::Staff))
        .await;
    assert_eq!(b.status, StatusCode::OK);
    let open = cells(&b.raw, 4);
    assert_eq!(
        open.len(),
        6,
        "headers only: B has no finding, A's stay A's"
    );
    let summary = cells(&b.raw, 1);
    assert!(!summary.contains_key("B2"), "B has no assessment");
}

#[tokio::test]
async fn a_refused_finding_command_shows_the_domains_reason_on_the_page() {
    let app = TestApp::new().await;
    let r = records(&app, &app.a).await;
    let staff = app.a.as_role(Role::Staff);
    // A draft cannot be acknowledged before it is issued.
    let page = app
        .form(
            Method::POST,
            &format!("/posture/findings/{}/transition", r.finding),
            &staff,
            &[("command", "acknowledge")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(
        page.body.contains("cannot acknowledge a finding that is"),
        "{}",
        page.body
    );
}

/// The report's table of overdue vulnerability findings, found by its caption.
fn vuln_table(body: &str, caption: &str) -> deltawall_app::Table {
    tables(body)
        .into_iter()
        .find(|t| t.sheet == caption)
        .unwrap_or_else(|| panic!("no table {caption:?} in {body}"))
}

#[tokio::test]
async fn overdue_vulnerability_decisions_are_in_the_report_and_its_workbook() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    records(&app, &app.a).await;
    crate::access_vuln::records_of(&app, &app.a).await;
    let before = app.get("/posture/report", &staff).await;
    assert_eq!(before.status, StatusCode::OK);
    let ja = "対応判断・修正の期限を超過した脆弱性";
    assert!(
        vuln_table(&before.body, ja).rows.is_empty(),
        "nothing is overdue on the day of the scan"
    );
    let book = app.get("/posture/report.xlsx", &staff).await;
    assert_eq!(
        cells(&book.raw, 7).len(),
        6,
        "headers only before the deadlines"
    );

    // Past every decision deadline of the policy.
    app.clock.advance(120 * 86_400_000_000);
    let api = app.get("/api/v1/posture/report", &staff).await.json();
    let overdue = api["vuln_overdue"].as_array().unwrap();
    assert!(!overdue.is_empty(), "{api}");
    let page = app.get("/posture/report", &staff).await;
    let shown = vuln_table(&page.body, ja);
    assert_eq!(shown.rows.len(), overdue.len(), "{}", page.body);
    for (row, f) in shown.rows.iter().zip(overdue) {
        assert_eq!(row[0], f["title"].as_str().unwrap());
        let id = f["id"].as_str().unwrap();
        assert!(
            page.body
                .contains(&format!("href=\"/vulnerabilities/{id}\""))
        );
    }
    assert!(
        shown.rows.iter().any(|r| r[4] == "対応方針の決定期限"),
        "{shown:?}"
    );

    let book = app.get("/posture/report.xlsx", &staff).await;
    assert_eq!(book.status, StatusCode::OK);
    let workbook = part(&book.raw, "xl/workbook.xml");
    assert!(
        workbook.contains("name=\"Overdue vulnerabilities\""),
        "{workbook}"
    );
    let sheet = cells(&book.raw, 7);
    assert_eq!(sheet["A1"], Cell::Text("指摘".into()));
    for (i, row) in shown.rows.iter().enumerate() {
        let n = i + 2;
        for (c, text) in row.iter().enumerate().take(5) {
            assert_eq!(sheet[&format!("{}{n}", col(c))], Cell::Text(text.clone()));
        }
        assert_eq!(sheet[&format!("F{n}")], Cell::Number(serial(&row[5])));
    }
    let summary = cells(&book.raw, 1);
    assert_eq!(summary["A8"], Cell::Text(ja.into()));
    assert_eq!(summary["B8"], Cell::Number(overdue.len() as f64));

    // In English, the same rows under English headings.
    app.form(
        Method::POST,
        "/lang",
        &staff,
        &[("lang", "en"), ("next", "/")],
    )
    .await;
    let page = app.get("/posture/report", &staff).await;
    let en = vuln_table(
        &page.body,
        "Vulnerability findings with an overdue decision or fix",
    );
    assert_eq!(en.rows.len(), overdue.len());
    assert!(
        en.rows
            .iter()
            .any(|r| r[4] != "対応方針の決定期限" && !r[4].is_empty())
    );
    let book = app.get("/posture/report.xlsx", &staff).await;
    let sheet = cells(&book.raw, 7);
    assert_eq!(sheet["A1"], Cell::Text("Finding".into()));
    assert_eq!(cells(&book.raw, 1)["A8"], Cell::Text(en.sheet.clone()));
}

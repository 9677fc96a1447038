//! Every demo role in real headless Chromium: the home page lists exactly the items
//! `GET /api/v1/me/work` reports for that person, in the same order, and each link opens the
//! place to act; then every page the role can reach from its home (one per route) is
//! visited at 1280 and 390 pixels wide and fails the test if the document is wider than the
//! window or an input has no label. Skipped like the other browser tests when chromedriver
//! is missing.

use crate::browser::{client, heading, serve_with_clock, sign_in, start_driver};
use crate::util::PASSWORD;
use deltawall_store::testing::TestDb;
use fantoccini::Locator;
use std::collections::{BTreeSet, VecDeque};

/// The demo's sign-in names, one per role and kind of organisation.
const ROLES: &[&str] = &[
    "fsa-admin",
    "fsa-staff",
    "fsa-auditor",
    "kinki-staff",
    "isac-analyst",
    "bank-admin",
    "bank-ciso",
    "bank-soc",
    "bank-audit",
    "mfg-ciso",
];

/// The most pages visited per role (the crawl stops there; the demo has fewer routes).
const MAX_PAGES: usize = 80;

/// Links that are downloads, machine endpoints or actions rather than pages.
fn is_page_link(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && ![
            "/api/", "/taxii2", "/static/", "/logout", "/healthz", "/readyz",
        ]
        .iter()
        .any(|p| href.starts_with(p))
        && ![".csv", ".xlsx", ".json", ".xml", ".pdf", ".svg"]
            .iter()
            .any(|s| href.split('?').next().unwrap_or("").ends_with(s))
        && !href.contains("format=")
        && !href.starts_with("/posture/evidence/")
        && !href.starts_with("/supervision/figures/")
}

/// The route a link belongs to: id-like segments and the query become placeholders, so
/// each route is visited once.
fn route_of(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or("");
    path.split('/')
        .map(|seg| {
            let idish = seg.len() > 16 || seg.chars().any(|c| c.is_ascii_digit());
            if idish { "{}" } else { seg }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn body_text(c: &fantoccini::Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn hrefs(c: &fantoccini::Client, css: &str) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(a => a.getAttribute('href'));",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The home page's work links against the API's, then each link opens a page that is not
/// an error.
async fn check_home(c: &fantoccini::Client, base: &str, login: &str) {
    c.goto(&format!("{base}/api/v1/me/work")).await.unwrap();
    let text = body_text(c).await;
    let api: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{login}: the work API did not answer JSON ({e}): {text}"));
    let expected: Vec<String> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["href"].as_str().unwrap().to_owned())
        .collect();
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        hrefs(c, "#work th a").await,
        expected,
        "{login}: home vs API"
    );
    for href in expected.iter().take(6) {
        c.goto(&format!("{base}{href}")).await.unwrap();
        let title = c.title().await.unwrap();
        assert!(
            !title.starts_with("エラー"),
            "{login}: {href} is an error page"
        );
    }
}

/// Breadth-first from the home page, one URL per route.
async fn reachable_pages(c: &fantoccini::Client, base: &str) -> Vec<String> {
    let mut seen_routes = BTreeSet::new();
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut pages = Vec::new();
    while let Some(href) = queue.pop_front() {
        if pages.len() >= MAX_PAGES || !seen_routes.insert(route_of(&href)) {
            continue;
        }
        c.goto(&format!("{base}{href}")).await.unwrap();
        pages.push(href);
        for link in hrefs(c, "main a[href], header a[href]").await {
            if is_page_link(&link) && !seen_routes.contains(&route_of(&link)) {
                queue.push_back(link);
            }
        }
    }
    pages
}

const FIT_CHECK: &str = r#"
const d = document.documentElement;
const unlabelled = [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
    && !e.getAttribute('aria-labelledby') && !e.getAttribute('title'))
  .map(e => e.name || e.id || e.outerHTML.slice(0, 60));
return [d.scrollWidth, window.innerWidth, unlabelled];
"#;

async fn check_fit(
    c: &fantoccini::Client,
    base: &str,
    pages: &[String],
    width: u32,
) -> Vec<String> {
    c.set_window_size(width, 900).await.unwrap();
    let mut problems = Vec::new();
    for href in pages {
        c.goto(&format!("{base}{href}")).await.unwrap();
        let v = c.execute(FIT_CHECK, vec![]).await.unwrap();
        let (scroll, inner, unlabelled): (u64, u64, Vec<String>) =
            serde_json::from_value(v).unwrap();
        if scroll > inner {
            problems.push(format!(
                "{href} at {width}px: document {scroll}px wide, window {inner}px"
            ));
        }
        if !unlabelled.is_empty() {
            problems.push(format!("{href}: inputs without a label: {unlabelled:?}"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_sees_its_work_and_every_page_fits() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let db = TestDb::sqlite().await;
    deltawall_demo::seed(&db.store, PASSWORD).await.unwrap();
    let base = serve_with_clock(&db, Default::default()).await;
    let c = client(port).await;
    let mut problems = BTreeSet::new();
    for login in ROLES {
        c.delete_all_cookies().await.unwrap();
        c.set_window_size(1280, 900).await.unwrap();
        sign_in(&c, &base, login).await;
        // The sign-in's redirect lands on the home page; wait for it before reading the API
        // with the new session.
        heading(&c, "ダッシュボード").await;
        check_home(&c, &base, login).await;
        let pages = reachable_pages(&c, &base).await;
        assert!(pages.len() > 3, "{login} reached only {pages:?}");
        for width in [1280, 390] {
            for p in check_fit(&c, &base, &pages, width).await {
                problems.insert(format!("{login}: {p}"));
            }
        }
    }
    c.close().await.unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

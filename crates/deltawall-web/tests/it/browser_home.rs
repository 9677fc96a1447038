//! Every demo role in real headless Chromium: the home page lists exactly the items
//! `GET /api/v1/me/work` reports for that person, in the same order, and each link opens the
//! place to act; then every GET page of the router (read from `src/router/`) is visited as
//! each role at 1280 and 390 pixels wide, its placeholders filled with the ids the demo's
//! pages link to, and the test fails if the document is wider than the window, an input has
//! no label, or a page of the router opens for no role at all. Skipped like the other
//! browser tests when chromedriver is missing.

use crate::browser::{client, heading, serve_with_clock, sign_in, start_driver};
use crate::util::PASSWORD;
use deltawall_store::testing::TestDb;
use fantoccini::Locator;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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

/// The GET routes of the router that answer a page (not a download, script, event stream,
/// health probe or machine API), read from the router's source so a new page is crawled
/// without editing this test.
fn router_pages() -> Vec<String> {
    let src = [
        include_str!("../../src/router/mod.rs"),
        include_str!("../../src/router/incident_response.rs"),
        include_str!("../../src/router/vuln.rs"),
        include_str!("../../src/router/vuln_tp.rs"),
    ]
    .concat();
    let mut pages = Vec::new();
    // `.route(` is followed by the path on the same line or, as rustfmt writes long ones,
    // the next; its method router runs up to the next `.route(`.
    for part in src.split(".route(").skip(1) {
        let Some(rest) = part.trim_start().strip_prefix('"') else {
            continue;
        };
        let (path, methods) = rest.split_once('"').unwrap();
        let methods = methods.split(".merge(").next().unwrap_or_default();
        let has_get = methods.match_indices("get(").any(|(i, _)| {
            !methods[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if has_get && is_page_route(path) && !pages.iter().any(|p| p == path) {
            pages.push(path.to_owned());
        }
    }
    pages
}

/// Whether a route answers an HTML page meant for people.
fn is_page_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !["/api/", "/taxii2", "/static/", "/healthz", "/readyz"]
        .iter()
        .any(|p| path.starts_with(p))
        && !last.contains('.')
        && !["download", "events"].contains(&last)
        && !NOT_PAGES.contains(&path)
}

/// GET routes whose answer is a file rather than a page, though their address has no
/// file extension.
const NOT_PAGES: &[&str] = &["/posture/evidence/{id}", "/supervision/figures/{file}"];

/// Pages no demo role can open, each with the reason; every other page of the router must
/// render (not as an error page) for at least one role, so a page the crawl cannot reach
/// fails the test instead of going unchecked.
const UNREACHABLE: &[(&str, &str)] = &[];

/// The router page `href` belongs to: literal segments must be equal, a `{placeholder}`
/// takes any one segment, and the route with the most literal segments wins (as the
/// router's own matching does for `/orgs/new` against `/orgs/{id}`).
fn route_of<'a>(routes: &'a [String], href: &str) -> Option<&'a str> {
    let path = href.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .filter_map(|r| {
            let rs: Vec<&str> = r.split('/').collect();
            let fits = rs.len() == segs.len()
                && rs
                    .iter()
                    .zip(&segs)
                    .all(|(a, b)| a.starts_with('{') || a == b);
            fits.then(|| (rs.iter().filter(|s| !s.starts_with('{')).count(), r))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, r)| r.as_str())
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

/// What the crawl found wrong, and the router pages that opened as a page (not an error)
/// for some role.
#[derive(Default)]
struct Findings {
    problems: BTreeSet<String>,
    rendered: BTreeSet<String>,
}

/// Opens `href` (an address of router page `route`) in the window as it is sized now and
/// checks that the document fits the window and every input has a label (error pages too).
async fn visit(
    c: &fantoccini::Client,
    base: &str,
    who: &str,
    (route, href): (&str, &str),
    found: &mut Findings,
) {
    c.goto(&format!("{base}{href}")).await.unwrap();
    let v = c.execute(FIT_CHECK, vec![]).await.unwrap();
    let (scroll, inner, unlabelled, title): (u64, u64, Vec<String>, String) =
        serde_json::from_value(v).unwrap();
    if !title.starts_with("エラー") {
        found.rendered.insert(route.to_owned());
    }
    if scroll > inner {
        found.problems.insert(format!(
            "{who}: {href} at {inner}px: document {scroll}px wide"
        ));
    }
    if !unlabelled.is_empty() {
        found.problems.insert(format!(
            "{who}: {href}: inputs without a label: {unlabelled:?}"
        ));
    }
}

/// Breadth-first from the home page and every page without a placeholder over every link the role is shown, one address per
/// router page (the ids in the addresses are the demo's data as this role sees it); each
/// page is checked as it is opened, at the window's present width.
async fn discover(
    c: &fantoccini::Client,
    base: &str,
    who: &str,
    routes: &[String],
    found: &mut Findings,
) -> BTreeMap<String, String> {
    // Every page without a placeholder is a start too: a list no menu links to (the
    // exercise editions, say) still leads to the pages of its rows.
    let starts = std::iter::once("/".to_owned())
        .chain(routes.iter().filter(|r| !r.contains('{')).cloned())
        .map(|r| (r.clone(), r));
    let mut seen: BTreeMap<String, String> = starts.clone().collect();
    let mut queue: VecDeque<(String, String)> = starts.collect();
    while let Some((route, href)) = queue.pop_front() {
        visit(c, base, who, (&route, &href), found).await;
        for link in hrefs(c, "a[href]").await {
            // A `format=` link downloads the page's tables rather than opening a page.
            if !link.starts_with('/') || link.starts_with("//") || link.contains("format=") {
                continue;
            }
            if let Some(route) = route_of(routes, &link)
                && !seen.contains_key(route)
            {
                seen.insert(route.to_owned(), link.clone());
                queue.push_back((route.to_owned(), link));
            }
        }
    }
    seen
}

/// The address to visit for each router page: the role's own link when it has one, else a
/// link another role was shown (this role should then get a 403 or 404 page), else the
/// route itself when it has no placeholder.
fn addresses(
    routes: &[String],
    own: &BTreeMap<String, String>,
    any: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    routes
        .iter()
        .filter_map(|r| {
            let href = own
                .get(r)
                .or_else(|| any.get(r))
                .cloned()
                .or_else(|| (!r.contains('{')).then(|| r.clone()))?;
            Some((r.clone(), href))
        })
        .collect()
}

const FIT_CHECK: &str = r#"
const d = document.documentElement;
const unlabelled = [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
    && !e.getAttribute('aria-labelledby') && !e.getAttribute('title'))
  .map(e => e.name || e.id || e.outerHTML.slice(0, 60));
return [d.scrollWidth, window.innerWidth, unlabelled, document.title];
"#;

/// The pages a signed-out person opens.
const PUBLIC_PAGES: &[&str] = &["/login", "/login/mfa", "/setup"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_sees_its_work_and_every_page_fits() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let started = std::time::Instant::now();
    let db = TestDb::sqlite().await;
    deltawall_demo::seed(&db.store, PASSWORD).await.unwrap();
    let base = serve_with_clock(&db, Default::default()).await;
    let c = client(port).await;
    let routes = router_pages();
    assert!(routes.len() > 40, "the router parse found only {routes:?}");
    let mut found = Findings::default();
    for width in [1280, 390] {
        c.set_window_size(width, 900).await.unwrap();
        for p in PUBLIC_PAGES {
            visit(&c, &base, "signed out", (p, p), &mut found).await;
        }
    }
    // First each role's own links (its pages checked at 1280 on the way), then every page
    // as every role: an id only another role is shown must answer this one with an error
    // page, never the page.
    let mut own = BTreeMap::new();
    let mut any = BTreeMap::new();
    let mut visits = 0;
    for login in ROLES {
        c.delete_all_cookies().await.unwrap();
        c.set_window_size(1280, 900).await.unwrap();
        sign_in(&c, &base, login).await;
        // The sign-in's redirect lands on the home page; wait for it before reading the API
        // with the new session.
        heading(&c, "ダッシュボード").await;
        check_home(&c, &base, login).await;
        let links = discover(&c, &base, login, &routes, &mut found).await;
        assert!(links.len() > 3, "{login} reached only {links:?}");
        visits += links.len();
        for (r, h) in &links {
            any.entry(r.clone()).or_insert_with(|| h.clone());
        }
        own.insert(*login, links);
    }
    for login in ROLES {
        c.delete_all_cookies().await.unwrap();
        c.set_window_size(1280, 900).await.unwrap();
        sign_in(&c, &base, login).await;
        heading(&c, "ダッシュボード").await;
        let pages = addresses(&routes, &own[login], &any);
        for (r, h) in pages.iter().filter(|(r, _)| !own[login].contains_key(r)) {
            visit(&c, &base, login, (r, h), &mut found).await;
            visits += 1;
        }
        c.set_window_size(390, 900).await.unwrap();
        for (r, h) in &pages {
            visit(&c, &base, login, (r, h), &mut found).await;
            visits += 1;
        }
    }
    c.close().await.unwrap();
    // A page listed as unreachable that a role did open is a stale entry: drop it.
    let stale: Vec<&str> = UNREACHABLE
        .iter()
        .filter(|(u, _)| found.rendered.contains(*u))
        .map(|(u, _)| *u)
        .collect();
    assert!(
        stale.is_empty(),
        "listed as unreachable, yet opened: {stale:?}"
    );
    let unchecked: Vec<&String> = routes
        .iter()
        .filter(|r| !found.rendered.contains(*r) && !UNREACHABLE.iter().any(|(u, _)| u == r))
        .collect();
    eprintln!(
        "crawl: {} router pages, {visits} visits by {} roles in {:?}",
        routes.len(),
        ROLES.len(),
        started.elapsed()
    );
    assert!(
        unchecked.is_empty() && found.problems.is_empty(),
        "router pages no role could open (no link to them, or an error for every role): \
         {unchecked:?}\n{} problems:\n{}",
        found.problems.len(),
        found.problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

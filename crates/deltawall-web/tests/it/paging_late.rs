//! The late list (issue 19) used to stop at 500 tasks: it now pages with a cursor in the
//! API (`Link: rel="next"`) and in its page (a "next page" link), keeping the business
//! type and region filter on every page; each late task once, another supervisor's reach
//! never shown, a forged cursor refused.

use crate::paging::{follow, next_link};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::DAY_US;
use serde_json::json;

/// The FSA asks every shinkin bank (institution B only, in Kanto) something due tomorrow.
async fn request_to_shinkin(app: &TestApp, n: usize) {
    let jst_days = (app.clock.now_us() + 9 * 3600 * 1_000_000).div_euclid(DAY_US);
    let due = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(jst_days + 1))
        .unwrap()
        .to_string();
    let body = json!({
        "title_ja": format!("要請{n}"), "title_en": format!("request {n}"),
        "asked": {"kind": "questions", "questions": [{"id": "q", "text": {"ja": "質問", "en": "question"}}]},
        "population": {"filter": {"business_types": ["shinkin_bank"]}},
        "deadline": due,
    });
    let who = app.fsa.as_role(Role::Staff);
    let r = app
        .json(Method::POST, "/api/v1/supervision/requests", &who, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn the_late_list_pages_and_keeps_its_filter() {
    let app = TestApp::new().await;
    for n in 0..5 {
        request_to_shinkin(&app, n).await;
    }
    app.clock.advance(3 * DAY_US);
    let fsa = app.fsa.as_role(Role::Staff);
    let api = "/api/v1/supervision/late?business_type=shinkin_bank&region=kanto";
    let (hrefs, pages) = follow(&app, &fsa, &format!("{api}&limit=2"), "/href").await;
    assert_eq!((hrefs.len(), pages), (5, 3), "{hrefs:?}");
    let whole: Vec<String> = app
        .get(api, &fsa)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["href"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(hrefs, whole, "each task once, in the whole list's order");
    // The filter holds on every page: no regional bank is late.
    let (none, pages) = follow(
        &app,
        &fsa,
        "/api/v1/supervision/late?business_type=regional_bank&limit=2",
        "/href",
    )
    .await;
    assert_eq!((none.len(), pages), (0, 1));
    // The Kinki bureau does not reach B (Kanto), on any page.
    let kinki = app.kinki.as_role(Role::Staff);
    let (theirs, _) = follow(&app, &kinki, "/api/v1/supervision/late?limit=2", "/href").await;
    assert!(theirs.is_empty(), "{theirs:?}");

    // The page: a "next page" link that keeps the filter, down to the last task.
    let mut url =
        Some("/supervision/late?business_type=shinkin_bank&region=kanto&limit=2".to_owned());
    let mut seen = Vec::new();
    while let Some(u) = url.take() {
        let page = app.get(&u, &fsa).await;
        assert_eq!(page.status, StatusCode::OK, "{u}");
        seen.extend(
            whole
                .iter()
                .filter(|h| page.body.contains(h.as_str()))
                .cloned(),
        );
        url = next_link(&page.body);
        if let Some(next) = &url {
            assert!(
                next.contains("business_type=shinkin_bank") && next.contains("region=kanto"),
                "{next}"
            );
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");

    let forged = app.get("/api/v1/supervision/late?cursor=5b5d", &fsa).await;
    assert_eq!(
        forged.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        forged.body
    );
}

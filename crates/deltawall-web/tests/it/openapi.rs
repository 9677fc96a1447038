//! The OpenAPI document is served and matches its reviewed snapshot.

use crate::util::{TestApp, Who};

#[tokio::test]
async fn openapi_document_is_served_and_unchanged() {
    let app = TestApp::without_tenants().await;
    let doc = app.get("/api/v1/openapi.json", &Who::Anon).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "every operationId is unique");
    insta::assert_json_snapshot!("openapi", doc);
}

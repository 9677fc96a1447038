//! The OpenAPI document is served and matches its reviewed snapshot.

use crate::util::{TestApp, Who};

#[tokio::test]
async fn openapi_document_is_served_and_unchanged() {
    let app = TestApp::without_tenants().await;
    let doc = app.get("/api/v1/openapi.json", &Who::Anon).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", doc);
}

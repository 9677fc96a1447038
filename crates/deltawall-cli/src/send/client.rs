//! The HTTP side of `scan --send`: one `POST /api/v1/detections` per batch over hyper with
//! rustls (already the TAXII client's stack), on a small runtime of the sender thread, so
//! the scan itself stays synchronous and the detection crate has no network code.

use anyhow::{Context, anyhow, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::http::{HeaderValue, Method, Request, StatusCode, header};
use serde::Deserialize;
use std::time::Duration;

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The platform's answer to a batch (`202 Accepted`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct Counts {
    /// New detections stored.
    pub accepted: u64,
    /// Already stored.
    pub duplicate: u64,
    /// Lines refused.
    pub rejected: u64,
}

/// Why a delivery failed.
#[derive(Debug)]
pub enum Failure {
    /// Worth trying again later: no connection, a timeout, 408, 429 or a 5xx.
    Retry(anyhow::Error),
    /// Trying again cannot help (401, 403, 413, other 4xx): stop and keep the batch.
    Fatal(anyhow::Error),
}

/// A client for one platform.
pub struct Client {
    http: hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        Full<Bytes>,
    >,
    auth: HeaderValue,
    url: String,
}

impl Client {
    /// A client for the platform at `base` (its root URL) with a bearer `token`.
    pub fn new(base: &str, token: &str) -> anyhow::Result<Client> {
        let base = base.trim().trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            bail!("--send must start with https:// or http://");
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| anyhow!("the token contains characters a header cannot carry"))?;
        auth.set_sensitive(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .context("cannot load the system's TLS root certificates")?
            .https_or_http()
            .enable_http1()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Client {
            http,
            auth,
            url: format!("{base}/api/v1/detections"),
        })
    }

    /// Delivers one batch of JSON Lines.
    pub async fn deliver(&self, body: Vec<u8>) -> Result<Counts, Failure> {
        let req = Request::builder()
            .method(Method::POST)
            .uri(&self.url)
            .header(header::CONTENT_TYPE, "application/x-ndjson")
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, self.auth.clone())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure::Fatal(anyhow!("bad URL {}: {e}", self.url)))?;
        let exchange = async {
            let resp = self.http.request(req).await?;
            let status = resp.status();
            let bytes = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, bytes))
        };
        let (status, bytes) = match tokio::time::timeout(TIMEOUT, exchange).await {
            Err(_) => {
                return Err(Failure::Retry(anyhow!(
                    "{}: no answer within {} s",
                    self.url,
                    TIMEOUT.as_secs()
                )));
            }
            Ok(Err(e)) => {
                return Err(Failure::Retry(
                    e.context(format!("{}: request failed", self.url)),
                ));
            }
            Ok(Ok(reply)) => reply,
        };
        classify(status, &bytes).map_err(|f| match f {
            Failure::Retry(e) => Failure::Retry(e.context(self.url.clone())),
            Failure::Fatal(e) => Failure::Fatal(e.context(self.url.clone())),
        })
    }
}

/// What an answer means for the batch.
fn classify(status: StatusCode, body: &[u8]) -> Result<Counts, Failure> {
    if status == StatusCode::ACCEPTED {
        return serde_json::from_slice(body).map_err(|e| {
            Failure::Fatal(anyhow!(
                "the platform's answer is not the expected counts: {e}"
            ))
        });
    }
    let detail = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let err = anyhow!("HTTP {status} {detail}");
    let retry = status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS;
    Err(if retry {
        Failure::Retry(err)
    } else {
        Failure::Fatal(err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, expected: &str) {
        let got = match classify(StatusCode::from_u16(status).unwrap(), body.as_bytes()) {
            Ok(c) => format!("ok {} {} {}", c.accepted, c.duplicate, c.rejected),
            Err(Failure::Retry(_)) => "retry".into(),
            Err(Failure::Fatal(_)) => "fatal".into(),
        };
        assert_eq!(got, expected, "{status} {body}");
    }

    #[test]
    fn answers_decide_whether_to_retry() {
        check(
            202,
            r#"{"accepted":2,"duplicate":1,"rejected":0,"errors":[]}"#,
            "ok 2 1 0",
        );
        check(202, "nonsense", "fatal");
        check(503, "", "retry");
        check(500, "", "retry");
        check(429, "", "retry");
        check(408, "", "retry");
        check(
            401,
            r#"{"error":{"message":"authentication required"}}"#,
            "fatal",
        );
        check(403, "", "fatal");
        check(413, "", "fatal");
    }
}

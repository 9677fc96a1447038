//! `deltawall taxii push|pull`: a small TAXII 2.1 client for scripts, against Deltawall or
//! any other TAXII 2.1 server.
//!
//! `push` validates a STIX file locally, sends its objects in envelopes no larger than the
//! API root's `max_content_length`, and prints each object's outcome from the status
//! resource. `pull` pages through a collection with `next` (or `added_after` and
//! `X-TAXII-Date-Added-Last` when a server gives no `next`) and writes one bundle,
//! atomically. Objects are copied as the exact JSON text the server sent.

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use clap::{Args, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The TAXII 2.1 media type.
const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// Objects per envelope at most (servers limit bodies by bytes too).
const MAX_PER_ENVELOPE: usize = 100;

/// Objects per page asked for when pulling.
const PAGE: usize = 100;

/// How long one HTTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// TAXII commands.
#[derive(Debug, Subcommand)]
pub enum TaxiiCommand {
    /// Add the objects of a STIX bundle, TAXII envelope or single object to a collection;
    /// prints one line per object and exits 1 when any object failed.
    Push {
        /// The STIX JSON file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Fetch every object of a collection (following `next`) into one STIX bundle.
    Pull {
        #[command(flatten)]
        target: Target,
        /// Only objects added after this time (RFC 3339).
        #[arg(long)]
        added_after: Option<String>,
        /// Write the bundle here, atomically (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Where and as whom.
#[derive(Debug, Args)]
pub struct Target {
    /// The API root URL, e.g. `https://hub.example.jp/taxii2/isac/`.
    #[arg(long)]
    url: String,
    /// The collection id (or alias, on Deltawall).
    #[arg(long)]
    collection: String,
    /// A bearer API token; prefer the environment variable, which `ps` does not show.
    #[arg(long, env = "DELTAWALL_TAXII_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// A user for HTTP Basic; the password is read from DELTAWALL_TAXII_PASSWORD.
    #[arg(long, conflicts_with = "token")]
    user: Option<String>,
}

/// Runs a TAXII command.
pub async fn run(cmd: TaxiiCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TaxiiCommand::Push { file, target } => push(&file, &target).await,
        TaxiiCommand::Pull {
            target,
            added_after,
            output,
        } => pull(&target, added_after, output.as_deref()).await,
    }
}

/// An HTTP response, read whole.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

pub(crate) struct Client {
    http: hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        Full<Bytes>,
    >,
    auth: HeaderValue,
    root: String,
}

impl Client {
    fn new(target: &Target) -> anyhow::Result<Client> {
        let credentials = match (&target.token, &target.user) {
            (Some(token), None) => format!("Bearer {}", token.trim()),
            (None, Some(user)) => {
                let password = std::env::var("DELTAWALL_TAXII_PASSWORD")
                    .context("--user needs the password in DELTAWALL_TAXII_PASSWORD")?;
                let pair = format!("{user}:{password}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            _ => bail!("give --token (or DELTAWALL_TAXII_TOKEN) or --user"),
        };
        Client::build(&target.url, &credentials)
    }

    /// A client of the API root `root` with a bearer token.
    pub(crate) fn bearer(root: &str, token: &str) -> anyhow::Result<Client> {
        Client::build(root, &format!("Bearer {}", token.trim()))
    }

    fn build(root: &str, credentials: &str) -> anyhow::Result<Client> {
        let mut auth = HeaderValue::from_str(credentials)
            .map_err(|_| anyhow!("the credentials contain characters a header cannot carry"))?;
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
        let mut root = root.trim().to_owned();
        if !root.ends_with('/') {
            root.push('/');
        }
        if !(root.starts_with("https://") || root.starts_with("http://")) {
            bail!("{root}: a TAXII URL must start with https:// or http://");
        }
        Ok(Client { http, auth, root })
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<Reply> {
        let mut req = Request::builder()
            .method(method)
            .uri(url)
            .header(header::ACCEPT, MEDIA_TYPE)
            .header(header::AUTHORIZATION, self.auth.clone());
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, MEDIA_TYPE);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .with_context(|| format!("bad URL {url}"))?;
        let exchange = async {
            let resp = self.http.request(req).await?;
            let (parts, body) = resp.into_parts();
            let bytes = body.collect().await?.to_bytes();
            anyhow::Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body: bytes.to_vec(),
            })
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| anyhow!("{url}: no answer within {} s", TIMEOUT.as_secs()))?
            .with_context(|| format!("{url}: request failed"))
    }

    /// Sends and requires `expected`, else fails with the server's TAXII error text.
    async fn expect(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        expected: StatusCode,
    ) -> anyhow::Result<Reply> {
        let reply = self.send(method, url, body).await?;
        if reply.status != expected {
            let detail = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v["description"].as_str().map(str::to_owned))
                .unwrap_or_default();
            bail!("{url}: HTTP {} {detail}", reply.status);
        }
        Ok(reply)
    }

    pub(crate) fn objects_url(&self, collection: &str) -> String {
        format!("{}collections/{}/objects/", self.root, encode(collection))
    }

    /// Adds one envelope and waits (up to 30 s) for the status to complete.
    pub(crate) async fn add(&self, url: &str, body: String) -> anyhow::Result<Status> {
        let reply = self
            .expect(
                Method::POST,
                url,
                Some(body.into_bytes()),
                StatusCode::ACCEPTED,
            )
            .await?;
        let mut status: Status =
            serde_json::from_slice(&reply.body).context("the server's status is not TAXII")?;
        for _ in 0..30 {
            if status.status != "pending" {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let url = format!("{}status/{}/", self.root, encode(&status.id));
            let reply = self.expect(Method::GET, &url, None, StatusCode::OK).await?;
            status =
                serde_json::from_slice(&reply.body).context("the server's status is not TAXII")?;
        }
        Ok(status)
    }

    /// Every object of `base` (a collection's objects URL, with `extra` query parameters)
    /// added after `after`, following `next` (or `X-TAXII-Date-Added-Last` when a server
    /// gives no `next`), as the JSON texts the server sent; and the date the last object
    /// was added, to ask after next time (`after` when nothing came or the server does
    /// not say).
    pub(crate) async fn objects_since(
        &self,
        base: &str,
        extra: &str,
        after: Option<String>,
    ) -> anyhow::Result<(Vec<String>, Option<String>)> {
        let mut objects: Vec<String> = Vec::new();
        let mut after = after;
        let mut newest = after.clone();
        let mut next: Option<String> = None;
        for page in 0.. {
            if page > 1_000_000 {
                bail!("{base}: the server keeps saying there is more");
            }
            let mut url = format!("{base}?limit={PAGE}{extra}");
            if let Some(a) = &after {
                url.push_str(&format!("&added_after={}", encode(a)));
            }
            if let Some(n) = &next {
                url.push_str(&format!("&next={}", encode(n)));
            }
            let reply = self.expect(Method::GET, &url, None, StatusCode::OK).await?;
            let env: Envelope = serde_json::from_slice(&reply.body)
                .with_context(|| format!("{url}: the answer is not a TAXII envelope"))?;
            objects.extend(env.objects.iter().map(|o| o.get().to_owned()));
            let last = reply
                .headers
                .get("x-taxii-date-added-last")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if !env.objects.is_empty() && last.is_some() {
                newest.clone_from(&last);
            }
            if !env.more || env.objects.is_empty() {
                break;
            }
            match env.next {
                Some(n) if Some(&n) != next.as_ref() => next = Some(n),
                Some(_) => bail!("{url}: the server repeated its next token"),
                // No `next`: continue after the last object's date_added (TAXII §3.5).
                None => {
                    let last = last.ok_or_else(|| {
                        anyhow!("{url}: more objects, but neither next nor X-TAXII-Date-Added-Last")
                    })?;
                    if after.as_deref() == Some(last.as_str()) {
                        bail!("{url}: paging does not advance");
                    }
                    after = Some(last);
                }
            }
        }
        Ok((objects, newest))
    }
}

/// Percent-encodes a URL component.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn read_input(file: &Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

/// Splits object texts into envelope bodies of at most `max_bytes` (an object larger than
/// that goes alone, and the server refuses it) and [`MAX_PER_ENVELOPE`] objects.
fn envelopes(objects: &[&str], max_bytes: usize) -> Vec<String> {
    const HEAD: &str = "{\"objects\":[";
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut size = HEAD.len() + 2;
    for obj in objects {
        let grown = size + obj.len() + 1;
        if !current.is_empty() && (grown > max_bytes || current.len() == MAX_PER_ENVELOPE) {
            out.push(format!("{HEAD}{}]}}", current.join(",")));
            current.clear();
            size = HEAD.len() + 2;
        }
        size += obj.len() + 1;
        current.push(obj);
    }
    if !current.is_empty() {
        out.push(format!("{HEAD}{}]}}", current.join(",")));
    }
    out
}

/// A TAXII status resource (§4.3.1), as much of it as the client reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    id: String,
    status: String,
    #[serde(default)]
    pub(crate) successes: Vec<Detail>,
    #[serde(default)]
    pub(crate) failures: Vec<Detail>,
    #[serde(default)]
    pub(crate) pendings: Vec<Detail>,
}

/// One object's outcome in a status.
#[derive(Debug, Deserialize)]
pub(crate) struct Detail {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

async fn push(file: &Path, target: &Target) -> anyhow::Result<ExitCode> {
    let text = read_input(file)?;
    let limits = deltawall_stix::Limits {
        max_bytes: usize::MAX,
        ..deltawall_stix::Limits::default()
    };
    let doc = deltawall_stix::parse_document(&text, &limits);
    let mut failed = 0usize;
    for r in &doc.rejected {
        failed += 1;
        let why = r.errors.first().map_or("invalid".into(), |e| e.to_string());
        println!(
            "invalid {} (object {}): {why}",
            r.id.as_deref().unwrap_or("-"),
            r.index
        );
    }
    if doc.objects.is_empty() {
        bail!("{}: no valid STIX object to push", file.display());
    }
    let client = Client::new(target)?;
    let root = client
        .expect(Method::GET, &client.root, None, StatusCode::OK)
        .await?;
    let max_bytes = serde_json::from_slice::<serde_json::Value>(&root.body)
        .ok()
        .and_then(|v| v["max_content_length"].as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1 << 20);
    let texts: Vec<&str> = doc.objects.iter().map(|o| o.as_json()).collect();
    let url = client.objects_url(&target.collection);
    let mut added = 0usize;
    for body in envelopes(&texts, max_bytes) {
        let status = client.add(&url, body).await?;
        for d in &status.successes {
            added += 1;
            println!("ok {} {}", d.id, d.version);
        }
        for d in &status.failures {
            failed += 1;
            let why = d.message.as_deref().unwrap_or("refused");
            println!("failed {} {}: {why}", d.id, d.version);
        }
        for d in &status.pendings {
            failed += 1;
            println!("pending {} {}", d.id, d.version);
        }
    }
    eprintln!("{added} added, {failed} not added");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, borrow)]
    objects: Vec<&'a RawValue>,
}

async fn pull(
    target: &Target,
    added_after: Option<String>,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let client = Client::new(target)?;
    let base = client.objects_url(&target.collection);
    let (objects, _) = client.objects_since(&base, "", added_after).await?;
    let bundle = format!(
        "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[{}]}}\n",
        uuid_v4(),
        objects.join(",")
    );
    match output {
        Some(path) => write_atomically(path, bundle.as_bytes())?,
        None => std::io::stdout()
            .write_all(bundle.as_bytes())
            .context("cannot write to standard output")?,
    }
    eprintln!("{} objects pulled", objects.len());
    Ok(ExitCode::SUCCESS)
}

/// A random UUIDv4.
pub(crate) fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Writes a file completely or not at all: a temporary file beside it, synced, renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_respect_bytes_and_counts() {
        let objs = ["{\"a\":1}"; 5];
        let one = envelopes(&objs, 1 << 20);
        assert_eq!(one, [format!("{{\"objects\":[{}]}}", objs.join(","))]);
        let small = envelopes(&objs, 30);
        assert!(small.len() > 1);
        assert!(small.iter().all(|e| e.len() <= 30), "{small:?}");
        let joined: usize = small.iter().map(|e| e.matches("\"a\"").count()).sum();
        assert_eq!(joined, 5);
        let many = vec!["{}"; 250];
        assert_eq!(envelopes(&many, 1 << 20).len(), 3);
        // An object larger than the limit still goes, alone.
        assert_eq!(
            envelopes(&["{\"big\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"], 10).len(),
            1
        );
    }

    #[test]
    fn components_are_encoded() {
        assert_eq!(encode("2026-01-01T00:00:00Z"), "2026-01-01T00%3A00%3A00Z");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}

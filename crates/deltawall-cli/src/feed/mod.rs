//! Indicator subscriptions (`--taxii-collection`) of `scan --follow` and `detect`: a thread
//! with its own small runtime polls each TAXII 2.1 collection with `added_after` (following
//! `next`), keeps the newest version of every indicator, and when anything changed, or an
//! indicator's `valid_until` passed, compiles the whole set again and swaps it into the
//! engine's [`SharedIndicators`] at once. Revoked and expired indicators leave the set;
//! an indicator that cannot be evaluated is reported once per version. With `--sightings`
//! the matches are counted and posted back as STIX sightings (`sightings.rs`).

mod sightings;

use crate::taxii::Client;
use anyhow::{Context, anyhow, bail};
use deltawall_detect::cli::ScanArgs;
use deltawall_detect::indicators::{IndicatorSet, SharedIndicators};
use deltawall_detect::subscription::SubscriptionArgs;
use serde_json::Value;
use sightings::Tally;
use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One subscribed collection.
struct Source {
    client: Client,
    /// The collection's objects URL.
    objects: String,
    /// The collection URL as given, for messages.
    label: String,
    /// The date the last object seen was added (`added_after` of the next poll).
    after: Option<String>,
    /// Whether the last poll failed (a failure streak is reported once).
    failing: bool,
}

/// The newest version of one indicator and where it came from.
struct Known {
    json: Value,
    modified: String,
    source: usize,
}

/// The subscribed collections and what they hold.
struct Subscription {
    sources: Vec<Source>,
    known: HashMap<String, Known>,
    told: HashSet<String>,
    indicators: SharedIndicators,
    /// The soonest `valid_until` of the indicators in force.
    expiry_us: Option<i64>,
}

/// Splits a collection URL into its API root and collection id.
fn split_collection(url: &str) -> anyhow::Result<(String, String)> {
    let trimmed = url.trim().trim_end_matches('/');
    let (root, id) = trimmed
        .rsplit_once("/collections/")
        .filter(|(_, id)| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| anyhow!("--taxii-collection {url}: want <api root>/collections/<id>/"))?;
    Ok((format!("{root}/"), id.to_owned()))
}

fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

fn time_us(v: &Value, key: &str) -> Option<i64> {
    v.get(key)?
        .as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_microsecond())
}

impl Subscription {
    fn new(urls: &[String], token: &str) -> anyhow::Result<Subscription> {
        let mut sources = Vec::new();
        for url in urls {
            let (root, id) = split_collection(url)?;
            let client = Client::bearer(&root, token)?;
            sources.push(Source {
                objects: client.objects_url(&id),
                client,
                label: url.clone(),
                after: None,
                failing: false,
            });
        }
        Ok(Subscription {
            sources,
            known: HashMap::new(),
            told: HashSet::new(),
            indicators: SharedIndicators::default(),
            expiry_us: None,
        })
    }

    /// Polls every collection and swaps in a new set when something changed. The first
    /// poll fails on any error (a wrong URL or token should stop the command); later
    /// ones warn and keep the set in force.
    async fn poll(&mut self, first: bool) -> anyhow::Result<()> {
        let mut changed = false;
        for i in 0..self.sources.len() {
            let s = &self.sources[i];
            let got = s
                .client
                .objects_since(&s.objects, "&match[type]=indicator", s.after.clone())
                .await;
            let s = &mut self.sources[i];
            let (objects, after) = match got {
                Ok(x) => x,
                Err(e) if first => return Err(e.context(format!("cannot read {}", s.label))),
                Err(e) => {
                    if !s.failing {
                        eprintln!("warning: {}: {e:#}; the indicators in force stay", s.label);
                    }
                    s.failing = true;
                    continue;
                }
            };
            if s.failing {
                eprintln!("{}: reachable again", s.label);
            }
            s.failing = false;
            s.after = after;
            for text in objects {
                changed |= self.learn(&text, i);
            }
        }
        let expired = self.expiry_us.is_some_and(|u| u <= now_us());
        if changed || expired || first {
            self.rebuild();
        }
        Ok(())
    }

    /// Keeps `text` when it is a newer version of an indicator; whether it was.
    fn learn(&mut self, text: &str, source: usize) -> bool {
        let Ok(json) = serde_json::from_str::<Value>(text) else {
            return false;
        };
        let (Some(id), Some(kind)) = (json["id"].as_str(), json["type"].as_str()) else {
            return false;
        };
        if kind != "indicator" {
            return false;
        }
        let modified = json["modified"].as_str().unwrap_or_default().to_owned();
        // Compared as instants: `…00Z` and `…00.000Z` are the same version.
        let newer = |k: &Known| time_us(&json, "modified") > time_us(&k.json, "modified");
        if self.known.get(id).is_some_and(|k| !newer(k)) {
            return false;
        }
        let id = id.to_owned();
        self.known.insert(
            id,
            Known {
                json,
                modified,
                source,
            },
        );
        true
    }

    /// Reports `reason` for this version of `id` unless it was already.
    fn tell(&mut self, id: &str, version: &str, reason: &str) {
        if self.told.insert(format!("{id}\n{version}\n{reason}")) {
            eprintln!("warning: indicator {id} ({version}) not evaluated: {reason}");
        }
    }

    fn rebuild(&mut self) {
        let now = now_us();
        let mut live = Vec::new();
        let mut expiry: Option<i64> = None;
        let mut expired = Vec::new();
        for (id, k) in &self.known {
            match time_us(&k.json, "valid_until") {
                Some(u) if u <= now => expired.push((id.clone(), k.modified.clone())),
                Some(u) => {
                    expiry = Some(expiry.map_or(u, |e| e.min(u)));
                    live.push(k.json.clone());
                }
                None => live.push(k.json.clone()),
            }
        }
        let (set, skipped) = IndicatorSet::from_json(&Value::Array(live));
        let count = set.len();
        // Swapped before anything is said, so that a reader of the messages knows the
        // engine already has the set they describe.
        self.expiry_us = expiry;
        self.indicators.replace(set);
        for (id, version) in expired {
            self.tell(&id, &version, "valid_until has passed");
        }
        for s in skipped {
            let version = self
                .known
                .get(&s.id)
                .map(|k| k.modified.clone())
                .unwrap_or_default();
            self.tell(&s.id, &version, &s.reason);
        }
        eprintln!(
            "{count} indicator(s) in force from {} collection(s)",
            self.sources.len()
        );
    }
}

/// A subscription running in its own thread.
pub(crate) struct Running {
    /// The set the engine reads.
    pub(crate) indicators: SharedIndicators,
    tally: Option<Arc<Mutex<Tally>>>,
    stop: Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Running {
    /// Starts polling; returns once the first poll has compiled the collections' indicators.
    pub(crate) fn start(args: &SubscriptionArgs) -> anyhow::Result<Running> {
        let token = args
            .taxii_token
            .clone()
            .filter(|t| !t.trim().is_empty())
            .context("--taxii-collection needs a token: --taxii-token or DELTAWALL_TAXII_TOKEN")?;
        if let Some(id) = &args.sightings_as
            && !id.starts_with("identity--")
        {
            bail!("--sightings-as {id}: want a STIX identity id (identity--…)");
        }
        let urls = args.taxii_collection.clone();
        let poll = Duration::from_secs(args.taxii_poll.max(1));
        let every = Duration::from_secs(args.sightings_every.max(1));
        let named = args.sightings_as.clone();
        let tally = args
            .sightings
            .then(|| Arc::new(Mutex::new(Tally::default())));
        let counted = tally.clone();
        let (ready_tx, ready_rx) = channel::<anyhow::Result<SharedIndicators>>();
        let (stop, stop_rx) = channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the subscription's runtime")
                .and_then(|rt| Ok((rt, Subscription::new(&urls, &token)?)));
            let (rt, mut sub) = match started {
                Ok(x) => x,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            if let Err(e) = rt.block_on(sub.poll(true)) {
                let _ = ready_tx.send(Err(e));
                return;
            }
            let _ = ready_tx.send(Ok(sub.indicators.clone()));
            let mut posted = Instant::now();
            loop {
                let stopping =
                    !matches!(stop_rx.recv_timeout(poll), Err(RecvTimeoutError::Timeout));
                if !stopping {
                    // Errors after the first poll are warnings, reported in `poll`.
                    let _ = rt.block_on(sub.poll(false));
                }
                if let Some(t) = &counted
                    && (stopping || posted.elapsed() >= every)
                {
                    rt.block_on(sightings::post(&sub, t, named.as_deref()));
                    posted = Instant::now();
                }
                if stopping {
                    return;
                }
            }
        });
        let indicators = ready_rx
            .recv()
            .map_err(|_| anyhow!("the subscription thread stopped"))??;
        Ok(Running {
            indicators,
            tally,
            stop,
            thread,
        })
    }

    /// Notes an alert line of the engine; matches of shared indicators count toward
    /// the next batch of sightings (when `--sightings` was given).
    pub(crate) fn heard(&self, alert: &Value) {
        if let Some(t) = &self.tally {
            sightings::count(t, alert);
        }
    }

    /// Stops polling and posts the sightings still counted.
    pub(crate) fn finish(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            eprintln!("warning: the subscription thread failed");
        }
    }
}

/// Runs `scan` with `--send` and/or `--taxii-collection`.
pub(crate) fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    if !args.subscription.is_active() {
        return crate::send::run(args, None, &|_| {});
    }
    if !args.follow {
        bail!("--taxii-collection needs --follow: the indicators change while the scan runs");
    }
    let running = Running::start(&args.subscription)?;
    let feed = Some(running.indicators.clone());
    let result = if args.send.is_some() {
        crate::send::run(args, feed, &|line| running.heard(line))
    } else {
        deltawall_detect::cli::scan_with(args, feed, &mut |line| {
            running.heard(line);
            Ok(())
        })
    };
    running.finish();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_urls_split_into_root_and_id() {
        assert_eq!(
            split_collection("http://h:1/taxii2/isac/collections/shared/").unwrap(),
            ("http://h:1/taxii2/isac/".to_owned(), "shared".to_owned())
        );
        assert_eq!(
            split_collection("https://h/r/collections/abc").unwrap().1,
            "abc"
        );
        let e = split_collection("https://h/r/shared/").unwrap_err();
        assert!(e.to_string().contains("collections/<id>"), "{e}");
        assert!(split_collection("https://h/r/collections/").is_err());
    }
}

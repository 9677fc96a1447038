//! Shared STIX indicators evaluated on every event: patterns on addresses and networks,
//! domain names, URLs, user agents and file hashes compiled into lookups on the event's
//! fields (ECS, Sigma webserver and Windows names), honouring `valid_from`,
//! `valid_until` and revocation, each match an alert that names the indicator.
//!
//! A pattern is usable when it is an OR of single comparisons (`=`, `IN`, and `ISSUBSET`
//! for addresses) on the object paths below; anything else (an AND across observations,
//! `FOLLOWEDBY`, qualifiers, `LIKE`, `MATCHES`, negation, other objects) is reported
//! once, at load, with its reason, and never evaluated.

use deltawall_event::{Event, Scalar};
use deltawall_sigma::{Alert, AlertKind, Level};
use deltawall_stix::pattern::{
    ComparisonExpr, ComparisonOp, Literal, ObservationExpr, Operand, PathStep, parse,
};
use ipnet::IpNet;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

/// What an indicator's value is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Ip,
    Domain,
    Url,
    Agent,
    Hash,
}

/// Event fields holding each kind of observable.
fn fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Ip => &[
            "source.ip",
            "destination.ip",
            "client.ip",
            "server.ip",
            "c-ip",
            "IpAddress",
            "SourceIp",
            "DestinationIp",
        ],
        Kind::Domain => &[
            "url.domain",
            "destination.domain",
            "dns.question.name",
            "QueryName",
            "DestinationHostname",
            "cs-host",
        ],
        Kind::Url => &["url.full", "url.original", "c-uri"],
        Kind::Agent => &["user_agent.original", "cs-user-agent", "c-useragent"],
        Kind::Hash => &[
            "file.hash.md5",
            "file.hash.sha1",
            "file.hash.sha256",
            "process.hash.md5",
            "process.hash.sha1",
            "process.hash.sha256",
            "Hashes",
        ],
    }
}

/// The kind an object path names, if it is one we evaluate.
fn kind_of(object_type: &str, steps: &[PathStep]) -> Option<Kind> {
    let keys: Vec<&str> = steps
        .iter()
        .map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(match (object_type, keys.as_slice()) {
        ("ipv4-addr" | "ipv6-addr", ["value"]) => Kind::Ip,
        ("network-traffic", ["src_ref" | "dst_ref", "value"]) => Kind::Ip,
        ("domain-name", ["value"]) => Kind::Domain,
        ("url", ["value"]) => Kind::Url,
        ("file", ["hashes", "MD5" | "SHA-1" | "SHA-256" | "SHA-512"]) => Kind::Hash,
        ("network-traffic", ["extensions", "http-request-ext", "request_header", ua])
            if ua.eq_ignore_ascii_case("user-agent") =>
        {
            Kind::Agent
        }
        _ => return None,
    })
}

/// Normal form of a value for exact lookup: domains and hashes without case, domains
/// without a trailing dot.
fn normal(kind: Kind, text: &str) -> String {
    match kind {
        Kind::Domain => text.trim_end_matches('.').to_ascii_lowercase(),
        Kind::Hash => text.to_ascii_lowercase(),
        Kind::Ip | Kind::Url | Kind::Agent => text.to_owned(),
    }
}

/// One loaded indicator.
#[derive(Debug, Clone)]
struct Indicator {
    id: String,
    name: String,
    valid_from_us: Option<i64>,
    valid_until_us: Option<i64>,
}

/// An indicator that is not evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The indicator's id (or its position when it has none).
    pub id: String,
    /// Why it is not evaluated.
    pub reason: String,
}

/// Compiled indicators.
#[derive(Debug, Default)]
pub struct IndicatorSet {
    indicators: Vec<Indicator>,
    exact: HashMap<(Kind, String), Vec<usize>>,
    networks: Vec<(IpNet, usize)>,
}

/// An indicator set the engine reads and a feed replaces while the engine runs: the
/// engine takes the current set once per batch, so a replacement is atomic for every
/// event (an event is matched against one whole set, the old or the new).
#[derive(Debug, Clone, Default)]
pub struct SharedIndicators(Arc<RwLock<Arc<IndicatorSet>>>);

impl SharedIndicators {
    /// A handle holding `set`.
    pub fn new(set: IndicatorSet) -> SharedIndicators {
        SharedIndicators(Arc::new(RwLock::new(Arc::new(set))))
    }

    /// The set as it is now.
    pub fn current(&self) -> Arc<IndicatorSet> {
        // A writer cannot leave the slot half-written (it swaps one pointer): a poisoned
        // lock still holds a whole set.
        let slot = self.0.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&slot)
    }

    /// Replaces the set; batches already started finish with the old one.
    pub fn replace(&self, set: IndicatorSet) {
        let mut slot = self.0.write().unwrap_or_else(|p| p.into_inner());
        *slot = Arc::new(set);
    }
}

/// Microseconds of an RFC 3339 timestamp property.
fn time_us(object: &Value, key: &str) -> Result<Option<i64>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse::<jiff::Timestamp>()
            .map(|t| Some(t.as_microsecond()))
            .map_err(|e| format!("{key} is not a timestamp: {e}")),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

impl IndicatorSet {
    /// Compiles the indicators of a STIX bundle (or a JSON array of objects); returns the
    /// set and the indicators left out, each once with its reason. Of several versions
    /// of one indicator, the newest (`modified`) counts.
    pub fn from_json(json: &Value) -> (IndicatorSet, Vec<Skipped>) {
        let objects = match json {
            Value::Array(items) => items.as_slice(),
            other => other
                .get("objects")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
        };
        let mut newest: HashMap<&str, &Value> = HashMap::new();
        let mut skipped = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            if o.get("type").and_then(Value::as_str) != Some("indicator") {
                continue;
            }
            let Some(id) = o.get("id").and_then(Value::as_str) else {
                skipped.push(Skipped {
                    id: format!("/objects/{i}"),
                    reason: "indicator without an id".into(),
                });
                continue;
            };
            let modified = |v: &Value| v.get("modified").and_then(Value::as_str).map(str::to_owned);
            match newest.get(id) {
                Some(old) if modified(old) >= modified(o) => {}
                _ => {
                    newest.insert(id, o);
                }
            }
        }
        let mut set = IndicatorSet::default();
        let mut ids: Vec<&&str> = newest.keys().collect();
        ids.sort();
        for id in ids {
            if let Err(reason) = set.add(newest[*id]) {
                skipped.push(Skipped {
                    id: (*id).to_owned(),
                    reason,
                });
            }
        }
        (set, skipped)
    }

    /// Indicators that can match.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// Whether no indicator can match.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// The ids of the indicators that can match, in load order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.indicators.iter().map(|i| i.id.as_str())
    }

    fn add(&mut self, o: &Value) -> Result<(), String> {
        if o.get("revoked").and_then(Value::as_bool) == Some(true) {
            return Err("revoked".into());
        }
        let pattern_type = o
            .get("pattern_type")
            .and_then(Value::as_str)
            .unwrap_or("stix");
        if pattern_type != "stix" {
            return Err(format!("pattern type {pattern_type} is not evaluated"));
        }
        let text = o
            .get("pattern")
            .and_then(Value::as_str)
            .ok_or("indicator without a pattern")?;
        let pattern = parse(text).map_err(|e| format!("pattern does not parse: {e}"))?;
        let mut tests = Vec::new();
        observation(&pattern.expr, &mut tests)?;
        let index = self.indicators.len();
        self.indicators.push(Indicator {
            id: o["id"].as_str().unwrap_or_default().to_owned(),
            name: o
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("unnamed indicator")
                .to_owned(),
            valid_from_us: time_us(o, "valid_from")?,
            valid_until_us: time_us(o, "valid_until")?,
        });
        for t in tests {
            match t {
                Test::Exact(kind, value) => {
                    self.exact.entry((kind, value)).or_default().push(index)
                }
                Test::Network(net) => self.networks.push((net, index)),
            }
        }
        Ok(())
    }

    /// Alerts for the indicators `event` matches and that are valid at its time.
    pub fn matches(&self, event: &dyn Event, out: &mut dyn FnMut(Alert)) {
        if self.indicators.is_empty() {
            return;
        }
        let mut hits: Vec<(usize, Kind, String)> = Vec::new();
        for kind in [Kind::Ip, Kind::Domain, Kind::Url, Kind::Agent, Kind::Hash] {
            for path in fields(kind) {
                let Some(field) = event.get(path) else {
                    continue;
                };
                for scalar in field.iter() {
                    if scalar == Scalar::Null {
                        continue;
                    }
                    let text = scalar.to_text();
                    self.lookup(kind, path, &text, &mut hits);
                }
            }
        }
        hits.sort_by_key(|(i, _, _)| *i);
        hits.dedup_by_key(|(i, _, _)| *i);
        let ts = event.timestamp_us();
        for (i, _, value) in hits {
            let ind = &self.indicators[i];
            let valid = ts.is_none_or(|t| {
                ind.valid_from_us.is_none_or(|f| t >= f) && ind.valid_until_us.is_none_or(|u| t < u)
            });
            if valid {
                out(self.alert(ind, value, ts, event));
            }
        }
    }

    fn lookup(&self, kind: Kind, path: &str, text: &str, hits: &mut Vec<(usize, Kind, String)>) {
        let mut found = |key: String| {
            if let Some(list) = self.exact.get(&(kind, key)) {
                hits.extend(list.iter().map(|&i| (i, kind, text.to_owned())));
            }
        };
        if kind == Kind::Hash && path == "Hashes" {
            // Sysmon: `SHA1=…,MD5=…,SHA256=…`.
            for part in text.split(',') {
                if let Some((_, h)) = part.split_once('=') {
                    found(normal(kind, h.trim()));
                }
            }
            return;
        }
        if kind == Kind::Ip {
            let Ok(ip) = text.parse::<IpAddr>() else {
                return;
            };
            found(ip.to_string());
            for (net, i) in &self.networks {
                if net.contains(&ip) {
                    hits.push((*i, kind, text.to_owned()));
                }
            }
            return;
        }
        found(normal(kind, text));
    }

    fn alert(&self, ind: &Indicator, value: String, ts: Option<i64>, event: &dyn Event) -> Alert {
        Alert {
            kind: AlertKind::Match,
            rule_id: Some(ind.id.clone()),
            rule_name: None,
            title: format!("Shared indicator: {}", ind.name),
            level: Some(Level::High),
            author: None,
            tags: Vec::new(),
            rule_origin: "stix-indicator".into(),
            first_seen_us: ts,
            last_seen_us: ts,
            group: vec![
                ("indicator".into(), ind.id.clone()),
                ("observed".into(), value),
            ],
            count: None,
            value: None,
            event: Some(event.to_json()),
        }
    }
}

/// One compiled comparison.
enum Test {
    Exact(Kind, String),
    Network(IpNet),
}

fn observation(expr: &ObservationExpr, out: &mut Vec<Test>) -> Result<(), String> {
    match expr {
        ObservationExpr::Observation(c) => comparison(c, out),
        ObservationExpr::Or(a, b) => {
            observation(a, out)?;
            observation(b, out)
        }
        ObservationExpr::And(..) => {
            Err("an AND of observations is not evaluated on single events".into())
        }
        ObservationExpr::FollowedBy(..) => Err("FOLLOWEDBY is not evaluated".into()),
        ObservationExpr::Qualified(..) => {
            Err("qualifiers (WITHIN, REPEATS, START/STOP) are not evaluated".into())
        }
    }
}

fn comparison(expr: &ComparisonExpr, out: &mut Vec<Test>) -> Result<(), String> {
    let c = match expr {
        ComparisonExpr::Comparison(c) => c,
        ComparisonExpr::Or(a, b) => {
            comparison(a, out)?;
            return comparison(b, out);
        }
        ComparisonExpr::And(..) => return Err("an AND of comparisons is not evaluated".into()),
    };
    let path = format!("{}:{:?}", c.path.object_type, c.path.steps);
    let kind = kind_of(&c.path.object_type, &c.path.steps)
        .ok_or_else(|| format!("object path {path} is not evaluated"))?;
    if c.negated {
        return Err("negated comparisons are not evaluated".into());
    }
    let values: Vec<&Literal> = match (c.op, &c.value) {
        (ComparisonOp::Eq | ComparisonOp::IsSubset, Operand::Literal(l)) => vec![l],
        (ComparisonOp::In, Operand::Set(items)) => items.iter().collect(),
        (op, _) => return Err(format!("operator {} is not evaluated", op.as_str())),
    };
    for v in values {
        let Literal::Str(s) = v else {
            return Err("only text constants are evaluated".into());
        };
        if kind == Kind::Ip {
            if let Ok(net) = s.parse::<IpNet>() {
                out.push(Test::Network(net));
            } else if let Ok(ip) = s.parse::<IpAddr>() {
                out.push(Test::Exact(kind, ip.to_string()));
            } else {
                return Err(format!("{s} is not an address or network"));
            }
        } else if c.op == ComparisonOp::IsSubset {
            return Err("ISSUBSET is evaluated on addresses only".into());
        } else {
            out.push(Test::Exact(kind, normal(kind, s)));
        }
    }
    Ok(())
}

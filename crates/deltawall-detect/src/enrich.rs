//! Failure ratios per source address (and per network for logins), added to events.
//!
//! Sigma correlations count; they cannot divide. Counting distinct failing accounts,
//! cards or requests per address cannot tell an attacker from a carrier-grade NAT or
//! office proxy address where thousands of customers log in, pay and browse, so the
//! pipeline keeps, per kind of event and per `source.ip`, the outcomes of the last hour
//! and adds the share that failed to each event:
//!
//! - `deltawall.source.failure_ratio`, `deltawall.source.attempts`: logins
//!   (`authentication`, `event.outcome`), payments (`payment`, `event.outcome`, a declined
//!   authorisation is a failure) and web requests (`webserver`, status 400 and above);
//! - `deltawall.asn.failure_ratio`, `deltawall.asn.attempts`: logins per
//!   `source.as.number`;
//! - `deltawall.source.network` (the IPv4 /24 or IPv6 /48 of `source.ip`, so that rules
//!   can group by network on logs without ASN enrichment) and
//!   `deltawall.network.failure_ratio`, `deltawall.network.attempts`: logins per network.
//!
//! - `deltawall.agent.failure_ratio`, `deltawall.agent.attempts`: logins per
//!   `user_agent.original` (a slow stuffing run spread over unrelated networks shares one
//!   client, whose logins nearly all fail);
//! - `deltawall.source.rate`, `deltawall.source.rate_ratio`, `deltawall.source.accounts`:
//!   web requests per address against the address's own baseline, and the accounts that
//!   signed in from it ([`crate::baseline`]).
//!
//! Customers fail about 8 % of logins and 3 % of card payments; stuffing, spraying and
//! card-testing sources fail more than 90 %, and a flood draws 429/503 answers. Rules use
//! the ratio to leave shared addresses alone (see `rules/finance/base_login.yml`).

use crate::input::{LogEvent, Record};
use deltawall_event::{Event, Field, Scalar};
use serde_json::Value;
use std::collections::VecDeque;

/// Maps keyed by source addresses, networks and ASNs, which senders choose: a fast hash
/// with a per-process random seed (foldhash), so colliding keys cannot be precomputed.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Window of the ratios.
pub const WINDOW_US: i64 = 3_600_000_000;
/// Most outcomes remembered per key; older ones are dropped first.
const MAX_PER_KEY: usize = 20_000;
/// Most keys remembered per map. When a new key finds the map full, keys idle for a window
/// are swept; if that frees less than a quarter of the map, the least recently seen keys
/// are evicted down to three quarters of the cap (counted in [`AuthRatios::evicted`]), so
/// an attacker rotating source addresses cannot grow these maps: an evicted address starts
/// again with no history, as a new address would.
/// This is the default of [`AuthRatios::with_max_keys`].
pub const MAX_KEYS: usize = 200_000;

#[derive(Default)]
struct Window {
    outcomes: VecDeque<(i64, bool)>,
    failures: u32,
}

impl Window {
    fn push(&mut self, t: i64, failed: bool) -> (f64, u32) {
        while let Some(&(old, f)) = self.outcomes.front() {
            if old >= t - WINDOW_US && self.outcomes.len() < MAX_PER_KEY {
                break;
            }
            self.outcomes.pop_front();
            self.failures -= u32::from(f);
        }
        self.outcomes.push_back((t, failed));
        self.failures += u32::from(failed);
        let n = self.outcomes.len() as u32;
        (f64::from(self.failures) / f64::from(n), n)
    }

    fn newest(&self) -> i64 {
        self.outcomes.back().map_or(i64::MIN, |(t, _)| *t)
    }
}

/// Which outcomes an event counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Login,
    Payment,
    Request,
}

/// Per-key outcome windows.
pub struct AuthRatios {
    logins_by_ip: HashMap<String, Window>,
    logins_by_asn: HashMap<String, Window>,
    logins_by_net: HashMap<String, Window>,
    payments_by_ip: HashMap<String, Window>,
    requests_by_ip: HashMap<String, Window>,
    logins_by_agent: HashMap<String, Window>,
    rates: crate::baseline::SourceRates,
    /// Keys still inside the window evicted because a map reached its cap.
    pub evicted: u64,
    /// Most keys per map (see [`MAX_KEYS`]).
    max_keys: usize,
}

impl Default for AuthRatios {
    fn default() -> Self {
        AuthRatios::with_max_keys(MAX_KEYS)
    }
}

/// The ratios of one event.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ratios {
    ip: Option<(f64, u32)>,
    asn: Option<(f64, u32)>,
    net: Option<(f64, u32)>,
    /// Logins per `user_agent.original` (slow stuffing shares one client across networks).
    agent: Option<(f64, u32)>,
    /// Web requests: the address's rate against its own baseline.
    rate: Option<crate::baseline::RateSignal>,
}

/// The IPv4 /24 or IPv6 /48 network of an address, as `198.51.100.0/24`.
pub fn network_of(ip: &str) -> Option<String> {
    network(ip).map(|n| n.as_str().to_owned())
}

/// The network of an address (see [`network_of`]) as a short text held inline: every
/// sign-in gets one, and formatting it into a new `String` was an allocation per event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Network(Inline);

impl Network {
    /// The network as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The IPv4 /24 or IPv6 /48 network of an address, formatted without allocating.
pub fn network(ip: &str) -> Option<Network> {
    use std::fmt::Write;
    let mut out = Inline::default();
    let written = match ip.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            write!(out, "{a}.{b}.{c}.0/24")
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            write!(out, "{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    };
    written.ok().map(|()| Network(out))
}

/// A text of at most 32 bytes in place: networks and numbers as text.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Inline {
    len: u8,
    bytes: [u8; 32],
}

impl Inline {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are written in, so the bytes are valid UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Write for Inline {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let start = usize::from(self.len);
        let end = start + s.len();
        let dest = self.bytes.get_mut(start..end).ok_or(std::fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = u8::try_from(end).map_err(|_| std::fmt::Error)?;
        Ok(())
    }
}

/// Calls `f` with the first value of the field as text; numbers are formatted in place
/// (an ASN is a number in ECS, and each sign-in looks one up).
fn with_text<T>(event: &dyn Event, path: &str, f: impl FnOnce(&str) -> T) -> Option<T> {
    use std::fmt::Write;
    let field = event.get(path)?;
    match field.iter().next()? {
        Scalar::Null => None,
        Scalar::Str(s) => Some(f(s)),
        Scalar::Int(i) => {
            let mut text = Inline::default();
            write!(text, "{i}").ok()?;
            Some(f(text.as_str()))
        }
        s => Some(f(&s.to_text())),
    }
}

/// Makes room for a new key when the map is full (see [`MAX_KEYS`]); returns how many
/// keys still inside the window were evicted.
fn sweep(map: &mut HashMap<String, Window>, now: i64, max_keys: usize) -> u64 {
    if map.len() < max_keys {
        return 0;
    }
    map.retain(|_, w| w.newest() >= now - WINDOW_US);
    let keep = max_keys / 4 * 3;
    if map.len() <= keep {
        return 0;
    }
    // The newest time of the `keep`-th most recently seen key: older keys go.
    let mut newest: Vec<i64> = map.values().map(Window::newest).collect();
    let cut = newest.len() - keep;
    let (_, &mut threshold, _) = newest.select_nth_unstable(cut);
    let before = map.len();
    map.retain(|_, w| w.newest() >= threshold);
    (before - map.len()) as u64
}

/// Adds an outcome to the key's window, allocating the key only when it is new.
fn observe_key(
    map: &mut HashMap<String, Window>,
    (evicted, max_keys): (&mut u64, usize),
    event: &dyn Event,
    path: &str,
    t: i64,
    failed: bool,
) -> Option<(f64, u32)> {
    with_text(event, path, |key| {
        if let Some(w) = map.get_mut(key) {
            return w.push(t, failed);
        }
        *evicted += sweep(map, t, max_keys);
        map.entry(key.to_owned()).or_default().push(t, failed)
    })
}

fn failed_outcome(event: &dyn Event) -> Option<bool> {
    with_text(event, "event.outcome", |o| match o {
        "failure" => Some(true),
        "success" => Some(false),
        _ => None,
    })?
}

fn failed_request(event: &dyn Event) -> Option<bool> {
    let field = event.get("http.response.status_code")?;
    let status: i64 = match field.iter().next()? {
        Scalar::Int(i) => i,
        Scalar::Str(s) => s.parse().ok()?,
        _ => return None,
    };
    Some(status >= 400)
}

impl AuthRatios {
    /// Empty windows whose maps hold at most `max_keys` keys each (at least 4).
    pub fn with_max_keys(max_keys: usize) -> AuthRatios {
        AuthRatios {
            logins_by_ip: HashMap::default(),
            logins_by_asn: HashMap::default(),
            logins_by_net: HashMap::default(),
            payments_by_ip: HashMap::default(),
            requests_by_ip: HashMap::default(),
            logins_by_agent: HashMap::default(),
            rates: crate::baseline::SourceRates::with_max_keys(max_keys),
            evicted: 0,
            max_keys: max_keys.max(4),
        }
    }

    /// Records a login (an event with outcome success or failure) and returns its ratios;
    /// events without an outcome or a time get none.
    pub fn observe(&mut self, event: &dyn Event) -> Ratios {
        let net = with_text(event, "source.ip", network).flatten();
        self.observe_kind(event, Kind::Login, net.as_ref().map(Network::as_str))
    }

    fn observe_kind(&mut self, event: &dyn Event, kind: Kind, net: Option<&str>) -> Ratios {
        let failed = match kind {
            Kind::Login | Kind::Payment => failed_outcome(event),
            Kind::Request => failed_request(event),
        };
        let (Some(failed), Some(t)) = (failed, event.timestamp_us()) else {
            return Ratios::default();
        };
        let by_ip = match kind {
            Kind::Login => &mut self.logins_by_ip,
            Kind::Payment => &mut self.payments_by_ip,
            Kind::Request => &mut self.requests_by_ip,
        };
        let ip = observe_key(
            by_ip,
            (&mut self.evicted, self.max_keys),
            event,
            "source.ip",
            t,
            failed,
        );
        let asn = match kind {
            Kind::Login => observe_key(
                &mut self.logins_by_asn,
                (&mut self.evicted, self.max_keys),
                event,
                "source.as.number",
                t,
                failed,
            ),
            Kind::Payment | Kind::Request => None,
        };
        let agent = match kind {
            Kind::Login => observe_key(
                &mut self.logins_by_agent,
                (&mut self.evicted, self.max_keys),
                event,
                "user_agent.original",
                t,
                failed,
            ),
            Kind::Payment | Kind::Request => None,
        };
        let rate = self.observe_rate(event, kind, failed, t);
        let net = match (kind, net) {
            (Kind::Login, Some(net)) => {
                let w = self.logins_by_net.get_mut(net);
                Some(match w {
                    Some(w) => w.push(t, failed),
                    None => {
                        self.evicted += sweep(&mut self.logins_by_net, t, self.max_keys);
                        self.logins_by_net
                            .entry(net.to_owned())
                            .or_default()
                            .push(t, failed)
                    }
                })
            }
            _ => None,
        };
        Ratios {
            ip,
            asn,
            net,
            agent,
            rate,
        }
    }

    /// Requests count in their address's rate; successful logins add their account to it.
    fn observe_rate(
        &mut self,
        event: &dyn Event,
        kind: Kind,
        failed: bool,
        t: i64,
    ) -> Option<crate::baseline::RateSignal> {
        match kind {
            Kind::Request => with_text(event, "source.ip", |ip| self.rates.request(ip, t)),
            Kind::Login if !failed => {
                let rates = &mut self.rates;
                with_text(event, "user.name", |user| {
                    with_text(event, "source.ip", |ip| rates.sign_in(ip, user, t));
                });
                None
            }
            _ => None,
        }
    }

    /// Addresses dropped from the rate baselines because they reached their cap.
    pub fn evicted_rates(&self) -> u64 {
        self.rates.evicted
    }

    /// The record's event with its ratios when it is a login, payment or web request.
    pub fn enrich<'a>(&mut self, record: &'a Record) -> Enriched<'a, LogEvent> {
        let kind = match record.source.category.as_deref() {
            Some("authentication") => Some(Kind::Login),
            Some("payment") => Some(Kind::Payment),
            Some("webserver") => Some(Kind::Request),
            _ => None,
        };
        let net = match kind {
            Some(Kind::Login) => with_text(&record.event, "source.ip", network).flatten(),
            _ => None,
        };
        let ratios = kind.map_or_else(Ratios::default, |k| {
            self.observe_kind(&record.event, k, net.as_ref().map(Network::as_str))
        });
        Enriched {
            inner: &record.event,
            ratios,
            network: net,
        }
    }
}

/// An event seen with its ratios.
pub struct Enriched<'a, E: Event + ?Sized> {
    /// The event.
    pub inner: &'a E,
    /// Its ratios.
    pub ratios: Ratios,
    /// The network of its source address (logins only).
    pub network: Option<Network>,
}

impl<E: Event + ?Sized> Event for Enriched<'_, E> {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let (pair, ratio) = match path {
            "deltawall.source.failure_ratio" => (self.ratios.ip, true),
            "deltawall.source.attempts" => (self.ratios.ip, false),
            "deltawall.asn.failure_ratio" => (self.ratios.asn, true),
            "deltawall.asn.attempts" => (self.ratios.asn, false),
            "deltawall.network.failure_ratio" => (self.ratios.net, true),
            "deltawall.network.attempts" => (self.ratios.net, false),
            "deltawall.agent.failure_ratio" => (self.ratios.agent, true),
            "deltawall.agent.attempts" => (self.ratios.agent, false),
            "deltawall.source.rate" => {
                let r = self.ratios.rate?;
                return Some(Field::One(Scalar::Int(i64::from(r.rate))));
            }
            "deltawall.source.rate_ratio" => {
                return Some(Field::One(Scalar::Float(self.ratios.rate?.ratio?)));
            }
            "deltawall.source.accounts" => {
                let r = self.ratios.rate?;
                return Some(Field::One(Scalar::Int(i64::from(r.accounts))));
            }
            "deltawall.source.network" => {
                return self
                    .network
                    .as_ref()
                    .map(|n| Field::One(Scalar::Str(n.as_str())));
            }
            _ => return self.inner.get(path),
        };
        let (r, n) = pair?;
        Some(Field::One(if ratio {
            Scalar::Float(r)
        } else {
            Scalar::Int(i64::from(n))
        }))
    }

    fn any_str(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.inner.any_str(visit)
    }

    fn timestamp_us(&self) -> Option<i64> {
        self.inner.timestamp_us()
    }

    fn to_json(&self) -> Value {
        self.inner.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_event::JsonEvent;
    use serde_json::json;

    fn login(ip: &str, outcome: &str, t: i64) -> JsonEvent {
        JsonEvent::new(
            json!({"event": {"outcome": outcome}, "source": {"ip": ip, "as": {"number": 64512}}}),
            Some(t),
        )
        .unwrap()
    }

    #[test]
    fn rotating_addresses_are_capped_least_recently_seen_first() {
        for cap in [MAX_KEYS, 1000] {
            check_cap(cap);
        }
    }

    fn check_cap(cap: usize) {
        let mut map: HashMap<String, Window> = HashMap::default();
        let mut evicted = 0;
        // More distinct addresses than the cap, all within one window (1 µs apart).
        let n = cap + 10;
        for i in 0..n {
            let ip = format!("11.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            let t = i64::try_from(i).unwrap();
            let e = JsonEvent::new(json!({"source": {"ip": ip}}), Some(t)).unwrap();
            observe_key(&mut map, (&mut evicted, cap), &e, "source.ip", t, true);
            assert!(map.len() <= cap);
        }
        assert_eq!(map.len() as u64 + evicted, n as u64);
        assert!(evicted >= (cap / 4) as u64);
        // The newest addresses are kept, the oldest evicted.
        let last = n - 1;
        let newest = format!("11.{}.{}.{}", last >> 16, (last >> 8) & 255, last & 255);
        assert!(map.contains_key(&newest));
        assert!(!map.contains_key("11.0.0.0"));
    }

    #[test]
    fn ratio_over_the_last_hour() {
        let mut r = AuthRatios::default();
        let steps = [
            ("success", 0, 0.0),
            ("failure", 1, 0.5),
            ("failure", 2, 2.0 / 3.0),
            ("success", WINDOW_US + 2, 0.5),
        ];
        for (outcome, t, want) in steps {
            let got = r.observe(&login("1.2.3.4", outcome, t));
            assert_eq!(got.ip.unwrap().0, want, "{outcome} at {t}");
            assert_eq!(got.asn, got.ip);
        }
        let other = r.observe(&login("5.6.7.8", "failure", WINDOW_US + 3));
        assert_eq!(other.ip, Some((1.0, 1)));
        assert_eq!(other.asn.unwrap().1, 2);
    }

    #[test]
    fn networks() {
        assert_eq!(
            network_of("198.51.100.77").as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(
            network_of("2001:db8:aa:bb::1").as_deref(),
            Some("2001:db8:aa::/48")
        );
        assert_eq!(network_of("bank.example"), None);
    }

    #[test]
    fn non_logins_get_nothing() {
        let mut r = AuthRatios::default();
        let e = JsonEvent::new(json!({"source": {"ip": "1.2.3.4"}}), Some(0)).unwrap();
        assert_eq!(r.observe(&e), Ratios::default());
        let wrapped = Enriched {
            inner: &e,
            ratios: r.observe(&login("1.2.3.4", "failure", 1)),
            network: network("1.2.3.4"),
        };
        assert_eq!(
            wrapped.get("deltawall.source.failure_ratio"),
            Some(Field::One(Scalar::Float(1.0)))
        );
        assert_eq!(
            wrapped.get("source.ip"),
            Some(Field::One(Scalar::Str("1.2.3.4")))
        );
    }
}

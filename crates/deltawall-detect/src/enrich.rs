//! Failure ratios per source address and per network, added to authentication events.
//!
//! Sigma correlations count; they cannot divide. Counting distinct failing accounts per
//! address cannot tell credential stuffing from a carrier-grade NAT or office proxy
//! address where thousands of customers log in (and some mistype), so the pipeline keeps,
//! per `source.ip` and per `source.as.number`, the logins of the last hour and adds the
//! share that failed to each authentication event:
//!
//! - `deltawall.source.failure_ratio`, `deltawall.source.attempts`
//! - `deltawall.asn.failure_ratio`, `deltawall.asn.attempts`
//!
//! Customers fail about 8 % of logins; stuffing and spraying sources fail more than 90 %.
//! Rules use the ratio to leave shared addresses alone (see `rules/finance/base_login.yml`).

use deltawall_event::{Event, Field, Scalar};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// Window of the ratios.
pub const WINDOW_US: i64 = 3_600_000_000;
/// Most logins remembered per key; older ones are dropped first.
const MAX_PER_KEY: usize = 20_000;
/// Most keys remembered; beyond it, keys idle for a window are swept.
const MAX_KEYS: usize = 1_000_000;

#[derive(Default)]
struct Window {
    logins: VecDeque<(i64, bool)>,
    failures: u32,
}

impl Window {
    fn push(&mut self, t: i64, failed: bool) -> (f64, u32) {
        while let Some(&(old, f)) = self.logins.front() {
            if old >= t - WINDOW_US && self.logins.len() < MAX_PER_KEY {
                break;
            }
            self.logins.pop_front();
            self.failures -= u32::from(f);
        }
        self.logins.push_back((t, failed));
        self.failures += u32::from(failed);
        let n = self.logins.len() as u32;
        (f64::from(self.failures) / f64::from(n), n)
    }

    fn newest(&self) -> i64 {
        self.logins.back().map_or(i64::MIN, |(t, _)| *t)
    }
}

/// Per-key login windows.
#[derive(Default)]
pub struct AuthRatios {
    by_ip: HashMap<String, Window>,
    by_asn: HashMap<String, Window>,
}

/// The ratios of one event.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ratios {
    ip: Option<(f64, u32)>,
    asn: Option<(f64, u32)>,
}

fn text(event: &dyn Event, path: &str) -> Option<String> {
    let field = event.get(path)?;
    let first = field.iter().next()?;
    match first {
        Scalar::Null => None,
        s => Some(s.to_text().into_owned()),
    }
}

fn sweep(map: &mut HashMap<String, Window>, now: i64) {
    if map.len() >= MAX_KEYS {
        map.retain(|_, w| w.newest() >= now - WINDOW_US);
    }
}

impl AuthRatios {
    /// Records a login (an authentication event with outcome success or failure) and
    /// returns its ratios; other events get none.
    pub fn observe(&mut self, event: &dyn Event) -> Ratios {
        let failed = match text(event, "event.outcome").as_deref() {
            Some("failure") => true,
            Some("success") => false,
            _ => return Ratios::default(),
        };
        let Some(t) = event.timestamp_us() else {
            return Ratios::default();
        };
        let one = |map: &mut HashMap<String, Window>, path: &str| {
            let key = text(event, path)?;
            sweep(map, t);
            Some(map.entry(key).or_default().push(t, failed))
        };
        Ratios {
            ip: one(&mut self.by_ip, "source.ip"),
            asn: one(&mut self.by_asn, "source.as.number"),
        }
    }
}

impl AuthRatios {
    /// The record's event with its ratios when it is an authentication event.
    pub fn enrich<'a>(
        &mut self,
        record: &'a crate::input::Record,
    ) -> Enriched<'a, crate::input::LogEvent> {
        let ratios = if record.source.category.as_deref() == Some("authentication") {
            self.observe(&record.event)
        } else {
            Ratios::default()
        };
        Enriched {
            inner: &record.event,
            ratios,
        }
    }
}

/// An event seen with its ratios.
pub struct Enriched<'a, E: Event + ?Sized> {
    /// The event.
    pub inner: &'a E,
    /// Its ratios.
    pub ratios: Ratios,
}

impl<E: Event + ?Sized> Event for Enriched<'_, E> {
    fn get(&self, path: &str) -> Option<Field<'_>> {
        let (pair, ratio) = match path {
            "deltawall.source.failure_ratio" => (self.ratios.ip, true),
            "deltawall.source.attempts" => (self.ratios.ip, false),
            "deltawall.asn.failure_ratio" => (self.ratios.asn, true),
            "deltawall.asn.attempts" => (self.ratios.asn, false),
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
    fn non_logins_get_nothing() {
        let mut r = AuthRatios::default();
        let e = JsonEvent::new(json!({"source": {"ip": "1.2.3.4"}}), Some(0)).unwrap();
        assert_eq!(r.observe(&e), Ratios::default());
        let wrapped = Enriched {
            inner: &e,
            ratios: r.observe(&login("1.2.3.4", "failure", 1)),
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

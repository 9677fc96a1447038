//! [`Alert`] and the push-style [`AlertSink`].

use crate::model::{Level, Meta};
use serde::{Deserialize, Serialize};

/// Whether an alert comes from a single event or from a correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A detection rule matched one event.
    Match,
    /// A correlation rule's condition held for a group.
    Correlation,
}

/// A detection result. Carries the rule author: the Detection Rule License 1.1 of SigmaHQ
/// rules requires it to be shown with every match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Single event or correlation.
    pub kind: AlertKind,
    /// The rule's `id`, when it has one.
    pub rule_id: Option<String>,
    /// The rule's `name`, when it has one.
    pub rule_name: Option<String>,
    /// The rule's title.
    pub title: String,
    /// The rule's level.
    pub level: Option<Level>,
    /// The rule's author.
    pub author: Option<String>,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The file the rule came from.
    pub rule_origin: String,
    /// Event time of the first event involved (Unix µs), when known.
    pub first_seen_us: Option<i64>,
    /// Event time of the last event involved (Unix µs), when known.
    pub last_seen_us: Option<i64>,
    /// Correlation group: group-by field names and values (empty for single events).
    pub group: Vec<(String, String)>,
    /// Correlation count (events, distinct values or rules), when the metric is a count.
    pub count: Option<u64>,
    /// Correlation metric (also set for sums, averages and percentiles).
    pub value: Option<f64>,
    /// The matched event, for single-event alerts.
    pub event: Option<serde_json::Value>,
}

impl Alert {
    pub(crate) fn from_meta(kind: AlertKind, meta: &Meta) -> Alert {
        Alert {
            kind,
            rule_id: meta.id.clone(),
            rule_name: meta.name.clone(),
            title: meta.title.clone(),
            level: meta.level,
            author: meta.author.clone(),
            tags: meta.tags.clone(),
            rule_origin: meta.origin.clone(),
            first_seen_us: None,
            last_seen_us: None,
            group: Vec::new(),
            count: None,
            value: None,
            event: None,
        }
    }
}

/// Receives alerts as the engine produces them (push model).
pub trait AlertSink {
    /// Called once per alert.
    fn alert(&mut self, alert: Alert);
}

impl<F: FnMut(Alert)> AlertSink for F {
    fn alert(&mut self, alert: Alert) {
        self(alert)
    }
}

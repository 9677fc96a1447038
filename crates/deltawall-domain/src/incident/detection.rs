//! Detections: the alerts `deltawall scan` writes, as the platform receives them.
//!
//! A batch is JSON Lines (one alert object per line, as the scanner prints) or one JSON
//! array of such objects. Every bad line is reported with its number and reason and the
//! rest of the batch goes on: one malformed alert must not lose the others.
//!
//! Each detection has a stable id derived from what identifies the alert, not from when
//! it was sent: the rule, the group (a correlation's group-by values, or the matched event
//! for a single-event match) and the window (first and last event time). Sending the same
//! scan output twice therefore yields the same ids, and the store counts the second copy
//! as a duplicate. The id is per institution: the store keys detections by
//! `(org_id, id)`, so one institution's resend can never collide with another's alert.
//!
//! Triage is a small state machine: new → acknowledged → false positive | escalated.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The longest line accepted, in bytes; longer lines are rejected, not truncated.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// A rule's level, as Sigma names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Enrichment only.
    Informational,
    /// Notable, rarely an incident.
    Low,
    /// Should be reviewed.
    Medium,
    /// Prompt review.
    High,
    /// Immediate review.
    Critical,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: &'static [Level] = &[
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// The stable code (Sigma's own word).
    pub fn code(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| l.code() == code)
    }
}

/// Whether the alert came from one event or from a correlation over many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A detection rule matched one event.
    Match,
    /// A correlation rule's condition held for a group.
    Correlation,
}

impl AlertKind {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::Match => "match",
            AlertKind::Correlation => "correlation",
        }
    }
}

/// One alert received from a scanner, with its stable id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Stable id (see [`stable_id`]): `det-` and 32 hex digits, time-led.
    pub id: String,
    /// The rule's id, or its name, or its title when it has neither.
    pub rule_key: String,
    /// The rule's title.
    pub title: String,
    /// The rule's level, when it has one.
    pub level: Option<Level>,
    /// Match or correlation.
    pub kind: AlertKind,
    /// The group as `field=value` pairs joined by `, ` in field order (empty for a match);
    /// what the inbox groups by besides the rule.
    pub group_key: String,
    /// Event time of the first event, Unix µs, when known.
    pub first_seen_us: Option<i64>,
    /// Event time of the last event, Unix µs, when known.
    pub last_seen_us: Option<i64>,
    /// The correlation count, when the metric is a count.
    pub count: Option<u64>,
    /// The whole alert as received, kept as evidence.
    pub raw: Value,
}

/// A line of a batch that was not accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// 1-based line number (JSON Lines) or 1-based position in the array.
    pub line: usize,
    /// Why, naming the field when one is at fault.
    pub reason: String,
}

/// A parsed batch: the detections in order (duplicates within the batch removed) and the
/// lines refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Batch {
    /// The detections, each id once, in the order first seen.
    pub detections: Vec<Detection>,
    /// Lines repeating an id already in this batch.
    pub duplicates_in_batch: usize,
    /// Lines refused, in order.
    pub rejected: Vec<LineError>,
}

/// Parses a batch: a JSON array when the first non-blank character is `[`, JSON Lines
/// otherwise (blank lines are skipped). Never fails as a whole except for an array that is
/// not valid JSON, which is reported as one error at its line and column.
pub fn parse_batch(body: &str) -> Batch {
    let mut batch = Batch::default();
    let mut seen = BTreeSet::new();
    let mut push = |batch: &mut Batch, line: usize, value: Result<Value, String>| match value
        .and_then(detection_from)
    {
        Ok(d) if seen.insert(d.id.clone()) => batch.detections.push(d),
        Ok(_) => batch.duplicates_in_batch += 1,
        Err(reason) => batch.rejected.push(LineError { line, reason }),
    };
    if body.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(body) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    push(&mut batch, i + 1, Ok(item));
                }
            }
            Err(e) => batch.rejected.push(LineError {
                line: e.line(),
                reason: format!("not a JSON array of alerts (column {}): {e}", e.column()),
            }),
        }
        return batch;
    }
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = if line.len() > MAX_LINE_BYTES {
            Err(format!("line is longer than {MAX_LINE_BYTES} bytes"))
        } else {
            serde_json::from_str::<Value>(line)
                .map_err(|e| format!("not JSON (column {}): {e}", e.column()))
        };
        push(&mut batch, i + 1, value);
    }
    batch
}

fn text_field<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.trim().is_empty())),
        Some(_) => Err(format!("{key}: must be a string")),
    }
}

fn time_field(obj: &serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    text_field(obj, key)?
        .map(|t| {
            t.parse::<jiff::Timestamp>()
                .map(|ts| ts.as_microsecond())
                .map_err(|_| format!("{key}: {t:?} is not an RFC 3339 time"))
        })
        .transpose()
}

/// Turns one alert object into a detection, or says which field is wrong.
pub fn detection_from(value: Value) -> Result<Detection, String> {
    let Value::Object(obj) = &value else {
        return Err("not a JSON object".into());
    };
    let title = text_field(obj, "title")?
        .ok_or("title: is required")?
        .to_owned();
    let rule_key = text_field(obj, "rule_id")?
        .or(text_field(obj, "rule_name")?)
        .unwrap_or(&title)
        .to_owned();
    let level = text_field(obj, "level")?
        .map(|l| Level::from_code(l).ok_or(format!("level: {l:?} is not a Sigma level")))
        .transpose()?;
    let kind = match text_field(obj, "kind")? {
        Some("match") => AlertKind::Match,
        Some("correlation") => AlertKind::Correlation,
        Some(other) => return Err(format!("kind: {other:?} is neither match nor correlation")),
        None => return Err("kind: is required".into()),
    };
    let first_seen_us = time_field(obj, "first_seen")?;
    let last_seen_us = time_field(obj, "last_seen")?;
    if let (Some(first), Some(last)) = (first_seen_us, last_seen_us)
        && last < first
    {
        return Err("last_seen: is before first_seen".into());
    }
    let group_key = group_key(obj)?;
    let count = match obj.get("count") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or("count: must be a non-negative integer")?),
    };
    let identity = match kind {
        AlertKind::Correlation => group_key.clone(),
        AlertKind::Match => canonical(obj.get("event").unwrap_or(&Value::Null)),
    };
    let id = stable_id(&rule_key, &identity, first_seen_us, last_seen_us);
    Ok(Detection {
        id,
        rule_key,
        title,
        level,
        kind,
        group_key,
        first_seen_us,
        last_seen_us,
        count,
        raw: value,
    })
}

fn group_key(obj: &serde_json::Map<String, Value>) -> Result<String, String> {
    let Some(group) = obj.get("group").filter(|g| !g.is_null()) else {
        return Ok(String::new());
    };
    let Value::Object(group) = group else {
        return Err("group: must be an object".into());
    };
    let mut pairs: Vec<(&String, String)> = group
        .iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    pairs.sort();
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", "))
}

/// JSON with object keys sorted at every level, so that the same event gives the same
/// text whatever order the scanner wrote its fields in.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::from(k.as_str()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// The stable id of an alert: `det-`, the window's start as ten hex digits of Unix seconds,
/// then 22 hex digits of a digest of the rule, the group (or event) and the window. Each part
/// of the digest is length-prefixed so that no two different inputs share a preimage.
///
/// Why the time first: the store keys detections by `(org_id, id)`, and a uniformly random
/// key sends each of a batch's rows to a different page of that index, so every batch
/// dirties (and after a checkpoint logs in full) most of it. Alerts arrive roughly in time
/// order, so a time-led key appends near the index's end (PostgreSQL ingest measured in
/// docs/BENCHMARKS.md). Ids sort by window start; 88 bits of digest separate the alerts of
/// one second.
pub fn stable_id(
    rule_key: &str,
    identity: &str,
    first_us: Option<i64>,
    last_us: Option<i64>,
) -> String {
    let mut h = Sha256::new();
    for part in [rule_key, identity] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    for t in [first_us, last_us] {
        match t {
            Some(us) => {
                h.update([1]);
                h.update(us.to_be_bytes());
            }
            None => h.update([0]),
        }
    }
    let start = first_us
        .or(last_us)
        .map_or(0, |us| us.div_euclid(1_000_000).clamp(0, ID_SECONDS_MAX));
    format!("det-{start:010x}{}", &hex::encode(h.finalize())[..22])
}

/// The largest window start an id can carry (ten hex digits of seconds, beyond year 30000);
/// a later or negative time is clamped, which only costs the id its place in time order.
const ID_SECONDS_MAX: i64 = 0xff_ffff_ffff;

/// Where a detection stands in triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Triage {
    /// Received, nobody has looked yet.
    New,
    /// Someone is looking at it.
    Acknowledged,
    /// Not an attack; closed with a reason. Final.
    FalsePositive,
    /// Part of an incident case. Final.
    Escalated,
}

impl Triage {
    /// Every state, in workflow order.
    pub const ALL: &'static [Triage] = &[
        Triage::New,
        Triage::Acknowledged,
        Triage::FalsePositive,
        Triage::Escalated,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Triage::New => "new",
            Triage::Acknowledged => "acknowledged",
            Triage::FalsePositive => "false_positive",
            Triage::Escalated => "escalated",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<Triage> {
        Triage::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// The label in Japanese (`ja`) or English.
    pub fn label(self, lang: &str) -> &'static str {
        let (ja, en) = match self {
            Triage::New => ("未対応", "New"),
            Triage::Acknowledged => ("確認中", "Acknowledged"),
            Triage::FalsePositive => ("誤検知", "False positive"),
            Triage::Escalated => ("インシデント化", "Escalated"),
        };
        if lang == "ja" { ja } else { en }
    }
}

/// A triage decision on a detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum TriageCommand {
    /// Take it up.
    Acknowledge,
    /// Close it as a false positive, saying why.
    FalsePositive {
        /// Why it is not an attack.
        reason: String,
    },
    /// Attach it to an incident case.
    Escalate {
        /// The case it belongs to.
        case_id: String,
    },
}

/// Why a triage command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageRefusal {
    /// The command does not apply in this state.
    #[error("a detection that is {0} cannot be {1}")]
    WrongState(&'static str, &'static str),
    /// A false positive needs a reason.
    #[error("reason: is required to close a detection as a false positive")]
    NoReason,
    /// Escalation needs a case.
    #[error("case_id: is required to escalate a detection")]
    NoCase,
}

/// The state after `command`, or why it is refused. Only an acknowledged detection is
/// closed or escalated: somebody must have looked at it first. The final states are final.
pub fn triage(state: Triage, command: &TriageCommand) -> Result<Triage, TriageRefusal> {
    let (verb, next) = match command {
        TriageCommand::Acknowledge => ("acknowledged", Triage::Acknowledged),
        TriageCommand::FalsePositive { reason } if reason.trim().is_empty() => {
            return Err(TriageRefusal::NoReason);
        }
        TriageCommand::FalsePositive { .. } => {
            ("closed as a false positive", Triage::FalsePositive)
        }
        TriageCommand::Escalate { case_id } if case_id.trim().is_empty() => {
            return Err(TriageRefusal::NoCase);
        }
        TriageCommand::Escalate { .. } => ("escalated", Triage::Escalated),
    };
    let allowed = matches!(
        (state, next),
        (Triage::New, Triage::Acknowledged)
            | (
                Triage::Acknowledged,
                Triage::FalsePositive | Triage::Escalated
            )
    );
    if allowed {
        Ok(next)
    } else {
        Err(TriageRefusal::WrongState(state.code(), verb))
    }
}

#[cfg(test)]
mod tests;

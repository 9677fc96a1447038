//! `--sightings`: matches of shared indicators counted per indicator and posted back to
//! the collection each came from as STIX 2.1 sightings, one per indicator per batch
//! (`count`, `first_seen`, `last_seen`), never one per event. A sighting carries its
//! indicator's markings, so it reaches no one the indicator does not, and names the
//! member (`created_by_ref`) only when `--sightings-as` says so. A batch the hub does not
//! take stays counted for the next one.

use super::{Subscription, now_us, time_us};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// Matches of one indicator since the last batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    count: u64,
    first_us: i64,
    last_us: i64,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        self.count += other.count;
        self.first_us = self.first_us.min(other.first_us);
        self.last_us = self.last_us.max(other.last_us);
    }
}

/// Matches per indicator id, waiting for the next batch.
#[derive(Debug, Default)]
pub(super) struct Tally(BTreeMap<String, Seen>);

fn locked(t: &Mutex<Tally>) -> MutexGuard<'_, Tally> {
    t.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counts `alert` when it is a match of a shared indicator.
pub(super) fn count(t: &Mutex<Tally>, alert: &Value) {
    if alert["rule_origin"] != "stix-indicator" {
        return;
    }
    let Some(id) = alert["rule_id"].as_str() else {
        return;
    };
    let first = time_us(alert, "first_seen").unwrap_or_else(now_us);
    let last = time_us(alert, "last_seen").unwrap_or(first);
    let seen = Seen {
        count: 1,
        first_us: first,
        last_us: last.max(first),
    };
    locked(t)
        .0
        .entry(id.to_owned())
        .and_modify(|s| s.merge(seen))
        .or_insert(seen);
}

/// A STIX timestamp with millisecond precision.
fn stamp(us: i64) -> String {
    let t = jiff::Timestamp::from_microsecond(us).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{t:.3}")
}

/// The sighting of `indicator` (its stored JSON) for `seen`.
fn sighting(indicator: &Value, seen: Seen, named: Option<&str>, now: i64) -> Value {
    let mut s = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": format!("sighting--{}", crate::taxii::uuid_v4()),
        "created": stamp(now),
        "modified": stamp(now),
        "sighting_of_ref": indicator["id"],
        "count": seen.count.min(999_999_999),
        "first_seen": stamp(seen.first_us),
        "last_seen": stamp(seen.last_us),
    });
    if let Some(marks) = indicator.get("object_marking_refs") {
        s["object_marking_refs"] = marks.clone();
    }
    if let Some(identity) = named {
        s["created_by_ref"] = identity.into();
    }
    s
}

/// Posts what `tally` counted, one envelope per collection; puts back what was not taken.
pub(super) async fn post(sub: &Subscription, tally: &Mutex<Tally>, named: Option<&str>) {
    let counted = std::mem::take(&mut locked(tally).0);
    if counted.is_empty() {
        return;
    }
    let now = now_us();
    let mut per_source: BTreeMap<usize, Vec<(String, Seen, Value)>> = BTreeMap::new();
    for (id, seen) in counted {
        // An indicator no longer known (it cannot be: the set only holds known ones) has
        // nowhere to go.
        let Some(k) = sub.known.get(&id) else {
            continue;
        };
        let obj = sighting(&k.json, seen, named, now);
        per_source
            .entry(k.source)
            .or_default()
            .push((id, seen, obj));
    }
    for (i, items) in per_source {
        let source = &sub.sources[i];
        let objects: Vec<&Value> = items.iter().map(|(_, _, o)| o).collect();
        let body = json!({ "objects": objects }).to_string();
        let keep_all = |why: String| {
            eprintln!(
                "warning: {}: sightings not posted ({why}); kept for the next batch",
                source.label
            );
            let mut t = locked(tally);
            for (id, seen, _) in &items {
                t.0.entry(id.clone())
                    .and_modify(|s| s.merge(*seen))
                    .or_insert(*seen);
            }
        };
        match source.client.add(&source.objects, body).await {
            Ok(status) => {
                for f in &status.failures {
                    // Refused by the hub (a grant, a marking rule): counting on would
                    // only be refused again.
                    let why = f.message.as_deref().unwrap_or("refused");
                    eprintln!("warning: sighting {} refused: {why}", f.id);
                }
                if !status.pendings.is_empty() {
                    eprintln!(
                        "warning: {} sighting(s) still pending at {}",
                        status.pendings.len(),
                        source.label
                    );
                }
                let total: u64 = items.iter().map(|(_, s, _)| s.count).sum();
                eprintln!(
                    "{} sighting(s) of {total} match(es) posted to {}",
                    status.successes.len(),
                    source.label
                );
            }
            Err(e) => keep_all(format!("{e:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_counted_per_indicator_and_others_ignored() {
        let t = Mutex::new(Tally::default());
        let alert = |id: &str, at: &str, origin: &str| json!({"rule_id": id, "first_seen": at, "last_seen": at, "rule_origin": origin});
        count(
            &t,
            &alert("indicator--a", "2026-12-01T00:00:05Z", "stix-indicator"),
        );
        count(
            &t,
            &alert("indicator--a", "2026-12-01T00:00:01Z", "stix-indicator"),
        );
        count(
            &t,
            &alert("indicator--b", "2026-12-01T00:00:03Z", "stix-indicator"),
        );
        count(&t, &alert("rule-1", "2026-12-01T00:00:03Z", "builtin"));
        let tally = locked(&t);
        assert_eq!(tally.0.len(), 2);
        let a = tally.0["indicator--a"];
        assert_eq!(a.count, 2);
        assert_eq!(stamp(a.first_us), "2026-12-01T00:00:01.000Z");
        assert_eq!(stamp(a.last_us), "2026-12-01T00:00:05.000Z");
    }

    #[test]
    fn a_sighting_keeps_the_markings_and_names_only_on_consent() {
        let ind = json!({"id": "indicator--00000000-0000-4000-8000-000000000001",
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]});
        let seen = Seen {
            count: 3,
            first_us: 1_000_000,
            last_us: 2_000_000,
        };
        let anon = sighting(&ind, seen, None, 3_000_000);
        assert_eq!(anon["sighting_of_ref"], ind["id"]);
        assert_eq!(anon["count"], 3);
        assert_eq!(anon["object_marking_refs"], ind["object_marking_refs"]);
        assert!(anon.get("created_by_ref").is_none());
        let report = deltawall_stix::validate_document(&anon.to_string());
        assert!(report.errors().next().is_none(), "{report}");
        let named = sighting(
            &ind,
            seen,
            Some("identity--00000000-0000-4000-8000-0000000000b0"),
            3_000_000,
        );
        assert_eq!(
            named["created_by_ref"],
            "identity--00000000-0000-4000-8000-0000000000b0"
        );
    }
}

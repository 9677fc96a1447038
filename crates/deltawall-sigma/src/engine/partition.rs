//! Spreading one scan over several engines built from the same rules: each correlation
//! group must meet all of its events in one engine, so events are partitioned by a field
//! that every correlation groups by. Rules without correlations can be spread freely.

use super::Engine;
use crate::correlation::GroupSrc;
use crate::eval::FieldId;
use deltawall_event::{Event, Scalar};
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

/// How a rule set's events may be partitioned across engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partition {
    /// No correlation: any event may go to any engine.
    Any,
    /// Every correlation groups by one field: events with the same value (or both
    /// without it) must go to the same engine.
    ByField(Partitioner),
    /// Correlations group by different fields, by none, or by a chained correlation's
    /// group: one engine must see every event.
    Single,
}

/// Reads the field every correlation groups by, exactly as a correlation reads its
/// group key, and assigns events to engines by its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partitioner {
    /// The candidate event paths of the field (the first present one is read).
    paths: Vec<String>,
}

impl Partitioner {
    /// The field's first value as text (`None` when absent or null), as group keys are.
    pub fn value<'e>(&self, event: &'e dyn Event) -> Option<std::borrow::Cow<'e, str>> {
        let field = self.paths.iter().find_map(|p| event.get(p))?;
        match field.iter().next()? {
            Scalar::Null => None,
            Scalar::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            other => Some(std::borrow::Cow::Owned(other.to_text().into_owned())),
        }
    }

    /// Which of `n` engines `event` belongs to (a fixed hash: the same in every run).
    pub fn shard(&self, event: &dyn Event, n: usize) -> usize {
        let mut h = std::hash::DefaultHasher::new();
        self.value(event).hash(&mut h);
        (h.finish() % n.max(1) as u64) as usize
    }
}

impl Engine {
    /// How this engine's events may be partitioned (see [`Partition`]).
    pub fn partition(&self) -> Partition {
        if self.corrs.is_empty() {
            return Partition::Any;
        }
        let mut common: Option<BTreeSet<FieldId>> = None;
        for input in self.corrs.iter().flat_map(|c| &c.inputs) {
            let mut fields = BTreeSet::new();
            for g in &input.group {
                match g {
                    GroupSrc::Field(f) => fields.insert(*f),
                    GroupSrc::Upstream(_) => return Partition::Single,
                };
            }
            common = Some(match common {
                None => fields,
                Some(c) => c.intersection(&fields).copied().collect(),
            });
        }
        match common.and_then(|c| c.first().copied()) {
            Some(f) => Partition::ByField(Partitioner {
                paths: self.fields.paths[f].clone(),
            }),
            None => Partition::Single,
        }
    }
}

//! What a newer ATT&CK release changes for mappings pinned to an older one: techniques it
//! deprecates, revokes (with the replacement), drops, or moves between tactics — as when a
//! release splits one tactic into two and re-files its techniques.

use serde::Serialize;

use crate::model::{Release, TechniqueId};

/// One change to a technique between two releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TechniqueChange {
    /// The newer release marks the technique deprecated.
    Deprecated {
        /// The technique.
        id: TechniqueId,
    },
    /// The newer release revokes the technique; mappings should move to the replacement,
    /// followed through chains of revocations to the first active technique.
    Revoked {
        /// The technique.
        id: TechniqueId,
        /// Where to map instead, when the release names one.
        replaced_by: Option<TechniqueId>,
    },
    /// The newer release no longer has the technique at all.
    Removed {
        /// The technique.
        id: TechniqueId,
    },
    /// The technique serves other tactics in the newer release.
    TacticsChanged {
        /// The technique.
        id: TechniqueId,
        /// Tactics it no longer serves.
        removed: Vec<String>,
        /// Tactics it now serves.
        added: Vec<String>,
    },
}

impl TechniqueChange {
    /// The technique the change is about.
    pub fn id(&self) -> &TechniqueId {
        match self {
            TechniqueChange::Deprecated { id }
            | TechniqueChange::Revoked { id, .. }
            | TechniqueChange::Removed { id }
            | TechniqueChange::TacticsChanged { id, .. } => id,
        }
    }
}

/// The changes from one release to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseDiff {
    /// The older version.
    pub from: String,
    /// The newer version.
    pub to: String,
    /// Short names of tactics only the newer release has.
    pub tactics_added: Vec<String>,
    /// Short names of tactics only the older release has.
    pub tactics_removed: Vec<String>,
    /// Changes to techniques that were active in the older release, by id.
    pub changes: Vec<TechniqueChange>,
}

impl ReleaseDiff {
    /// Compares two releases. Only techniques active in `old` are reported: a mapping to a
    /// technique that was already deprecated was reported by an earlier diff.
    pub fn between(old: &Release, new: &Release) -> ReleaseDiff {
        let names = |r: &Release| {
            r.tactics
                .iter()
                .map(|t| t.shortname.clone())
                .collect::<Vec<_>>()
        };
        let (old_tactics, new_tactics) = (names(old), names(new));
        let mut changes = Vec::new();
        for (id, before) in old.techniques.iter().filter(|(_, t)| t.is_active()) {
            let Some(after) = new.technique(id) else {
                changes.push(TechniqueChange::Removed { id: id.clone() });
                continue;
            };
            if after.revoked {
                let replaced_by = replacement(new, id);
                changes.push(TechniqueChange::Revoked {
                    id: id.clone(),
                    replaced_by,
                });
            } else if after.deprecated {
                changes.push(TechniqueChange::Deprecated { id: id.clone() });
            } else if before.tactics != after.tactics {
                changes.push(TechniqueChange::TacticsChanged {
                    id: id.clone(),
                    removed: minus(&before.tactics, &after.tactics),
                    added: minus(&after.tactics, &before.tactics),
                });
            }
        }
        ReleaseDiff {
            from: old.version.clone(),
            to: new.version.clone(),
            tactics_added: minus(&new_tactics, &old_tactics),
            tactics_removed: minus(&old_tactics, &new_tactics),
            changes,
        }
    }

    /// The changes that concern these mapped techniques, in the diff's order.
    pub fn affecting<'a>(
        &'a self,
        mapped: impl IntoIterator<Item = &'a TechniqueId>,
    ) -> Vec<&'a TechniqueChange> {
        let mapped: std::collections::BTreeSet<&TechniqueId> = mapped.into_iter().collect();
        self.changes
            .iter()
            .filter(|c| mapped.contains(c.id()))
            .collect()
    }
}

/// Follows `revoked-by` from `id` to the first technique that is not revoked; `None` when
/// the chain ends nowhere or loops.
fn replacement(release: &Release, id: &TechniqueId) -> Option<TechniqueId> {
    let mut current = release.technique(id)?.revoked_by.clone()?;
    for _ in 0..release.techniques.len() {
        match release.technique(&current) {
            Some(t) if t.revoked => current = t.revoked_by.clone()?,
            Some(_) => return Some(current),
            None => return None,
        }
    }
    None
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

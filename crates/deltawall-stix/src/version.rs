//! Versioning (spec §3.6): how an incoming object relates to the stored one with the same id.

use crate::object::{ObjectKind, StixObject};

/// How `incoming` relates to `current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOrder {
    /// A later `modified`: a new version to store.
    Newer,
    /// An earlier `modified`: an older version.
    Older,
    /// Same version, byte-identical JSON: an idempotent duplicate.
    Identical,
    /// Same version and the same properties and values, serialised differently.
    Equivalent,
    /// Same version with different content: §3.6 says every representation of a version
    /// MUST be identical, so this is a producer error.
    Conflict,
}

/// Why two objects cannot be ordered as versions of each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The ids differ.
    #[error("objects have different ids: {0} and {1}")]
    DifferentIds(String, String),
    /// §3.6: revocation is permanent; no later version may be created.
    #[error("{0} is revoked; later versions must not be created")]
    Revoked(String),
    /// §3.2: `created` is the same for every version.
    #[error("`created` differs between versions of {0}")]
    CreatedChanged(String),
    /// §3.6: only the object creator may version an object.
    #[error(
        "`created_by_ref` differs between versions of {0}; only the creator may version an object"
    )]
    CreatorChanged(String),
}

/// Orders `incoming` against `current` (same id).
///
/// SCOs are not versioned and marking definitions cannot be (§3.6, §7.2.1), so for them
/// any content difference is a [`VersionOrder::Conflict`].
pub fn compare_versions(
    current: &StixObject,
    incoming: &StixObject,
) -> Result<VersionOrder, VersionError> {
    if current.id() != incoming.id() {
        return Err(VersionError::DifferentIds(
            current.id().to_string(),
            incoming.id().to_string(),
        ));
    }
    let unversioned =
        current.kind() == ObjectKind::Sco || current.object_type() == "marking-definition";
    let order = if unversioned {
        std::cmp::Ordering::Equal
    } else {
        incoming.version().cmp(&current.version())
    };
    match order {
        std::cmp::Ordering::Greater => {
            check_new_version(current, incoming)?;
            Ok(VersionOrder::Newer)
        }
        std::cmp::Ordering::Less => Ok(VersionOrder::Older),
        std::cmp::Ordering::Equal => Ok(same_version(current, incoming)),
    }
}

fn same_version(current: &StixObject, incoming: &StixObject) -> VersionOrder {
    if current.as_json() == incoming.as_json() {
        VersionOrder::Identical
    } else if current == incoming {
        VersionOrder::Equivalent
    } else {
        VersionOrder::Conflict
    }
}

fn check_new_version(current: &StixObject, incoming: &StixObject) -> Result<(), VersionError> {
    let id = current.id().to_string();
    if current.revoked() {
        return Err(VersionError::Revoked(id));
    }
    if current.created() != incoming.created() {
        return Err(VersionError::CreatedChanged(id));
    }
    if current.created_by_ref() != incoming.created_by_ref() {
        return Err(VersionError::CreatorChanged(id));
    }
    Ok(())
}

/// Picks the current version among many of the same id: the latest `modified` (§3.6).
pub fn latest<'a>(versions: impl IntoIterator<Item = &'a StixObject>) -> Option<&'a StixObject> {
    versions
        .into_iter()
        .max_by(|a, b| a.version().cmp(&b.version()))
}

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

/// Why [`new_version`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewVersionError {
    /// SCOs and marking definitions are not versioned (§3.6, §7.2.1).
    #[error("{0} objects are not versioned")]
    Unversioned(String),
    /// §3.6: revocation is permanent.
    #[error("{0} is revoked; later versions must not be created")]
    Revoked(String),
    /// The new `modified` must be later than the current one (§3.6).
    #[error("new `modified` {new} is not later than {current}")]
    NotLater {
        /// The current `modified`.
        current: String,
        /// The proposed one.
        new: String,
    },
    /// A property that identifies the object or its creator cannot change (§3.2, §3.6).
    #[error("`{0}` cannot change between versions")]
    Immutable(String),
    /// The result does not validate.
    #[error(transparent)]
    Invalid(#[from] crate::object::InvalidObject),
}

/// Properties fixed for the life of an object.
const IMMUTABLE: &[&str] = &[
    "type",
    "id",
    "created",
    "created_by_ref",
    "spec_version",
    "modified",
];

/// Builds the next version of `current` (§3.6): applies `changes` (a `null` value removes
/// the property), sets `modified`, and validates. Only the object creator may do this; the
/// caller is responsible for checking that it acts for the creator.
pub fn new_version(
    current: &StixObject,
    changes: serde_json::Map<String, serde_json::Value>,
    modified: &crate::timestamp::Timestamp,
) -> Result<StixObject, NewVersionError> {
    let ty = current.object_type().to_owned();
    let (Some(cur), true) = (
        current.modified(),
        !matches!(current.kind(), ObjectKind::Sco) && ty != "marking-definition",
    ) else {
        return Err(NewVersionError::Unversioned(ty));
    };
    if current.revoked() {
        return Err(NewVersionError::Revoked(current.id().to_string()));
    }
    if modified <= cur {
        return Err(NewVersionError::NotLater {
            current: cur.to_string(),
            new: modified.to_string(),
        });
    }
    let mut value = current.properties().clone();
    for (k, v) in changes {
        if IMMUTABLE.contains(&k.as_str()) {
            return Err(NewVersionError::Immutable(k));
        }
        if v.is_null() {
            value.remove(&k);
        } else {
            value.insert(k, v);
        }
    }
    value.insert(
        "modified".into(),
        serde_json::Value::String(modified.to_string()),
    );
    Ok(StixObject::from_value(serde_json::Value::Object(value))?)
}

/// The revoking version of `current` (§3.6): `revoked: true` with a later `modified`.
pub fn revoke(
    current: &StixObject,
    modified: &crate::timestamp::Timestamp,
) -> Result<StixObject, NewVersionError> {
    let mut changes = serde_json::Map::new();
    changes.insert("revoked".into(), serde_json::Value::Bool(true));
    new_version(current, changes, modified)
}

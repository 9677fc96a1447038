//! ATT&CK as versioned reference data (issue 17, point 1): a supervisor administrator
//! imports the Enterprise bundle the user supplies; everyone signed in reads the releases,
//! each with what it deprecates, revokes or moves compared with the release before it, and
//! which of the reader's own technique mappings those changes touch.

pub mod layers;
pub mod matrix;

use deltawall_attack::{BundleError, ReleaseDiff, TechniqueChange, import_bundle};
use deltawall_domain::Permission;
use deltawall_store::attack::{self as store, ReleaseSummary};
use deltawall_store::records::now_us;
use serde::Serialize;
use serde_json::json;

use crate::error::ServiceError;
use crate::{Ctx, SResult};

/// The largest bundle accepted: the real Enterprise bundle is about 45 MB.
pub const MAX_BUNDLE_BYTES: usize = 80 * 1024 * 1024;

/// A release as listed, with the changes since the release before it.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    /// The stored release.
    pub release: ReleaseSummary,
    /// Changes from the previous release (`None` for the first).
    pub diff: Option<ReleaseDiff>,
    /// The changes that touch mappings the reader can see, each with the subjects mapped
    /// to the technique (`rule:…`, `incident:…`, `tlpt_step:…`).
    pub affected: Vec<AffectedMapping>,
}

/// A change of a newer release that touches a stored mapping.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedMapping {
    /// The change.
    pub change: TechniqueChange,
    /// The mapped subjects, `kind:id`.
    pub subjects: Vec<String>,
}

fn refused(e: &BundleError) -> ServiceError {
    ServiceError::Refused {
        code: "err-attack-bundle",
        field: "bundle",
        message: e.to_string(),
    }
}

/// Imports an ATT&CK Enterprise bundle as a new release. Only a supervisor administrator
/// may, since releases are reference data every tenant reads. A malformed bundle is refused
/// with the JSON pointer (or line and column) of the fault; a version already stored is a
/// conflict, never a replacement.
pub async fn import_release(ctx: Ctx<'_>, bundle: &[u8]) -> SResult<ReleaseSummary> {
    ctx.require(Permission::ManageSector)?;
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(ServiceError::Refused {
            code: "err-attack-bundle",
            field: "bundle",
            message: format!("the bundle is larger than {MAX_BUNDLE_BYTES} bytes"),
        });
    }
    let text = std::str::from_utf8(bundle).map_err(|e| ServiceError::Refused {
        code: "err-attack-bundle",
        field: "bundle",
        message: format!("byte {}: not UTF-8", e.valid_up_to()),
    })?;
    let release = import_bundle(text).map_err(|e| refused(&e))?;
    let now = now_us();
    let mut tx = ctx.store.write().await?;
    if !store::insert_release(&mut tx, &release, &ctx.actor.user_id, now).await? {
        return Err(ServiceError::Conflict {
            code: "err-attack-release-exists",
            message: format!("ATT&CK release {} is already stored", release.version),
        });
    }
    let summary = ReleaseSummary {
        version: release.version.clone(),
        techniques: i64::try_from(release.techniques.len()).unwrap_or(i64::MAX),
        imported_at: now,
    };
    ctx.audit(
        &mut tx,
        "attack.release.import",
        ("attack_release", Some(&release.version)),
        None,
        json!({"version": release.version, "techniques": summary.techniques, "tactics": release.tactics.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// Every stored release, oldest first, with its diff from the one before and the changes
/// that touch the reader's visible mappings.
pub async fn releases(ctx: Ctx<'_>) -> SResult<Vec<ReleaseView>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let list = store::releases(&mut conn).await?;
    let mappings = store::mappings(&mut conn, &ctx.actor.org_scope(), None).await?;
    let mut out = Vec::with_capacity(list.len());
    let mut previous = None;
    for summary in list {
        let release = store::release(&mut conn, &summary.version).await?;
        let diff = previous
            .as_ref()
            .map(|old| ReleaseDiff::between(old, &release));
        let affected = diff
            .as_ref()
            .map(|d| affected(d, &mappings))
            .unwrap_or_default();
        out.push(ReleaseView {
            release: summary,
            diff,
            affected,
        });
        previous = Some(release);
    }
    Ok(out)
}

/// The changes of `diff` that touch mappings pinned to its older release or before.
fn affected(diff: &ReleaseDiff, mappings: &[store::Mapping]) -> Vec<AffectedMapping> {
    diff.affecting(mappings.iter().map(|m| &m.technique))
        .into_iter()
        .map(|change| AffectedMapping {
            change: change.clone(),
            subjects: mappings
                .iter()
                .filter(|m| &m.technique == change.id())
                .map(|m| format!("{}:{}", m.subject_kind, m.subject_id))
                .collect(),
        })
        .collect()
}

/// The newest stored release, if any: the one layers and new mappings are pinned to.
pub(crate) async fn newest(
    conn: &mut deltawall_store::Conn,
) -> SResult<Option<deltawall_attack::Release>> {
    let list = store::releases(conn).await?;
    match list.last() {
        Some(s) => Ok(Some(store::release(conn, &s.version).await?)),
        None => Ok(None),
    }
}

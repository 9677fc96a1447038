//! Evidence files: upload with a size limit and a content-type allow-list, list and
//! download. Evidence never leaves its institution: not to another tenant, not to the
//! holding company, not to the supervisor.

use crate::error::ServiceError;
use crate::time::date;
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::validate::Invalid;
use deltawall_store::evidence::{self, Evidence, NewEvidence};
use deltawall_store::records::now_us;
use serde_json::json;

/// The largest evidence file accepted (8 MiB).
pub const MAX_EVIDENCE_BYTES: usize = 8 << 20;

/// Content types accepted: documents, images, plain text, CSV, JSON and logs. Anything that
/// a browser would run (HTML, SVG, scripts) is refused.
pub const ALLOWED_TYPES: &[&str] = &[
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/json",
    "image/png",
    "image/jpeg",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// TLP 2.0 labels an evidence file may carry.
pub const TLP: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];

/// The description of an upload (everything but the bytes).
#[derive(Debug, Clone, Default)]
pub struct EvidenceMeta {
    /// File name as uploaded.
    pub filename: String,
    /// Declared content type.
    pub content_type: String,
    /// Collected on, `YYYY-MM-DD`.
    pub collected_on: String,
    /// Effective from.
    pub effective_from: String,
    /// Effective to.
    pub effective_to: String,
    /// Owner.
    pub owner: String,
    /// TLP label.
    pub tlp: String,
    /// Keep until.
    pub retention_until: String,
    /// Evidence this replaces.
    pub supersedes: String,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

fn opt_date(field: &'static str, raw: &str) -> SResult<Option<String>> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(date(field, raw)?.to_string()))
    }
}

/// A file name without any directory part or control characters, at most 200 characters.
fn clean_name(raw: &str) -> SResult<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.trim().is_empty() {
        return Err(bad("file", "err-required", "needs a file name"));
    }
    Ok(name)
}

fn check(meta: &EvidenceMeta, size: usize) -> SResult<NewEvidence> {
    if size == 0 {
        return Err(bad("file", "err-required", "is empty"));
    }
    if size > MAX_EVIDENCE_BYTES {
        return Err(bad("file", "err-too-large", "is larger than 8 MiB"));
    }
    let content_type = meta
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !ALLOWED_TYPES.contains(&content_type.as_str()) {
        return Err(bad(
            "file",
            "err-content-type",
            "has a content type that is not accepted",
        ));
    }
    let tlp = meta.tlp.trim().to_ascii_lowercase();
    if !TLP.contains(&tlp.as_str()) {
        return Err(bad("tlp", "err-bad-request", "is not a TLP 2.0 label"));
    }
    let owner = meta.owner.trim();
    if owner.is_empty() || owner.chars().count() > 200 {
        return Err(bad("owner", "err-required", "must be 1 to 200 characters"));
    }
    let effective_from = opt_date("effective_from", &meta.effective_from)?;
    let effective_to = opt_date("effective_to", &meta.effective_to)?;
    if let (Some(f), Some(t)) = (&effective_from, &effective_to)
        && t < f
    {
        return Err(bad(
            "effective_to",
            "err-date-order",
            "is before effective_from",
        ));
    }
    Ok(NewEvidence {
        org_id: String::new(),
        filename: clean_name(&meta.filename)?,
        content_type,
        collected_on: date("collected_on", &meta.collected_on)?.to_string(),
        effective_from,
        effective_to,
        owner: owner.to_owned(),
        tlp,
        retention_until: opt_date("retention_until", &meta.retention_until)?,
        supersedes: Some(meta.supersedes.trim().to_owned()).filter(|s| !s.is_empty()),
        uploaded_by: String::new(),
        content: Vec::new(),
    })
}

/// Stores an evidence file of the actor's institution; returns its id.
pub async fn upload(ctx: Ctx<'_>, meta: &EvidenceMeta, content: Vec<u8>) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let mut new = check(meta, content.len())?;
    new.org_id = ctx.actor.org_id.clone();
    new.uploaded_by = ctx.actor.user_id.clone();
    new.content = content;
    let mut tx = ctx.store.write().await?;
    let (id, sha) = evidence::create(&mut tx, &new, now_us())
        .await
        .map_err(|e| match e {
            deltawall_store::StoreError::NotFound(_) => bad(
                "supersedes",
                "err-unknown-evidence",
                "names evidence that does not exist",
            ),
            other => other.into(),
        })?;
    let summary = json!({"filename": new.filename, "size": new.content.len(), "sha256": sha, "supersedes": new.supersedes});
    ctx.audit(
        &mut tx,
        "evidence.upload",
        ("evidence", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The actor's institution's evidence.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Evidence>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(evidence::list(&mut conn, &ctx.actor.org_id).await?)
}

/// One page of the actor's institution's evidence, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Evidence>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    Ok(evidence::page(&mut conn, &ctx.actor.org_id, after.as_ref(), req.limit()).await?)
}

/// One evidence file with its content.
pub async fn download(ctx: Ctx<'_>, id: &str) -> SResult<(Evidence, Vec<u8>)> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(evidence::content(&mut conn, &ctx.actor.org_id, id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(ct: &str, tlp: &str) -> EvidenceMeta {
        EvidenceMeta {
            filename: "../../etc/minutes.pdf".into(),
            content_type: ct.into(),
            collected_on: "2026-03-01".into(),
            owner: "CISO".into(),
            tlp: tlp.into(),
            ..EvidenceMeta::default()
        }
    }

    #[test]
    fn uploads_are_checked() {
        let code = |m: &EvidenceMeta, n| match check(m, n) {
            Ok(e) => e.filename,
            Err(e) => e.code().to_owned(),
        };
        assert_eq!(code(&meta("application/pdf", "amber"), 10), "minutes.pdf");
        assert_eq!(code(&meta("text/html", "amber"), 10), "err-content-type");
        assert_eq!(
            code(&meta("image/svg+xml", "amber"), 10),
            "err-content-type"
        );
        assert_eq!(
            code(&meta("application/pdf", "purple"), 10),
            "err-bad-request"
        );
        assert_eq!(code(&meta("application/pdf", "amber"), 0), "err-required");
        assert_eq!(
            code(&meta("application/pdf", "amber"), MAX_EVIDENCE_BYTES + 1),
            "err-too-large"
        );
        let mut m = meta("application/pdf", "amber");
        (m.effective_from, m.effective_to) = ("2026-04-01".into(), "2026-03-01".into());
        assert_eq!(code(&m, 10), "err-date-order");
    }
}

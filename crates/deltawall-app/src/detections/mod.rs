//! Detections into the platform (issue 13, part 1): the alerts `deltawall scan` writes,
//! received as JSON Lines or a JSON array, kept per institution with a stable id (a resend
//! is a duplicate), listed with filters and keyset paging, and triaged in the inbox.
//!
//! Only an institution receives and triages detections, and only its own: every read uses
//! `OrgScope::Own` of the actor, every write is keyed by the actor's organisation, so one
//! institution's token can neither read nor change another's detections. Each write is one
//! transaction with its audit entry.

mod query;
mod triage;

pub use query::{GROUPS_SHOWN, Inbox, ListPage, ListQuery, groups, inbox, list};
pub use triage::{Assignee, assign, assignees, triage};

use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::detection::{LineError, parse_batch};
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::detections;
use deltawall_store::records::now_us;
use serde::Serialize;
use serde_json::json;

/// The largest request body accepted by [`ingest`], in bytes: a batch of 1,000 alerts with
/// their matched events fits with room to spare; larger bodies are refused before parsing.
pub const MAX_INGEST_BYTES: usize = 16 << 20;

/// The rejected lines listed in an answer and in the audit entry at most; the counts are
/// always complete.
pub const MAX_REJECTED_LISTED: usize = 1_000;

/// What one ingest request did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// New detections stored.
    pub accepted: u64,
    /// Detections already stored for the institution, or repeated within the request.
    pub duplicate: u64,
    /// Lines refused.
    pub rejected: u64,
    /// Each refused line's number (1-based; the position in an array) and reason, in order.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<LineError>,
}

/// The actor must act for an institution (detections are an institution's own).
pub(crate) fn require_institution(ctx: &Ctx<'_>, permission: Permission) -> SResult<()> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(permission)
}

/// Stores the alerts in `body` (JSON Lines, or one JSON array) for the actor's institution.
/// Malformed lines are reported with their number and reason and never stop the rest; the
/// whole request is one transaction with one audit entry holding the counts.
pub async fn ingest(ctx: Ctx<'_>, body: &str) -> SResult<IngestReport> {
    require_institution(&ctx, Permission::EditPosture)?;
    let batch = parse_batch(body);
    let mut tx = ctx.store.write().await?;
    let org = ctx.actor.org_id.clone();
    let done = detections::ingest(
        &mut tx,
        &org,
        &ctx.actor.user_id,
        &batch.detections,
        now_us(),
    )
    .await?;
    let report = IngestReport {
        accepted: done.accepted,
        duplicate: done.duplicate + batch.duplicates_in_batch as u64,
        rejected: batch.rejected.len() as u64,
        errors: batch
            .rejected
            .into_iter()
            .take(MAX_REJECTED_LISTED)
            .collect(),
    };
    // The alerts themselves may name customers' accounts; the trail keeps the counts and
    // where the refused lines were.
    let lines: Vec<usize> = report.errors.iter().map(|e| e.line).collect();
    let summary = json!({"accepted": report.accepted, "duplicate": report.duplicate,
        "rejected": report.rejected, "rejected_lines": lines});
    ctx.audit(
        &mut tx,
        "detection.ingest",
        ("detection", None),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

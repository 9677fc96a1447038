//! Scanner imports reconciled against the scope's previous state, and the KEV and EPSS
//! files that enrich findings.

use std::collections::{BTreeMap, BTreeSet};

use super::{format_code, require_institution};
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::Permission;
use deltawall_store::vuln::{
    self, EnrichmentRow, Event, FindingState, Import, StoredFinding, UpdatedFinding,
};
use deltawall_store::{Tx, new_id};
use deltawall_vuln::{
    Enrichment, ErrorKind, Finding, Format, IdentityKey, ImportError, Limits, PriorFinding,
    PriorState, correlate, reconcile_import,
};
use serde::Serialize;
use serde_json::json;

/// The largest scan file accepted, in bytes (the API's body limit is the same).
pub const MAX_IMPORT_BYTES: usize = 256 << 20;

/// What one import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The import's id.
    pub import_id: String,
    /// The asset scanned.
    pub asset_id: String,
    /// The format read (given or detected).
    pub format: String,
    /// Findings read, repeats included.
    pub findings_read: usize,
    /// Findings never seen on this asset.
    pub new: usize,
    /// Findings still reported.
    pub unchanged: usize,
    /// Findings of the scan's sources no longer reported.
    pub resolved: usize,
    /// Findings reported again after a rescan resolved them or a fix was declared.
    pub reopened: usize,
    /// Open findings that repeat another scanner's finding (same CVE at the same place).
    pub duplicates: usize,
}

fn refused(e: &ImportError) -> ServiceError {
    let code = match e.kind {
        ErrorKind::TooLarge => "err-too-large",
        _ => "err-vuln-import",
    };
    ServiceError::Refused {
        code,
        field: "file",
        message: e.to_string(),
    }
}

fn prior_state(state: FindingState) -> PriorState {
    match state {
        FindingState::Open | FindingState::Accepted => PriorState::Open,
        FindingState::Resolved | FindingState::Fixed => PriorState::ResolvedByRescan,
    }
}

fn limits() -> Limits {
    Limits {
        max_bytes: MAX_IMPORT_BYTES as u64,
    }
}

/// Imports a scan of asset `asset_id` from `body` (`format` detected when `None`) and
/// reconciles it with what the asset's findings of the same sources were: new, unchanged,
/// resolved by this rescan, reopened. Findings are enriched from the institution's KEV and
/// EPSS data, and repeats across scanners are marked. A refused file writes nothing.
pub async fn import(
    ctx: Ctx<'_>,
    clock: &Clock,
    asset_id: &str,
    format: Option<Format>,
    body: &[u8],
) -> SResult<ImportReport> {
    require_institution(&ctx, Permission::EditPosture)?;
    let org = ctx.actor.org_id.clone();
    {
        let mut conn = ctx.store.read().await?;
        vuln::asset(&mut conn, &ctx.actor.org_scope(), asset_id).await?;
    }
    let mut scan = Vec::new();
    let summary = deltawall_vuln::import(body, format, &limits(), |f| scan.push(f))
        .map_err(|e| refused(&e))?;
    let now = clock.now_us();
    let import_id = new_id();
    let mut tx = ctx.store.write().await?;
    let stored = vuln::of_asset(&mut tx, &org, asset_id).await?;
    let by_identity: BTreeMap<&str, &StoredFinding> =
        stored.iter().map(|f| (f.identity.as_str(), f)).collect();
    let prior: Vec<PriorFinding> = stored
        .iter()
        .map(|f| PriorFinding {
            key: key_of(f),
            state: prior_state(f.state),
        })
        .collect();
    let r = reconcile_import(&prior, &scan, &summary.sources);
    let event = |finding_id: &str, kind: &str, state| Event {
        finding_id: finding_id.to_owned(),
        at_us: now,
        kind: kind.to_owned(),
        state,
        import_id: Some(import_id.clone()),
        actor: Some(ctx.actor.user_id.clone()),
        note: String::new(),
    };
    for f in &r.new {
        let id = new_id();
        vuln::insert_finding(&mut tx, &id, &org, asset_id, f, now).await?;
        vuln::add_event(&mut tx, &org, &event(&id, "new", FindingState::Open)).await?;
    }
    for f in &r.unchanged {
        let old = by_identity[f.key.canonical().as_str()];
        let update = UpdatedFinding {
            id: &old.id,
            finding: f,
            state: old.state,
        };
        vuln::update_seen(&mut tx, update, now).await?;
    }
    for f in &r.reopened {
        let old = by_identity[f.key.canonical().as_str()];
        let update = UpdatedFinding {
            id: &old.id,
            finding: f,
            state: FindingState::Open,
        };
        vuln::update_seen(&mut tx, update, now).await?;
        // The earlier decision did not hold (the vulnerability is back): decide again.
        vuln::set_decision(&mut tx, &old.id, None, None, None, now).await?;
        vuln::add_event(
            &mut tx,
            &org,
            &event(&old.id, "reopened", FindingState::Open),
        )
        .await?;
    }
    for key in &r.resolved {
        let old = by_identity[key.canonical().as_str()];
        vuln::set_state(&mut tx, &old.id, FindingState::Resolved, now).await?;
        vuln::set_decision(&mut tx, &old.id, None, None, None, now).await?;
        vuln::add_event(
            &mut tx,
            &org,
            &event(&old.id, "resolved", FindingState::Resolved),
        )
        .await?;
    }
    let after = vuln::of_asset(&mut tx, &org, asset_id).await?;
    enrich(&mut tx, &org, &after).await?;
    let duplicates = mark_duplicates(&mut tx, &after).await?;
    let sources: Vec<String> = summary.sources.iter().cloned().collect();
    let report = ImportReport {
        import_id: import_id.clone(),
        asset_id: asset_id.to_owned(),
        format: format_code(summary.format).to_owned(),
        findings_read: summary.findings,
        new: r.new.len(),
        unchanged: r.unchanged.len(),
        resolved: r.resolved.len(),
        reopened: r.reopened.len(),
        duplicates,
    };
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    vuln::add_import(
        &mut tx,
        &org,
        &Import {
            id: import_id.clone(),
            asset_id: asset_id.to_owned(),
            format: report.format.clone(),
            sources: sources.clone(),
            findings_read: count(report.findings_read),
            new: count(report.new),
            unchanged: count(report.unchanged),
            resolved: count(report.resolved),
            reopened: count(report.reopened),
            imported_by: ctx.actor.user_id.clone(),
            imported_at: now,
        },
    )
    .await?;
    ctx.audit(
        &mut tx,
        "vuln.import",
        ("vuln_import", Some(&import_id)),
        None,
        json!({"asset": asset_id, "format": report.format, "sources": sources,
            "read": report.findings_read, "new": report.new, "unchanged": report.unchanged,
            "resolved": report.resolved, "reopened": report.reopened}),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

fn key_of(f: &StoredFinding) -> IdentityKey {
    IdentityKey {
        source: f.source.clone(),
        rule: f.rule.clone(),
        location: f.location.clone(),
    }
}

/// Marks each open finding that repeats another scanner's (same CVE at the same place) as a
/// duplicate of the earliest one, and clears the mark where the repeat is gone; returns how
/// many open findings are duplicates.
async fn mark_duplicates(tx: &mut Tx, findings: &[StoredFinding]) -> SResult<usize> {
    let open: Vec<&StoredFinding> = findings
        .iter()
        .filter(|f| matches!(f.state, FindingState::Open | FindingState::Accepted))
        .collect();
    let as_findings: Vec<Finding> = open
        .iter()
        .map(|f| Finding {
            key: key_of(f),
            title: String::new(),
            severity: f.severity,
            cves: f.cves.clone(),
            cvss: None,
        })
        .collect();
    let by_key: BTreeMap<IdentityKey, &StoredFinding> =
        open.iter().map(|f| (key_of(f), *f)).collect();
    let mut primary_of: BTreeMap<&str, &str> = BTreeMap::new();
    for m in correlate(&as_findings) {
        let mut group: Vec<&StoredFinding> = m
            .keys
            .iter()
            .filter_map(|k| by_key.get(k).copied())
            .collect();
        group.sort_by(|a, b| (a.first_seen, &a.id).cmp(&(b.first_seen, &b.id)));
        let Some((first, rest)) = group.split_first() else {
            continue;
        };
        for f in rest {
            // A finding in two groups keeps the first group's primary.
            primary_of.entry(f.id.as_str()).or_insert(first.id.as_str());
        }
    }
    for f in findings {
        let want = primary_of.get(f.id.as_str()).copied();
        if f.duplicate_of.as_deref() != want {
            vuln::set_duplicate_of(tx, &f.id, want).await?;
        }
    }
    Ok(primary_of.len())
}

/// Sets each finding's KEV entry (earliest due date among its CVEs) and EPSS score (highest)
/// from the institution's imported data, writing only what changed.
async fn enrich(tx: &mut Tx, org: &str, findings: &[StoredFinding]) -> SResult<()> {
    let cves: BTreeSet<String> = findings
        .iter()
        .flat_map(|f| f.cves.iter().cloned())
        .collect();
    let cves: Vec<String> = cves.into_iter().collect();
    let rows = vuln::enrichment_for(tx, org, &cves).await?;
    let mut kev: BTreeMap<&str, &EnrichmentRow> = BTreeMap::new();
    let mut epss: BTreeMap<&str, &EnrichmentRow> = BTreeMap::new();
    for row in &rows {
        let map = if row.kind == "kev" {
            &mut kev
        } else {
            &mut epss
        };
        map.insert(row.cve.as_str(), row);
    }
    for f in findings {
        let k = f
            .cves
            .iter()
            .filter_map(|c| kev.get(c.as_str()))
            .min_by(|a, b| a.kev_due.cmp(&b.kev_due));
        let e = f
            .cves
            .iter()
            .filter_map(|c| epss.get(c.as_str()))
            .max_by_key(|r| r.epss_millionths);
        let k = k.and_then(|r| Some((r.kev_due.as_deref()?, r.kev_ransomware, r.as_of.as_str())));
        let e = e.and_then(|r| Some((r.epss_millionths?, r.as_of.as_str())));
        let same = f.kev_due.as_deref() == k.map(|k| k.0)
            && f.kev_ransomware == k.is_some_and(|k| k.1)
            && f.kev_as_of.as_deref() == k.map(|k| k.2)
            && f.epss_millionths == e.map(|e| e.0)
            && f.epss_as_of.as_deref() == e.map(|e| e.1);
        if !same {
            vuln::set_enrichment(tx, &f.id, k, e).await?;
        }
    }
    Ok(())
}

/// What loading an enrichment file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LoadReport {
    /// Entries or scores loaded.
    pub loaded: usize,
    /// The date of the file's data (`YYYY-MM-DD`).
    pub as_of: Option<String>,
}

/// Loads a CISA KEV catalog (JSON) for the institution, replacing the one loaded before, and
/// re-enriches its findings.
pub async fn load_kev(ctx: Ctx<'_>, body: &[u8]) -> SResult<LoadReport> {
    require_institution(&ctx, Permission::EditPosture)?;
    let mut data = Enrichment::default();
    data.load_kev(body, &limits()).map_err(|e| refused(&e))?;
    let rows: Vec<EnrichmentRow> = data
        .kev_entries()
        .map(|k| EnrichmentRow {
            kind: "kev",
            cve: k.value.cve.clone(),
            as_of: k.as_of.to_string(),
            kev_due: Some(k.value.due_date.to_string()),
            kev_ransomware: k.value.known_ransomware_use,
            epss_millionths: None,
        })
        .collect();
    replace(ctx, "kev", rows).await
}

/// Loads an EPSS scores file (CSV) for the institution, replacing the one loaded before,
/// and re-enriches its findings.
pub async fn load_epss(ctx: Ctx<'_>, body: &[u8]) -> SResult<LoadReport> {
    require_institution(&ctx, Permission::EditPosture)?;
    let mut data = Enrichment::default();
    data.load_epss(body, &limits(), None)
        .map_err(|e| refused(&e))?;
    let rows: Vec<EnrichmentRow> = data
        .epss_scores()
        .map(|(cve, s)| EnrichmentRow {
            kind: "epss",
            cve: cve.to_owned(),
            as_of: s.as_of.to_string(),
            kev_due: None,
            kev_ransomware: false,
            epss_millionths: Some((s.value.score * 1_000_000.0).round() as i64),
        })
        .collect();
    replace(ctx, "epss", rows).await
}

async fn replace(
    ctx: Ctx<'_>,
    kind: &'static str,
    rows: Vec<EnrichmentRow>,
) -> SResult<LoadReport> {
    let org = ctx.actor.org_id.clone();
    let as_of = rows.iter().map(|r| r.as_of.clone()).max();
    let mut tx = ctx.store.write().await?;
    vuln::replace_enrichment(&mut tx, &org, kind, &rows).await?;
    let findings = vuln::all_of_org(&mut tx, &org).await?;
    enrich(&mut tx, &org, &findings).await?;
    ctx.audit(
        &mut tx,
        &format!("vuln.{kind}.load"),
        ("vuln_enrichment", None),
        None,
        json!({"loaded": rows.len(), "as_of": as_of}),
    )
    .await?;
    tx.commit().await?;
    Ok(LoadReport {
        loaded: rows.len(),
        as_of,
    })
}

//! Scanner imports reconciled against the scope's previous state, and the KEV and EPSS
//! files that enrich findings.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use super::{format_code, require_institution};
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::Permission;
use deltawall_store::vuln::{
    self, DuplicateCandidate, EnrichTarget, EnrichmentRow, Event, FindingState, Import,
    NewFindings, UpdatedFinding, content_digest,
};
use deltawall_store::{Tx, new_id};
use deltawall_vuln::{
    Enrichment, ErrorKind, Finding, Format, IdentityKey, ImportError, ImportSummary, Limits,
    PriorFinding, PriorState, Severity, classify, correlate,
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
        ErrorKind::TooLarge => "err-vuln-too-large",
        _ => "err-vuln-import",
    };
    ServiceError::Refused {
        code,
        field: "file",
        message: e.to_string(),
    }
}

/// New findings given ids and written at a time.
const NEW_BATCH: usize = 5_000;

/// New findings in one import from which the findings table's statistics are refreshed.
const REFRESH_STATISTICS_AFTER: usize = 10_000;

/// A prior finding's id, state and content digest, by its position in the classification.
type Stored = (String, FindingState, u64);

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

/// Reads the whole scan on a blocking thread (a large file takes seconds of CPU), so no
/// write starts before the file is known to be acceptable.
async fn read_scan<R: Read + Send + 'static>(
    body: R,
    format: Option<Format>,
) -> SResult<(Vec<Finding>, ImportSummary)> {
    tokio::task::spawn_blocking(move || {
        let mut scan = Vec::new();
        let summary = deltawall_vuln::import(body, format, &limits(), |f| scan.push(f))
            .map_err(|e| refused(&e))?;
        Ok((scan, summary))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.into()))?
}

/// Imports a scan of asset `asset_id` read from `body` (`format` detected when `None`) and
/// reconciles it with what the asset's findings of the same sources were: new, unchanged,
/// resolved by this rescan, reopened. Findings are enriched from the institution's KEV and
/// EPSS data, and repeats across scanners are marked. The file is read whole before the
/// transaction starts; a refused file writes nothing. Memory holds the scan's findings and a
/// lean row per prior finding, never the file.
pub async fn import<R: Read + Send + 'static>(
    ctx: Ctx<'_>,
    clock: &Clock,
    asset_id: &str,
    format: Option<Format>,
    body: R,
) -> SResult<ImportReport> {
    require_institution(&ctx, Permission::EditPosture)?;
    let org = ctx.actor.org_id.clone();
    {
        let mut conn = ctx.store.read().await?;
        vuln::asset(&mut conn, &ctx.actor.org_scope(), asset_id).await?;
    }
    let (scan, summary) = read_scan(body, format).await?;
    let now = clock.now_us();
    let import_id = new_id();
    let sources: Vec<String> = summary.sources.iter().cloned().collect();
    let mut tx = ctx.store.write_bulk().await?;
    // Keys go to the classification, the rest stays by position: nothing held twice.
    let (prior, stored): (Vec<PriorFinding>, Vec<Stored>) =
        vuln::prior_of_asset(&mut tx, &org, asset_id, &sources)
            .await?
            .into_iter()
            .map(|f| {
                let p = PriorFinding {
                    key: f.key,
                    state: prior_state(f.state),
                };
                (p, (f.id, f.state, f.content))
            })
            .unzip();
    let c = classify(&prior, &scan, &summary.sources);
    drop(prior);
    let from = NewFindings {
        org_id: &org,
        asset_id,
        import_id: &import_id,
        actor: &ctx.actor.user_id,
        at_us: now,
    };
    // Ids are made a batch at a time, so a large first import never holds them all; a
    // batch is one PostgreSQL statement (`vuln::insert_new` splits it for SQLite).
    for batch in c.new.chunks(NEW_BATCH) {
        let rows: Vec<(String, &Finding)> = batch.iter().map(|&i| (new_id(), &scan[i])).collect();
        vuln::insert_new(&mut tx, from, &rows).await?;
    }
    // Many new rows leave PostgreSQL's plans guessing at an empty table: later pages of
    // prior findings (this import's reads and the next import's) would read the whole asset.
    if c.new.len() >= REFRESH_STATISTICS_AFTER {
        vuln::refresh_statistics(&mut tx).await?;
    }
    let event = |finding_id: &str, kind: &str, state| Event {
        finding_id: finding_id.to_owned(),
        at_us: now,
        kind: kind.to_owned(),
        state,
        import_id: Some(import_id.clone()),
        actor: Some(ctx.actor.user_id.clone()),
        note: String::new(),
    };
    // Reported again as it was: only the last-seen time moves, many rows a statement.
    let mut same = Vec::new();
    for &(i, p) in &c.unchanged {
        let (f, (id, state, content)) = (&scan[i], &stored[p]);
        if content_digest(f) == *content {
            same.push(id.as_str());
            continue;
        }
        let update = UpdatedFinding {
            id,
            finding: f,
            state: *state,
        };
        vuln::update_seen(&mut tx, update, now).await?;
    }
    vuln::touch_seen(&mut tx, &same, now).await?;
    for &(i, p) in &c.reopened {
        let id = &stored[p].0;
        let update = UpdatedFinding {
            id,
            finding: &scan[i],
            state: FindingState::Open,
        };
        vuln::update_seen(&mut tx, update, now).await?;
        // The earlier decision did not hold (the vulnerability is back): decide again.
        vuln::set_decision(&mut tx, id, None, None, None, now).await?;
        vuln::add_event(&mut tx, &org, &event(id, "reopened", FindingState::Open)).await?;
    }
    for &p in &c.resolved {
        let id = &stored[p].0;
        vuln::set_state(&mut tx, id, FindingState::Resolved, now).await?;
        vuln::set_decision(&mut tx, id, None, None, None, now).await?;
        let resolved = event(id, "resolved", FindingState::Resolved);
        vuln::add_event(&mut tx, &org, &resolved).await?;
    }
    let report = ImportReport {
        import_id: import_id.clone(),
        asset_id: asset_id.to_owned(),
        format: format_code(summary.format).to_owned(),
        findings_read: summary.findings,
        new: c.new.len(),
        unchanged: c.unchanged.len(),
        resolved: c.resolved.len(),
        reopened: c.reopened.len(),
        duplicates: 0,
    };
    // The scan is written: free it before the reads that follow.
    drop(same);
    drop(stored);
    drop(scan);
    let targets = vuln::enrich_targets(&mut tx, &org, Some(asset_id)).await?;
    enrich(&mut tx, &org, &targets).await?;
    drop(targets);
    let duplicates = mark_duplicates(&mut tx, &org, asset_id).await?;
    let report = ImportReport {
        duplicates,
        ..report
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

/// Marks each open finding of the asset that repeats another scanner's (same CVE at the
/// same place) as a duplicate of the earliest one, and clears the mark where the repeat is
/// gone; returns how many open findings are duplicates.
async fn mark_duplicates(tx: &mut Tx, org: &str, asset_id: &str) -> SResult<usize> {
    let candidates = vuln::duplicate_candidates(tx, org, asset_id).await?;
    let open: Vec<&DuplicateCandidate> = candidates.iter().filter(|f| f.current).collect();
    let as_findings: Vec<Finding> = open
        .iter()
        .map(|f| Finding {
            key: f.key.clone(),
            title: String::new(),
            severity: Severity::Info,
            cves: f.cves.clone(),
            cvss: None,
        })
        .collect();
    let by_key: BTreeMap<&IdentityKey, &DuplicateCandidate> =
        open.iter().map(|f| (&f.key, *f)).collect();
    let mut primary_of: BTreeMap<&str, &str> = BTreeMap::new();
    for m in correlate(&as_findings) {
        let mut group: Vec<&DuplicateCandidate> = m
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
    for f in &candidates {
        let want = primary_of.get(f.id.as_str()).copied();
        if f.duplicate_of.as_deref() != want {
            vuln::set_duplicate_of(tx, &f.id, want).await?;
        }
    }
    Ok(primary_of.len())
}

/// Sets each finding's KEV entry (earliest due date among its CVEs) and EPSS score (highest)
/// from the institution's imported data, writing only what changed.
async fn enrich(tx: &mut Tx, org: &str, findings: &[EnrichTarget]) -> SResult<()> {
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
    let mut tx = ctx.store.write_bulk().await?;
    vuln::replace_enrichment(&mut tx, &org, kind, &rows).await?;
    let findings = vuln::enrich_targets(&mut tx, &org, None).await?;
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

//! Members' feedback (sightings and opinions) on shared indicators.
//!
//! Feedback arrives as ordinary STIX objects, through TAXII or the UI, and is stored by
//! [`add_objects`](crate::sharing::add::add_objects); [`record`] notes what each one says
//! in the same transaction. [`aggregates`] sums it per indicator **as one reader sees it**:
//! only feedback objects that pass the TLP enforcement point
//! ([`disclose`](crate::sharing::taxii::disclose)) count, and a reporter is named only when they
//! set `created_by_ref` (see `docs/FEEDBACK.md`).

use crate::sharing::taxii::disclose;
use crate::{Ctx, SResult};
use deltawall_stix::StixObject;
use deltawall_stix::feedback::{Aggregate, Report, feedback_of};
use deltawall_store::sharing::Collection;
use deltawall_store::sharing_feedback::{self, NewFeedback};
use std::collections::BTreeMap;

/// Notes the feedback in a stored version of `obj` (nothing for other types). Call in the
/// transaction that stored it.
pub(crate) async fn record(
    tx: &mut deltawall_store::Tx,
    collection_id: &str,
    obj: &StixObject,
    date_added: i64,
    version_us: i64,
    reporter_org: &str,
) -> SResult<()> {
    let Some(f) = feedback_of(obj) else {
        return Ok(());
    };
    let rows: Vec<NewFeedback> = f
        .targets
        .iter()
        .map(|target| NewFeedback {
            stix_id: obj.id().as_str().to_owned(),
            target_id: target.clone(),
            version_us,
            date_added,
            kind: obj.object_type().to_owned(),
            count: i64::try_from(f.count).unwrap_or(i64::MAX),
            false_positive: f.false_positive,
            opinion: f.opinion.map(|o| o.code().to_owned()),
            seen_at: f.seen_at.map(|t| t.as_microsecond()),
            named: f.named,
            reporter_org: reporter_org.to_owned(),
        })
        .collect();
    sharing_feedback::put(tx, collection_id, &rows).await?;
    Ok(())
}

/// The feedback on each of `targets` in a collection the caller reads, counting only the
/// feedback objects disclosed to the caller. Named reporters appear as organisation ids;
/// anonymous ones only as a number.
pub(crate) async fn aggregates(
    ctx: &Ctx<'_>,
    collection: &Collection,
    targets: &[String],
) -> SResult<BTreeMap<String, Aggregate>> {
    let mut conn = ctx.store.read().await?;
    let rows = sharing_feedback::about(&mut conn, &collection.id, targets).await?;
    drop(conn);
    let objects: Vec<_> = rows.iter().map(|r| r.object.clone()).collect();
    let visible: std::collections::BTreeSet<i64> = disclose(ctx, collection.grant, objects)
        .into_iter()
        .map(|o| o.date_added)
        .collect();
    let mut reports: BTreeMap<String, Vec<Report>> = BTreeMap::new();
    for row in rows {
        if !visible.contains(&row.object.date_added) {
            continue;
        }
        let Ok(obj) = StixObject::parse(&row.object.json) else {
            continue;
        };
        let Some(feedback) = feedback_of(&obj) else {
            continue;
        };
        let reporter = feedback.named.then(|| row.feedback.reporter_org.clone());
        reports
            .entry(row.feedback.target_id)
            .or_default()
            .push(Report {
                feedback,
                reporter,
                org: row.feedback.reporter_org.clone(),
            });
    }
    Ok(targets
        .iter()
        .map(|t| {
            let a = reports.get(t).map(Aggregate::of).unwrap_or_default();
            (t.clone(), a)
        })
        .collect())
}

//! The reminder sweep: for every task still owed and every alert not yet acknowledged,
//! the reminder the domain says is due now (if any) is recorded once in `sup_reminders`,
//! with an audit entry by the system in the same transaction. The institution sees its
//! reminders on its requests page (there is no e-mail).
//!
//! `deltawall serve` runs the sweep on an interval; overdue states do not depend on it
//! (they are computed from the clock on every read).

use crate::{SResult, record};
use deltawall_store::Store;
use deltawall_store::sup_reminders::{self, Subject};
use deltawall_store::{sup_alerts, sup_requests};
use serde_json::json;

/// How many reminders one sweep recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// For request tasks.
    pub requests: u32,
    /// For alerts.
    pub alerts: u32,
}

/// Records every reminder due at `now_us` that was not yet sent.
pub async fn sweep(store: &Store, now_us: i64) -> SResult<Swept> {
    let mut tx = store.write().await?;
    let mut swept = Swept::default();
    for (task, request) in sup_requests::outstanding_tasks(&mut tx).await? {
        let org = &task.task.org_id;
        let last = sup_reminders::last_sent(&mut tx, Subject::Request, &request.id, org).await?;
        let Some(due) = task.task.reminder_due(&request.doc.request, now_us, last) else {
            continue;
        };
        let text = serde_json::to_string(&due).expect("reminders serialise");
        if sup_reminders::record(&mut tx, Subject::Request, &request.id, org, &text, now_us).await?
        {
            let summary = json!({"task": task.id, "reminder": due});
            let object = ("request", Some(request.id.as_str()));
            record(
                &mut tx,
                None,
                Some(org),
                "request.reminder",
                object,
                summary,
                None,
            )
            .await?;
            swept.requests += 1;
        }
    }
    for (alert, org) in sup_alerts::unacknowledged(&mut tx).await? {
        let last = sup_reminders::last_sent(&mut tx, Subject::Alert, &alert.id, &org).await?;
        let Some(due) = alert.alert.reminder_due(false, now_us, last) else {
            continue;
        };
        let text = serde_json::to_string(&due).expect("reminders serialise");
        if sup_reminders::record(&mut tx, Subject::Alert, &alert.id, &org, &text, now_us).await? {
            let summary = json!({"reminder": due});
            let object = ("alert", Some(alert.id.as_str()));
            record(
                &mut tx,
                None,
                Some(&org),
                "alert.reminder",
                object,
                summary,
                None,
            )
            .await?;
            swept.alerts += 1;
        }
    }
    tx.commit().await?;
    Ok(swept)
}

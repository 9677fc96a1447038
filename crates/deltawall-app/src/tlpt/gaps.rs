//! What the closure gate leaves behind: a posture finding for every gap, raised through the
//! one finding-creation path with a retest milestone, and linked to its step.

use deltawall_domain::finding::{Origin, Person};
use deltawall_domain::tlpt::{Command, Engagement, gaps};
use deltawall_domain::{OrgScope, jst};
use deltawall_store::Tx;
use deltawall_store::records::now_us;
use deltawall_store::tlpt as store;
use serde_json::json;

use crate::attack::layers::{active_rules, rule_techniques};
use crate::error::ServiceError;
use crate::posture::findings::{FindingFields, Raised, raise};
use crate::{Ctx, SResult};

const DAY_US: i64 = 86_400_000_000;

/// The day `days` after `from_us`, in Japan time, as `YYYY-MM-DD`.
fn day_after(from_us: i64, days: u32) -> String {
    jst::date_of(from_us + i64::from(days) * DAY_US).to_string()
}

/// Raises and links the finding of every gap of `e` (just past its closure gate, stored at
/// `seq`) within `tx`, owned by the control-team member who passed the gate (`ctx`'s
/// actor); each is due at the end of the remediation-plan and retest deadlines and carries
/// a retest milestone. The command service calls it when the closure gate passes; the demo
/// calls it for the engagement it seeds, so both raise findings the one way.
pub async fn raise_findings(
    ctx: Ctx<'_>,
    tx: &mut Tx,
    id: &str,
    org_id: &str,
    mut e: Engagement,
    mut seq: i64,
) -> SResult<()> {
    let own =
        deltawall_store::attack::mappings(tx, &OrgScope::Own(org_id.to_owned()), None).await?;
    let covered = rule_techniques(&active_rules(&own));
    let now = now_us();
    let days = |p| e.deadlines.0.get(&p).copied().unwrap_or(0);
    let plan_days = days(deltawall_domain::tlpt::Phase::RemediationPlan);
    let retest_days = days(deltawall_domain::tlpt::Phase::Retest);
    let due = day_after(now, plan_days + retest_days);
    let retest_due = day_after(now, plan_days + retest_days.max(1));
    for gap in gaps(&e, &covered) {
        let scenario = &e.scenarios[gap.scenario];
        let step = &scenario.steps[gap.step];
        let title = format!("TLPT: {} — {}", gap.technique, gap.critical_function);
        let rule = if gap.rule_to_write {
            "No active detection rule covers the technique: a rule is to be written."
        } else {
            "An active detection rule covers the technique but did not alert."
        };
        let description = format!(
            "{} / {}\nStep {}: {}\n{rule}",
            e.title,
            scenario.name,
            gap.step + 1,
            step.description
        );
        let fields = FindingFields {
            title: &title,
            description: &description,
            severity: gap.severity,
            requirement_ids: &[],
            owner_user: &ctx.actor.user_id,
            due_on: Some(&due),
        };
        let raised = Raised {
            org_id: org_id.to_owned(),
            origin: Origin::Assessment,
            origin_ref: Some(id.to_owned()),
            by: Person {
                user_id: ctx.actor.user_id.clone(),
                role: ctx.actor.role,
            },
            issue: false,
        };
        let f = raise(tx, &fields, raised).await?;
        deltawall_store::findings::add_milestone(
            tx,
            &f.id,
            "再テスト (TLPT retest)",
            &f.owner,
            &retest_due,
            now,
        )
        .await?;
        let link = Command::LinkFinding {
            scenario: gap.scenario,
            step: gap.step,
            finding_id: f.id.clone(),
        };
        let (next, event) =
            e.apply(&ctx.actor.user_id, link, now)
                .map_err(|r| ServiceError::Conflict {
                    code: "err-tlpt-refused",
                    message: r.to_string(),
                })?;
        seq = store::append(tx, id, seq, &next, &event).await?;
        e = next;
        ctx.audit(
            tx,
            "tlpt.gap_finding",
            ("finding", Some(&f.id)),
            Some(org_id),
            json!({"engagement": id, "scenario": gap.scenario, "step": gap.step, "technique": gap.technique, "severity": gap.severity, "rule_to_write": gap.rule_to_write}),
        )
        .await?;
    }
    Ok(())
}

//! What needs the signed-in person now: one list of work items gathered from every feature.
//!
//! Each feature says, for an actor, which of its items wait for that person, when they are
//! due and where to act ([`WorkItem`]); this module only gathers and orders them, overdue
//! first and then by due time. The home page, `GET /api/v1/me/work` and the navigation's
//! counts all read [`for_actor`], so they can never disagree. A feature the actor's role does
//! not use contributes nothing (its service refuses, which here means "no items").

mod late;

pub use late::{LateCell, LateInstitutions, LateTask, late_institutions, late_tasks};

use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use serde::Serialize;

/// The report's three viewpoints, which group the navigation and the work list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delta {
    /// 自助: the institution's own defence.
    SelfHelp,
    /// 公助: the supervisor.
    PublicHelp,
    /// 共助: mutual help through sharing.
    MutualHelp,
}

impl Delta {
    /// The message key of the group's name.
    pub fn key(self) -> &'static str {
        match self {
            Delta::SelfHelp => "delta-self",
            Delta::PublicHelp => "delta-public",
            Delta::MutualHelp => "delta-mutual",
        }
    }
}

/// The name of a work item in both languages (user-entered names are the same in both).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub struct Title {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Title {
    /// A name entered once, shown as is in both languages.
    pub fn same(s: &str) -> Title {
        Title {
            ja: s.to_owned(),
            en: s.to_owned(),
        }
    }

    /// The name in a language.
    pub fn get(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Ja => &self.ja,
            crate::Lang::En => &self.en,
        }
    }
}

/// One thing that waits for the person, with where to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    /// The feature it belongs to (`requests`, `alerts`, `findings`, `milestones`,
    /// `assessments`, `reviews` …); also the navigation entry whose count it raises.
    pub feature: &'static str,
    /// The viewpoint the feature belongs to.
    pub delta: Delta,
    /// Message key of what is to be done (e.g. `work-answer-request`).
    pub action: &'static str,
    /// What it is about, as its owner named it.
    pub title: Title,
    /// When it is due, Unix µs, if it has a due time.
    pub due_us: Option<i64>,
    /// Whether the due time has passed.
    pub overdue: bool,
    /// The page where the person acts on it.
    pub href: String,
}

/// Orders items as the home page shows them: overdue first, then by due time (items
/// without one last), then by title so the order is stable.
pub fn order(items: &mut [WorkItem]) {
    items.sort_by(|a, b| {
        (!a.overdue, a.due_us.is_none(), a.due_us, &a.title, &a.href).cmp(&(
            !b.overdue,
            b.due_us.is_none(),
            b.due_us,
            &b.title,
            &b.href,
        ))
    });
}

/// Items of a feature the actor may not use are no items at all.
fn unless_refused(r: SResult<Vec<WorkItem>>) -> SResult<Vec<WorkItem>> {
    match r {
        Err(ServiceError::Forbidden) => Ok(vec![]),
        other => other,
    }
}

/// Every item that waits for the actor, in the order of [`order`].
pub async fn for_actor(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    let now = clock.now_us();
    let mut items = Vec::new();
    items.extend(unless_refused(
        crate::supervision::work::requests(ctx, clock).await,
    )?);
    items.extend(unless_refused(
        crate::supervision::work::alerts(ctx, clock).await,
    )?);
    items.extend(unless_refused(
        crate::supervision::work::reviews(ctx).await,
    )?);
    items.extend(unless_refused(
        crate::posture::work::findings(ctx, now).await,
    )?);
    items.extend(unless_refused(
        crate::posture::work::assessments(ctx).await,
    )?);
    items.extend(unless_refused(
        crate::posture::work::untested_plan(ctx, now).await,
    )?);
    items.extend(unless_refused(crate::vuln::work_items(ctx, clock).await)?);
    items.extend(unless_refused(
        crate::incidents::todo::reports_due(ctx, clock).await,
    )?);
    order(&mut items);
    Ok(items)
}

/// What the home page shows: the person's items and, for a supervisor's reader, the late
/// institutions within reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Home {
    /// The person's waiting items, overdue first.
    pub items: Vec<WorkItem>,
    /// For supervisory readers: the late institutions within reach.
    pub late: Option<LateInstitutions>,
}

/// The home of the actor: [`for_actor`] plus, for supervisors, [`late_institutions`].
pub async fn home(ctx: Ctx<'_>, clock: &Clock) -> SResult<Home> {
    let items = for_actor(ctx, clock).await?;
    let late = if crate::supervision::roles::is_supervisor_reader(ctx.actor) {
        Some(late_institutions(ctx, clock).await?)
    } else {
        None
    };
    Ok(Home { items, late })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, due: Option<i64>, overdue: bool) -> WorkItem {
        WorkItem {
            feature: "requests",
            delta: Delta::PublicHelp,
            action: "work-answer-request",
            title: Title::same(title),
            due_us: due,
            overdue,
            href: format!("/x/{title}"),
        }
    }

    fn check(input: Vec<WorkItem>, expected: &[&str]) {
        let mut items = input;
        order(&mut items);
        let got: Vec<&str> = items.iter().map(|i| i.title.ja.as_str()).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn overdue_first_then_by_due_then_undated() {
        check(
            vec![
                item("later", Some(30), false),
                item("undated", None, false),
                item("late-recent", Some(20), true),
                item("soon", Some(25), false),
                item("late-old", Some(10), true),
            ],
            &["late-old", "late-recent", "soon", "later", "undated"],
        );
    }

    #[test]
    fn equal_due_times_order_by_title() {
        check(
            vec![item("b", Some(5), false), item("a", Some(5), false)],
            &["a", "b"],
        );
    }
}

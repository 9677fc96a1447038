//! Page model of the detections inbox and the reading of its one form (row and bulk
//! actions share it; "open an incident" posts the same fields to `/incidents/new`).

use crate::error::ServiceError;
use crate::layout::{CursorPager, Layout};
use askama::Template;
use deltawall_app::detections::{Assignee, Inbox, ListQuery};
use deltawall_domain::incident::detection::{Level, Triage, TriageCommand};
use deltawall_domain::validate::Invalid;
use deltawall_store::detections_inbox::{Group, InboxRow};
use deltawall_store::keyset::KeysetPage;

/// A query string of the inbox for the given filter values (empty ones left out).
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// One group of the grouped view, with the link that filters the inbox to it.
pub struct GroupLine {
    /// Rule title.
    pub title: String,
    /// Rule key.
    pub rule_key: String,
    /// Group key exactly as stored (empty for single-event matches), to mark the row.
    pub key: String,
    /// Group key, or a dash for single-event matches.
    pub group_key: String,
    /// Detections in the group.
    pub total: i64,
    /// Of which new.
    pub new: i64,
    /// Latest receipt.
    pub latest: i64,
    /// `/detections?rule=…&group=…`.
    pub href: String,
}

impl GroupLine {
    fn new(g: Group) -> GroupLine {
        let href = format!(
            "/detections?{}",
            query_string(&[("rule", &g.rule_key), ("group", &g.group_key)])
        );
        GroupLine {
            group_key: if g.group_key.is_empty() {
                "—".into()
            } else {
                g.group_key.clone()
            },
            key: g.group_key,
            title: g.title,
            rule_key: g.rule_key,
            total: g.total,
            new: g.new,
            latest: g.latest,
            href,
        }
    }
}

/// The filter form of the inbox and of the groups page (`filter.html`), and the filter as
/// a query string to keep across pages and links.
pub struct FilterForm {
    /// Where the form is sent (`/detections` or `/detections/groups`).
    pub action: &'static str,
    /// The current filter.
    pub q: ListQuery,
    /// Triage states (code, label).
    pub statuses: Vec<(&'static str, &'static str)>,
    /// Levels.
    pub levels: Vec<&'static str>,
}

impl FilterForm {
    /// The form for `q`, sent to `action`.
    pub fn new(action: &'static str, q: ListQuery, lang: &str) -> FilterForm {
        FilterForm {
            action,
            statuses: Triage::ALL
                .iter()
                .map(|t| (t.code(), t.label(lang)))
                .collect(),
            levels: Level::ALL.iter().map(|l| l.code()).collect(),
            q,
        }
    }

    /// The filter's fields as a query string, without cursor and limit.
    pub fn query(&self) -> String {
        let q = &self.q;
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let filter = [
            ("status", s(&q.status)),
            ("rule", s(&q.rule)),
            ("level", s(&q.level)),
            ("group", s(&q.group)),
            ("from", s(&q.from)),
            ("to", s(&q.to)),
        ];
        let pairs: Vec<(&str, &str)> = filter.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query_string(&pairs)
    }

    /// `path` with the filter (and `extra`, when not empty) as its query.
    fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = self.query();
        let more = query_string(extra);
        if !more.is_empty() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&more);
        }
        format!("{path}?{query}")
    }

    /// Whether a filter field holds `value` (for `selected`).
    pub fn is(&self, field: &Option<String>, value: &str) -> bool {
        field.as_deref() == Some(value)
    }

    /// A filter field's text.
    pub fn val(&self, field: &Option<String>) -> String {
        field.clone().unwrap_or_default()
    }
}

/// `GET /detections`: the inbox.
#[derive(Template)]
#[template(path = "detections/inbox.html")]
pub struct InboxPage {
    /// Layout.
    pub l: Layout,
    /// The filter form.
    pub f: FilterForm,
    /// The latest groups by rule and key.
    pub groups: Vec<GroupLine>,
    /// The page of all groups under the same filter, when there are more than those.
    pub all_groups: Option<String>,
    /// The page of detections.
    pub rows: Vec<InboxRow>,
    /// The link to the next page.
    pub next: Option<String>,
    /// The inbox as it is now, to return to after an action.
    pub back: String,
    /// Users a detection may be assigned to.
    pub assignees: Vec<Assignee>,
    /// Whether the user may triage.
    pub can_edit: bool,
}

impl InboxPage {
    /// Builds the page.
    pub fn new(
        l: Layout,
        inbox: Inbox,
        q: ListQuery,
        assignees: Vec<Assignee>,
        can_edit: bool,
    ) -> InboxPage {
        let f = FilterForm::new("/detections", q, l.lang.code());
        let next = inbox
            .page
            .next
            .as_ref()
            .map(|c| f.link("/detections", &[("cursor", c)]));
        InboxPage {
            groups: inbox.groups.into_iter().map(GroupLine::new).collect(),
            all_groups: inbox.more_groups.then(|| f.link("/detections/groups", &[])),
            rows: inbox.page.items,
            back: f.link("/detections", &[]),
            next,
            f,
            assignees,
            can_edit,
            l,
        }
    }

    /// The label of a triage state.
    pub fn status(&self, t: &Triage) -> &'static str {
        t.label(self.l.lang.code())
    }

    /// A level's code, or a dash.
    pub fn level(&self, level: &Option<Level>) -> &'static str {
        level.map_or("—", Level::code)
    }

    /// The display name of an assignee, or a dash.
    pub fn assignee(&self, id: &Option<String>) -> String {
        id.as_ref()
            .map(|id| {
                self.assignees
                    .iter()
                    .find(|a| &a.id == id)
                    .map_or_else(|| id.clone(), |a| a.name.clone())
            })
            .unwrap_or_else(|| "—".into())
    }
}

/// `GET /detections/groups`: every group by rule and key under the filter, a page at a time.
#[derive(Template)]
#[template(path = "detections/groups.html")]
pub struct GroupsPage {
    /// Layout.
    pub l: Layout,
    /// The filter form.
    pub f: FilterForm,
    /// The inbox under the same filter.
    pub inbox: String,
    /// The groups of this page.
    pub groups: Vec<GroupLine>,
    /// The next page and back to the first.
    pub pager: CursorPager,
}

impl GroupsPage {
    /// Builds the page of `groups` under `q`; `here` is the request's path and query.
    pub fn new(l: Layout, groups: KeysetPage<Group>, q: ListQuery, here: &str) -> GroupsPage {
        let f = FilterForm::new("/detections/groups", q, l.lang.code());
        GroupsPage {
            inbox: f.link("/detections", &[]),
            groups: groups.items.into_iter().map(GroupLine::new).collect(),
            pager: CursorPager::new(here, groups.next.as_deref()),
            f,
            l,
        }
    }
}

/// What the inbox form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A triage command on the chosen detections.
    Triage(Vec<String>, TriageCommand),
    /// Assign the chosen detections (to nobody when `None`).
    Assign(Vec<String>, Option<String>),
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// Reads the inbox form: a row's own button (`ack_one`) acts on that row alone; otherwise
/// `command` applies to every ticked `detection`.
pub fn action(pairs: &[(String, String)]) -> Result<Action, ServiceError> {
    let one = field(pairs, "ack_one");
    if !one.is_empty() {
        return Ok(Action::Triage(vec![one], TriageCommand::Acknowledge));
    }
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "detection")
        .map(|(_, v)| v.clone())
        .collect();
    match field(pairs, "command").as_str() {
        "acknowledge" => Ok(Action::Triage(ids, TriageCommand::Acknowledge)),
        "false_positive" => Ok(Action::Triage(
            ids,
            TriageCommand::FalsePositive {
                reason: field(pairs, "reason"),
            },
        )),
        "assign" => {
            let who = field(pairs, "assignee");
            Ok(Action::Assign(ids, (!who.is_empty()).then_some(who)))
        }
        _ => Err(ServiceError::Invalid(Invalid {
            field: "command",
            reason: "is not an inbox action",
            code: "err-bad-request",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn check(form: &[(&str, &str)], expected: Option<Action>) {
        assert_eq!(action(&pairs(form)).ok(), expected, "{form:?}");
    }

    #[test]
    fn the_form_names_its_action() {
        let ids = || vec!["det-1".to_owned(), "det-2".to_owned()];
        let ticked = [("detection", "det-1"), ("detection", "det-2")];
        check(
            &[ticked[0], ticked[1], ("command", "acknowledge")],
            Some(Action::Triage(ids(), TriageCommand::Acknowledge)),
        );
        check(
            &[
                ticked[0],
                ticked[1],
                ("command", "false_positive"),
                ("reason", " test run "),
            ],
            Some(Action::Triage(
                ids(),
                TriageCommand::FalsePositive {
                    reason: "test run".into(),
                },
            )),
        );
        check(
            &[
                ticked[0],
                ticked[1],
                ("command", "assign"),
                ("assignee", "u-1"),
            ],
            Some(Action::Assign(ids(), Some("u-1".into()))),
        );
        check(
            &[ticked[0], ("command", "assign"), ("assignee", "")],
            Some(Action::Assign(vec!["det-1".into()], None)),
        );
        // A row's own button wins over the ticked boxes.
        check(
            &[
                ticked[0],
                ticked[1],
                ("ack_one", "det-9"),
                ("command", "assign"),
            ],
            Some(Action::Triage(
                vec!["det-9".into()],
                TriageCommand::Acknowledge,
            )),
        );
        check(&[ticked[0], ("command", "delete")], None);
        check(&[ticked[0]], None);
    }

    #[test]
    fn query_strings_leave_out_empty_filters() {
        assert_eq!(
            query_string(&[("rule", "list attack"), ("group", ""), ("level", "high")]),
            "rule=list+attack&level=high"
        );
    }
}

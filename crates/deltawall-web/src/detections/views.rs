//! Page model of the detections inbox and the reading of its one form (row and bulk
//! actions share it; "open an incident" posts the same fields to `/incidents/new`).

use crate::error::ServiceError;
use crate::layout::Layout;
use askama::Template;
use deltawall_app::detections::{Assignee, Inbox, ListQuery};
use deltawall_domain::incident::detection::{Level, Triage, TriageCommand};
use deltawall_domain::validate::Invalid;
use deltawall_store::detections_inbox::{Group, InboxRow};

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
                g.group_key
            },
            title: g.title,
            rule_key: g.rule_key,
            total: g.total,
            new: g.new,
            latest: g.latest,
            href,
        }
    }
}

/// `GET /detections`: the inbox.
#[derive(Template)]
#[template(path = "detections/inbox.html")]
pub struct InboxPage {
    /// Layout.
    pub l: Layout,
    /// The groups by rule and key.
    pub groups: Vec<GroupLine>,
    /// The page of detections.
    pub rows: Vec<InboxRow>,
    /// The current filter, to show in the form and keep across pages.
    pub q: ListQuery,
    /// The link to the next page.
    pub next: Option<String>,
    /// The inbox as it is now, to return to after an action.
    pub back: String,
    /// Triage states (code, label).
    pub statuses: Vec<(&'static str, &'static str)>,
    /// Levels.
    pub levels: Vec<&'static str>,
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
        let here = query_string(&pairs);
        let next = inbox.page.next.as_ref().map(|c| {
            let mut with = pairs.clone();
            with.push(("cursor", c));
            format!("/detections?{}", query_string(&with))
        });
        let statuses = Triage::ALL
            .iter()
            .map(|t| (t.code(), t.label(l.lang.code())))
            .collect();
        InboxPage {
            statuses,
            levels: Level::ALL.iter().map(|l| l.code()).collect(),
            groups: inbox.groups.into_iter().map(GroupLine::new).collect(),
            rows: inbox.page.items,
            back: format!("/detections?{here}"),
            next,
            q,
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

    /// Whether a filter field holds `value` (for `selected`).
    pub fn is(&self, field: &Option<String>, value: &str) -> bool {
        field.as_deref() == Some(value)
    }

    /// A filter field's text.
    pub fn val(&self, field: &Option<String>) -> String {
        field.clone().unwrap_or_default()
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

//! Page models of TLPT engagements.

use crate::layout::Layout;
use askama::Template;
use deltawall_app::tlpt::{EngagementLine, EngagementView};
use deltawall_domain::tlpt::{Outcome, Phase, ReportKind, Requirement, TlptRole};

fn code<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The message key of a phase.
pub fn phase_key(p: &Phase) -> String {
    format!("tlpt-phase-{}", code(p))
}

/// The message key of a role.
pub fn role_key(r: &TlptRole) -> String {
    format!("tlpt-role-{}", code(r))
}

/// The message key of an outcome.
pub fn outcome_key(o: &Outcome) -> String {
    format!("tlpt-outcome-{}", code(o))
}

/// Every role, outcome and report kind as (code, message key), for the forms' choices.
pub struct Choices {
    /// Roles.
    pub roles: Vec<(String, String)>,
    /// Outcomes.
    pub outcomes: Vec<(String, String)>,
    /// Report kinds.
    pub reports: Vec<(String, String)>,
}

impl Choices {
    fn new() -> Choices {
        use TlptRole as R;
        let roles = [
            R::ControlTeam,
            R::RedTeam,
            R::BlueTeam,
            R::ThreatIntelligence,
            R::SupervisorObserver,
        ];
        let outcomes = [
            Outcome::NotRun,
            Outcome::Undetected,
            Outcome::Alerted,
            Outcome::Prevented,
            Outcome::PreventedAndAlerted,
        ];
        let reports = [
            ReportKind::ThreatIntelligence,
            ReportKind::RedTeam,
            ReportKind::BlueTeam,
            ReportKind::RemediationPlan,
        ];
        Choices {
            roles: roles.iter().map(|r| (code(r), role_key(r))).collect(),
            outcomes: outcomes.iter().map(|o| (code(o), outcome_key(o))).collect(),
            reports: reports
                .iter()
                .map(|k| (code(k), format!("tlpt-report-{}", code(k))))
                .collect(),
        }
    }
}

/// `GET /tlpt`.
#[derive(Template)]
#[template(path = "tlpt/list.html")]
pub struct TlptList {
    /// Layout.
    pub l: Layout,
    /// One page of the engagements the reader may see.
    pub list: Vec<EngagementLine>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
    /// May start one.
    pub can_create: bool,
}

/// `GET /tlpt/{engagement}`.
#[derive(Template)]
#[template(path = "tlpt/show.html")]
pub struct TlptShow {
    /// Layout.
    pub l: Layout,
    /// The engagement as the reader sees it.
    pub v: EngagementView,
    /// Form choices.
    pub c: Choices,
}

impl TlptShow {
    /// Builds the page.
    pub fn new(l: Layout, v: EngagementView) -> TlptShow {
        TlptShow {
            l,
            v,
            c: Choices::new(),
        }
    }

    /// A requirement of the gate as text.
    pub fn requirement(&self, r: &Requirement) -> String {
        match r {
            Requirement::Member(role) => {
                format!(
                    "{}: {}",
                    self.l.t("tlpt-req-member"),
                    self.l.t(&role_key(role))
                )
            }
            Requirement::Report(kind) => format!(
                "{}: {}",
                self.l.t("tlpt-req-report"),
                self.l.t(&format!("tlpt-report-{}", code(kind)))
            ),
            other => self
                .l
                .t(&format!("tlpt-req-{}", code_of_requirement(other)))
                .to_owned(),
        }
    }

    /// A finding severity as text.
    pub fn severity(&self, s: &deltawall_domain::finding::Severity) -> &'static str {
        self.l.t(&format!("severity-{}", code(s)))
    }

    /// A command of the history as its name and the step it concerns (never its blue-team
    /// notes, which the page shows in the step table for readers allowed to see them).
    pub fn command(&self, c: &deltawall_domain::tlpt::Command) -> String {
        use deltawall_domain::tlpt::Command as C;
        let name = match serde_json::to_value(c) {
            Ok(v) => v["command"].as_str().unwrap_or_default().to_owned(),
            Err(_) => String::new(),
        };
        let text = self.l.t(&format!("tlpt-cmd-{name}")).to_owned();
        match c {
            C::RecordOutcome {
                scenario,
                step,
                outcome,
                ..
            }
            | C::RecordRetest {
                scenario,
                step,
                outcome,
            } => format!(
                "{text} {}.{}: {}",
                scenario + 1,
                step + 1,
                self.l.t(&outcome_key(outcome))
            ),
            C::LinkFinding { scenario, step, .. } => {
                format!("{text} {}.{}", scenario + 1, step + 1)
            }
            C::AddMember { member } => {
                format!(
                    "{text}: {} ({})",
                    member.user_id,
                    self.l.t(&role_key(&member.role))
                )
            }
            C::AddCriticalFunction { name } => format!("{text}: {name}"),
            C::AddScenario { scenario } => format!("{text}: {}", scenario.name),
            C::SubmitReport { kind, .. } => {
                format!(
                    "{text}: {}",
                    self.l.t(&format!("tlpt-report-{}", code(kind)))
                )
            }
            C::PassGate => text,
        }
    }

    /// The outcome of a step as text (empty when none is recorded or visible).
    pub fn outcome(&self, o: &Option<Outcome>) -> String {
        o.as_ref()
            .map(|o| self.l.t(&outcome_key(o)).to_owned())
            .unwrap_or_default()
    }
}

fn code_of_requirement(r: &Requirement) -> String {
    match serde_json::to_value(r) {
        Ok(v) => v["requirement"].as_str().unwrap_or_default().to_owned(),
        Err(_) => String::new(),
    }
}

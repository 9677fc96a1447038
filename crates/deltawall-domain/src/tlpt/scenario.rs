//! Scenarios and their steps, the gaps a test leaves, and the attack chain safe to share.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Engagement;
use crate::finding::Severity;

/// The outcome of a step, from the blue team's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not run (out of time, called off by the control team).
    NotRun,
    /// Ran unseen.
    Undetected,
    /// Ran and raised an alert.
    Alerted,
    /// Blocked, with no alert.
    Prevented,
    /// Blocked and alerted.
    PreventedAndAlerted,
}

impl Outcome {
    /// Whether the outcome is a detection gap: the step ran and no alert was raised. A step
    /// that was prevented without an alert is a gap too: the defence held, but nobody knew.
    pub fn is_gap(self) -> bool {
        matches!(self, Outcome::Undetected | Outcome::Prevented)
    }
}

/// One step of a scenario: an ATT&CK technique the red team plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The ATT&CK technique id, e.g. `T1110.003`.
    pub technique: String,
    /// The tactic short name the step serves, when the scenario says.
    pub tactic: Option<String>,
    /// What the red team does, in its words.
    pub description: String,
    /// The outcome, once recorded.
    pub outcome: Option<Outcome>,
    /// When the step began (Unix µs).
    pub started_us: Option<i64>,
    /// When it ended.
    pub ended_us: Option<i64>,
    /// The blue team's side: how it was seen, alert references.
    pub blue_notes: Option<String>,
    /// The outcome of the retest of a gap.
    pub retest: Option<Outcome>,
}

impl Step {
    /// A planned step with nothing recorded.
    pub fn planned(technique: &str, tactic: Option<&str>, description: &str) -> Step {
        Step {
            technique: technique.to_owned(),
            tactic: tactic.map(str::to_owned),
            description: description.to_owned(),
            outcome: None,
            started_us: None,
            ended_us: None,
            blue_notes: None,
            retest: None,
        }
    }

    /// Whether the recorded outcome is a gap.
    pub fn is_gap(&self) -> bool {
        self.outcome.is_some_and(Outcome::is_gap)
    }
}

/// A scenario: ordered steps against one critical function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario's name.
    pub name: String,
    /// The critical function it targets; one of the engagement's.
    pub critical_function: String,
    /// The ATT&CK release the steps' technique ids come from (e.g. `18.1`), so that a
    /// newer release's changes to them can be reported.
    pub attack_version: String,
    /// The steps in the order they are played.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Checks a scenario as proposed: a critical function in scope, at least one step,
    /// technique ids of ATT&CK's form, nothing recorded yet.
    pub(super) fn check_new(&self, critical_functions: &[String]) -> Result<(), String> {
        if !critical_functions.contains(&self.critical_function) {
            return Err(format!(
                "{:?} is no critical function in scope",
                self.critical_function
            ));
        }
        if self.steps.is_empty() {
            return Err("a scenario needs a step".into());
        }
        if self.attack_version.trim().is_empty() {
            return Err("attack_version: a scenario names the ATT&CK release it uses".into());
        }
        for (i, s) in self.steps.iter().enumerate() {
            if !is_technique_id(&s.technique) {
                return Err(format!(
                    "steps[{i}].technique: not an ATT&CK technique id: {:?}",
                    s.technique
                ));
            }
            if s.outcome.is_some() || s.retest.is_some() || s.blue_notes.is_some() {
                return Err(format!("steps[{i}]: a new scenario has no outcomes"));
            }
        }
        Ok(())
    }
}

/// `T` and four digits, optionally `.` and three.
fn is_technique_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// A gap: a step that ran without an alert. It becomes a posture finding with a retest, and
/// a detection rule to write when no rule covers its technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Scenario index.
    pub scenario: usize,
    /// Step index.
    pub step: usize,
    /// The technique.
    pub technique: String,
    /// The critical function.
    pub critical_function: String,
    /// The finding's severity: high when unseen and unblocked, medium when blocked unseen.
    pub severity: Severity,
    /// Whether no detection rule covers the technique (nor its parent technique), so one is
    /// to be written.
    pub rule_to_write: bool,
    /// The finding already raised for it.
    pub finding_id: Option<String>,
}

/// The gaps of an engagement. `rule_techniques` are the techniques the active detection
/// rules are tagged with (upper-case ids); a rule on a parent technique covers its
/// sub-techniques.
pub fn gaps(e: &Engagement, rule_techniques: &BTreeSet<String>) -> Vec<Gap> {
    let mut out = Vec::new();
    for (i, scenario) in e.scenarios.iter().enumerate() {
        for (j, step) in scenario.steps.iter().enumerate() {
            let Some(outcome) = step.outcome.filter(|o| o.is_gap()) else {
                continue;
            };
            let parent = step.technique.split('.').next().unwrap_or_default();
            let covered =
                rule_techniques.contains(&step.technique) || rule_techniques.contains(parent);
            out.push(Gap {
                scenario: i,
                step: j,
                technique: step.technique.clone(),
                critical_function: scenario.critical_function.clone(),
                severity: if outcome == Outcome::Undetected {
                    Severity::High
                } else {
                    Severity::Medium
                },
                rule_to_write: !covered,
                finding_id: e.finding_for(i, j).map(str::to_owned),
            });
        }
    }
    out
}

/// One step of the share-safe chain: what the red team did, nothing of the defence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareSafeStep {
    /// The technique.
    pub technique: String,
    /// The tactic.
    pub tactic: Option<String>,
    /// The red team's description.
    pub description: String,
}

/// The attack chain of an engagement without the blue team's details (outcomes, times,
/// notes, retests) and without findings: what other institutions may learn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareSafeChain {
    /// Scenarios by name, with the critical function and the steps.
    pub scenarios: Vec<(String, String, Vec<ShareSafeStep>)>,
}

/// The share-safe attack chain of an engagement.
pub fn share_safe(e: &Engagement) -> ShareSafeChain {
    let scenarios = e
        .scenarios
        .iter()
        .map(|s| {
            let steps = s
                .steps
                .iter()
                .map(|st| ShareSafeStep {
                    technique: st.technique.clone(),
                    tactic: st.tactic.clone(),
                    description: st.description.clone(),
                })
                .collect();
            (s.name.clone(), s.critical_function.clone(), steps)
        })
        .collect();
    ShareSafeChain { scenarios }
}

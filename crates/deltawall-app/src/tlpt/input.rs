//! Engagement commands as the JSON API receives them. The domain's `Command` trusts its
//! caller; a machine client's command is checked here first (lengths, control characters,
//! the size of a scenario) and a bad value is named by its place in the body, so that the
//! API refuses exactly what the form refuses. Scenario and step indexes count from 0, as
//! the arrays of the engagement view do.

use deltawall_domain::tlpt::{Command, Member, Outcome, ReportKind, Scenario, Step, TlptRole};
use deltawall_domain::validate::text;
use serde::Deserialize;

use crate::SResult;
use crate::error::ServiceError;

/// The most steps one scenario may hold.
pub const MAX_STEPS: usize = 200;

/// A command of an engagement member, tagged by `command`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = TlptCommandInput)]
pub enum CommandInput {
    /// Adds a member (control team, during preparation).
    AddMember {
        /// The user's id: a user of the institution, or for `supervisor_observer` a
        /// supervisor's user whose reach covers it.
        user_id: String,
        /// `control_team`, `red_team`, `blue_team`, `threat_intelligence` or
        /// `supervisor_observer`.
        #[schema(value_type = String)]
        role: TlptRole,
    },
    /// Names a critical function in scope (control team, during preparation).
    AddCriticalFunction {
        /// Its name, up to 200 characters.
        name: String,
    },
    /// Submits a report in the phase that collects it, by its author role.
    SubmitReport {
        /// `threat_intelligence`, `red_team`, `blue_team` or `remediation_plan`.
        #[schema(value_type = String)]
        kind: ReportKind,
        /// Where the document is (a reference, up to 500 characters).
        document: String,
    },
    /// Proposes a scenario (red team, before approval).
    AddScenario {
        /// The scenario.
        scenario: ScenarioInput,
    },
    /// Records a step's outcome (control team, during testing).
    RecordOutcome {
        /// Scenario index, from 0.
        scenario: usize,
        /// Step index, from 0.
        step: usize,
        /// `not_run`, `undetected`, `alerted`, `prevented` or `prevented_and_alerted`.
        #[schema(value_type = String)]
        outcome: Outcome,
        /// When the step began (Unix µs).
        started_us: i64,
        /// When it ended (Unix µs).
        ended_us: i64,
        /// The blue team's side (how it was seen, alert references), up to 2,000
        /// characters.
        #[serde(default)]
        blue_notes: Option<String>,
    },
    /// Records the retest of a gap (control team, retest).
    RecordRetest {
        /// Scenario index, from 0.
        scenario: usize,
        /// Step index, from 0.
        step: usize,
        /// The retest's outcome.
        #[schema(value_type = String)]
        outcome: Outcome,
    },
    /// Passes the gate of the current phase (control team). A struct variant, so that a
    /// field sent with it is refused as unknown rather than ignored.
    PassGate {},
}

/// A scenario as the red team proposes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TlptScenarioInput)]
pub struct ScenarioInput {
    /// Its name, up to 200 characters.
    pub name: String,
    /// The critical function it targets; one of the engagement's.
    pub critical_function: String,
    /// The ATT&CK release the technique ids come from, e.g. `18.1`.
    pub attack_version: String,
    /// The steps in the order they are played, 1 to 200.
    pub steps: Vec<StepInput>,
}

/// A planned step.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TlptStepInput)]
pub struct StepInput {
    /// The ATT&CK technique id, e.g. `T1110.003`.
    pub technique: String,
    /// The tactic's short name, e.g. `credential-access`.
    #[serde(default)]
    pub tactic: Option<String>,
    /// What the red team does, up to 500 characters.
    pub description: String,
}

fn refused(field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code: "err-tlpt-field",
        field,
        message,
    }
}

/// A text inside a scenario, named by its place (`steps[2].description`).
fn inner(place: String, raw: &str, required: bool, max: usize) -> SResult<Option<String>> {
    text("scenario", raw, required, max)
        .map_err(|e| refused("scenario", format!("{place}: {}", e.reason)))
}

fn scenario(s: ScenarioInput) -> SResult<Scenario> {
    if s.steps.len() > MAX_STEPS {
        return Err(refused(
            "scenario",
            format!("steps: at most {MAX_STEPS} steps"),
        ));
    }
    let mut steps = Vec::with_capacity(s.steps.len());
    for (i, st) in s.steps.into_iter().enumerate() {
        let description = inner(
            format!("steps[{i}].description"),
            &st.description,
            true,
            500,
        )?;
        let tactic = match st.tactic {
            Some(t) => inner(format!("steps[{i}].tactic"), &t, false, 100)?,
            None => None,
        };
        steps.push(Step::planned(
            st.technique.trim(),
            tactic.as_deref(),
            &description.unwrap_or_default(),
        ));
    }
    Ok(Scenario {
        name: inner("name".into(), &s.name, true, 200)?.unwrap_or_default(),
        critical_function: inner("critical_function".into(), &s.critical_function, true, 200)?
            .unwrap_or_default(),
        attack_version: inner("attack_version".into(), &s.attack_version, true, 20)?
            .unwrap_or_default(),
        steps,
    })
}

impl CommandInput {
    /// The domain command, every text checked; a bad one is named.
    pub fn into_command(self) -> SResult<Command> {
        Ok(match self {
            CommandInput::AddMember { user_id, role } => Command::AddMember {
                member: Member {
                    user_id: text("user_id", &user_id, true, 100)?.unwrap_or_default(),
                    role,
                },
            },
            CommandInput::AddCriticalFunction { name } => Command::AddCriticalFunction {
                name: text("name", &name, true, 200)?.unwrap_or_default(),
            },
            CommandInput::SubmitReport { kind, document } => Command::SubmitReport {
                kind,
                document: text("document", &document, true, 500)?.unwrap_or_default(),
            },
            CommandInput::AddScenario { scenario: s } => Command::AddScenario {
                scenario: scenario(s)?,
            },
            CommandInput::RecordOutcome {
                scenario,
                step,
                outcome,
                started_us,
                ended_us,
                blue_notes,
            } => Command::RecordOutcome {
                scenario,
                step,
                outcome,
                started_us,
                ended_us,
                blue_notes: text(
                    "blue_notes",
                    blue_notes.as_deref().unwrap_or(""),
                    false,
                    2000,
                )?,
            },
            CommandInput::RecordRetest {
                scenario,
                step,
                outcome,
            } => Command::RecordRetest {
                scenario,
                step,
                outcome,
            },
            CommandInput::PassGate {} => Command::PassGate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> SResult<Command> {
        serde_json::from_value::<CommandInput>(v)
            .expect("parses")
            .into_command()
    }

    #[test]
    fn a_scenario_arrives_as_the_domain_command() {
        let c = parse(serde_json::json!({
            "command": "add_scenario",
            "scenario": {"name": " s ", "critical_function": "cf", "attack_version": "18.1",
                "steps": [{"technique": "T1078", "tactic": "initial-access", "description": "log in"}]}
        }))
        .unwrap();
        let Command::AddScenario { scenario } = c else {
            panic!("{c:?}")
        };
        assert_eq!(scenario.name, "s");
        assert_eq!(scenario.steps[0].tactic.as_deref(), Some("initial-access"));
        assert_eq!(scenario.steps[0].outcome, None);
    }

    #[test]
    fn a_bad_step_is_named_by_its_place() {
        let long = "x".repeat(501);
        let e = parse(serde_json::json!({
            "command": "add_scenario",
            "scenario": {"name": "s", "critical_function": "cf", "attack_version": "18.1",
                "steps": [{"technique": "T1078", "description": "ok"},
                          {"technique": "T1110", "description": long}]}
        }))
        .unwrap_err();
        assert!(e.to_string().contains("steps[1].description"), "{e}");
        let e = parse(
            serde_json::json!({"command": "record_outcome", "scenario": 0, "step": 0,
            "outcome": "alerted", "started_us": 1, "ended_us": 2, "blue_notes": "a\u{0}b"}),
        )
        .unwrap_err();
        assert!(
            matches!(e, ServiceError::Invalid(ref i) if i.field == "blue_notes"),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_fields_and_the_platform_s_own_command_are_refused() {
        let extra = serde_json::json!({"command": "pass_gate", "phase": "retest"});
        assert!(serde_json::from_value::<CommandInput>(extra).is_err());
        let link = serde_json::json!({"command": "link_finding", "scenario": 0, "step": 0, "finding_id": "f"});
        assert!(serde_json::from_value::<CommandInput>(link).is_err());
    }
}

//! Engagement commands as a web form sends them: flat text fields, every one checked and a
//! bad one named, so the UI and a test can drive an engagement without JSON.

use std::collections::BTreeMap;

use deltawall_domain::tlpt::{Command, Member, Outcome, ReportKind, Scenario, Step, TlptRole};
use deltawall_domain::validate::Invalid;
use jiff::civil::DateTime;

use crate::SResult;
use crate::error::ServiceError;

/// Form fields by name.
pub type Fields = BTreeMap<String, String>;

fn bad(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-tlpt-field",
    })
}

fn get<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|v| v.trim()).unwrap_or("")
}

/// Parses a snake_case code of a serde enum, e.g. `red_team`.
fn code<T: serde::de::DeserializeOwned>(f: &Fields, field: &'static str) -> SResult<T> {
    serde_json::from_value(serde_json::Value::String(get(f, field).to_owned()))
        .map_err(|_| bad(field, "is not a known value"))
}

fn index(f: &Fields, field: &'static str) -> SResult<usize> {
    // the form shows steps from 1; the domain counts from 0
    get(f, field)
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .ok_or_else(|| bad(field, "must be a number from 1"))
}

/// A `YYYY-MM-DDTHH:MM` (or with seconds) in Japan time, as Unix µs.
fn time(f: &Fields, field: &'static str) -> SResult<i64> {
    let dt: DateTime = get(f, field)
        .parse()
        .map_err(|_| bad(field, "must be a date and time (YYYY-MM-DDTHH:MM)"))?;
    let at = crate::time::jst()
        .to_timestamp(dt)
        .map_err(|_| bad(field, "must be a date and time (YYYY-MM-DDTHH:MM)"))?;
    Ok(at.as_microsecond())
}

/// The command a form describes by its `command` field.
pub fn command(f: &Fields) -> SResult<Command> {
    Ok(match get(f, "command") {
        "add_member" => Command::AddMember {
            member: Member {
                user_id: get(f, "user_id").to_owned(),
                role: code::<TlptRole>(f, "role")?,
            },
        },
        "add_critical_function" => Command::AddCriticalFunction {
            name: deltawall_domain::validate::text("name", get(f, "name"), true, 200)?
                .unwrap_or_default(),
        },
        "submit_report" => Command::SubmitReport {
            kind: code::<ReportKind>(f, "kind")?,
            document: deltawall_domain::validate::text("document", get(f, "document"), true, 500)?
                .unwrap_or_default(),
        },
        "record_outcome" => Command::RecordOutcome {
            scenario: index(f, "scenario")?,
            step: index(f, "step")?,
            outcome: code::<Outcome>(f, "outcome")?,
            started_us: time(f, "started")?,
            ended_us: time(f, "ended")?,
            blue_notes: deltawall_domain::validate::text(
                "blue_notes",
                get(f, "blue_notes"),
                false,
                2000,
            )?,
        },
        "record_retest" => Command::RecordRetest {
            scenario: index(f, "scenario")?,
            step: index(f, "step")?,
            outcome: code::<Outcome>(f, "outcome")?,
        },
        "pass_gate" => Command::PassGate,
        _ => return Err(bad("command", "is not a known command")),
    })
}

/// A scenario from the form: a name, a critical function, the ATT&CK release and one step
/// per line of `steps`, `TECHNIQUE [tactic] description` (the tactic optional, written
/// as a short name such as `credential-access`). A bad line is named by its number.
pub fn scenario(f: &Fields) -> SResult<Command> {
    let mut steps = Vec::new();
    for (n, line) in get(f, "steps").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (technique, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let (tactic, description) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((t, d)) => (Some(t.trim()), d.trim()),
            None => (None, rest),
        };
        if description.is_empty() {
            return Err(ServiceError::Refused {
                code: "err-tlpt-step",
                field: "steps",
                message: format!("line {}: a step needs a technique and a description", n + 1),
            });
        }
        steps.push(Step::planned(technique, tactic, description));
    }
    Ok(Command::AddScenario {
        scenario: Scenario {
            name: deltawall_domain::validate::text("name", get(f, "name"), true, 200)?
                .unwrap_or_default(),
            critical_function: get(f, "critical_function").to_owned(),
            attack_version: get(f, "attack_version").to_owned(),
            steps,
        },
    })
}

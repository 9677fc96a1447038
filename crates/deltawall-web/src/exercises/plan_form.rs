//! The contingency plan form: a new version typed as lines, prefilled from the latest one,
//! so editing a plan appends a version and never changes a recorded one. Each list is one
//! textarea with one item a line and its cells separated by commas; a wrong line is named
//! by its field and number, and the service checks the whole version as the API's.

use crate::error::ServiceError;
use deltawall_app::exercises::plans::PlanInput;
use deltawall_domain::exercise::plan::PlanVersion;
use deltawall_domain::validate::Invalid;
use serde_json::json;
use std::collections::HashMap;

/// The scenario checkboxes are named `sc.<code>`.
const SCENARIO_PREFIX: &str = "sc.";

fn refused(field: &'static str, line: usize, expected: &str) -> ServiceError {
    ServiceError::Refused {
        code: "err-exercise-refused",
        field,
        message: format!("{field} line {line}: expected {expected}"),
    }
}

fn bad_number(field: &'static str, line: usize, cell: &str) -> ServiceError {
    ServiceError::Refused {
        code: "err-exercise-refused",
        field,
        message: format!("{field} line {line}: {cell:?} is not a whole number"),
    }
}

/// The non-empty lines of a textarea with their 1-based numbers, cells trimmed.
fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n + 1, l.split(',').map(str::trim).collect()))
}

fn minutes(field: &'static str, line: usize, cell: &str) -> Result<u32, ServiceError> {
    cell.parse().map_err(|_| bad_number(field, line, cell))
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// The version the form describes, adopted at `now_us`.
pub fn plan_input(form: &HashMap<String, String>, now_us: i64) -> Result<PlanInput, ServiceError> {
    let version: u32 = field(form, "version").trim().parse().map_err(|_| {
        ServiceError::Invalid(Invalid {
            field: "version",
            reason: "must be a whole number",
            code: "err-bad-request",
        })
    })?;
    let mut scenarios: Vec<&str> = form
        .keys()
        .filter_map(|k| k.strip_prefix(SCENARIO_PREFIX))
        .collect();
    scenarios.sort_unstable();
    let roles = lines(field(form, "roles"))
        .map(|(n, c)| match c.as_slice() {
            [name, duty] => Ok(json!({"name": name, "duty": duty})),
            _ => Err(refused("roles", n, "name,duty")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let internal = lines(field(form, "internal_contacts"))
        .map(|(_, c)| json!({"role": c[0], "then_calls": &c[1..]}))
        .collect::<Vec<_>>();
    let external = lines(field(form, "external_contacts"))
        .map(|(n, c)| match c.as_slice() {
            [party, by_role] => Ok(json!({"party": party, "by_role": by_role, "within_min": null})),
            [party, by_role, within] => Ok(json!({"party": party, "by_role": by_role,
                "within_min": minutes("external_contacts", n, within)?})),
            _ => Err(refused("external_contacts", n, "party,by_role,within_min")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let objectives = lines(field(form, "objectives"))
        .map(|(n, c)| match c.as_slice() {
            [service, rto, rpo] => Ok(json!({"service": service,
                "rto_min": minutes("objectives", n, rto)?, "rpo_min": minutes("objectives", n, rpo)?})),
            _ => Err(refused("objectives", n, "service,rto_min,rpo_min")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let requirements: Vec<&str> = lines(field(form, "requirement_ids"))
        .map(|(_, c)| c[0])
        .collect();
    let task = field(form, "completes_task").trim();
    Ok(PlanInput {
        plan: json!({
            "version": version, "adopted_at_us": now_us, "scenarios": scenarios,
            "roles": roles, "internal_contacts": internal, "external_contacts": external,
            "objectives": objectives, "requirement_ids": requirements,
        }),
        completes_task: (!task.is_empty()).then(|| task.to_owned()),
    })
}

/// The form's textareas prefilled from `plan`, the inverse of [`plan_input`].
#[derive(Debug, Default)]
pub struct PlanLines {
    /// The version the form appends.
    pub next: u32,
    /// Scenario codes covered.
    pub scenarios: Vec<String>,
    /// `name,duty` lines.
    pub roles: String,
    /// `role,calls,…` lines.
    pub internal_contacts: String,
    /// `party,by_role,within_min` lines.
    pub external_contacts: String,
    /// `service,rto_min,rpo_min` lines.
    pub objectives: String,
    /// One requirement id a line.
    pub requirement_ids: String,
}

impl PlanLines {
    /// The lines of `plan`, or an empty first version.
    pub fn of(plan: Option<&PlanVersion>) -> PlanLines {
        let Some(p) = plan else {
            return PlanLines {
                next: 1,
                ..PlanLines::default()
            };
        };
        let join = |v: Vec<String>| v.join("\n");
        PlanLines {
            next: p.version + 1,
            scenarios: p.scenarios.iter().map(|s| s.code().to_owned()).collect(),
            roles: join(
                p.roles
                    .iter()
                    .map(|r| format!("{},{}", r.name, r.duty))
                    .collect(),
            ),
            internal_contacts: join(
                p.internal_contacts
                    .iter()
                    .map(|c| {
                        [vec![c.role.clone()], c.then_calls.clone()]
                            .concat()
                            .join(",")
                    })
                    .collect(),
            ),
            external_contacts: join(
                p.external_contacts
                    .iter()
                    .map(|c| {
                        let within = c.within_min.map(|m| format!(",{m}")).unwrap_or_default();
                        format!("{},{}{within}", c.party.code(), c.by_role)
                    })
                    .collect(),
            ),
            objectives: join(
                p.objectives
                    .iter()
                    .map(|o| format!("{},{},{}", o.service, o.rto_min, o.rpo_min))
                    .collect(),
            ),
            requirement_ids: p.requirement_ids.join("\n"),
        }
    }
}

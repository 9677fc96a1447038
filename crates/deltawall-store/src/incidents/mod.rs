//! Incidents: the flat rows the sector figures count ([`flat`]) and the incident cases
//! that grew out of them (issue 13): [`cases`] (the case document, its append-only
//! timeline and the detections linked to it), [`work`] (tasks, customer-response log,
//! notices and observables) and [`reports`] (regulator-report submissions, their review
//! by the supervisor, and decisions not to report).
//!
//! Tenant isolation: a case is read only through [`cases::get`] or [`cases::list`], which
//! filter with [`crate::scope::org_clause`]; everything hanging off a case (timeline,
//! tasks, reports) is read by the case id the caller obtained that way. Submissions in the
//! supervisor's reach are listed through the same clause ([`reports::in_scope`]).

pub mod board;
pub mod board_kept;
pub mod cases;
mod flat;
pub mod reports;
pub mod rooms;
pub mod work;

pub use flat::{Incident, NewIncident, create, get, list, page};

use crate::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("incident documents serialise")
}

fn from_json<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt {
        table,
        column,
        value: e.to_string().chars().take(80).collect(),
    })
}

fn corrupt(table: &'static str, column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        value: value.chars().take(80).collect(),
    }
}

//! Incident response (有事): what happens after an attack gets through, after the FSA report
//! 金融分野のサイバーセキュリティレポート (June 2020), sections 2.(1)② and 2.(2).
//!
//! The report says defence has limits, so the response after an attack matters; the Delta
//! Wall exercise found institutions weak at triage, customer response, recovery and
//! recurrence prevention; and institutions are to report to the FSA and share with the
//! ISAC and the coordination council (連携会議).
//!
//! - [`detection`]: alerts from `deltawall scan` received as detections, with stable ids
//!   and triage.
//! - [`case`]: incident cases: category, severity and priority from the triage matrix,
//!   phases with the time each was entered, milestones, and the append-only timeline.
//! - [`work`]: a case's tasks, customer-response log and notices.
//! - [`observable`]: IPs, domains, URLs, hashes and accounts seen in a case; accounts are
//!   never shareable.
//! - [`regime`]: regulator-reporting regimes as data (embedded YAML).
//! - [`clock`]: one clock per (regime, report stage), computed from the case's times.
//! - [`report`]: staged reports with required items, executive attestation, one
//!   submission per stage, and the supervisor's review.
//! - [`pattern`]: patterns of similar incidents at several institutions, and the alert
//!   draft composed from one.
//! - [`council`]: large incidents and the coordination council's rooms (連携会議).
//!
//! Everything is pure: callers pass the facts and the current time. Instants are Unix
//! microseconds; calendar days and deadlines are counted in Japan time ([`crate::jst`]).

pub mod case;
pub mod clock;
pub mod council;
pub mod detection;
pub mod observable;
pub mod pattern;
pub mod regime;
pub mod report;
pub mod work;

/// A code that is not in its vocabulary. Parsing user input or stored data fails loudly
/// with this instead of falling back to a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{vocabulary}: unknown code {code:?}")]
pub struct UnknownCode {
    /// Which vocabulary (`category`, `phase`, …).
    pub vocabulary: &'static str,
    /// The code given.
    pub code: String,
}

/// Parses `code` with `from_code`, or names the vocabulary and the code.
pub(crate) fn parse_code<T>(
    vocabulary: &'static str,
    code: &str,
    from_code: impl Fn(&str) -> Option<T>,
) -> Result<T, UnknownCode> {
    from_code(code).ok_or_else(|| UnknownCode {
        vocabulary,
        code: code.chars().take(60).collect(),
    })
}

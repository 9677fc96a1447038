//! Exercises: contingency plans tested by exercises, and a sector-wide tabletop exercise
//! (the FSA's Delta Wall, §2(1)②) designed, played blind and evaluated.
//!
//! - [`plan`]: contingency plans, versioned per institution, and the "never tested in 12
//!   months" flag the report's §2(1)③イ asks supervisors to look for;
//! - [`schedule`]: an edition's injects, their dependencies and the CSV form of the schedule;
//! - [`play`]: the exercise clock and the one rule deciding which injects a participant sees;
//! - [`evaluation`]: post-evaluation (事後評価), improvement measures and the sector feedback.
//!
//! Everything here is pure: callers pass the time in (Unix µs).

mod csv;
pub mod evaluation;
pub mod plan;
pub mod play;
pub mod schedule;

use crate::org::vocabulary;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// A scenario a contingency plan covers or an exercise plays.
    Scenario {
        /// A distributed denial-of-service attack.
        Ddos = "ddos", "DDoS攻撃", "DDoS attack";
        /// Ransomware.
        Ransomware = "ransomware", "ランサムウェア", "Ransomware";
        /// Unauthorised login to customer or internal accounts.
        UnauthorisedLogin = "unauthorised_login", "不正ログイン", "Unauthorised login";
        /// A leak of customer or internal information.
        InformationLeak = "information_leak", "情報漏えい", "Information leak";
        /// An outage at a third party or cloud provider.
        ThirdPartyOutage = "third_party_outage", "外部委託先・クラウド障害", "Third-party or cloud outage";
        /// A natural disaster.
        Disaster = "disaster", "災害", "Disaster";
    }
}

vocabulary! {
    /// Who organises an edition.
    Organiser {
        /// The FSA (Delta Wall).
        Fsa = "fsa", "金融庁", "FSA";
        /// An information sharing body such as the Financial ISAC.
        Isac = "isac", "金融ISAC", "ISAC";
        /// An institution training its own staff.
        Institution = "institution", "金融機関", "Institution";
    }
}

vocabulary! {
    /// What an inject is.
    InjectKind {
        /// A message (mail, phone call, report).
        Message = "message", "メッセージ", "Message";
        /// A simulated alert from a monitoring tool.
        SimulatedAlert = "simulated_alert", "模擬アラート", "Simulated alert";
        /// A simulated surge of press enquiries.
        PressSurge = "press_surge", "報道問合せの急増", "Press enquiry surge";
        /// A simulated surge of customer calls.
        CustomerCallSurge = "customer_call_surge", "顧客問合せの急増", "Customer call surge";
        /// Information relayed by the coordination council (連絡協議会).
        CouncilRelay = "council_relay", "連絡協議会からの情報", "Coordination council relay";
    }
}

vocabulary! {
    /// A viewpoint an exercise is evaluated from.
    Viewpoint {
        /// Sharing information inside the institution.
        InternalSharing = "internal_sharing", "内部の情報共有", "Internal information sharing";
        /// Sharing information with the authorities and outside bodies.
        ExternalSharing = "external_sharing", "外部への情報共有", "External information sharing";
        /// Triage of what happened.
        Triage = "triage", "トリアージ", "Triage";
        /// Responding to customers.
        CustomerResponse = "customer_response", "顧客対応", "Customer response";
        /// Recovery.
        Recovery = "recovery", "復旧", "Recovery";
        /// Preventing recurrence.
        RecurrencePrevention = "recurrence_prevention", "再発防止", "Recurrence prevention";
        /// Decisions by management.
        ManagementDecision = "management_decision", "経営判断", "Management decision";
    }
}

vocabulary! {
    /// An outside party in a contingency plan's external contact tree.
    ExternalParty {
        /// The FSA or a local finance bureau.
        Fsa = "fsa", "金融庁・財務局", "FSA or local finance bureau";
        /// The police.
        Police = "police", "警察", "Police";
        /// The Financial ISAC.
        Isac = "isac", "金融ISAC", "Financial ISAC";
        /// The National center of Incident readiness and Strategy for Cybersecurity.
        Nisc = "nisc", "NISC", "NISC";
        /// A vendor or outsourcing provider.
        Vendor = "vendor", "ベンダー・委託先", "Vendor";
    }
}

vocabulary! {
    /// What a participant records during play.
    ResponseKind {
        /// A decision taken.
        Decision = "decision", "意思決定", "Decision";
        /// A notification sent inside or outside the institution.
        Notification = "notification", "連絡・報告", "Notification";
    }
}

/// A code that is not in its vocabulary, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: unknown code {code:?}")]
pub struct UnknownCode {
    /// The field or column.
    pub field: String,
    /// The code given.
    pub code: String,
}

/// Parses a code of a vocabulary, failing with the field named.
pub fn parse_code<T>(
    field: &str,
    code: &str,
    from_code: fn(&str) -> Option<T>,
) -> Result<T, UnknownCode> {
    from_code(code).ok_or_else(|| UnknownCode {
        field: field.to_owned(),
        code: code.to_owned(),
    })
}

/// One minute in microseconds, the unit the schedule is written in.
pub const MINUTE_US: i64 = 60_000_000;

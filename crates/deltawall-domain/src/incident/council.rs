//! Large incidents and the coordination council (連携会議, report section 2.(2)②): the
//! supervisor declares a large incident and opens a room of named members (institutions,
//! the ISAC, industry associations); each member reports where it stands, with a time, and
//! members relay messages. A closed room is kept read-only.

use crate::org::vocabulary;
use serde::{Deserialize, Serialize};

use super::{UnknownCode, parse_code};

vocabulary! {
    /// Where a member stands, as it reports on the room's status board.
    MemberStatus {
        /// Affected by the incident.
        Affected = "affected", "影響あり", "Affected";
        /// Not affected.
        NotAffected = "not_affected", "影響なし", "Not affected";
        /// Recovering.
        Recovering = "recovering", "復旧対応中", "Recovering";
        /// Recovered.
        Recovered = "recovered", "復旧済み", "Recovered";
    }
}

impl MemberStatus {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<MemberStatus, UnknownCode> {
        parse_code("member status", code, MemberStatus::from_code)
    }
}

vocabulary! {
    /// Whether a coordination room is in use.
    RoomStatus {
        /// Members report and relay messages.
        Open = "open", "開設中", "Open";
        /// Archived; read-only.
        Closed = "closed", "閉鎖（保存）", "Closed (archived)";
    }
}

impl RoomStatus {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<RoomStatus, UnknownCode> {
        parse_code("room status", code, RoomStatus::from_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_fail() {
        for s in MemberStatus::ALL {
            assert_eq!(MemberStatus::parse(s.code()), Ok(*s));
            assert_ne!(s.label("ja"), s.label("en"));
        }
        for s in RoomStatus::ALL {
            assert_eq!(RoomStatus::parse(s.code()), Ok(*s));
        }
        assert_eq!(
            MemberStatus::parse("fine").unwrap_err().to_string(),
            "member status: unknown code \"fine\""
        );
    }
}

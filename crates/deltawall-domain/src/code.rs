//! Closed vocabularies whose values travel as stable codes (database columns, CSV, JSON,
//! query strings). Parsing an unknown code is an error that names the vocabulary and the
//! code, never a silent default.

use thiserror::Error;

/// A code that no value of the vocabulary has.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {vocabulary} code `{code}`")]
pub struct UnknownCode {
    /// Which vocabulary was asked, e.g. `finding state`.
    pub vocabulary: &'static str,
    /// The code as given.
    pub code: String,
}

/// A vocabulary with one stable code per value.
pub trait Code: Copy + PartialEq + 'static {
    /// What the vocabulary is called in errors.
    const VOCABULARY: &'static str;
    /// Every value, in order.
    const ALL: &'static [Self];

    /// The value's stable code.
    fn code(self) -> &'static str;

    /// The value of a code; an unknown code is an error naming it.
    fn parse(code: &str) -> Result<Self, UnknownCode> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == code)
            .ok_or_else(|| UnknownCode {
                vocabulary: Self::VOCABULARY,
                code: code.to_owned(),
            })
    }
}

/// Codes as a quoted SQL list (`'a', 'b'`), for sets of states the domain defines (such as
/// the open states of a finding), so SQL filters never restate a domain rule. Codes are
/// fixed identifiers of the domain, never user input.
pub fn sql_list<T: Code>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| {
            let c = v.code();
            debug_assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            format!("'{c}'")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Implements [`Code`] for an enum whose serde names are its codes.
macro_rules! impl_code {
    ($ty:ty, $vocabulary:literal, { $($variant:ident = $code:literal),+ $(,)? }) => {
        impl $crate::code::Code for $ty {
            const VOCABULARY: &'static str = $vocabulary;
            const ALL: &'static [Self] = &[$(<$ty>::$variant),+];
            fn code(self) -> &'static str {
                match self { $(<$ty>::$variant => $code),+ }
            }
        }
    };
}
pub(crate) use impl_code;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, State};
    use crate::supervision::request::TaskState;

    /// The codes are the serde names, so stored JSON and columns agree.
    fn serde_agrees<T: Code + serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug>() {
        for v in T::ALL {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json.as_str(), Some(v.code()), "{v:?}");
            assert_eq!(T::parse(v.code()).unwrap(), *v);
            let back: T = serde_json::from_value(json).unwrap();
            assert_eq!(back, *v);
        }
    }

    #[test]
    fn codes_match_serde_names() {
        serde_agrees::<State>();
        serde_agrees::<Severity>();
        serde_agrees::<TaskState>();
    }

    #[test]
    fn unknown_codes_are_errors_that_name_them() {
        let e = State::parse("opened").unwrap_err();
        assert_eq!(e.to_string(), "unknown finding state code `opened`");
        assert!(State::parse("").is_err());
    }

    #[test]
    fn open_states_as_sql() {
        assert_eq!(
            sql_list(&[TaskState::Assigned, TaskState::InProgress]),
            "'assigned', 'in_progress'"
        );
        assert!(State::OPEN.iter().all(|s| s.is_open()));
        assert!(!State::Draft.is_open() && !State::Closed.is_open());
        assert!(!State::RiskAccepted.is_open() && State::UNRESOLVED.contains(&State::RiskAccepted));
        assert!(State::OPEN.iter().all(|s| State::UNRESOLVED.contains(s)));
    }
}

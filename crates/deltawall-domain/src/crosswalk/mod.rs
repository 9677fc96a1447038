//! Mappings between catalogs (crosswalks): typed relationships from the requirements of
//! one catalog edition to those of another, with a strength, and the rule by which an
//! answer in one catalog pre-fills the mapped requirements of another.
//!
//! A relationship reads "the *from* requirement is … the *to* requirement":
//! - `equal`: both ask for the same thing;
//! - `superset`: *from* asks for everything *to* asks for, and more;
//! - `subset`: *from* asks for part of what *to* asks for;
//! - `intersects`: they overlap, neither contains the other.
//!
//! What carries (see [`carried_outcome`]): `equal` carries every result (met, partly met,
//! not met, not applicable with its justification), because the two requirements stand or
//! fall together. `superset` carries only *met*: meeting more implies meeting the lesser
//! requirement, but failing the larger one says nothing certain about the smaller. `subset`
//! and `intersects` never carry; they are offered as suggestions for a person to weigh.
//! Entries weaker than [`MIN_CARRY_STRENGTH`] only suggest, too.
//!
//! Pre-fill never overwrites a person's answer, takes as sources only answers a person
//! gave or confirmed (never carried or derived ones, so derivations do not chain), and
//! produces answers marked derived, which count as unreviewed until a person confirms
//! them. Functions here are pure.

mod csv;

use crate::catalog::Catalog;
use crate::posture::{Answer, Confidence, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use csv::{CsvError, parse_csv, to_rows};

/// How the *from* requirement relates to the *to* requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Same meaning.
    Equal,
    /// *from* asks for part of what *to* asks for.
    Subset,
    /// *from* asks for everything *to* asks for, and more.
    Superset,
    /// They overlap; neither contains the other.
    Intersects,
}

impl Relationship {
    /// Every value.
    pub const ALL: &'static [Relationship] = &[
        Relationship::Equal,
        Relationship::Subset,
        Relationship::Superset,
        Relationship::Intersects,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::Subset => "subset",
            Relationship::Superset => "superset",
            Relationship::Intersects => "intersects",
        }
    }

    /// Parses a stable code.
    pub fn from_code(code: &str) -> Option<Relationship> {
        Relationship::ALL.iter().copied().find(|r| r.code() == code)
    }
}

/// Who may see an imported catalog edition or mapping set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every tenant (built in, or imported by a supervisor).
    Public,
    /// Only this organisation (imported by an institution).
    Org(String),
}

/// Who may import catalogs and mapping sets, and who then sees them: an institution's
/// administrator imports for the institution alone; a supervisor's administrator imports
/// for every tenant (the supervisor publishes reference catalogs for the sector). Nobody
/// else imports, and never with a read-only token.
pub fn import_audience(actor: &crate::Actor) -> Option<Audience> {
    if actor.token_scope == Some(crate::access::TokenScope::Read) {
        return None;
    }
    match (actor.org_kind, actor.role) {
        (crate::OrgKind::Institution, crate::Role::Admin) => {
            Some(Audience::Org(actor.org_id.clone()))
        }
        (crate::OrgKind::Supervisor, crate::Role::Admin) => Some(Audience::Public),
        _ => None,
    }
}

/// Highest strength: the mapping's author is certain.
pub const MAX_STRENGTH: u8 = 10;

/// Entries at least this strong may carry a result; weaker ones only suggest.
pub const MIN_CARRY_STRENGTH: u8 = 5;

/// Longest rationale of one entry.
pub const MAX_RATIONALE: usize = 2000;

/// Most entries in one mapping set.
pub const MAX_ENTRIES: usize = 20_000;

/// One line of a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Requirement id in the *from* catalog.
    pub from: String,
    /// Requirement id in the *to* catalog.
    pub to: String,
    /// How they relate.
    pub relationship: Relationship,
    /// How sure the author is, 0 to [`MAX_STRENGTH`].
    pub strength: u8,
    /// Why, in the author's words.
    pub rationale: String,
}

/// Why a mapping set is refused; `line` is the CSV line (1-based, the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The CSV cannot be read.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A requirement id is not in its catalog.
    #[error("line {line}: requirement {id:?} is not in the {side} catalog")]
    UnknownRequirement {
        /// Line.
        line: usize,
        /// `from` or `to`.
        side: &'static str,
        /// The id.
        id: String,
    },
    /// The same pair appears twice.
    #[error("line {line}: {from} → {to} is already mapped on line {first}")]
    Duplicate {
        /// Line.
        line: usize,
        /// The earlier line.
        first: usize,
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// An entry breaks a rule (strength range, empty rationale, too long).
    #[error("line {line}: {message}")]
    Entry {
        /// Line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The set is empty or too large.
    #[error("{0}")]
    Size(String),
}

/// Checks entries against the two catalog editions: every id exists, strengths are in
/// range, rationales are present and bounded, no pair is mapped twice.
pub fn validate(
    entries: &[(usize, Entry)],
    from: &Catalog,
    to: &Catalog,
) -> Result<(), MappingError> {
    if entries.is_empty() {
        return Err(MappingError::Size(
            "a mapping set needs at least one entry".into(),
        ));
    }
    if entries.len() > MAX_ENTRIES {
        return Err(MappingError::Size(format!(
            "more than {MAX_ENTRIES} entries"
        )));
    }
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (line, e) in entries {
        let line = *line;
        let entry = |message: &str| MappingError::Entry {
            line,
            message: message.to_owned(),
        };
        if from.requirement(&e.from).is_none() {
            return Err(MappingError::UnknownRequirement {
                line,
                side: "from",
                id: e.from.clone(),
            });
        }
        if to.requirement(&e.to).is_none() {
            return Err(MappingError::UnknownRequirement {
                line,
                side: "to",
                id: e.to.clone(),
            });
        }
        if e.strength > MAX_STRENGTH {
            return Err(entry("strength must be 0 to 10"));
        }
        if e.rationale.trim().is_empty() {
            return Err(entry("rationale is required"));
        }
        if e.rationale.chars().count() > MAX_RATIONALE {
            return Err(entry("rationale is longer than 2000 characters"));
        }
        if let Some(first) = seen.insert((&e.from, &e.to), line) {
            return Err(MappingError::Duplicate {
                line,
                first,
                from: e.from.clone(),
                to: e.to.clone(),
            });
        }
    }
    Ok(())
}

/// SHA-256 of the entries' canonical JSON: the same set imported twice has one fingerprint.
pub fn fingerprint(entries: &[Entry]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(entries).expect("entries always serialise");
    hex::encode(Sha256::digest(json))
}

/// The result an answer of `outcome` on the *from* side carries to the *to* side through
/// `relationship`, or `None` when it only suggests.
pub fn carried_outcome(relationship: Relationship, outcome: Outcome) -> Option<Outcome> {
    match (relationship, outcome) {
        (Relationship::Equal, o) => Some(o),
        (Relationship::Superset, Outcome::Met) => Some(Outcome::Met),
        _ => None,
    }
}

/// Who stands behind the latest answer of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A person answered or confirmed it.
    Person,
    /// Carried from the previous cycle, not yet reviewed.
    Carried,
    /// Pre-filled through a mapping, not yet confirmed.
    Derived,
}

impl Origin {
    /// Whether the answer counts as a person's answer (in progress and reports).
    pub fn is_confirmed(self) -> bool {
        self == Origin::Person
    }
}

/// The latest answer of one requirement, with who stands behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// The answer.
    pub answer: Answer,
    /// Its origin.
    pub origin: Origin,
}

/// A pre-filled answer to record, with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The answer for the *to* requirement.
    pub answer: Answer,
    /// The *from* requirement it comes from.
    pub source_requirement: String,
    /// Through which relationship.
    pub relationship: Relationship,
    /// The entry's strength.
    pub strength: u8,
}

/// A mapped requirement that a person should look at, with no answer recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The *to* requirement.
    pub to: String,
    /// The *from* requirement.
    pub from: String,
    /// The source's result.
    pub outcome: Outcome,
    /// Relationship.
    pub relationship: Relationship,
    /// Strength.
    pub strength: u8,
}

/// What pre-fill does: answers to record as derived, and suggestions to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Derived answers to append, by *to* requirement order.
    pub fills: Vec<Derived>,
    /// Suggestions (relationships that do not carry, weak entries, disagreeing sources).
    pub suggestions: Vec<Suggestion>,
}

/// Plans pre-fill of the *to* assessment from the *from* assessment's answers.
///
/// - Sources are only answers with [`Origin::Person`].
/// - A target whose latest answer is a person's (or a carried one awaiting its own
///   review) is never touched.
/// - A target is filled when every carrying entry into it agrees on the result; the
///   strongest such entry (then the lowest *from* id) is the named source. Disagreeing
///   sources leave the target to a person, as suggestions.
/// - A target already holding the same derived result is left as it is, so pre-fill run
///   twice records nothing new.
pub fn plan(
    entries: &[Entry],
    source: &BTreeMap<String, Current>,
    target: &BTreeMap<String, Current>,
) -> Plan {
    let mut carrying: BTreeMap<&str, Vec<(&Entry, Outcome, &Answer)>> = BTreeMap::new();
    let mut out = Plan::default();
    for e in entries {
        let Some(src) = source.get(&e.from).filter(|s| s.origin.is_confirmed()) else {
            continue;
        };
        let outcome = src.answer.outcome;
        match carried_outcome(e.relationship, outcome).filter(|_| e.strength >= MIN_CARRY_STRENGTH)
        {
            Some(o) => carrying.entry(&e.to).or_default().push((e, o, &src.answer)),
            None => out.suggestions.push(suggest(e, outcome)),
        }
    }
    for (to, mut candidates) in carrying {
        if target.get(to).is_some_and(|t| t.origin != Origin::Derived) {
            continue;
        }
        let first = candidates[0].1;
        if candidates.iter().any(|c| c.1 != first) {
            out.suggestions
                .extend(candidates.iter().map(|c| suggest(c.0, c.2.outcome)));
            continue;
        }
        candidates.sort_by(|a, b| {
            b.0.strength
                .cmp(&a.0.strength)
                .then(a.0.from.cmp(&b.0.from))
        });
        let (entry, outcome, src) = candidates[0];
        let answer = derived_answer(to, outcome, src);
        if target.get(to).is_some_and(|t| {
            t.answer.outcome == answer.outcome && t.answer.justification == answer.justification
        }) {
            continue;
        }
        out.fills.push(Derived {
            answer,
            source_requirement: entry.from.clone(),
            relationship: entry.relationship,
            strength: entry.strength,
        });
    }
    out
}

fn suggest(e: &Entry, outcome: Outcome) -> Suggestion {
    Suggestion {
        to: e.to.clone(),
        from: e.from.clone(),
        outcome,
        relationship: e.relationship,
        strength: e.strength,
    }
}

/// The derived answer: the carried result (with the justification when not applicable),
/// no maturity (scales differ between catalogs), low confidence until a person confirms,
/// the source's evidence, and a rationale naming the source.
fn derived_answer(to: &str, outcome: Outcome, src: &Answer) -> Answer {
    Answer {
        requirement_id: to.to_owned(),
        outcome,
        justification: (outcome == Outcome::NotApplicable)
            .then(|| src.justification.clone())
            .flatten(),
        maturity: None,
        rationale: format!(
            "derived from {} ({}): {}",
            src.requirement_id,
            src.outcome.code(),
            src.rationale
        )
        .chars()
        .take(crate::posture::MAX_TEXT_CHARS)
        .collect(),
        confidence: Confidence::Low,
        evidence: src.evidence.clone(),
    }
}

/// The built-in mapping from the FSA 2020 viewpoints catalog to NIST SP 800-53 rev5
/// control identifiers (as OSCAL writes them, e.g. `ra-3`, `ca-2.1`), in our own words.
/// The identifiers are facts; the relationships, strengths and rationales are our
/// judgement. It applies to any stored edition of SP 800-53 rev5 that has those controls.
pub const BUILTIN_FSA_TO_800_53R5: &str = include_str!("fsa-2020-to-nist-sp-800-53r5.csv");

/// Title of the built-in mapping.
pub const BUILTIN_FSA_TO_800_53R5_TITLE: &str =
    "FSA 2020 viewpoints → NIST SP 800-53 rev5 (Deltawall, built in)";

/// The built-in mapping's entries, with their CSV lines.
pub fn builtin_fsa_to_800_53r5() -> Result<Vec<(usize, Entry)>, CsvError> {
    parse_csv(BUILTIN_FSA_TO_800_53R5)
}

#[cfg(test)]
mod tests;

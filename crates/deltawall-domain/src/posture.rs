//! Posture assessments: the vocabulary of an answer to a catalog requirement, the rules an
//! answer must meet, progress by element (viewpoint), and how a new cycle carries the
//! previous cycle's answers forward, through a catalog migration map when the catalog
//! edition changed.
//!
//! Answers are never edited: each is a new revision, so "the posture as reported on a day"
//! is the latest revision recorded by then. The functions here are pure.

use crate::catalog::Catalog;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a stable code.
            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

codes!(
    /// What kind of assessment.
    AssessmentKind {
        /// The institution's own self-assessment.
        SelfAssessment = "self",
        /// An internal audit (second or third line).
        InternalAudit = "internal_audit",
        /// A threat-led penetration test's assessment.
        Tlpt = "tlpt",
    }
);

codes!(
    /// Where an assessment stands. A draft never leaves its institution.
    AssessmentStatus {
        /// Being answered; visible only inside the institution.
        Draft = "draft",
        /// Submitted: visible to the group's holding company and the supervisor.
        Submitted = "submitted",
    }
);

codes!(
    /// The result of one requirement.
    Outcome {
        /// Met.
        Met = "met",
        /// Partly met.
        Partial = "partial",
        /// Not met.
        NotMet = "not_met",
        /// Does not apply (needs a justification).
        NotApplicable = "not_applicable",
    }
);

codes!(
    /// How sure the answerer is (strength of knowledge).
    Confidence {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
    }
);

codes!(
    /// How a requirement changed between two catalog editions.
    Change {
        /// Unchanged.
        Same = "same",
        /// Reworded without a change of meaning.
        Reworded = "reworded",
        /// Split into several requirements.
        Split = "split",
        /// Merged with others into one.
        Merged = "merged",
        /// Removed.
        Removed = "removed",
        /// New in the later edition.
        Added = "added",
    }
);

/// An answer to one requirement, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The requirement's id in the assessment's catalog.
    pub requirement_id: String,
    /// The result.
    pub outcome: Outcome,
    /// Why it does not apply (required for not applicable).
    pub justification: Option<String>,
    /// The maturity level on the catalog's scale, if rated.
    pub maturity: Option<u8>,
    /// Why this result.
    pub rationale: String,
    /// Strength of knowledge.
    pub confidence: Confidence,
    /// Evidence ids.
    pub evidence: Vec<String>,
}

fn invalid(field: &'static str, code: &'static str, reason: &'static str) -> Invalid {
    Invalid {
        field,
        reason,
        code,
    }
}

/// Longest free text accepted in an answer.
pub const MAX_TEXT_CHARS: usize = 4000;

impl Answer {
    /// Checks the answer against the catalog it answers.
    pub fn check(&self, catalog: &Catalog) -> Result<(), Invalid> {
        if catalog.requirement(&self.requirement_id).is_none() {
            return Err(invalid(
                "requirement_id",
                "err-unknown-requirement",
                "is not a requirement of the catalog",
            ));
        }
        if self.rationale.trim().is_empty() {
            return Err(invalid("rationale", "err-required", "is required"));
        }
        let just = self.justification.as_deref().unwrap_or("").trim();
        if self.outcome == Outcome::NotApplicable && just.is_empty() {
            return Err(invalid(
                "justification",
                "err-justification",
                "is required when the requirement does not apply",
            ));
        }
        let long = |s: &str| s.chars().count() > MAX_TEXT_CHARS;
        if long(&self.rationale) || long(just) {
            return Err(invalid("rationale", "err-too-long", "is too long"));
        }
        if let Some(level) = self.maturity {
            let max = catalog.maturity_scale.iter().map(|m| m.level).max();
            if max.is_none_or(|m| level == 0 || level > m) {
                return Err(invalid(
                    "maturity",
                    "err-maturity",
                    "is not a level of the catalog's scale",
                ));
            }
        }
        if self.evidence.len() > 50 {
            return Err(invalid("evidence", "err-too-long", "lists too many items"));
        }
        Ok(())
    }
}

/// The latest result of one requirement, as far as progress needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    /// Requirement id.
    pub requirement_id: String,
    /// Result.
    pub outcome: Outcome,
    /// Maturity level.
    pub maturity: Option<u8>,
    /// Whether it was carried from the previous cycle and not yet reviewed.
    pub carried: bool,
}

/// Progress of one element (a section holding requirements).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementProgress {
    /// Section id.
    pub section_id: String,
    /// Requirements in the section.
    pub total: usize,
    /// Answered in this cycle (carried answers not yet reviewed do not count).
    pub answered: usize,
    /// Carried and awaiting review.
    pub carried: usize,
    /// Met.
    pub met: usize,
    /// Partly met.
    pub partial: usize,
    /// Not met.
    pub not_met: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Mean maturity of rated requirements, in hundredths (e.g. 150 = 1.5).
    pub maturity_x100: Option<u32>,
}

/// Progress by element, in catalog order; only sections with requirements appear.
pub fn progress(catalog: &Catalog, latest: &[Latest]) -> Vec<ElementProgress> {
    let by_id: BTreeMap<&str, &Latest> = latest
        .iter()
        .map(|l| (l.requirement_id.as_str(), l))
        .collect();
    catalog
        .sections
        .iter()
        .filter(|s| !s.requirements.is_empty())
        .map(|s| {
            let mut p = ElementProgress {
                section_id: s.id.clone(),
                total: s.requirements.len(),
                answered: 0,
                carried: 0,
                met: 0,
                partial: 0,
                not_met: 0,
                not_applicable: 0,
                maturity_x100: None,
            };
            let mut levels = Vec::new();
            for r in &s.requirements {
                let Some(l) = by_id.get(r.id.as_str()) else {
                    continue;
                };
                if l.carried {
                    p.carried += 1;
                    continue;
                }
                p.answered += 1;
                match l.outcome {
                    Outcome::Met => p.met += 1,
                    Outcome::Partial => p.partial += 1,
                    Outcome::NotMet => p.not_met += 1,
                    Outcome::NotApplicable => p.not_applicable += 1,
                }
                levels.extend(l.maturity.map(u32::from));
            }
            if !levels.is_empty() {
                let n = u32::try_from(levels.len()).unwrap_or(u32::MAX);
                p.maturity_x100 = Some(levels.iter().sum::<u32>() * 100 / n);
            }
            p
        })
        .collect()
}

/// One line of a catalog migration map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapLine {
    /// Requirement in the earlier edition (none when added).
    pub from: Option<String>,
    /// Requirement in the later edition (none when removed).
    pub to: Option<String>,
    /// How it changed.
    pub change: Change,
}

/// Which earlier requirement's answer each requirement of the new cycle starts from:
/// `(new requirement, earlier requirement)`. Without a map (same edition) every answer
/// carries to itself. With a map, same, reworded and split carry; merged carries only when
/// exactly one source was answered (otherwise a person must decide); removed and added
/// carry nothing.
pub fn carry_plan(answered: &[String], map: Option<&[MapLine]>) -> Vec<(String, String)> {
    let Some(map) = map else {
        return answered.iter().map(|r| (r.clone(), r.clone())).collect();
    };
    let mut merged: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut plan = Vec::new();
    for line in map {
        let (Some(from), Some(to)) = (&line.from, &line.to) else {
            continue;
        };
        if !answered.contains(from) {
            continue;
        }
        match line.change {
            Change::Same | Change::Reworded | Change::Split => {
                plan.push((to.clone(), from.clone()));
            }
            Change::Merged => merged.entry(to).or_default().push(from),
            Change::Removed | Change::Added => {}
        }
    }
    for (to, froms) in merged {
        if let [only] = froms.as_slice() {
            plan.push((to.to_owned(), (*only).to_owned()));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::builtin::fsa_2020_viewpoints;

    fn answer(outcome: Outcome, justification: Option<&str>) -> Answer {
        Answer {
            requirement_id: "FSA-BE1-01".into(),
            outcome,
            justification: justification.map(str::to_owned),
            maturity: Some(2),
            rationale: "board minutes".into(),
            confidence: Confidence::High,
            evidence: vec![],
        }
    }

    #[test]
    fn not_applicable_needs_a_justification() {
        let c = fsa_2020_viewpoints().unwrap();
        let cases = [
            (answer(Outcome::Met, None), None),
            (
                answer(Outcome::NotApplicable, None),
                Some("err-justification"),
            ),
            (
                answer(Outcome::NotApplicable, Some("  ")),
                Some("err-justification"),
            ),
            (answer(Outcome::NotApplicable, Some("no cloud")), None),
            (
                Answer {
                    maturity: Some(9),
                    ..answer(Outcome::Met, None)
                },
                Some("err-maturity"),
            ),
            (
                Answer {
                    requirement_id: "nope".into(),
                    ..answer(Outcome::Met, None)
                },
                Some("err-unknown-requirement"),
            ),
            (
                Answer {
                    rationale: " ".into(),
                    ..answer(Outcome::Met, None)
                },
                Some("err-required"),
            ),
        ];
        for (a, expected) in cases {
            assert_eq!(a.check(&c).err().map(|e| e.code), expected, "{a:?}");
        }
    }

    #[test]
    fn progress_counts_by_element_and_skips_carried() {
        let c = fsa_2020_viewpoints().unwrap();
        let latest = [
            Latest {
                requirement_id: "FSA-BE1-01".into(),
                outcome: Outcome::Met,
                maturity: Some(3),
                carried: false,
            },
            Latest {
                requirement_id: "FSA-BE1-02".into(),
                outcome: Outcome::Partial,
                maturity: Some(2),
                carried: false,
            },
            Latest {
                requirement_id: "FSA-BE1-03".into(),
                outcome: Outcome::NotMet,
                maturity: None,
                carried: true,
            },
        ];
        let p = progress(&c, &latest);
        let be1 = p.iter().find(|e| e.section_id == "FSA-BE1").unwrap();
        assert_eq!(
            (be1.answered, be1.carried, be1.met, be1.partial),
            (2, 1, 1, 1)
        );
        assert_eq!(be1.maturity_x100, Some(250));
        assert_eq!(p.len(), 12, "one line per viewpoint");
        assert_eq!(p.iter().map(|e| e.total).sum::<usize>(), 71);
    }

    #[test]
    fn carry_plan_follows_the_map() {
        let answered = vec!["a".to_owned(), "b".into(), "c".into(), "d".into()];
        let line = |from: Option<&str>, to: Option<&str>, change| MapLine {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            change,
        };
        let map = [
            line(Some("a"), Some("a2"), Change::Reworded),
            line(Some("b"), Some("b1"), Change::Split),
            line(Some("b"), Some("b2"), Change::Split),
            line(Some("c"), Some("m"), Change::Merged),
            line(Some("d"), Some("m"), Change::Merged),
            line(Some("x"), Some("y"), Change::Same),
            line(Some("d"), None, Change::Removed),
            line(None, Some("new"), Change::Added),
        ];
        let plan = carry_plan(&answered, Some(&map));
        assert_eq!(
            plan,
            [
                ("a2".to_owned(), "a".to_owned()),
                ("b1".into(), "b".into()),
                ("b2".into(), "b".into()),
            ],
            "a merge of two answered sources is left to a person"
        );
        assert_eq!(carry_plan(&answered[..1], None), [("a".into(), "a".into())]);
    }

    #[test]
    fn codes_round_trip() {
        for k in AssessmentKind::ALL {
            assert_eq!(AssessmentKind::from_code(k.code()), Some(*k));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Some(*o));
        }
        assert_eq!(Change::from_code("split"), Some(Change::Split));
        assert_eq!(Outcome::from_code("yes"), None);
    }
}

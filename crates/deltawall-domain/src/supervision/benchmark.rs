//! Peer benchmarks: how a cohort of institutions answered each requirement, shown only
//! when the cohort is large enough that no single institution's answer can be read off.
//!
//! A cohort is a business type and a size band. A distribution is revealed only when at
//! least `k` distinct institutions answered (k-anonymity, [`K`], default 5). It holds
//! counts only, never an institution's identifier, and each institution is shown its own
//! position against its cohort, never another's answers. This is the CSSA practice of
//! returning each institution its position among its peers (還元).

use crate::org::BusinessType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default k: distributions of fewer than 5 institutions are withheld.
pub const DEFAULT_K: u32 = 5;

/// The smallest k allowed.
///
/// With k = 1 a distribution would be one institution's answer. Even at k = 2 an
/// institution can subtract its own answer and learn the other's, so keep the default of
/// 5 unless a cohort is known to be small and the loss is accepted.
pub const MIN_K: u32 = 2;

/// The floor of k for everyone below the national supervisor (a local finance bureau).
///
/// k is one sector-wide setting; a bureau lowering it would weaken the anonymity of every
/// institution in the country, so only the national supervisor may go below the default.
pub const REGIONAL_FLOOR: u32 = DEFAULT_K;

/// A k below the floor of the one setting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("k: must be at least {floor}, got {k}")]
pub struct BelowFloor {
    /// The k asked for.
    pub k: u32,
    /// The least k this setter may choose.
    pub floor: u32,
}

/// The anonymity threshold: the least number of distinct institutions a distribution may
/// be computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct K(u32);

/// A k below [`MIN_K`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("k: must be at least 2, got {0}")]
pub struct KTooSmall(pub u32);

impl K {
    /// A threshold of `k`, refused below [`MIN_K`].
    pub fn new(k: u32) -> Result<K, KTooSmall> {
        if k < MIN_K {
            Err(KTooSmall(k))
        } else {
            Ok(K(k))
        }
    }

    /// The least k a setter may choose: [`MIN_K`] for the national supervisor,
    /// [`REGIONAL_FLOOR`] for anyone below it.
    pub fn floor(national: bool) -> u32 {
        if national { MIN_K } else { REGIONAL_FLOOR }
    }

    /// A threshold of `k` chosen by a supervisor, refused below its [`K::floor`].
    pub fn set_by(k: u32, national: bool) -> Result<K, BelowFloor> {
        let floor = K::floor(national);
        if k < floor {
            Err(BelowFloor { k, floor })
        } else {
            Ok(K(k))
        }
    }

    /// The threshold.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for K {
    fn default() -> K {
        K(DEFAULT_K)
    }
}

impl TryFrom<u32> for K {
    type Error = KTooSmall;
    fn try_from(k: u32) -> Result<K, KTooSmall> {
        K::new(k)
    }
}

impl From<K> for u32 {
    fn from(k: K) -> u32 {
        k.0
    }
}

/// The result of one requirement for one institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not met.
    NotMet,
    /// Partly met.
    Partial,
    /// Met.
    Met,
}

/// A group of comparable institutions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cohort {
    /// Business type.
    pub business_type: BusinessType,
    /// Size band (`small`, `medium`, `large`), if the institution has one.
    pub size_band: Option<String>,
}

/// One institution's result for one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgOutcome {
    /// The institution.
    pub org_id: String,
    /// Its result.
    pub outcome: Outcome,
}

/// How a cohort answered one requirement: counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// Distinct institutions counted (at least k).
    pub institutions: u32,
    /// How many did not meet it.
    pub not_met: u32,
    /// How many partly met it.
    pub partial: u32,
    /// How many met it.
    pub met: u32,
}

impl Distribution {
    /// The count for one outcome.
    pub fn count(&self, outcome: Outcome) -> u32 {
        match outcome {
            Outcome::NotMet => self.not_met,
            Outcome::Partial => self.partial,
            Outcome::Met => self.met,
        }
    }
}

/// The distribution of one requirement's results in one cohort, or `None` when fewer than
/// `k` distinct institutions answered. An institution listed twice counts once, with its
/// lower outcome.
pub fn cohort_distribution(results: &[OrgOutcome], k: K) -> Option<Distribution> {
    let mut per_org: BTreeMap<&str, Outcome> = BTreeMap::new();
    for r in results {
        let slot = per_org.entry(r.org_id.as_str()).or_insert(r.outcome);
        *slot = (*slot).min(r.outcome);
    }
    let institutions = u32::try_from(per_org.len()).unwrap_or(u32::MAX);
    if institutions < k.get() {
        return None;
    }
    let mut d = Distribution {
        institutions,
        ..Distribution::default()
    };
    for outcome in per_org.values() {
        match outcome {
            Outcome::NotMet => d.not_met += 1,
            Outcome::Partial => d.partial += 1,
            Outcome::Met => d.met += 1,
        }
    }
    Some(d)
}

/// An institution's position in its cohort's distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Institutions with a lower outcome.
    pub below: u32,
    /// Institutions with the same outcome, the institution itself included.
    pub same: u32,
    /// Institutions with a higher outcome.
    pub above: u32,
}

/// Where an institution with outcome `own` stands in `distribution`; `None` when no
/// institution of the distribution has that outcome (so `own` cannot be part of it).
pub fn position_of(own: Outcome, distribution: &Distribution) -> Option<Position> {
    let same = distribution.count(own);
    if same == 0 {
        return None;
    }
    let all = [Outcome::NotMet, Outcome::Partial, Outcome::Met];
    let sum = |keep: &dyn Fn(Outcome) -> bool| -> u32 {
        all.iter()
            .filter(|o| keep(**o))
            .map(|o| distribution.count(*o))
            .sum()
    };
    Some(Position {
        below: sum(&|o| o < own),
        same,
        above: sum(&|o| o > own),
    })
}

/// One institution's result for one requirement, with its cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultFact {
    /// The institution.
    pub org_id: String,
    /// Its cohort.
    pub cohort: Cohort,
    /// The requirement.
    pub requirement_id: String,
    /// Its result.
    pub outcome: Outcome,
}

/// The distribution of one requirement in one cohort, if revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortBenchmark {
    /// The cohort.
    pub cohort: Cohort,
    /// The requirement.
    pub requirement_id: String,
    /// `None` when the cohort has fewer than k institutions for it.
    pub distribution: Option<Distribution>,
}

type Groups<'a> = BTreeMap<(&'a Cohort, &'a str), Vec<OrgOutcome>>;

fn group(facts: &[ResultFact]) -> Groups<'_> {
    let mut groups: Groups<'_> = BTreeMap::new();
    for f in facts {
        groups
            .entry((&f.cohort, f.requirement_id.as_str()))
            .or_default()
            .push(OrgOutcome {
                org_id: f.org_id.clone(),
                outcome: f.outcome,
            });
    }
    groups
}

/// Every cohort's distribution for every requirement, withheld where fewer than `k`
/// institutions answered; ordered by cohort, then requirement.
pub fn benchmarks(facts: &[ResultFact], k: K) -> Vec<CohortBenchmark> {
    group(facts)
        .into_iter()
        .map(|((cohort, req), results)| CohortBenchmark {
            cohort: cohort.clone(),
            requirement_id: req.to_owned(),
            distribution: cohort_distribution(&results, k),
        })
        .collect()
}

/// What one institution is shown for one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnPosition {
    /// The requirement.
    pub requirement_id: String,
    /// The institution's own result.
    pub own: Outcome,
    /// Its cohort's distribution, if revealed.
    pub distribution: Option<Distribution>,
    /// Its position in that distribution, if revealed.
    pub position: Option<Position>,
}

/// What institution `org_id` may see: for each requirement it answered, its own result
/// and its position in its cohort (withheld where the cohort has fewer than `k`
/// institutions). Nothing identifies another institution.
pub fn own_positions(facts: &[ResultFact], org_id: &str, k: K) -> Vec<OwnPosition> {
    let groups = group(facts);
    let mut out: BTreeMap<&str, OwnPosition> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.org_id == org_id) {
        let results = &groups[&(&f.cohort, f.requirement_id.as_str())];
        // The own result as the distribution counted it (the lowest, if given twice).
        let own = results
            .iter()
            .filter(|r| r.org_id == org_id)
            .map(|r| r.outcome)
            .min()
            .unwrap_or(f.outcome);
        let distribution = cohort_distribution(results, k);
        let position = distribution.as_ref().and_then(|d| position_of(own, d));
        out.insert(
            f.requirement_id.as_str(),
            OwnPosition {
                requirement_id: f.requirement_id.clone(),
                own,
                distribution,
                position,
            },
        );
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests;

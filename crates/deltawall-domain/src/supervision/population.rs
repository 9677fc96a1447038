//! Populations: which institutions a request or an alert goes to.
//!
//! A [`Selector`] has a filter and two explicit lists. The result is
//!
//! ```text
//! (institutions matching the filter ∪ include) ∖ exclude
//! ```
//!
//! The filter is a conjunction of criteria; within one criterion any listed value matches
//! (business type ∈ list AND region ∈ list AND, for each attribute predicate, value ∈ list).
//! An empty list places no constraint. A selector without a filter selects only its
//! `include` list: selecting the whole sector needs an explicit empty filter, never an
//! omission. [`resolve`] also refuses a selector that matches nothing or names unknown
//! institutions, so the supervisor sees the problem before anything is sent.
//!
//! Callers pass only the institutions within the sender's reach (its `OrgScope`: the
//! whole sector for the FSA, one region for a local finance bureau), so a selector can
//! never reach beyond it and an id outside it is "unknown".

use crate::org::{AttributeKind, BusinessType, Region};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the population logic needs to know about one institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgFacts {
    /// The institution's id.
    pub id: String,
    /// Its business type (業態).
    pub business_type: BusinessType,
    /// The region of its local finance bureau.
    pub region: Region,
    /// Its attributes in force today (e.g. size band).
    #[serde(default)]
    pub attributes: BTreeMap<AttributeKind, String>,
}

/// One attribute criterion: the attribute has one of `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributePredicate {
    /// The attribute.
    pub kind: AttributeKind,
    /// Accepted values (from [`AttributeKind::allowed_values`]).
    pub values: Vec<String>,
}

/// The criteria of a filter; all must hold, and an empty list places no constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Business types, any of which matches.
    #[serde(default)]
    pub business_types: Vec<BusinessType>,
    /// Regions, any of which matches.
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Attribute predicates, every one of which must hold.
    #[serde(default)]
    pub attributes: Vec<AttributePredicate>,
}

/// Chooses a population of institutions; see the module documentation for the semantics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selector {
    /// Institutions matching these criteria are selected; `None` selects none by filter.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// Institutions added by id.
    #[serde(default)]
    pub include: Vec<String>,
    /// Institutions removed by id, after everything else.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Why a selector cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// Nothing matches: the request or alert would reach nobody.
    #[error("the population matches no institution")]
    Empty,
    /// An explicit list names an institution that does not exist.
    #[error("{field}: unknown institution {id}")]
    UnknownOrg {
        /// `include` or `exclude`.
        field: &'static str,
        /// The id as given.
        id: String,
    },
    /// An attribute predicate names a value the attribute cannot take.
    #[error("filter.attributes: {kind} cannot be {value:?}")]
    BadAttributeValue {
        /// The attribute.
        kind: AttributeKind,
        /// The value given.
        value: String,
    },
    /// An attribute predicate lists no value, so it could never hold.
    #[error("filter.attributes: {kind} lists no value")]
    EmptyPredicate {
        /// The attribute.
        kind: AttributeKind,
    },
}

impl Filter {
    /// Whether an institution meets every criterion.
    pub fn matches(&self, org: &OrgFacts) -> bool {
        fn any_of<T: PartialEq>(list: &[T], v: T) -> bool {
            list.is_empty() || list.contains(&v)
        }
        any_of(&self.business_types, org.business_type)
            && any_of(&self.regions, org.region)
            && self.attributes.iter().all(|p| {
                org.attributes
                    .get(&p.kind)
                    .is_some_and(|v| p.values.iter().any(|w| w == v))
            })
    }

    fn check(&self) -> Result<(), SelectError> {
        for p in &self.attributes {
            if p.values.is_empty() {
                return Err(SelectError::EmptyPredicate { kind: p.kind });
            }
            if let Some(v) = p
                .values
                .iter()
                .find(|v| !p.kind.allowed_values().contains(&v.as_str()))
            {
                return Err(SelectError::BadAttributeValue {
                    kind: p.kind,
                    value: v.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The ids of the institutions a selector selects, sorted and without duplicates.
///
/// Ids in `include` that are not among `orgs` are ignored here; [`resolve`] refuses them.
pub fn select(selector: &Selector, orgs: &[OrgFacts]) -> Vec<String> {
    let known: BTreeSet<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    let by_filter = orgs
        .iter()
        .filter(|o| selector.filter.as_ref().is_some_and(|f| f.matches(o)))
        .map(|o| o.id.as_str());
    let included = selector
        .include
        .iter()
        .map(String::as_str)
        .filter(|id| known.contains(id));
    let chosen: BTreeSet<&str> = by_filter.chain(included).collect();
    chosen
        .into_iter()
        .filter(|id| !selector.exclude.iter().any(|x| x == id))
        .map(str::to_owned)
        .collect()
}

/// Like [`select`], but refuses a selector that names unknown institutions or attribute
/// values, or that selects nobody. The service calls this before sending and shows the
/// error (or the resolved list for confirmation).
pub fn resolve(selector: &Selector, orgs: &[OrgFacts]) -> Result<Vec<String>, SelectError> {
    if let Some(f) = &selector.filter {
        f.check()?;
    }
    let known: BTreeSet<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    for (field, list) in [
        ("include", &selector.include),
        ("exclude", &selector.exclude),
    ] {
        if let Some(id) = list.iter().find(|id| !known.contains(id.as_str())) {
            return Err(SelectError::UnknownOrg {
                field,
                id: id.clone(),
            });
        }
    }
    let ids = select(selector, orgs);
    if ids.is_empty() {
        return Err(SelectError::Empty);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org(id: &str, bt: BusinessType, region: Region, size: Option<&str>) -> OrgFacts {
        let attributes = size
            .map(|s| (AttributeKind::SizeBand, s.to_owned()))
            .into_iter()
            .collect();
        OrgFacts {
            id: id.into(),
            business_type: bt,
            region,
            attributes,
        }
    }

    fn sector() -> Vec<OrgFacts> {
        use BusinessType::*;
        use Region::*;
        vec![
            org("a", RegionalBank, Kanto, Some("large")),
            org("b", ShinkinBank, Kanto, Some("small")),
            org("c", ShinkinBank, Kinki, Some("medium")),
            org("d", CreditCooperative, Kinki, None),
            org("e", MajorBank, Kanto, Some("large")),
        ]
    }

    #[track_caller]
    fn check(selector: Selector, expected: Result<&[&str], SelectError>) {
        let got = resolve(&selector, &sector());
        let expected = expected.map(|ids| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, expected);
    }

    fn filter(f: Filter) -> Selector {
        Selector {
            filter: Some(f),
            ..Selector::default()
        }
    }

    #[test]
    fn criteria_are_anded_and_values_ored() {
        use BusinessType::*;
        check(
            filter(Filter {
                business_types: vec![ShinkinBank, CreditCooperative],
                ..Filter::default()
            }),
            Ok(&["b", "c", "d"]),
        );
        check(
            filter(Filter {
                business_types: vec![ShinkinBank, CreditCooperative],
                regions: vec![Region::Kinki],
                ..Filter::default()
            }),
            Ok(&["c", "d"]),
        );
        check(
            filter(Filter {
                attributes: vec![AttributePredicate {
                    kind: AttributeKind::SizeBand,
                    values: vec!["large".into(), "medium".into()],
                }],
                ..Filter::default()
            }),
            Ok(&["a", "c", "e"]),
        );
    }

    #[test]
    fn whole_sector_needs_an_explicit_empty_filter() {
        check(Selector::default(), Err(SelectError::Empty));
        check(filter(Filter::default()), Ok(&["a", "b", "c", "d", "e"]));
    }

    #[test]
    fn include_and_exclude() {
        let s = Selector {
            filter: Some(Filter {
                regions: vec![Region::Kinki],
                ..Filter::default()
            }),
            include: vec!["a".into(), "c".into()],
            exclude: vec!["d".into()],
        };
        check(s, Ok(&["a", "c"]));
        let only_list = Selector {
            include: vec!["e".into(), "b".into(), "e".into()],
            ..Selector::default()
        };
        check(only_list, Ok(&["b", "e"]));
    }

    #[test]
    fn refusals_name_their_cause() {
        check(
            filter(Filter {
                business_types: vec![BusinessType::CryptoExchange],
                ..Filter::default()
            }),
            Err(SelectError::Empty),
        );
        check(
            Selector {
                include: vec!["zz".into()],
                ..Selector::default()
            },
            Err(SelectError::UnknownOrg {
                field: "include",
                id: "zz".into(),
            }),
        );
        check(
            Selector {
                filter: Some(Filter::default()),
                exclude: vec!["nope".into()],
                ..Selector::default()
            },
            Err(SelectError::UnknownOrg {
                field: "exclude",
                id: "nope".into(),
            }),
        );
        let bad = |values: Vec<String>| {
            filter(Filter {
                attributes: vec![AttributePredicate {
                    kind: AttributeKind::SystemicImportance,
                    values,
                }],
                ..Filter::default()
            })
        };
        check(
            bad(vec!["huge".into()]),
            Err(SelectError::BadAttributeValue {
                kind: AttributeKind::SystemicImportance,
                value: "huge".into(),
            }),
        );
        check(
            bad(vec![]),
            Err(SelectError::EmptyPredicate {
                kind: AttributeKind::SystemicImportance,
            }),
        );
        let everyone_excluded = Selector {
            include: vec!["a".into()],
            exclude: vec!["a".into()],
            ..Selector::default()
        };
        check(everyone_excluded, Err(SelectError::Empty));
    }

    fn any_org() -> impl Strategy<Value = OrgFacts> {
        (
            "[a-f]{1,2}",
            0..BusinessType::ALL.len(),
            0..Region::ALL.len(),
            proptest::option::of(0usize..3),
        )
            .prop_map(|(id, bt, r, size)| OrgFacts {
                id,
                business_type: BusinessType::ALL[bt],
                region: Region::ALL[r],
                attributes: size
                    .map(|s| {
                        (
                            AttributeKind::SizeBand,
                            ["small", "medium", "large"][s].to_owned(),
                        )
                    })
                    .into_iter()
                    .collect(),
            })
    }

    proptest! {
        /// The result is exactly the documented set expression, sorted, whatever the order
        /// of the institutions.
        #[test]
        fn select_is_the_documented_set(
            orgs in proptest::collection::vec(any_org(), 0..12),
            bts in proptest::collection::vec(0..BusinessType::ALL.len(), 0..3),
            use_filter in any::<bool>(),
            include in proptest::collection::vec("[a-f]{1,2}", 0..3),
            exclude in proptest::collection::vec("[a-f]{1,2}", 0..3),
        ) {
            let f = Filter { business_types: bts.iter().map(|i| BusinessType::ALL[*i]).collect(), ..Filter::default() };
            let s = Selector { filter: use_filter.then_some(f.clone()), include: include.clone(), exclude: exclude.clone() };
            let got = select(&s, &orgs);
            let mut reversed = orgs.clone();
            reversed.reverse();
            prop_assert_eq!(&select(&s, &reversed), &got);
            for o in &orgs {
                // An id shared by two records is selected if either record qualifies.
                let expected = orgs.iter().any(|t| t.id == o.id && ((use_filter && f.matches(t)) || include.contains(&t.id)) && !exclude.contains(&t.id));
                prop_assert_eq!(got.contains(&o.id), expected);
            }
            prop_assert!(got.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(got.iter().all(|id| orgs.iter().any(|o| &o.id == id)));
        }
    }
}

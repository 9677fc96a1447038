//! Group-wide maturity (report §2(1)①イ: the major groups assess the maturity of their key
//! group companies): the maturity of each company by element of a catalog, and the spread
//! of each element across the group, built on [`posture::progress`](crate::posture::progress)
//! so that a company's figures here are the ones its own posture page shows.
//!
//! The catalog carries what each maturity level means per requirement
//! (`Guidance::maturity`); answers carry the level reached. Levels are averaged in
//! hundredths, as posture progress does; carried answers not yet reviewed do not count.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::posture::{Latest, progress};

/// One company's maturity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanyMaturity {
    /// The company (organisation id).
    pub company_id: String,
    /// Mean maturity per element, in catalog order (`None`: nothing rated).
    pub by_element: Vec<(String, Option<u32>)>,
    /// Mean over every rated requirement of the catalog, in hundredths.
    pub overall_x100: Option<u32>,
    /// Elements whose mean is below the target.
    pub below_target: Vec<String>,
}

/// One element across the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementSpread {
    /// The element (section id).
    pub section_id: String,
    /// The lowest company mean, in hundredths.
    pub min_x100: Option<u32>,
    /// The mean of the company means.
    pub mean_x100: Option<u32>,
    /// The companies at the lowest mean.
    pub weakest: Vec<String>,
    /// Companies with nothing rated in the element.
    pub unrated: usize,
}

/// The group's maturity report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMaturity {
    /// By company, in the order given.
    pub companies: Vec<CompanyMaturity>,
    /// By element, in catalog order.
    pub elements: Vec<ElementSpread>,
}

fn mean_x100(levels: &[u32], scale: u32) -> Option<u32> {
    let n = u32::try_from(levels.len()).ok().filter(|n| *n > 0)?;
    Some(levels.iter().sum::<u32>() * scale / n)
}

/// The maturity of each company (its latest answers) by element, and each element's
/// spread across the group. `target` is a level (e.g. 3) that elements are measured against.
pub fn group_maturity(
    catalog: &Catalog,
    companies: &[(String, Vec<Latest>)],
    target: Option<u8>,
) -> GroupMaturity {
    let target_x100 = target.map(|t| u32::from(t) * 100);
    let mut per_element: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    let mut rows = Vec::new();
    for (company, latest) in companies {
        let elements = progress(catalog, latest);
        let levels: Vec<u32> = latest
            .iter()
            .filter(|l| !l.carried)
            .filter_map(|l| l.maturity)
            .map(u32::from)
            .collect();
        let by_element: Vec<(String, Option<u32>)> = elements
            .iter()
            .map(|e| (e.section_id.clone(), e.maturity_x100))
            .collect();
        for (section, m) in &by_element {
            if let Some(m) = m {
                per_element
                    .entry(section.clone())
                    .or_default()
                    .push((company.clone(), *m));
            }
        }
        let below_target = match target_x100 {
            Some(t) => by_element
                .iter()
                .filter(|(_, m)| m.is_none_or(|m| m < t))
                .map(|(s, _)| s.clone())
                .collect(),
            None => Vec::new(),
        };
        rows.push(CompanyMaturity {
            company_id: company.clone(),
            by_element,
            overall_x100: mean_x100(&levels, 100),
            below_target,
        });
    }
    let elements = progress(catalog, &[])
        .into_iter()
        .map(|e| {
            let rated = per_element.remove(&e.section_id).unwrap_or_default();
            let min = rated.iter().map(|(_, m)| *m).min();
            let means: Vec<u32> = rated.iter().map(|(_, m)| *m).collect();
            ElementSpread {
                section_id: e.section_id,
                min_x100: min,
                mean_x100: mean_x100(&means, 1),
                weakest: rated
                    .iter()
                    .filter(|(_, m)| Some(*m) == min)
                    .map(|(c, _)| c.clone())
                    .collect(),
                unrated: companies.len() - rated.len(),
            }
        })
        .collect();
    GroupMaturity {
        companies: rows,
        elements,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::catalog::builtin::fsa_2020_viewpoints;
    use crate::posture::Outcome;

    /// Parsed once: the proptest would otherwise spend its time reading YAML.
    static CATALOG: std::sync::LazyLock<Catalog> =
        std::sync::LazyLock::new(|| fsa_2020_viewpoints().expect("built-in catalog"));

    fn latest(req: &str, maturity: Option<u8>, carried: bool) -> Latest {
        Latest {
            requirement_id: req.to_owned(),
            outcome: Outcome::Partial,
            maturity,
            carried,
        }
    }

    #[test]
    fn companies_are_reported_by_element_and_the_weakest_named() {
        let catalog = fsa_2020_viewpoints().expect("built-in catalog");
        let section = catalog
            .sections
            .iter()
            .find(|s| s.requirements.len() >= 2)
            .expect("a section");
        let (r1, r2) = (&section.requirements[0].id, &section.requirements[1].id);
        let companies = vec![
            (
                "bank".to_owned(),
                vec![latest(r1, Some(3), false), latest(r2, Some(2), false)],
            ),
            (
                "card".to_owned(),
                vec![latest(r1, Some(1), false), latest(r2, Some(4), true)],
            ),
            ("lease".to_owned(), vec![]),
        ];
        let report = group_maturity(&catalog, &companies, Some(2));
        let el = report
            .elements
            .iter()
            .find(|e| e.section_id == section.id)
            .expect("element");
        assert_eq!(
            (el.min_x100, el.mean_x100, el.unrated),
            (Some(100), Some(175), 1)
        );
        assert_eq!(el.weakest, ["card"], "the carried 4 does not count");
        assert_eq!(report.companies[0].overall_x100, Some(250));
        assert!(!report.companies[0].below_target.contains(&section.id));
        assert!(report.companies[1].below_target.contains(&section.id));
        assert!(
            report.companies[2].below_target.contains(&section.id),
            "unrated is below target"
        );
    }

    proptest! {
        /// For every element, the minimum is at most the mean, the weakest companies are at
        /// the minimum, and rated plus unrated companies make the group.
        #[test]
        fn spreads_are_consistent(levels in proptest::collection::vec(proptest::collection::vec(proptest::option::of(1u8..=4), 6), 1..6)) {
            let catalog = &*CATALOG;
            let reqs: Vec<String> = catalog.sections.iter().flat_map(|s| &s.requirements).take(6).map(|r| r.id.clone()).collect();
            let companies: Vec<(String, Vec<Latest>)> = levels
                .iter()
                .enumerate()
                .map(|(i, ls)| (format!("c{i}"), reqs.iter().zip(ls).map(|(r, m)| latest(r, *m, false)).collect()))
                .collect();
            let report = group_maturity(catalog, &companies, None);
            for e in &report.elements {
                prop_assert!(e.min_x100 <= e.mean_x100);
                prop_assert_eq!(e.weakest.is_empty(), e.min_x100.is_none());
                let rated = companies.len() - e.unrated;
                for c in &report.companies {
                    let m = c.by_element.iter().find(|(s, _)| *s == e.section_id).and_then(|(_, m)| *m);
                    if e.weakest.contains(&c.company_id) { prop_assert_eq!(m, e.min_x100); }
                    if let (Some(m), Some(min)) = (m, e.min_x100) { prop_assert!(m >= min); }
                }
                prop_assert!(rated <= companies.len());
            }
        }
    }
}

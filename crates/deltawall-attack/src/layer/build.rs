//! Layers from Deltawall's own data, each taking plain values so that this crate depends on
//! none of the crates that own the data: rule tags, TLPT step outcomes, incident techniques
//! and sector-wide contributions.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Gradient, LAYER_FORMAT, Layer, LayerTechnique, LegendItem, Metadata, NAVIGATOR_VERSION,
    Versions,
};
use crate::bundle::ENTERPRISE;
use crate::model::TechniqueId;

/// What every layer carries besides its techniques.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The layer's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The ATT&CK version of the technique ids, e.g. `18`.
    pub attack_version: String,
}

fn layer(info: &LayerInfo, techniques: Vec<LayerTechnique>) -> Layer {
    Layer {
        name: info.name.clone(),
        versions: Versions {
            attack: Some(info.attack_version.clone()),
            navigator: Some(NAVIGATOR_VERSION.to_owned()),
            layer: LAYER_FORMAT.to_owned(),
        },
        domain: ENTERPRISE.to_owned(),
        description: Some(info.description.clone()),
        techniques,
        gradient: None,
        legend_items: Vec::new(),
        metadata: Vec::new(),
        hide_disabled: None,
    }
}

/// A white-to-`color` gradient from 0 to the highest count (at least 1).
fn count_gradient(max: usize, color: &str) -> Gradient {
    Gradient {
        colors: vec!["#ffffff".to_owned(), color.to_owned()],
        min_value: 0,
        max_value: i64::try_from(max.max(1)).unwrap_or(i64::MAX),
    }
}

/// Counts of distinct sources per technique, scored and commented.
fn counted(
    info: &LayerInfo,
    by_technique: BTreeMap<TechniqueId, BTreeSet<String>>,
    noun: &str,
    list_sources: bool,
    color: &str,
) -> Layer {
    let max = by_technique.values().map(BTreeSet::len).max().unwrap_or(0);
    let techniques = by_technique
        .into_iter()
        .map(|(id, sources)| {
            let mut t = LayerTechnique::new(id);
            t.score = i64::try_from(sources.len()).ok();
            t.comment = Some(format!("{} {noun}", sources.len()));
            if list_sources {
                t.metadata = sources
                    .into_iter()
                    .map(|s| Metadata::pair(noun, s))
                    .collect();
            }
            t
        })
        .collect();
    let mut l = layer(info, techniques);
    l.gradient = Some(count_gradient(max, color));
    l
}

/// Detection coverage: every technique tagged (`attack.tNNNN[.NNN]`) in the given rules,
/// scored by the number of rules that tag it, with the rule ids as metadata. Tags that are
/// not technique tags (tactics, groups, software, CVEs) are ignored.
pub fn detection(info: &LayerInfo, rules: &[(String, Vec<String>)]) -> Layer {
    let mut by_technique: BTreeMap<TechniqueId, BTreeSet<String>> = BTreeMap::new();
    for (rule, tags) in rules {
        for id in tags.iter().filter_map(|t| TechniqueId::from_sigma_tag(t)) {
            by_technique.entry(id).or_default().insert(rule.clone());
        }
    }
    counted(info, by_technique, "rule", true, "#31a354")
}

/// Techniques of an institution's incidents, scored by the number of incidents.
pub fn incidents(info: &LayerInfo, incidents: &[(String, TechniqueId)]) -> Layer {
    let mut by_technique: BTreeMap<TechniqueId, BTreeSet<String>> = BTreeMap::new();
    for (incident, id) in incidents {
        by_technique
            .entry(id.clone())
            .or_default()
            .insert(incident.clone());
    }
    counted(info, by_technique, "incident", true, "#de2d26")
}

/// The sector layer for the supervisor: a technique appears only where at least `k`
/// distinct institutions contribute, scored by their number; institutions are never named.
/// A `k` below 2 is raised to 2, since one institution alone would be identified.
pub fn sector(info: &LayerInfo, contributions: &[(String, TechniqueId)], k: usize) -> Layer {
    let k = k.max(2);
    let mut by_technique: BTreeMap<TechniqueId, BTreeSet<String>> = BTreeMap::new();
    for (institution, id) in contributions {
        by_technique
            .entry(id.clone())
            .or_default()
            .insert(institution.clone());
    }
    by_technique.retain(|_, institutions| institutions.len() >= k);
    let mut l = counted(info, by_technique, "institutions", false, "#e6550d");
    l.metadata = vec![Metadata::pair("k", k.to_string())];
    l
}

/// The outcome of one TLPT step, from the blue team's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Ran, and nobody noticed.
    Undetected,
    /// Ran and raised an alert.
    Alerted,
    /// Was blocked without an alert.
    Prevented,
    /// Was blocked and raised an alert.
    PreventedAndAlerted,
    /// Not run.
    NotRun,
}

impl Outcome {
    const ALL: [Outcome; 5] = [
        Outcome::Undetected,
        Outcome::Alerted,
        Outcome::Prevented,
        Outcome::PreventedAndAlerted,
        Outcome::NotRun,
    ];

    /// The score: how well the defence did (0 undetected … 3 prevented and alerted);
    /// `None` for a step not run.
    pub fn score(self) -> Option<i64> {
        match self {
            Outcome::Undetected => Some(0),
            Outcome::Alerted => Some(1),
            Outcome::Prevented => Some(2),
            Outcome::PreventedAndAlerted => Some(3),
            Outcome::NotRun => None,
        }
    }

    /// The colour of the outcome in the layer and its legend.
    pub fn color(self) -> &'static str {
        match self {
            Outcome::Undetected => "#d7191c",
            Outcome::Alerted => "#fdae61",
            Outcome::Prevented => "#a6d96a",
            Outcome::PreventedAndAlerted => "#1a9641",
            Outcome::NotRun => "#bdbdbd",
        }
    }

    /// The English label of the legend.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Undetected => "undetected",
            Outcome::Alerted => "alerted",
            Outcome::Prevented => "prevented",
            Outcome::PreventedAndAlerted => "prevented and alerted",
            Outcome::NotRun => "not run",
        }
    }
}

/// One step of an engagement's scenario as the layer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// A label such as `S1.3 initial access to internet banking`.
    pub label: String,
    /// The technique.
    pub technique: TechniqueId,
    /// The tactic the step served, when the scenario says.
    pub tactic: Option<String>,
    /// Its outcome.
    pub outcome: Outcome,
}

/// A TLPT engagement: each technique (scoped to the step's tactic where given) coloured by
/// the worst outcome of its steps that ran, with that outcome's score and every step listed
/// in the comment.
pub fn engagement(info: &LayerInfo, steps: &[Step]) -> Layer {
    let mut cells: BTreeMap<(TechniqueId, Option<String>), Vec<&Step>> = BTreeMap::new();
    for s in steps {
        cells
            .entry((s.technique.clone(), s.tactic.clone()))
            .or_default()
            .push(s);
    }
    let techniques = cells
        .into_iter()
        .map(|((id, tactic), steps)| {
            // worst first: undetected < alerted < prevented < both < not run
            let worst = steps
                .iter()
                .map(|s| s.outcome)
                .min()
                .unwrap_or(Outcome::NotRun);
            let mut t = LayerTechnique::new(id);
            t.tactic = tactic;
            t.score = worst.score();
            t.color = Some(worst.color().to_owned());
            let lines: Vec<String> = steps
                .iter()
                .map(|s| format!("{}: {}", s.label, s.outcome.label()))
                .collect();
            t.comment = Some(lines.join("\n"));
            t
        })
        .collect();
    let mut l = layer(info, techniques);
    l.gradient = Some(Gradient {
        colors: vec![
            Outcome::Undetected.color().into(),
            Outcome::PreventedAndAlerted.color().into(),
        ],
        min_value: 0,
        max_value: 3,
    });
    l.legend_items = Outcome::ALL
        .iter()
        .map(|o| LegendItem {
            label: o.label().to_owned(),
            color: o.color().to_owned(),
        })
        .collect();
    l
}

//! Candidate prefilter: most rules require some field to contain one of a few literals
//! (`Image|endswith`, `CommandLine|contains`...). Per field, one Aho-Corasick automaton over
//! those literals finds, in one pass over each value, which rules can possibly match; the
//! others are skipped without walking their trees. Rules without such a literal ("witness")
//! are always evaluated. Skipping only rules whose witness is absent keeps results identical.
//!
//! Of a rule's literals (an AND offers several), the witness is the one expected to occur
//! least often ([`crate::selectivity`]), never one on a field that only routes the event
//! (`Channel`, `EventID`, …): those hold for nearly every event that reaches the rule.

use crate::eval::{EvalCtx, FieldId, Node, Test};
use crate::selectivity::needle_frequency;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::BTreeMap;

/// Alternatives (field, lowercase needle): if the rule matches, one of them occurs.
type Witness = Vec<(FieldId, String)>;

/// Shortest needle worth indexing; shorter ones match almost every value.
const MIN_NEEDLE: usize = 3;

/// The witness of `node`, given which fields only route events.
fn witness(node: &Node, routing: &dyn Fn(FieldId) -> bool) -> Option<Witness> {
    match node {
        Node::Shared(inner) => witness(inner, routing),
        Node::Field(f, Test::Str(_)) if routing(*f) => None,
        Node::Field(f, Test::Str(set)) => {
            let needles = set.needles()?;
            Some(needles.into_iter().map(|n| (*f, n)).collect())
        }
        Node::And(items) => items
            .iter()
            .filter_map(|i| witness(i, routing))
            .filter(|w| shortest(w) >= MIN_NEEDLE)
            .min_by(|a, b| frequency(a).total_cmp(&frequency(b))),
        Node::Or(items) | Node::AtLeast(_, items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(witness(item, routing)?);
            }
            Some(out)
        }
        Node::Const(false) => Some(Vec::new()),
        _ => None,
    }
}

/// The length of the shortest needle (short needles match almost every value).
fn shortest(w: &Witness) -> usize {
    w.iter().map(|(_, n)| n.len()).min().unwrap_or(usize::MAX)
}

/// Estimated share of events in which one of the witness's needles occurs (union bound).
fn frequency(w: &Witness) -> f64 {
    w.iter().map(|(_, n)| needle_frequency(n)).sum()
}

/// One field's automaton and, per needle, the rules it vouches for.
#[derive(Debug)]
pub(crate) struct FieldIndex {
    pub field: FieldId,
    automaton: AhoCorasick,
    rules: Vec<Vec<usize>>,
}

/// The prefilter of an engine.
#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    pub fields: Vec<FieldIndex>,
    /// Whether each rule has a witness (is skipped unless marked).
    pub indexed: Vec<bool>,
}

impl Prefilter {
    /// Indexes the witnesses of `rules`; `routing` tells the fields never to use.
    pub fn new(rules: &[&Node], routing: &dyn Fn(FieldId) -> bool) -> Prefilter {
        let mut by_field: BTreeMap<FieldId, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        let mut indexed = vec![false; rules.len()];
        for (r, node) in rules.iter().enumerate() {
            let Some(w) = witness(node, routing) else {
                continue;
            };
            if shortest(&w) < MIN_NEEDLE {
                continue;
            }
            indexed[r] = true;
            for (f, needle) in w {
                by_field
                    .entry(f)
                    .or_default()
                    .entry(needle)
                    .or_default()
                    .push(r);
            }
        }
        let mut fields = Vec::new();
        for (field, needles) in by_field {
            let (patterns, rules): (Vec<String>, Vec<Vec<usize>>) = needles.into_iter().unzip();
            let built = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&patterns);
            match built {
                Ok(automaton) => fields.push(FieldIndex {
                    field,
                    automaton,
                    rules,
                }),
                // Cannot happen for plain strings; if it did, evaluate those rules always.
                Err(_) => rules.iter().flatten().for_each(|&r| indexed[r] = false),
            }
        }
        Prefilter { fields, indexed }
    }

    /// A prefilter that marks nothing and skips nothing.
    pub fn disabled(rules: usize) -> Prefilter {
        Prefilter {
            fields: Vec::new(),
            indexed: vec![false; rules],
        }
    }

    /// Marks (with `stamp`) the rules whose witness occurs in the event, scanning only the
    /// fields at `field_slots` (those the current route's rules need).
    pub fn mark(
        &self,
        field_slots: &[usize],
        cx: &mut EvalCtx<'_, '_>,
        marks: &mut [u32],
        stamp: u32,
    ) {
        for &slot in field_slots {
            let index = &self.fields[slot];
            let Some(values) = cx.values(index.field) else {
                continue;
            };
            for v in values {
                for m in index.automaton.find_overlapping_iter(v.lower()) {
                    for &r in &index.rules[m.pattern().as_usize()] {
                        marks[r] = stamp;
                    }
                }
            }
        }
    }

    /// Which field indexes matter for a set of rules.
    pub fn slots_for(&self, rules: &[usize]) -> Vec<usize> {
        let mut wanted = vec![false; self.indexed.len()];
        rules.iter().for_each(|&r| wanted[r] = true);
        (0..self.fields.len())
            .filter(|&i| self.fields[i].rules.iter().flatten().any(|&r| wanted[r]))
            .collect()
    }
}

//! Sliding-window state of one correlation group, fed in event-time order.

use super::Text;
use crate::model::{CmpOp, CorrelationType};
use foldhash::fast::RandomState;
use std::collections::{HashMap, VecDeque};

/// One input event in a window.
#[derive(Debug, Clone)]
struct Entry {
    ts: i64,
    /// Which referenced rule (position in `correlation.rules`) produced it.
    pos: usize,
    value: Option<Text>,
    num: Option<f64>,
}

/// What fired: the metric, the window's first event time and its size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fire {
    pub metric: f64,
    pub first_ts: i64,
    pub events: usize,
}

/// The events of one group inside the window `[t - timespan, t]`, with running aggregates
/// so that most metrics are O(1) per event.
#[derive(Debug, Clone, Default)]
pub(crate) struct Window {
    entries: VecDeque<Entry>,
    value_counts: HashMap<Text, u32, RandomState>,
    rule_counts: Vec<u32>,
    sum: f64,
    numbers: u64,
}

/// The fixed parameters of a correlation's windows.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub kind: CorrelationType,
    pub timespan_us: i64,
    pub condition: Vec<(CmpOp, f64)>,
    pub n_rules: usize,
    pub max_entries: usize,
}

impl Window {
    /// Number of inputs held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The larger of the buffers' capacities (to decide whether to keep it for reuse).
    pub fn capacity(&self) -> usize {
        self.entries.capacity().max(self.value_counts.capacity())
    }

    /// Empties the window, keeping its buffers.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.value_counts.clear();
        self.rule_counts.iter_mut().for_each(|c| *c = 0);
        self.sum = 0.0;
        self.numbers = 0;
    }

    /// Adds an event at `ts` (not earlier than any previous one) and reports whether the
    /// condition holds for the window ending at `ts`. Returns also how many entries were
    /// dropped because the window exceeded `max_entries`.
    pub fn observe(
        &mut self,
        spec: &Spec,
        ts: i64,
        pos: usize,
        value: Option<Text>,
    ) -> (Option<Fire>, u64) {
        while self
            .entries
            .front()
            .is_some_and(|e| e.ts < ts.saturating_sub(spec.timespan_us))
        {
            self.pop();
        }
        let mut overflow = 0;
        while self.entries.len() >= spec.max_entries.max(1) {
            self.pop();
            overflow += 1;
        }
        // Only sums and averages read numbers: counting kinds skip the float parse, which
        // was a measurable share of correlating sign-ins (their values are account names).
        let numeric = matches!(
            spec.kind,
            CorrelationType::ValueSum | CorrelationType::ValueAvg
        );
        let num = value
            .as_ref()
            .filter(|_| numeric)
            .and_then(|v| v.as_str().trim().parse::<f64>().ok());
        self.push(
            Entry {
                ts,
                pos,
                value,
                num,
            },
            spec.n_rules,
        );
        let current = self
            .entries
            .back()
            .and_then(|e| e.value.as_ref().map(Text::as_str));
        let fire = self
            .metric(spec, current)
            .filter(|m| spec.condition.iter().all(|(op, x)| op.test(*m, *x)));
        let fire = fire.map(|metric| Fire {
            metric,
            first_ts: self.entries.front().map_or(ts, |e| e.ts),
            events: self.entries.len(),
        });
        (fire, overflow)
    }

    fn push(&mut self, e: Entry, n_rules: usize) {
        if self.rule_counts.len() < n_rules {
            self.rule_counts.resize(n_rules, 0);
        }
        self.rule_counts[e.pos] += 1;
        if let Some(v) = &e.value {
            match self.value_counts.get_mut(v.as_str()) {
                Some(c) => *c += 1,
                None => {
                    self.value_counts.insert(v.clone(), 1);
                }
            }
        }
        if let Some(n) = e.num {
            self.sum += n;
            self.numbers += 1;
        }
        self.entries.push_back(e);
    }

    fn pop(&mut self) {
        let Some(e) = self.entries.pop_front() else {
            return;
        };
        self.rule_counts[e.pos] -= 1;
        if let Some(v) = &e.value
            && let Some(c) = self.value_counts.get_mut(v)
        {
            *c -= 1;
            if *c == 0 {
                self.value_counts.remove(v);
            }
        }
        if e.num.is_some() {
            self.numbers -= 1;
            // Recompute rather than subtract so that float error cannot accumulate.
            self.sum = self.entries.iter().filter_map(|e| e.num).sum();
        }
    }

    fn metric(&self, spec: &Spec, current: Option<&str>) -> Option<f64> {
        Some(match spec.kind {
            CorrelationType::EventCount => self.entries.len() as f64,
            CorrelationType::ValueCount => self.value_counts.len() as f64,
            CorrelationType::Temporal => self.rule_counts.iter().filter(|c| **c > 0).count() as f64,
            CorrelationType::TemporalOrdered => self.ordered_prefix() as f64,
            CorrelationType::ValueSum => {
                (self.numbers > 0).then_some(())?;
                self.sum
            }
            CorrelationType::ValueAvg => {
                (self.numbers > 0).then_some(())?;
                self.sum / self.numbers as f64
            }
            CorrelationType::ValuePercentile => {
                let with_value: u32 = self.value_counts.values().sum();
                let same = *self.value_counts.get(current?)?;
                f64::from(same) * 100.0 / f64::from(with_value)
            }
        })
    }

    /// How many referenced rules, in the listed order, occur as a subsequence of the window.
    fn ordered_prefix(&self) -> usize {
        let mut next = 0;
        for e in &self.entries {
            if e.pos == next {
                next += 1;
                if next == self.rule_counts.len() {
                    break;
                }
            }
        }
        next
    }
}

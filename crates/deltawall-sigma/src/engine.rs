//! [`Engine`]: compiles a [`RuleSet`] and evaluates events, single-event rules and
//! correlations, pushing [`Alert`]s to an [`AlertSink`].

use crate::alert::{Alert, AlertKind, AlertSink};
use crate::compile::{Fields, Placeholders};
use crate::correlation::{self, Compiled, Fired, GroupSrc, Input, Key, Text};
use crate::error::RuleError;
use crate::eval::{EvalCtx, FieldCache, Node};
use crate::mapping::FieldMapping;
use crate::model::{CorrelationType, LogSource, Meta};
use crate::prefilter::Prefilter;
use crate::ruleset::RuleSet;
use build::Builder;
use deltawall_event::Event;

mod build;
mod partition;
mod share;

pub use partition::{Partition, Partitioner};
use std::collections::HashMap;
use std::sync::Arc;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Most correlation groups (correlation × group-by values) kept at once. When a new
    /// group needs room, the group whose window expires first is evicted and counted in
    /// [`EngineStats::evicted_keys`], so rotating source addresses cannot exhaust memory.
    pub max_correlation_keys: usize,
    /// How far (µs) an event may arrive behind the newest event time seen and still count
    /// for correlations. Later events are dropped from correlations and counted as late.
    pub allowed_lateness_us: i64,
    /// Most events kept in one group's window; the oldest are dropped beyond it (counted).
    pub max_window_events: usize,
    /// Most events kept in all correlation windows together. Beyond it, whole groups are
    /// evicted, those whose window expires first (counted in
    /// [`EngineStats::evicted_keys`]); with `max_correlation_keys` this bounds memory.
    pub max_correlation_events: usize,
    /// Rule field names to event paths, per log source.
    pub field_mapping: FieldMapping,
    /// Values of `%placeholders%` for the `expand` modifier.
    pub placeholders: Placeholders,
    /// Skip rules whose required literals do not occur in the event (same results, faster);
    /// off only to cross-check or debug.
    pub prefilter: bool,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_correlation_keys: 100_000,
            allowed_lateness_us: 0,
            max_window_events: 100_000,
            max_correlation_events: 1_000_000,
            field_mapping: FieldMapping::new(),
            placeholders: Placeholders::new(),
            prefilter: true,
        }
    }
}

/// Every rule, correlation or filter that could not be compiled.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} rule document(s) rejected, first: {}", .errors.len(), .errors.first().map(ToString::to_string).unwrap_or_default())]
pub struct EngineError {
    /// The reasons, one per rejected document.
    pub errors: Vec<RuleError>,
}

/// Counters since the engine was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EngineStats {
    /// Events processed.
    pub events: u64,
    /// Single-rule matches (reported or feeding correlations).
    pub matches: u64,
    /// Alerts pushed to sinks.
    pub alerts: u64,
    /// Correlation inputs dropped because they arrived later than the allowed lateness.
    pub late_events: u64,
    /// Correlation groups evicted to respect `max_correlation_keys`.
    pub evicted_keys: u64,
    /// Correlation groups dropped because their window ended.
    pub expired_keys: u64,
    /// Window entries dropped to respect `max_window_events`.
    pub window_overflow: u64,
    /// Correlation groups currently held.
    pub active_keys: u64,
    /// Correlation inputs currently held in windows.
    pub held_events: u64,
}

/// The rules that apply to a combination of log sources, and the prefilter fields they use.
struct Route {
    rules: Vec<usize>,
    slots: Vec<usize>,
}

struct CompiledRule {
    meta: Meta,
    logsource: LogSource,
    node: Node,
    emit: bool,
    feeds: Vec<(usize, usize)>,
}

/// Compiled rules plus correlation state. Not thread-safe by design: use one engine per
/// input stream (or per worker) and merge alerts.
pub struct Engine {
    rules: Vec<CompiledRule>,
    prefilter: Prefilter,
    field_cache: FieldCache,
    /// Per rule, the stamp of the last event whose prefilter marked it as a candidate.
    marks: Vec<u32>,
    stamp: u32,
    corrs: Vec<Compiled>,
    fields: Fields,
    routes: HashMap<Vec<LogSource>, Arc<Route>>,
    /// The route of the previous event: consecutive events nearly always share their log
    /// sources, and comparing them is cheaper than hashing them.
    last_route: Option<(Vec<LogSource>, Arc<Route>)>,
    /// The share of the correlation groups this engine keeps, when several engines divide
    /// them (see [`Engine::keep_share`]).
    share: Option<share::Share>,
    state: correlation::State,
    stats: EngineStats,
    /// Rule trees walked (rules the prefilter could not skip), for measuring the prefilter.
    evaluated: u64,
    fired: Vec<Fired>,
}

impl Engine {
    /// Compiles every document; fails with all reasons if any document is rejected.
    pub fn new(rules: &RuleSet, config: EngineConfig) -> Result<Engine, EngineError> {
        let (engine, errors) = Engine::new_partial(rules, config);
        if errors.is_empty() {
            Ok(engine)
        } else {
            Err(EngineError { errors })
        }
    }

    /// Compiles what can be compiled and returns the reasons for the rest (for
    /// `rules check` and for scanning with a partly unsupported rule pack).
    pub fn new_partial(rules: &RuleSet, config: EngineConfig) -> (Engine, Vec<RuleError>) {
        Builder::new(rules, &config).build(&config)
    }

    /// Evaluates one event of log source `logsource`. Single-event alerts are pushed at
    /// once; correlation alerts when the event-time watermark passes their inputs.
    pub fn process<S: AlertSink + ?Sized>(
        &mut self,
        logsource: &LogSource,
        event: &dyn Event,
        sink: &mut S,
    ) {
        self.process_any(std::slice::from_ref(logsource), event, sink);
    }

    /// Like [`Engine::process`] for an event that belongs to several log sources at once
    /// (e.g. a Sysmon registry event is both `registry_set` and `registry_event`): a rule is
    /// evaluated once when it applies to any of them.
    pub fn process_any<S: AlertSink + ?Sized>(
        &mut self,
        logsources: &[LogSource],
        event: &dyn Event,
        sink: &mut S,
    ) {
        self.stats.events += 1;
        let ts = event.timestamp_us();
        if let Some(t) = ts {
            self.state.observe_time(t);
        }
        let route = self.route(logsources);
        let stamp = self.next_stamp();
        let mut cx = EvalCtx::new(event, &self.fields.paths, &mut self.field_cache);
        self.prefilter
            .mark(&route.slots, &mut cx, &mut self.marks, stamp);
        for &r in &route.rules {
            if self.prefilter.indexed[r] && self.marks[r] != stamp {
                continue;
            }
            let rule = &self.rules[r];
            self.evaluated += 1;
            if !rule.node.eval(&mut cx) {
                continue;
            }
            self.stats.matches += 1;
            if rule.emit {
                let mut alert = Alert::from_meta(AlertKind::Match, &rule.meta);
                alert.first_seen_us = ts;
                alert.last_seen_us = ts;
                alert.event = Some(event.to_json());
                self.stats.alerts += 1;
                sink.alert(alert);
            }
            let at = ts.unwrap_or_else(|| self.state.now());
            for &(c, pos) in &rule.feeds {
                let input = &self.corrs[c].inputs[pos];
                let key = Key::build(input.group.len(), |i| match &input.group[i] {
                    GroupSrc::Field(f) => cx.first_value(*f),
                    GroupSrc::Upstream(_) => None,
                });
                if self.share.as_ref().is_some_and(|s| !s.owns(c, &key)) {
                    continue;
                }
                let value = value_of(input, &mut cx);
                self.state.push(at, c, pos, key, value);
            }
        }
        drop(cx);
        self.release(false, sink);
    }

    /// How many rule evaluations the prefilter did not skip, since the engine was built.
    pub fn rules_evaluated(&self) -> u64 {
        self.evaluated
    }

    /// Moves event time to at least `time_us` (e.g. on a reader heartbeat) and emits the
    /// correlation alerts that became final.
    pub fn advance_to<S: AlertSink + ?Sized>(&mut self, time_us: i64, sink: &mut S) {
        self.state.observe_time(time_us);
        self.release(false, sink);
    }

    /// End of input: processes every queued correlation input and emits resulting alerts.
    pub fn flush<S: AlertSink + ?Sized>(&mut self, sink: &mut S) {
        self.release(true, sink);
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        let c = self.state.counters;
        EngineStats {
            late_events: c.late,
            evicted_keys: c.evicted_keys + c.evicted_for_events,
            expired_keys: c.expired_keys,
            window_overflow: c.window_overflow,
            active_keys: self.state.keys() as u64,
            held_events: self.state.held() as u64,
            ..self.stats
        }
    }

    /// Number of compiled detection rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of compiled correlation rules.
    pub fn correlation_count(&self) -> usize {
        self.corrs.len()
    }

    /// The rules that apply to any of the log sources, cached per distinct combination.
    fn route(&mut self, logsources: &[LogSource]) -> Arc<Route> {
        if let Some((ls, r)) = &self.last_route
            && ls.as_slice() == logsources
        {
            return r.clone();
        }
        if let Some(r) = self.routes.get(logsources) {
            self.last_route = Some((logsources.to_vec(), r.clone()));
            return r.clone();
        }
        let rules: Vec<usize> = (0..self.rules.len())
            .filter(|&i| {
                let rule = &self.rules[i];
                // A rule neither alerting nor feeding a correlation is idle in this engine's
                // share (see `Engine::keep_share`).
                (rule.emit || !rule.feeds.is_empty())
                    && logsources.iter().any(|ls| rule.logsource.applies_to(ls))
            })
            .collect();
        let slots = self.prefilter.slots_for(&rules);
        let r = Arc::new(Route { rules, slots });
        self.routes.insert(logsources.to_vec(), r.clone());
        self.last_route = Some((logsources.to_vec(), r.clone()));
        r
    }

    /// A fresh stamp for the prefilter marks of one event.
    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        self.stamp
    }

    fn release<S: AlertSink + ?Sized>(&mut self, all: bool, sink: &mut S) {
        self.state.release(&self.corrs, all, &mut self.fired);
        for fired in self.fired.drain(..) {
            let corr = &self.corrs[fired.corr];
            if !corr.emit {
                continue;
            }
            self.stats.alerts += 1;
            sink.alert(correlation_alert(corr, &fired));
        }
    }
}

fn value_of(input: &Input, cx: &mut EvalCtx<'_, '_>) -> Option<Text> {
    match input.value.as_slice() {
        [] => return None,
        [one] => return cx.first_value(*one),
        _ => {}
    }
    let parts: Option<Vec<String>> = input.value.iter().map(|f| cx.first_text(*f)).collect();
    // A tuple of fields counts as one value; the separator cannot occur in normal text.
    parts.map(|p| Text::new(&p.join("\u{1f}")))
}

fn correlation_alert(corr: &Compiled, fired: &Fired) -> Alert {
    let mut alert = Alert::from_meta(AlertKind::Correlation, &corr.meta);
    alert.first_seen_us = Some(fired.fire.first_ts);
    alert.last_seen_us = Some(fired.ts);
    alert.group = corr
        .group_names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let v = fired.key.get(i).map(Text::as_str).unwrap_or_default();
            (n.clone(), v.to_owned())
        })
        .collect();
    let counts = matches!(
        corr.spec.kind,
        CorrelationType::EventCount
            | CorrelationType::ValueCount
            | CorrelationType::Temporal
            | CorrelationType::TemporalOrdered
    );
    alert.count = counts.then_some(fired.fire.metric as u64);
    alert.value = Some(fired.fire.metric);
    alert
}

//! [`Engine`]: compiles a [`RuleSet`] and evaluates events, single-event rules and
//! correlations, pushing [`Alert`]s to an [`AlertSink`].

use crate::alert::{Alert, AlertKind, AlertSink};
use crate::compile::{self, Env, Fields, Placeholders};
use crate::correlation::window::Spec;
use crate::correlation::{self, Compiled, Fired, GroupSrc, Input, Source};
use crate::error::{Ctx, ErrorKind, RuleError};
use crate::eval::{EvalCtx, FieldCache, Node};
use crate::mapping::FieldMapping;
use crate::model::{Correlation, CorrelationType, Document, LogSource, Meta, Rule};
use crate::prefilter::Prefilter;
use crate::ruleset::RuleSet;
use deltawall_event::Event;
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
    state: correlation::State,
    stats: EngineStats,
    fired: Vec<Fired>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Rule(usize),
    Correlation(usize),
    Ambiguous,
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
                let key = input
                    .group
                    .iter()
                    .map(|g| match g {
                        GroupSrc::Field(f) => cx.first_text(*f),
                        GroupSrc::Upstream(_) => None,
                    })
                    .collect();
                let value = value_of(input, &mut cx);
                self.state.push(at, c, pos, key, value);
            }
        }
        self.release(false, sink);
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
        if let Some(r) = self.routes.get(logsources) {
            return r.clone();
        }
        let rules: Vec<usize> = (0..self.rules.len())
            .filter(|&i| {
                logsources
                    .iter()
                    .any(|ls| self.rules[i].logsource.applies_to(ls))
            })
            .collect();
        let slots = self.prefilter.slots_for(&rules);
        let r = Arc::new(Route { rules, slots });
        self.routes.insert(logsources.to_vec(), r.clone());
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

fn value_of(input: &Input, cx: &mut EvalCtx<'_, '_>) -> Option<String> {
    if input.value.is_empty() {
        return None;
    }
    let parts: Option<Vec<String>> = input.value.iter().map(|f| cx.first_text(*f)).collect();
    // A tuple of fields counts as one value; the separator cannot occur in normal text.
    parts.map(|p| p.join("\u{1f}"))
}

fn correlation_alert(corr: &Compiled, fired: &Fired) -> Alert {
    let mut alert = Alert::from_meta(AlertKind::Correlation, &corr.meta);
    alert.first_seen_us = Some(fired.fire.first_ts);
    alert.last_seen_us = Some(fired.ts);
    alert.group = corr
        .group_names
        .iter()
        .zip(&fired.key)
        .map(|(n, v)| (n.clone(), v.clone().unwrap_or_default()))
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

/// Compiles a rule set in three passes: names, rules (with filters), correlations.
struct Builder<'r> {
    set: &'r RuleSet,
    rules: Vec<&'r Rule>,
    corrs: Vec<&'r Correlation>,
    names: HashMap<String, Target>,
    errors: Vec<RuleError>,
}

fn ctx_of(meta: &Meta) -> Ctx<'_> {
    let rule = match &meta.id {
        Some(id) => format!("`{}` ({id})", meta.title),
        None => format!("`{}`", meta.title),
    };
    Ctx {
        origin: &meta.origin,
        rule,
    }
}

impl<'r> Builder<'r> {
    fn new(set: &'r RuleSet, _config: &EngineConfig) -> Builder<'r> {
        let mut b = Builder {
            set,
            rules: Vec::new(),
            corrs: Vec::new(),
            names: HashMap::new(),
            errors: Vec::new(),
        };
        for doc in set.documents() {
            let target = match doc {
                Document::Rule(r) => {
                    b.rules.push(r);
                    Target::Rule(b.rules.len() - 1)
                }
                Document::Correlation(c) => {
                    b.corrs.push(c);
                    Target::Correlation(b.corrs.len() - 1)
                }
                Document::Filter(_) => continue,
            };
            let meta = doc.meta();
            for name in [&meta.id, &meta.name].into_iter().flatten() {
                b.names
                    .entry(name.clone())
                    .and_modify(|t| *t = Target::Ambiguous)
                    .or_insert(target);
            }
        }
        b
    }

    fn resolve(&self, reference: &str) -> Result<Target, String> {
        match self.names.get(reference) {
            None => Err(format!(
                "no rule or correlation has id or name `{reference}`"
            )),
            Some(Target::Ambiguous) => Err(format!(
                "`{reference}` is the id or name of several documents"
            )),
            Some(t) => Ok(*t),
        }
    }

    fn build(mut self, config: &EngineConfig) -> (Engine, Vec<RuleError>) {
        let mut fields = Fields::default();
        let filters = self.filters_per_rule();
        // Slot of each parsed rule among the compiled ones (None: rejected).
        let mut slots: Vec<Option<usize>> = Vec::with_capacity(self.rules.len());
        let mut compiled: Vec<CompiledRule> = Vec::new();
        let parsed = self.rules.clone();
        for (i, rule) in parsed.iter().enumerate() {
            match self.compile_rule(rule, &filters[i], &mut fields, config) {
                Ok(node) => {
                    slots.push(Some(compiled.len()));
                    compiled.push(CompiledRule {
                        meta: rule.meta.clone(),
                        logsource: rule.logsource.clone(),
                        node,
                        emit: true,
                        feeds: Vec::new(),
                    });
                }
                Err(e) => {
                    slots.push(None);
                    self.errors.push(e);
                }
            }
        }
        let corrs = self.compile_correlations(&slots, &mut compiled, &mut fields, config);
        let prefilter = if config.prefilter {
            Prefilter::new(&compiled.iter().map(|r| &r.node).collect::<Vec<_>>())
        } else {
            Prefilter::disabled(compiled.len())
        };
        let engine = Engine {
            marks: vec![0; compiled.len()],
            field_cache: FieldCache::new(fields.paths.len()),
            stamp: 0,
            prefilter,
            rules: compiled,
            corrs,
            fields,
            routes: HashMap::new(),
            state: correlation::State::new(
                config.allowed_lateness_us,
                config.max_correlation_keys,
                config.max_correlation_events,
            ),
            stats: EngineStats::default(),
            fired: Vec::new(),
        };
        (engine, self.errors)
    }

    /// For each rule, the filters that reference it; unresolvable filter references are errors.
    fn filters_per_rule(&mut self) -> Vec<Vec<&'r crate::model::Filter>> {
        let mut out = vec![Vec::new(); self.rules.len()];
        for filter in self.set.filters() {
            let ctx = ctx_of(&filter.meta);
            for reference in &filter.rules {
                match self.resolve(reference) {
                    Ok(Target::Rule(r)) => out[r].push(filter),
                    Ok(_) => self.errors.push(ctx.err(
                        ErrorKind::Reference,
                        "filter.rules",
                        format!("`{reference}` is a correlation; filters apply to detection rules"),
                    )),
                    Err(reason) => {
                        self.errors
                            .push(ctx.err(ErrorKind::Reference, "filter.rules", reason))
                    }
                }
            }
        }
        out
    }

    fn compile_rule(
        &mut self,
        rule: &Rule,
        filters: &[&crate::model::Filter],
        fields: &mut Fields,
        config: &EngineConfig,
    ) -> Result<Node, RuleError> {
        let mut env = Env {
            fields,
            mapping: &config.field_mapping,
            placeholders: &config.placeholders,
            logsource: &rule.logsource,
            ctx: ctx_of(&rule.meta),
        };
        let node = compile::detection(&rule.detection, &mut env)?;
        let mut parts = vec![node];
        for filter in filters {
            // Filter fields are looked up in the filtered rule's events, so they use its mapping.
            env.ctx = ctx_of(&filter.meta);
            match compile::detection(&filter.detection, &mut env) {
                Ok(f) => parts.push(Node::Not(Box::new(f))),
                Err(e) => self.errors.push(e),
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    fn compile_correlations(
        &mut self,
        slots: &[Option<usize>],
        rules: &mut [CompiledRule],
        fields: &mut Fields,
        config: &EngineConfig,
    ) -> Vec<Compiled> {
        let cyclic = self.cyclic();
        let mut out: Vec<Option<Compiled>> = Vec::new();
        for (i, corr) in self.corrs.iter().enumerate() {
            let ctx = ctx_of(&corr.meta);
            let result = if cyclic[i] {
                Err(ctx.err(
                    ErrorKind::Reference,
                    "correlation.rules",
                    "correlations reference each other in a cycle",
                ))
            } else {
                self.compile_correlation(corr, &ctx, slots, rules, fields, config)
            };
            match result {
                Ok(c) => out.push(Some(c)),
                Err(e) => {
                    self.errors.push(e);
                    out.push(None);
                }
            }
        }
        self.link(out, rules)
    }

    /// Drops correlations that depend on rejected correlations, renumbers the rest and
    /// wires `feeds` and `emit`.
    fn link(
        &mut self,
        mut out: Vec<Option<Compiled>>,
        rules: &mut [CompiledRule],
    ) -> Vec<Compiled> {
        // Failures propagate along chains until nothing changes.
        loop {
            let mut changed = false;
            for i in 0..out.len() {
                let broken = out[i].as_ref().is_some_and(|c| {
                    c.inputs
                        .iter()
                        .any(|inp| matches!(inp.source, Source::Correlation(j) if out[j].is_none()))
                });
                if broken {
                    let meta = &self.corrs[i].meta;
                    self.errors.push(ctx_of(meta).err(
                        ErrorKind::Reference,
                        "correlation.rules",
                        "references a rejected correlation",
                    ));
                    out[i] = None;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut renumber = vec![usize::MAX; out.len()];
        let mut kept: Vec<Compiled> = Vec::new();
        for (i, c) in out.into_iter().enumerate() {
            if let Some(c) = c {
                renumber[i] = kept.len();
                kept.push(c);
            }
        }
        let mut referenced_rule = vec![(false, false); rules.len()];
        let mut referenced_corr = vec![(false, false); kept.len()];
        for ci in 0..kept.len() {
            let generate = kept[ci].generate;
            for pos in 0..kept[ci].inputs.len() {
                match kept[ci].inputs[pos].source {
                    Source::Rule(r) => {
                        rules[r].feeds.push((ci, pos));
                        referenced_rule[r].0 = true;
                        referenced_rule[r].1 |= generate;
                    }
                    Source::Correlation(j) => {
                        let j = renumber[j];
                        kept[ci].inputs[pos].source = Source::Correlation(j);
                        kept[j].feeds.push((ci, pos));
                        referenced_corr[j].0 = true;
                        referenced_corr[j].1 |= generate;
                    }
                }
            }
        }
        for (r, (referenced, generate)) in referenced_rule.into_iter().enumerate() {
            rules[r].emit = !referenced || generate;
        }
        for (c, (referenced, generate)) in referenced_corr.into_iter().enumerate() {
            kept[c].emit = !referenced || generate;
        }
        kept
    }

    /// Marks correlations that are part of (or depend on) a reference cycle.
    fn cyclic(&self) -> Vec<bool> {
        let n = self.corrs.len();
        let edges: Vec<Vec<usize>> = self
            .corrs
            .iter()
            .map(|c| {
                c.rules
                    .iter()
                    .filter_map(|r| match self.names.get(r) {
                        Some(Target::Correlation(j)) => Some(*j),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        // 0 = unvisited, 1 = on stack, 2 = done and acyclic, 3 = done and cyclic.
        fn visit(i: usize, edges: &[Vec<usize>], state: &mut [u8]) -> bool {
            match state[i] {
                1 | 3 => return true,
                2 => return false,
                _ => {}
            }
            state[i] = 1;
            let mut cyc = false;
            for &j in &edges[i] {
                cyc |= visit(j, edges, state);
            }
            state[i] = if cyc { 3 } else { 2 };
            cyc
        }
        let mut state = vec![0u8; n];
        (0..n).map(|i| visit(i, &edges, &mut state)).collect()
    }

    fn compile_correlation(
        &self,
        corr: &Correlation,
        ctx: &Ctx<'_>,
        slots: &[Option<usize>],
        rules: &[CompiledRule],
        fields: &mut Fields,
        config: &EngineConfig,
    ) -> Result<Compiled, RuleError> {
        let mut inputs = Vec::new();
        for reference in &corr.rules {
            let target = self
                .resolve(reference)
                .map_err(|r| ctx.err(ErrorKind::Reference, "correlation.rules", r))?;
            let (source, name_keys) = match target {
                Target::Rule(r) => {
                    let slot = slots[r].ok_or_else(|| {
                        ctx.err(
                            ErrorKind::Reference,
                            "correlation.rules",
                            format!("references rule `{reference}`, which was rejected"),
                        )
                    })?;
                    (
                        Source::Rule(slot),
                        [
                            self.rules[r].meta.name.clone(),
                            self.rules[r].meta.id.clone(),
                        ],
                    )
                }
                Target::Correlation(j) => (
                    Source::Correlation(j),
                    [
                        self.corrs[j].meta.name.clone(),
                        self.corrs[j].meta.id.clone(),
                    ],
                ),
                Target::Ambiguous => unreachable!("resolve rejects ambiguous names"),
            };
            let field_for = |g: &str| -> String {
                corr.aliases
                    .iter()
                    .find(|(alias, _)| alias == g)
                    .and_then(|(_, per_rule)| {
                        per_rule.iter().find(|(rule, _)| {
                            name_keys.iter().flatten().any(|n| n == rule) || rule == reference
                        })
                    })
                    .map_or_else(|| g.to_owned(), |(_, f)| f.clone())
            };
            let input = match source {
                Source::Rule(slot) => {
                    let ls = rules[slot].logsource.clone();
                    let mut resolve =
                        |name: &str| fields.intern(config.field_mapping.resolve(&ls, name));
                    Input {
                        source,
                        group: corr
                            .group_by
                            .iter()
                            .map(|g| GroupSrc::Field(resolve(&field_for(g))))
                            .collect(),
                        value: corr.field.iter().map(|f| resolve(f)).collect(),
                    }
                }
                Source::Correlation(j) => {
                    if !corr.field.is_empty() {
                        return Err(ctx.err(ErrorKind::Unsupported, "correlation.condition.field", format!("`{reference}` is a correlation; its alerts carry no event fields to aggregate")));
                    }
                    let upstream = &self.corrs[j].group_by;
                    Input {
                        source,
                        group: corr
                            .group_by
                            .iter()
                            .map(|g| {
                                GroupSrc::Upstream(upstream.iter().position(|u| *u == field_for(g)))
                            })
                            .collect(),
                        value: Vec::new(),
                    }
                }
            };
            inputs.push(input);
        }
        let spec = Spec {
            kind: corr.kind,
            timespan_us: corr.timespan_us,
            condition: corr.condition.clone(),
            n_rules: corr.rules.len(),
            max_entries: config.max_window_events,
        };
        Ok(Compiled {
            meta: corr.meta.clone(),
            spec,
            group_names: corr.group_by.clone(),
            inputs,
            emit: true,
            generate: corr.generate,
            feeds: Vec::new(),
        })
    }
}

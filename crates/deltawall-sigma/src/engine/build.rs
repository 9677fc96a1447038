//! Compiling a [`RuleSet`] into an [`Engine`]: name resolution, rules with their filters,
//! correlations with their inputs, chains and which documents report alerts.

use super::{CompiledRule, Engine, EngineConfig, EngineStats};
use crate::compile::{self, Env, Fields};
use crate::correlation::window::Spec;
use crate::correlation::{self, Compiled, GroupSrc, Input, Source};
use crate::error::{Ctx, ErrorKind, RuleError};
use crate::eval::{FieldCache, Node};
use crate::model::{Correlation, Document, Meta, Rule};
use crate::prefilter::Prefilter;
use crate::ruleset::RuleSet;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Rule(usize),
    Correlation(usize),
    Ambiguous,
}

/// Compiles a rule set in three passes: names, rules (with filters), correlations.
pub(super) struct Builder<'r> {
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
    pub(super) fn new(set: &'r RuleSet, _config: &EngineConfig) -> Builder<'r> {
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

    pub(super) fn build(mut self, config: &EngineConfig) -> (Engine, Vec<RuleError>) {
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
            let routing = |f: usize| crate::selectivity::is_routing_field(&fields.paths[f]);
            Prefilter::new(
                &compiled.iter().map(|r| &r.node).collect::<Vec<_>>(),
                &routing,
            )
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
            last_route: None,
            share: None,
            state: correlation::State::new(
                config.allowed_lateness_us,
                config.max_correlation_keys,
                config.max_correlation_events,
            ),
            stats: EngineStats::default(),
            evaluated: 0,
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

//! Sigma 2.1 rules, filters and correlation rules for Deltawall: parse, compile, evaluate.
//!
//! A library only: no async, no I/O beyond [`RuleSet::add_path`], no platform dependency.
//!
//! # Use
//!
//! ```
//! use deltawall_event::JsonEvent;
//! use deltawall_sigma::{Alert, Engine, EngineConfig, LogSource, RuleSet};
//!
//! let mut rules = RuleSet::new();
//! rules.add_yaml(r#"
//! title: Failed login
//! id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
//! logsource: { category: authentication }
//! detection:
//!     selection:
//!         event.outcome: failure
//!         user.name|startswith: 'adm'
//!     condition: selection
//! "#, "failed_login.yml").unwrap();
//! let mut engine = Engine::new(&rules, EngineConfig::default()).unwrap();
//! let event = JsonEvent::new(serde_json::json!({"event": {"outcome": "FAILURE"}, "user": {"name": "admin"}}), Some(0)).unwrap();
//! let mut alerts: Vec<Alert> = Vec::new();
//! let ls = LogSource::new(Some("authentication"), None, None);
//! engine.process(&ls, &event, &mut |a| alerts.push(a));
//! engine.flush(&mut |a| alerts.push(a));
//! assert_eq!(alerts.len(), 1);
//! ```
//!
//! # API
//!
//! - [`RuleSet`]: [`RuleSet::add_yaml`] (all or nothing per file),
//!   [`RuleSet::add_yaml_collect`] and [`RuleSet::add_path`] (keep going, collect one
//!   [`RuleError`] per rejected document, for `rules check`).
//! - [`Engine::new`] (strict) / [`Engine::new_partial`] (compile what can be compiled and
//!   return the reasons for the rest) with an [`EngineConfig`]: [`FieldMapping`],
//!   placeholders, correlation key cap, lateness.
//! - [`Engine::process`] per event with its [`LogSource`] ([`Engine::process_any`] when an
//!   event belongs to several, e.g. Sysmon registry events are `registry_set` and
//!   `registry_event`); [`Engine::advance_to`] on a heartbeat; [`Engine::flush`] at end of
//!   input. Alerts are pushed to an [`AlertSink`] (any `FnMut(Alert)`). [`Engine::stats`]
//!   counts events, matches, alerts, late inputs and evicted correlation groups.
//! - [`FieldMapping`] (in code or [`FieldMapping::from_yaml`]) renames rule fields to event
//!   paths per log source when rules are compiled.
//!
//! The engine is `Send` but not shared: run one per input stream or worker.
//!
//! # Evaluation
//!
//! Rules compile to trees of field tests; string values are lowercased once per rule value
//! and once per event field (a per-event cache resolves each field once for all rules);
//! exact/prefix/suffix values compare directly, substring lists use memchr or
//! Aho-Corasick, other wildcards a small matcher, `re` the `regex` crate. A prefilter skips
//! rules whose required literals (e.g. the `Image|endswith` values) do not occur in the
//! event: one overlapping Aho-Corasick pass per indexed field marks the candidate rules.
//!
//! # Semantics (the contract)
//!
//! - **Log sources**: a rule applies to an event when every part (`category`, `product`,
//!   `service`) the rule sets equals the event's, ASCII case-insensitively.
//! - **Strings** match case-insensitively (Unicode lowercase of both sides) unless `cased`;
//!   `*` is any run, `?` one character; `\` escapes `*`, `?` and `\` and is literal before
//!   anything else. `re` is case-sensitive unless `|i`, unanchored, Rust `regex` syntax
//!   (look-around and back-references are rejected). base64 forms match case-insensitively
//!   like every plain string.
//! - **Numbers and booleans** in events are compared through their text (`4625` = `'4625'`).
//!   `lt`/`lte`/`gt`/`gte` parse both sides as numbers; non-numbers never match.
//! - **Missing and null**: `field: null` matches an absent field or a JSON null; every other
//!   value test fails on an absent field (so `not selection` is true then). `exists` checks
//!   presence only. `neq` requires the field to be present with a non-null value different
//!   from every listed value.
//! - **Lists in events**: a field test passes when any element passes; with `all`, each value
//!   must be matched by some element.
//! - **Keywords** (field-less values) are substring searches over every string value of the
//!   event, recursively.
//! - **windash** replaces each of `- / – — ―` by all five (permutations up to 125 variants,
//!   a character class beyond). **expand** takes values from [`EngineConfig::placeholders`];
//!   a placeholder without values rejects the rule.
//! - **Time modifiers** (`minute` … `year`) read RFC 3339 (taken in UTC) or civil date-times.
//! - **Filters** are AND NOT-ed into each referenced rule and use that rule's field mapping.
//!
//! ## Correlations
//!
//! - Event time comes from [`deltawall_event::Event::timestamp_us`]; an event without one
//!   takes the newest time seen so far.
//! - Inputs wait until the watermark (newest time seen − `allowed_lateness_us`) passes them,
//!   then are applied in (time, arrival) order, so any arrival order within the lateness gives
//!   the same alerts. Older inputs are dropped and counted ([`EngineStats::late_events`]).
//! - Windows slide: when an input at time `t` enters its group, the window is every earlier
//!   input of the group with time in `[t − timespan, t]` since the group last fired; the
//!   condition is checked then. On firing, one alert is emitted and the group restarts empty.
//!   Conditions that hold for small values (`lt`, `lte`) therefore fire on the first input.
//! - Metrics: `event_count` inputs; `value_count` distinct values of `field` (several fields
//!   form a tuple; inputs without the field are not counted); `temporal` distinct referenced
//!   rules; `temporal_ordered` fires when the rules occur in the listed order; `value_sum` and
//!   `value_avg` over inputs whose field parses as a number; `value_percentile` the share in
//!   percent of inputs whose field equals the current input's.
//! - Group-by fields that are absent group together under the empty value; a multi-valued
//!   field uses its first value. `aliases` map group-by names per referenced rule `name`.
//! - Chaining: a correlation referencing another takes the inner alert's group values by
//!   group-by name. Only the outermost correlation alerts, unless the referencing correlation
//!   says `generate: true`; referenced detection rules alert only with `generate: true`.
//! - State is bounded by [`EngineConfig::max_correlation_keys`] groups and
//!   [`EngineConfig::max_correlation_events`] held inputs in total (beyond either, the group
//!   whose window expires first is evicted, counted in [`EngineStats::evicted_keys`]), and by
//!   [`EngineConfig::max_window_events`] per group (oldest inputs dropped, counted in
//!   [`EngineStats::window_overflow`]). Groups whose window has passed are dropped.
#![deny(missing_docs)]

mod alert;
mod compile;
mod condition;
mod correlation;
mod detection;
mod engine;
mod error;
mod eval;
mod mapping;
mod model;
mod modifier;
mod pattern;
mod prefilter;
mod ruleset;
mod selectivity;
mod yaml;

pub use alert::{Alert, AlertKind, AlertSink};
pub use compile::Placeholders;
pub use engine::{Engine, EngineConfig, EngineError, EngineStats, Partition, Partitioner};
pub use error::{ErrorKind, RuleError};
pub use mapping::{FieldMapping, MappingBlock};
pub use model::{
    CmpOp, Correlation, CorrelationType, Document, Filter, Level, LogSource, Meta, Rule,
};
pub use ruleset::RuleSet;

/// Parses and validates a condition expression against search identifier names; for
/// fuzzing and tooling. Returns the reason when it is rejected.
pub fn check_condition(condition: &str, identifiers: &[String]) -> Result<(), String> {
    condition::parse(condition, identifiers)
        .map(|_| ())
        .map_err(|e| e.reason)
}

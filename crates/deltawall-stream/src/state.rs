//! One partition's detection state, without any I/O: the engine, the failure-ratio
//! enrichment, the retained window events that a checkpoint carries, and the outbox of
//! alerts not yet confirmed as published.
//!
//! The engine's correlation state is not serialisable through its public API, so a
//! checkpoint holds the events that built it instead: every event that matched a rule
//! (only those can enter a window) and the event-time advances between them, for the last
//! `horizon` of event time (twice the longest correlation timespan plus the lateness).
//! Restoring replays them into a fresh engine with its alerts discarded, because every
//! alert they produced was already published or is still in the restored outbox.

use crate::checkpoint::{Checkpoint, Counters, Entry, Outgoing};
use deltawall_detect::enrich::{AuthRatios, MAX_KEYS};
use deltawall_detect::indicators::SharedIndicators;
use deltawall_detect::input::{Format, Parser, Record, Source, SyslogParser, detect};
use deltawall_detect::pipeline::to_logsources;
use deltawall_event::Event;
use deltawall_sigma::{Alert, Engine, EngineConfig, Partition, RuleSet};
use std::collections::VecDeque;
use std::sync::Arc;

/// The compiled rules every partition of a deployment shares.
pub struct Rules {
    set: RuleSet,
    config: EngineConfig,
    /// Event time a checkpoint keeps behind the newest event.
    pub horizon_us: i64,
    /// How events are split over partitions.
    pub partition: Partition,
    /// Number of partitions.
    pub partitions: usize,
    /// Shared STIX indicators matched on every event besides the rules, kept current by
    /// a subscription (see [`Rules::with_indicators`]).
    indicators: Option<SharedIndicators>,
}

/// Why rules cannot be spread over the partitions asked for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RulesError {
    /// Correlations group by different fields: one engine must see every event.
    #[error(
        "the rules' correlations do not share a group-by field, so their events cannot be partitioned: use --partitions 1"
    )]
    NotPartitionable,
    /// Nothing compiled.
    #[error("no usable rules")]
    Empty,
}

impl Rules {
    /// Checks that the rules compile and can be split over `partitions`.
    pub fn new(set: RuleSet, config: EngineConfig, partitions: usize) -> Result<Rules, RulesError> {
        let partitions = partitions.max(1);
        let probe = Engine::new_partial(&set, config.clone()).0;
        if probe.rule_count() + probe.correlation_count() == 0 {
            return Err(RulesError::Empty);
        }
        let partition = probe.partition();
        if partitions > 1 && partition == Partition::Single {
            return Err(RulesError::NotPartitionable);
        }
        let longest = set.correlations().map(|c| c.timespan_us).max().unwrap_or(0);
        let horizon_us = longest
            .saturating_mul(2)
            .saturating_add(config.allowed_lateness_us);
        Ok(Rules {
            set,
            config,
            horizon_us,
            partition,
            partitions,
            indicators: None,
        })
    }

    /// Also matches the indicators `feed` holds (whatever they are when each event comes).
    pub fn with_indicators(mut self, feed: SharedIndicators) -> Rules {
        self.indicators = Some(feed);
        self
    }

    /// The partition an event belongs to, from the value of the field every correlation
    /// groups by (see [`crate::subjects::partition_of`]).
    pub fn partition_of(&self, event: &dyn Event) -> usize {
        match &self.partition {
            Partition::ByField(p) => {
                crate::subjects::partition_of(p.value(event).as_deref(), self.partitions)
            }
            Partition::Any | Partition::Single => 0,
        }
    }

    fn engine(&self) -> Engine {
        Engine::new_partial(&self.set, self.config.clone()).0
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Evaluated; its alerts are in the outbox.
    Processed,
    /// Already covered by the checkpoint (a redelivery after a restart).
    Covered,
    /// Not an event: to be parked on the dead-letter subject with this reason.
    Malformed(String),
    /// Belongs to another partition (a shipper that does not partition): to be
    /// republished there.
    Elsewhere(usize),
}

/// One partition's state.
pub struct PartitionState {
    /// The partition number.
    pub partition: usize,
    engine: Engine,
    ratios: AuthRatios,
    parser: Option<Parser>,
    entries: VecDeque<Entry>,
    /// Stream sequence of the last message handled.
    pub last_seq: u64,
    newest: i64,
    outbox: Vec<Outgoing>,
    /// Counters since the first start (carried by checkpoints).
    pub counters: Counters,
}

impl PartitionState {
    /// A fresh partition.
    pub fn new(rules: &Rules, partition: usize) -> PartitionState {
        PartitionState {
            partition,
            engine: rules.engine(),
            ratios: AuthRatios::with_max_keys(MAX_KEYS),
            parser: None,
            entries: VecDeque::new(),
            last_seq: 0,
            newest: i64::MIN,
            outbox: Vec::new(),
            counters: Counters::default(),
        }
    }

    /// Rebuilds a partition from its checkpoint by replaying the retained events.
    pub fn restore(rules: &Rules, ckpt: Checkpoint) -> PartitionState {
        let mut state = PartitionState::new(rules, ckpt.partition);
        let mut discard = |_: Alert| {};
        for entry in &ckpt.entries {
            match entry {
                Entry::Event { source, line, .. } => {
                    if let Ok(record) = state.parse(source, line) {
                        let event = state.ratios.enrich(&record);
                        let ls = to_logsources(&record.source);
                        state.engine.process_any(&ls, &event, &mut discard);
                    }
                }
                Entry::Tick { t } => state.engine.advance_to(*t, &mut discard),
            }
        }
        state.entries = ckpt.entries.into();
        state.last_seq = ckpt.last_seq;
        state.newest = ckpt.newest_us;
        state.outbox = ckpt.outbox;
        state.counters = ckpt.counters;
        state
    }

    /// Handles the message at stream sequence `seq` from source token `source`;
    /// `published_us` is when the stream stored it (for the event-to-alert latency).
    pub fn on_message(
        &mut self,
        rules: &Rules,
        seq: u64,
        source: &str,
        payload: &[u8],
        published_us: i64,
    ) -> Outcome {
        if seq <= self.last_seq {
            return Outcome::Covered;
        }
        self.last_seq = seq;
        let line = match std::str::from_utf8(payload) {
            Ok(l) => l.trim(),
            Err(e) => return self.malformed(format!("not UTF-8 at byte {}", e.valid_up_to())),
        };
        if line.is_empty() {
            return self.malformed("empty message".to_owned());
        }
        let record = match self.parse(source, line) {
            Ok(r) => r,
            Err(reason) => return self.malformed(reason),
        };
        let home = rules.partition_of(&record.event);
        if home != self.partition {
            self.counters.rerouted += 1;
            return Outcome::Elsewhere(home);
        }
        self.counters.events += 1;
        let t = record.event.timestamp_us().unwrap_or(self.newest);
        let before = self.engine.stats().matches;
        let mut alerts = Vec::new();
        let event = self.ratios.enrich(&record);
        let ls = to_logsources(&record.source);
        self.engine
            .process_any(&ls, &event, &mut |a| alerts.push(a));
        let matched = self.engine.stats().matches > before;
        // Indicator matches hold no state, so they are not retained for replay.
        if let Some(feed) = &rules.indicators {
            feed.current().matches(&event, &mut |a| alerts.push(a));
        }
        let advanced = t > self.newest;
        self.newest = self.newest.max(t);
        if matched {
            self.entries.push_back(Entry::Event {
                seq,
                t,
                source: source.to_owned(),
                line: line.to_owned(),
            });
        } else if advanced {
            self.push_tick(t);
        }
        self.queue(alerts, Some(published_us));
        Outcome::Processed
    }

    /// No event for a while: moves event time to `t` so that windows close with bounded
    /// latency (as `scan --follow` does), and remembers the move for replay.
    pub fn tick(&mut self, t: i64) {
        if self.newest == i64::MIN || t <= self.newest {
            return;
        }
        let mut alerts = Vec::new();
        self.engine.advance_to(t, &mut |a| alerts.push(a));
        self.newest = t;
        self.push_tick(t);
        self.queue(alerts, None);
    }

    /// The newest event time seen (`i64::MIN`: none yet).
    pub fn newest_us(&self) -> i64 {
        self.newest
    }

    /// Alerts produced and not yet confirmed as published.
    pub fn outbox(&self) -> &[Outgoing] {
        &self.outbox
    }

    /// The outbox was published (every alert acknowledged by the alert stream).
    pub fn clear_outbox(&mut self) {
        self.outbox.clear();
    }

    /// Drops retained events older than the horizon and returns the checkpoint of the
    /// state as it is now.
    pub fn checkpoint(&mut self, rules: &Rules) -> Checkpoint {
        let floor = self.newest.saturating_sub(rules.horizon_us);
        while self.entries.front().is_some_and(|e| e.time() < floor) {
            self.entries.pop_front();
        }
        Checkpoint {
            version: crate::checkpoint::VERSION,
            partition: self.partition,
            partitions: rules.partitions,
            last_seq: self.last_seq,
            newest_us: self.newest,
            entries: self.entries.iter().cloned().collect(),
            outbox: self.outbox.clone(),
            counters: self.counters,
        }
    }

    /// Events retained for the next checkpoint.
    pub fn retained(&self) -> usize {
        self.entries.len()
    }

    fn malformed(&mut self, reason: String) -> Outcome {
        self.counters.malformed += 1;
        Outcome::Malformed(reason)
    }

    fn push_tick(&mut self, t: i64) {
        if let Some(Entry::Tick { t: last }) = self.entries.back_mut() {
            *last = t;
        } else {
            self.entries.push_back(Entry::Tick { t });
        }
    }

    fn queue(&mut self, alerts: Vec<Alert>, released_by_us: Option<i64>) {
        for alert in alerts {
            self.counters.alerts += 1;
            self.outbox.push(Outgoing::new(&alert, released_by_us));
        }
    }

    /// Parses one line, keeping the format of the previous line when it still applies
    /// (a subject usually carries one format) and detecting it again otherwise.
    fn parse(&mut self, source: &str, line: &str) -> Result<Record, String> {
        let parsed = match self.parser.map(|p| p.parse_line(line)) {
            Some(Ok(p)) => p,
            _ => {
                let parser = detect(Format::Auto, line, SyslogParser::default())
                    .ok_or_else(|| "format not recognised".to_owned())?;
                let parser = match parser {
                    // A message is one value: a document parser would wait for more lines.
                    Parser::JsonDocument { windows } => Parser::JsonLines { windows },
                    other => other,
                };
                let parsed = parser.parse_line(line)?;
                self.parser = Some(parser);
                parsed
            }
        };
        let (event, src): (_, Source) = parsed;
        Ok(Record {
            event,
            source: src,
            file: Arc::from(source),
            line: 0,
        })
    }
}

//! `deltawall publish`: puts log files on the event subjects, one line per message, each
//! on the partition of its group key, as a log shipper would.

use crate::nats::{NatsError, Retention, err};
use crate::state::Rules;
use crate::subjects::Names;
use async_nats::jetstream::message::PublishMessage;
use deltawall_detect::input::{Format, Parser, SyslogParser, detect, expand_inputs, open_input};
use std::collections::VecDeque;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to publish.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// NATS server URL.
    pub url: String,
    /// Stream and organisation.
    pub names: Names,
    /// The source token of the subjects (`evt.<org>.<source>.<partition>`).
    pub source: String,
    /// Log files or directories (plain or gzip).
    pub inputs: Vec<PathBuf>,
    /// Publications awaiting their acknowledgement at most.
    pub inflight: usize,
    /// Stream retention, used when the streams do not exist yet.
    pub retention: Retention,
}

/// What was published.
#[derive(Debug, Clone, Default)]
pub struct PublishStats {
    /// Messages published (and acknowledged by the stream).
    pub published: u64,
    /// Lines that are not events in a known format, published to partition 0 all the same
    /// (the worker parks them on the dead-letter subject, where they can be looked at).
    pub unparsed: u64,
    /// Messages per partition.
    pub per_partition: Vec<u64>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Publishes every line of the inputs; returns once the stream acknowledged all of them.
pub async fn publish(cfg: &PublishConfig, rules: &Rules) -> Result<PublishStats, NatsError> {
    let started = Instant::now();
    let js = crate::nats::connect(&cfg.url).await?;
    crate::nats::ensure_streams(&js, &cfg.names, cfg.retention).await?;
    let inputs = expand_inputs(&cfg.inputs).map_err(err("cannot read inputs"))?;
    let mut stats = PublishStats {
        per_partition: vec![0; rules.partitions],
        ..PublishStats::default()
    };
    let mut pending = VecDeque::new();
    for input in &inputs {
        let reader = open_input(input).map_err(err(format!("cannot open {}", input.name())))?;
        let mut parser: Option<Parser> = None;
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(err(format!("{}:{}", input.name(), n + 1)))?;
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let partition = match parse(&mut parser, trimmed) {
                Some(event) => rules.partition_of(&event),
                None => {
                    stats.unparsed += 1;
                    0
                }
            };
            stats.per_partition[partition] += 1;
            let subject = cfg.names.event_subject(&cfg.source, partition);
            let msg = PublishMessage::build().payload(trimmed.to_owned().into());
            let ack = js
                .send_publish(subject.clone(), msg)
                .await
                .map_err(err(format!("cannot publish to {subject}")))?;
            pending.push_back(ack);
            if pending.len() >= cfg.inflight.max(1) {
                let ack = pending.pop_front().expect("not empty");
                ack.await
                    .map_err(err("no acknowledgement from the stream"))?;
            }
            stats.published += 1;
        }
    }
    for ack in pending {
        ack.await
            .map_err(err("no acknowledgement from the stream"))?;
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

fn parse(parser: &mut Option<Parser>, line: &str) -> Option<deltawall_detect::input::LogEvent> {
    if let Some(Ok((event, _))) = parser.map(|p| p.parse_line(line)) {
        return Some(event);
    }
    let p = match detect(Format::Auto, line, SyslogParser::default())? {
        Parser::JsonDocument { windows } => Parser::JsonLines { windows },
        other => other,
    };
    *parser = Some(p);
    p.parse_line(line).ok().map(|(event, _)| event)
}

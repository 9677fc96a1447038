//! The `detect` and `publish` commands, for the `deltawall` binary to run on its runtime.

use crate::nats::Retention;
use crate::publish::{PublishConfig, publish};
use crate::state::Rules;
use crate::subjects::{Names, check_token};
use crate::worker::{Forward, OnIndicatorMatch, WorkerConfig, run};
use anyhow::{Context, bail};
use deltawall_detect::indicators::SharedIndicators;
use deltawall_detect::rules::{RuleSource, engine_config, load_rules, with_mapping_file};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Where the stream is and how it is laid out; the same for publishers and workers.
#[derive(Debug, Clone, clap::Args)]
pub struct StreamArgs {
    /// NATS server URL.
    #[arg(long, env = "DELTAWALL_NATS", default_value = "nats://127.0.0.1:4222")]
    pub nats: String,
    /// The JetStream event stream (also names the alert and dead-letter streams and the
    /// checkpoint bucket).
    #[arg(long, default_value = "DELTAWALL_EVT")]
    pub stream: String,
    /// The organisation token of the subjects `evt.<org>.<source>.<partition>`.
    #[arg(long)]
    pub org: String,
    /// Partitions of the stream; events are spread by the field every correlation groups
    /// by. Publishers and workers must agree.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub partitions: u16,
    /// Sigma rule file or directory (repeatable); default: the built-in finance pack.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// How late (seconds behind the newest event) an event may arrive and still count in correlations.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub lateness: u64,
    /// Field mapping file, as for `scan --mapping`.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Hours the event stream keeps events (limits retention), when it is created.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub max_age_hours: u64,
    /// Seconds a message id is remembered, so that an alert published again after a
    /// restart is dropped by the alert stream.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub dedup_window: u64,
}

/// Arguments of `detect`.
#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Where the stream is and how it is laid out.
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Partition to run (repeatable); default: all of them in this process.
    #[arg(long = "partition", value_name = "I")]
    pub partition: Vec<usize>,
    /// Most messages per pull.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch: u32,
    /// Most messages between two checkpoints when nothing alerted (a batch that raises
    /// an alert is checkpointed at once); messages are acknowledged only up to the last
    /// checkpoint, so a crash makes at most this many be evaluated again.
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub checkpoint_every: u32,
    /// Most milliseconds between two checkpoints while messages arrive.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub checkpoint_ms: u64,
    /// Milliseconds without events after which event time advances with the clock.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub idle_tick_ms: u64,
    /// Stop once every partition has no message left (for tests and benchmarks).
    #[arg(long)]
    pub until_idle: bool,
    /// Seconds between metrics lines (on standard error and `metrics.detect.<org>.<i>`).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub metrics_every: u64,
    /// Also deliver alerts to a Deltawall platform's `POST /api/v1/detections` (its base
    /// URL); the platform drops repeated ids.
    #[arg(long, value_name = "URL")]
    pub send: Option<String>,
    /// The API token (write scope) for `--send`.
    #[arg(
        long,
        env = "DELTAWALL_TOKEN",
        hide_env_values = true,
        requires = "send"
    )]
    pub token: Option<String>,
    /// Indicators from TAXII collections, kept current while the workers run.
    #[command(flatten)]
    pub subscription: deltawall_detect::subscription::SubscriptionArgs,
}

/// Arguments of `publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Where the stream is and how it is laid out.
    #[command(flatten)]
    pub stream: StreamArgs,
    /// The source token of the subjects, e.g. `web` or `auth`.
    #[arg(long)]
    pub source: String,
    /// Publications awaiting acknowledgement at most.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub inflight: usize,
    /// Log files or directories (plain or gzip), one event per line.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

impl StreamArgs {
    fn names(&self) -> anyhow::Result<Names> {
        Ok(Names::new(&self.stream, &self.org)?)
    }

    fn retention(&self) -> Retention {
        Retention {
            max_age: Duration::from_secs(self.max_age_hours.saturating_mul(3600)),
            duplicate_window: Duration::from_secs(self.dedup_window.max(1)),
        }
    }

    fn rules(&self) -> anyhow::Result<Rules> {
        let source = if self.rules.is_empty() {
            RuleSource::Builtin
        } else {
            RuleSource::Paths(self.rules.clone())
        };
        let (set, errors) = load_rules(&source)?;
        for e in &errors {
            eprintln!("warning: rule skipped: {e}");
        }
        let lateness = i64::try_from(self.lateness).unwrap_or(i64::MAX / 1_000_000) * 1_000_000;
        let mut config = engine_config(lateness);
        if let Some(path) = &self.mapping {
            config = with_mapping_file(config, path)?;
        }
        Ok(Rules::new(set, config, usize::from(self.partitions))?)
    }
}

/// Runs `detect` until interrupted (or drained with `--until-idle`); `forward` delivers
/// to the platform when `--send` is given; `feed` is the indicator set a subscription
/// keeps current and who hears of its matches.
pub async fn detect(
    args: DetectArgs,
    forward: Option<&dyn Forward>,
    feed: Option<(SharedIndicators, OnIndicatorMatch<'_>)>,
) -> anyhow::Result<ExitCode> {
    let names = args.stream.names()?;
    let mut rules = args.stream.rules()?;
    let mut on_match = None;
    if let Some((indicators, heard)) = feed {
        rules = rules.with_indicators(indicators);
        on_match = Some(heard);
    }
    let n = usize::from(args.stream.partitions);
    let partitions = if args.partition.is_empty() {
        (0..n).collect()
    } else {
        args.partition.clone()
    };
    if let Some(bad) = partitions.iter().find(|&&p| p >= n) {
        bail!("--partition {bad} is outside 0..{n}");
    }
    let cfg = WorkerConfig {
        url: args.stream.nats.clone(),
        names,
        partitions,
        batch: args.batch as usize,
        checkpoint_every: args.checkpoint_every as usize,
        checkpoint_interval: Duration::from_millis(args.checkpoint_ms),
        idle_tick: Duration::from_millis(args.idle_tick_ms.max(1)),
        until_idle: args.until_idle,
        metrics_every: Duration::from_secs(args.metrics_every.max(1)),
        retention: args.stream.retention(),
    };
    let print = |r: &crate::metrics::Report| {
        eprintln!("metrics {}", serde_json::to_string(r).unwrap_or_default());
    };
    let summary = tokio::select! {
        s = run(&cfg, &rules, forward, on_match, print) => s?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: unacknowledged messages will be delivered again");
            return Ok(ExitCode::SUCCESS);
        }
    };
    for r in &summary {
        eprintln!("done {}", serde_json::to_string(r).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `publish`.
pub async fn publish_files(args: PublishArgs) -> anyhow::Result<ExitCode> {
    check_token("source", &args.source)?;
    let cfg = PublishConfig {
        url: args.stream.nats.clone(),
        names: args.stream.names()?,
        source: args.source.clone(),
        inputs: args.paths.clone(),
        inflight: args.inflight,
        retention: args.stream.retention(),
    };
    let rules = args.stream.rules()?;
    let stats = publish(&cfg, &rules).await.context("publish failed")?;
    let secs = stats.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "{} messages published in {:.2} s ({:.0}/s), per partition {:?}, {} not recognised as events",
        stats.published,
        secs,
        stats.published as f64 / secs,
        stats.per_partition,
        stats.unparsed
    );
    Ok(ExitCode::SUCCESS)
}

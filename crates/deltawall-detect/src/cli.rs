//! The `scan`, `rules` and `gen-logs` commands, for the `deltawall` binary to flatten:
//!
//! ```ignore
//! #[derive(clap::Subcommand)]
//! enum Command {
//!     #[command(flatten)]
//!     Detect(deltawall_detect::cli::DetectCommand),
//! }
//! // ...
//! Command::Detect(cmd) => deltawall_detect::cli::run(cmd),
//! ```

use crate::generator::{GenConfig, generate};
use crate::input::{Format, SyslogParser};
use crate::output::AlertWriter;
use crate::pipeline::{ScanOptions, ScanStats};
use crate::rules::{RuleSource, engine_config, load_rules, run_tests, with_mapping_file};
use crate::shard::scan_sharded;
use anyhow::{Context, bail};
use deltawall_sigma::Engine;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Detection commands.
#[derive(Debug, clap::Subcommand)]
pub enum DetectCommand {
    /// Scan logs with the finance rule pack (or given Sigma rules) and print alerts as JSON Lines.
    Scan(ScanArgs),
    /// Check rules or run their test events.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Generate a labelled day of internet-banking logs with planted attacks.
    GenLogs(GenLogsArgs),
}

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Sigma rule file or directory (repeatable); default: the built-in finance pack.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Input format; `auto` detects it per file.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// Write alerts to this file (replaced atomically when the scan completes) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep reading files (and stdin) as they grow; alerts are emitted as windows close.
    #[arg(long)]
    pub follow: bool,
    /// How late (seconds behind the newest event) an event may arrive and still count in correlations.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub lateness: u64,
    /// Field mapping (YAML `mappings:` blocks of rule field → event paths per log
    /// source), applied before the built-in web server mapping.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Most correlation groups held at once; a new group beyond it evicts the group whose
    /// window ends first (counted in the summary). Bounds memory against address rotation.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_groups: usize,
    /// Most source addresses (and networks, ASNs) remembered per failure-ratio map; the
    /// least recently seen are evicted beyond it (counted in the summary).
    #[arg(long, value_name = "N", default_value_t = crate::enrich::MAX_KEYS)]
    pub max_sources: usize,
    /// STIX indicators (a bundle or a JSON array of objects) to match on every event:
    /// addresses and networks, domains, URLs, user agents and file hashes.
    #[arg(long, value_name = "FILE", conflicts_with = "taxii_collection")]
    pub indicators: Option<PathBuf>,
    /// Indicators from TAXII collections, kept current while `--follow` runs.
    #[command(flatten)]
    pub subscription: Box<crate::subscription::SubscriptionArgs>,
    /// Engine threads (default: the cores available). Events are spread by the field every
    /// correlation groups by; when correlations group by different fields, each thread
    /// reads every event and keeps the correlation groups whose key hashes to it. The
    /// alerts are those of one thread. `--follow`, and rules whose only correlations form
    /// one chain that changes the group key, use one engine thread.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Year for RFC 3164 syslog timestamps, which have none (default: this year).
    #[arg(long, value_name = "YEAR")]
    pub syslog_year: Option<i32>,
    /// Deliver alerts as they are found to a Deltawall platform's `POST /api/v1/detections`
    /// (the platform's base URL, e.g. `https://deltawall.example.jp`). Alerts are batched,
    /// kept in a spool until the platform has them, and retried with back-off.
    #[arg(long, value_name = "URL")]
    pub send: Option<String>,
    /// The API token (write scope) for `--send`; prefer the environment variable, which
    /// `ps` does not show. Without `--send` it is unused, so an exported token does not stop
    /// a plain scan.
    #[arg(long, env = "DELTAWALL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where `--send` keeps batches until the platform has them (default: the user's state
    /// directory, `$XDG_STATE_HOME/deltawall/spool` or `~/.local/state/deltawall/spool`).
    /// Batches left by an earlier run are sent first.
    #[arg(long, value_name = "DIR", requires = "send")]
    pub spool: Option<PathBuf>,
    /// Alerts per delivered batch (a batch also closes after one second).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub send_batch: u32,
    /// Attempts per batch before the scan stops sending and keeps the rest in the spool.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub send_attempts: u32,
    /// Files or directories to read (recursively, gzip detected); `-` is standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `rules` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Run each rule's test events (`<rule>.tests.yml`); default: the built-in pack.
    Test {
        /// Rule file or directory.
        path: Option<PathBuf>,
    },
    /// Parse and compile rules, listing every one that cannot be supported.
    Check {
        /// Rule file or directory.
        path: Option<PathBuf>,
    },
}

/// Arguments of `gen-logs`.
#[derive(Debug, clap::Args)]
pub struct GenLogsArgs {
    /// Output directory (created): auth.jsonl, payments.jsonl, web.log, truth.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed; the same seed and sizes give the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of customers.
    #[arg(long, default_value_t = 5000)]
    pub customers: usize,
    /// Background login sessions (each: a login, sometimes retries, about six requests,
    /// sometimes a payment); default 1.5 per customer.
    #[arg(long)]
    pub events: Option<usize>,
    /// The day to simulate (Japan time).
    #[arg(long, default_value = "2026-03-02")]
    pub date: String,
}

/// Runs a detection command.
pub fn run(cmd: DetectCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DetectCommand::Scan(args) => run_scan(args),
        DetectCommand::Rules(RulesCommand::Test { path }) => run_rule_tests(path),
        DetectCommand::Rules(RulesCommand::Check { path }) => run_check(path),
        DetectCommand::GenLogs(args) => run_gen(args),
    }
}

fn rule_source(paths: Vec<PathBuf>) -> RuleSource {
    if paths.is_empty() {
        RuleSource::Builtin
    } else {
        RuleSource::Paths(paths)
    }
}

fn run_scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    if args.send.is_some() {
        // Delivery needs a network client, which this crate does not have: the `deltawall`
        // binary handles `--send` and calls `scan_with` with its sender.
        bail!("--send is handled by the deltawall binary");
    }
    if args.subscription.is_active() {
        // Likewise the TAXII poller.
        bail!("--taxii-collection is handled by the deltawall binary");
    }
    scan_with(args, None, &mut |_| Ok(()))
}

/// Runs `scan` and hands every alert, as the JSON line it prints, to `also` before it is
/// printed: an alert is never printed unless `also` took it (the sender spools it there).
/// `feed`, when given, is the indicator set a subscription keeps current (instead of
/// `--indicators`).
pub fn scan_with(
    args: ScanArgs,
    feed: Option<crate::indicators::SharedIndicators>,
    also: &mut dyn FnMut(&serde_json::Value) -> std::io::Result<()>,
) -> anyhow::Result<ExitCode> {
    let (set, errors) = load_rules(&rule_source(args.rules.clone()))?;
    let lateness = i64::try_from(args.lateness).unwrap_or(i64::MAX / 1_000_000) * 1_000_000;
    let mut config = engine_config(lateness);
    config.max_correlation_keys = args.max_groups.max(1);
    if let Some(path) = &args.mapping {
        config = with_mapping_file(config, path)?;
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let (engine, compile_errors) = Engine::new_partial(&set, config.clone());
    for e in errors.iter().chain(&compile_errors) {
        eprintln!("warning: rule skipped: {e}");
    }
    if engine.rule_count() + engine.correlation_count() == 0 {
        bail!("no usable rules");
    }
    let mut engines = vec![engine];
    if threads > 1 && !args.follow && crate::shard::can_spread(&engines[0]) {
        engines.extend((1..threads).map(|_| Engine::new_partial(&set, config.clone()).0));
    }
    let indicators = match (&args.indicators, feed) {
        (Some(path), _) => Some(crate::indicators::SharedIndicators::new(load_indicators(
            path,
        )?)),
        (None, feed) => feed,
    };
    let opts = ScanOptions {
        inputs: args.paths,
        format: args.format,
        follow: args.follow,
        syslog: args
            .syslog_year
            .map(|year| SyslogParser { year })
            .unwrap_or_default(),
        idle_tick: Duration::from_secs(1),
        progress: std::io::stderr().is_terminal(),
        max_ratio_keys: args.max_sources,
        indicators,
    };
    let mut writer =
        AlertWriter::open(args.output.as_deref(), args.follow).context("cannot open output")?;
    let (stats, _) = scan_sharded(engines, &opts, &mut |a| {
        let line = crate::output::alert_json(a);
        also(&line)?;
        writer.write_value(&line)
    })?;
    writer.finish().context("cannot complete output")?;
    print_summary(&stats);
    Ok(ExitCode::SUCCESS)
}

/// Reads and compiles an indicator file; each indicator left out is reported once.
fn load_indicators(path: &std::path::Path) -> anyhow::Result<crate::indicators::IndicatorSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read indicators {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let (set, skipped) = crate::indicators::IndicatorSet::from_json(&json);
    for s in &skipped {
        eprintln!("warning: indicator {} not evaluated: {}", s.id, s.reason);
    }
    eprintln!("{} indicator(s) loaded from {}", set.len(), path.display());
    Ok(set)
}

fn print_summary(stats: &ScanStats) {
    let secs = stats.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "{} events from {} input(s), {:.1} MB in {:.2} s ({:.0} events/s)",
        stats.events,
        stats.inputs,
        stats.bytes as f64 / 1e6,
        secs,
        stats.events as f64 / secs
    );
    if stats.engine_threads > 1 {
        eprintln!("{} engine threads", stats.engine_threads);
    }
    if stats.malformed > 0 {
        eprintln!("{} malformed line(s):", stats.malformed);
        for m in &stats.malformed_samples {
            eprintln!("  {m}");
        }
        if stats.malformed > stats.malformed_samples.len() as u64 {
            eprintln!(
                "  ... and {} more",
                stats.malformed - stats.malformed_samples.len() as u64
            );
        }
    }
    if stats.late_events > 0 {
        eprintln!(
            "{} event(s) arrived too late for correlations (raise --lateness)",
            stats.late_events
        );
    }
    if stats.evicted_keys + stats.window_overflow > 0 {
        eprintln!(
            "correlation state was capped: {} group(s) evicted, {} window entr(ies) dropped",
            stats.evicted_keys, stats.window_overflow
        );
    }
    if stats.evicted_ratio_keys > 0 {
        eprintln!(
            "failure-ratio state was capped: {} source/network key(s) evicted",
            stats.evicted_ratio_keys
        );
    }
    let total: u64 = stats.alerts_per_rule.values().sum();
    eprintln!("{total} alert(s)");
    for (title, n) in &stats.alerts_per_rule {
        eprintln!("  {n:>6}  {title}");
    }
}

fn run_rule_tests(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let results = run_tests(&rule_source(path.into_iter().collect()))?;
    let failed = results.iter().filter(|r| !r.passed()).count();
    for r in &results {
        let verdict = if r.passed() { "ok  " } else { "FAIL" };
        let expect = if r.should_match { "match" } else { "no match" };
        let detail = r
            .error
            .clone()
            .unwrap_or_else(|| format!("{} alert(s)", r.alerts));
        println!("{verdict} {} [{expect}] {} ({detail})", r.file, r.name);
    }
    println!("{} case(s), {failed} failed", results.len());
    if results.is_empty() {
        bail!("no rule tests found");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_check(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (set, mut errors) = load_rules(&rule_source(path.into_iter().collect()))?;
    let (engine, compile_errors) = Engine::new_partial(&set, engine_config(0));
    errors.extend(compile_errors);
    for e in &errors {
        println!("unsupported: {e}");
    }
    println!(
        "{} document(s) read, {} rule(s) and {} correlation(s) compiled, {} rejected",
        set.len(),
        engine.rule_count(),
        engine.correlation_count(),
        errors.len()
    );
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn parse_date(text: &str) -> anyhow::Result<(i64, u32, u32)> {
    let date: jiff::civil::Date = text
        .parse()
        .with_context(|| format!("bad --date {text:?}, want YYYY-MM-DD"))?;
    Ok((
        i64::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    ))
}

fn run_gen(args: GenLogsArgs) -> anyhow::Result<ExitCode> {
    let config = GenConfig {
        seed: args.seed,
        customers: args.customers,
        sessions: args.events,
        date: parse_date(&args.date)?,
        out: args.out.clone(),
    };
    let (truth, written) = generate(&config)?;
    eprintln!(
        "wrote {}: {} auth events, {} payment events, {} web requests, {} planted attacks",
        args.out.display(),
        written.auth,
        written.payments,
        written.web,
        truth.attacks.len()
    );
    Ok(ExitCode::SUCCESS)
}

//! The scheduled jobs of `deltawall serve`, run once per due time across every replica that
//! shares the database (see `deltawall_store::jobs` for the lease), and `deltawall jobs`
//! to see their runs or make one due now.

use crate::config::{self, DbArgs};
use clap::{Args, Subcommand};
use deltawall_app::supervision::clock::Clock;
use deltawall_store::Store;
use deltawall_store::jobs::{self, Outcome, Schedule};
use deltawall_store::records::now_us;
use std::process::ExitCode;
use std::time::Duration;

/// The jobs, by name: how often each falls due by default.
pub const JOBS: [(&str, u64); 2] = [(MAINTENANCE, 600), (REMINDERS, 300)];
const MAINTENANCE: &str = "maintenance";
const REMINDERS: &str = "reminders";

/// Records of finished runs are kept this long.
const KEEP_RUNS_US: i64 = 30 * 24 * 3600 * 1_000_000;

/// What the scheduler needs to know.
#[derive(Debug, Clone)]
pub struct Scheduler {
    /// This process's name in `job_runs` (default: host name and process id).
    pub replica: String,
    /// Every job's interval, overriding the defaults (for tests and small installations).
    pub interval_override: Option<Duration>,
    /// How far back the sign-in throttle looks, so maintenance keeps what it still needs.
    pub throttle_window_secs: i64,
    /// The application clock (the reminders' notion of now).
    pub clock: Clock,
}

impl Scheduler {
    fn interval(&self, default_secs: u64) -> Duration {
        self.interval_override
            .unwrap_or(Duration::from_secs(default_secs))
    }

    fn schedule(&self, default_secs: u64) -> Schedule {
        let every = self.interval(default_secs);
        let interval_us = i64::try_from(every.as_micros()).unwrap_or(i64::MAX).max(1);
        // A run that has not finished after ten intervals (at least a minute) is presumed
        // dead with its replica; then another replica may take the job.
        let lease_us = interval_us.saturating_mul(10).max(60_000_000);
        Schedule {
            interval_us,
            lease_us,
        }
    }

    /// How often this replica looks for due jobs: a quarter of the shortest interval, so
    /// a due job waits at most that long, between 50 ms and 30 s.
    fn poll(&self) -> Duration {
        let shortest = JOBS
            .iter()
            .map(|&(_, secs)| self.interval(secs))
            .min()
            .unwrap_or(Duration::from_secs(60));
        (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(30))
    }

    /// Runs until aborted: every poll, claims and runs each job that is due.
    pub async fn run(self, store: Store) {
        let mut tick = tokio::time::interval(self.poll());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for (name, secs) in JOBS {
                if let Err(e) = self.run_if_due(&store, name, secs).await {
                    tracing::warn!(job = name, error = %e, "cannot claim or record a job");
                }
            }
        }
    }

    async fn run_if_due(
        &self,
        store: &Store,
        name: &str,
        secs: u64,
    ) -> deltawall_store::Result<()> {
        let Some(claim) =
            jobs::claim(store, name, &self.replica, now_us(), self.schedule(secs)).await?
        else {
            return Ok(());
        };
        let outcome = match name {
            MAINTENANCE => maintain(store, self.throttle_window_secs).await,
            REMINDERS => remind(store, &self.clock).await,
            other => Err(format!("unknown job {other}")),
        };
        let outcome = match outcome {
            Ok(done) => {
                tracing::debug!(job = name, due_at = claim.due_at, done, "job ran");
                Outcome::Ok(done)
            }
            Err(e) => {
                tracing::warn!(job = name, error = %e, "job failed");
                Outcome::Failed(e)
            }
        };
        jobs::finish(store, &claim, now_us(), &outcome).await
    }
}

/// Removes expired sessions, sign-in attempts older than a day (the throttle looks back one
/// window; the audit trail keeps every attempt for good) and old job records.
async fn maintain(store: &Store, window_secs: i64) -> Result<String, String> {
    let keep_us = (24 * 3600).max(window_secs) * 1_000_000;
    let now = now_us();
    let result = async {
        let mut conn = store.read().await?;
        let sessions = deltawall_store::sessions::purge_expired(&mut conn, now).await?;
        let attempts = deltawall_store::throttle::purge(&mut conn, now - keep_us).await?;
        let runs = jobs::purge_runs(&mut conn, now - KEEP_RUNS_US).await?;
        Ok::<_, deltawall_store::StoreError>(format!(
            "purged {sessions} sessions, {attempts} sign-in attempts, {runs} job runs"
        ))
    }
    .await;
    result.map_err(|e| e.to_string())
}

/// Records the reminders of requests and alerts that have fallen due (once each; see
/// `deltawall_app::supervision::reminders`). Overdue states do not wait for this: they are
/// computed on every read.
async fn remind(store: &Store, clock: &Clock) -> Result<String, String> {
    let s = deltawall_app::supervision::reminders::sweep(store, clock.now_us())
        .await
        .map_err(|e| e.to_string())?;
    if s.requests + s.alerts > 0 {
        tracing::info!(
            requests = s.requests,
            alerts = s.alerts,
            "reminders recorded"
        );
    }
    Ok(format!(
        "{} request reminders, {} alert reminders",
        s.requests, s.alerts
    ))
}

/// A name for this process in the run records: `host:pid`.
pub fn default_replica() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    format!("{host}:{}", std::process::id())
}

/// `deltawall jobs …`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List the recorded runs of a job (due time, replica, outcome), oldest first.
    Runs(JobArgs),
    /// Make a job due now: the next replica that looks runs it.
    Due(JobArgs),
}

/// Which job, in which database.
#[derive(Debug, Args)]
pub struct JobArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The job: `maintenance` or `reminders`.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(JOBS.map(|j| j.0)))]
    job: String,
}

/// Runs `deltawall jobs …`.
pub async fn command(cmd: JobsCommand) -> anyhow::Result<ExitCode> {
    let (args, due) = match cmd {
        JobsCommand::Runs(a) => (a, false),
        JobsCommand::Due(a) => (a, true),
    };
    let store = config::open_store(&config::build(&args.db, None)?).await?;
    let mut conn = store.read().await?;
    if due {
        if !jobs::make_due(&mut conn, &args.job, now_us()).await? {
            anyhow::bail!("job {} has not run yet: no schedule to change", args.job);
        }
        println!("{} is due now", args.job);
        return Ok(ExitCode::SUCCESS);
    }
    for r in jobs::runs(&mut conn, &args.job).await? {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            r.due_at,
            r.replica,
            r.finished_at
                .map_or("-".to_owned(), |f| (f - r.started_at).to_string() + "µs"),
            r.outcome.as_deref().unwrap_or("running"),
            r.detail.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

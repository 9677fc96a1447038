//! `deltawall scan --send URL`: delivers alerts to the platform while the scan runs.
//!
//! Every alert goes into the spool's journal before it is printed (`spool.rs`); a batch is
//! sealed at `--send-batch` alerts or after a second, and a sender thread posts sealed
//! batches in order (`client.rs`), retrying with exponential back-off. A batch leaves the
//! spool only once the platform answered 202. When the platform stays unreachable the scan
//! goes on, the remaining batches stay in the spool, the command exits with failure, and
//! the next `scan --send` sends them first. Resent alerts are duplicates on the platform
//! (stable ids), so delivering a batch twice is harmless.

pub(crate) mod client;
mod spool;

use anyhow::{Context, anyhow};
use client::{Client, Counts, Failure};
use deltawall_detect::cli::ScanArgs;
use spool::Spool;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A batch closes when its oldest alert is this old, so a quiet scan still delivers.
const BATCH_AGE: Duration = Duration::from_secs(1);

/// The first wait before a retry; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the sender did.
#[derive(Debug, Default)]
struct Outcome {
    batches: u64,
    counts: Counts,
    kept: Vec<PathBuf>,
    stopped: Option<anyhow::Error>,
}

fn locked(spool: &Mutex<Spool>) -> MutexGuard<'_, Spool> {
    spool
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `scan` with delivery to the platform; `feed` is a subscription's indicator set
/// and `heard` sees every alert line as it is spooled.
pub fn run(
    args: ScanArgs,
    feed: Option<deltawall_detect::indicators::SharedIndicators>,
    heard: &dyn Fn(&serde_json::Value),
) -> anyhow::Result<ExitCode> {
    let url = args.send.clone().context("--send is required")?;
    let token = args
        .token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .context("--send needs an API token: --token or DELTAWALL_TOKEN")?;
    let client = Client::new(&url, &token)?;
    let dir = args.spool.clone().unwrap_or_else(spool::default_dir);
    let spool = Arc::new(Mutex::new(Spool::open(&dir)?));
    let (tx, rx) = channel::<PathBuf>();
    let earlier = locked(&spool).pending()?;
    if !earlier.is_empty() {
        eprintln!(
            "{} batch(es) left in {} by an earlier run: sending them first",
            earlier.len(),
            dir.display()
        );
    }
    for path in earlier {
        tx.send(path).map_err(|_| anyhow!("the sender stopped"))?;
    }
    let attempts = args.send_attempts;
    let sender = std::thread::spawn(move || deliver_all(&client, &rx, attempts));
    let done = Arc::new(AtomicBool::new(false));
    let ticker = spawn_ticker(Arc::clone(&spool), tx.clone(), Arc::clone(&done));
    let batch = args.send_batch as usize;
    let scanned = deltawall_detect::cli::scan_with(args, feed, &mut |line| {
        heard(line);
        if let Some(sealed) = locked(&spool).append(&line.to_string(), batch)? {
            // The sender only stops when it is dropped below; the batch is spooled anyway.
            let _ = tx.send(sealed);
        }
        Ok(())
    });
    done.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    {
        let mut s = locked(&spool);
        if s.has_open_lines() {
            let _ = tx.send(s.seal()?);
        }
    }
    drop(tx);
    let outcome = sender
        .join()
        .map_err(|_| anyhow!("the sender thread failed"))?;
    let code = scanned?;
    Ok(summarise(&outcome, &dir).unwrap_or(code))
}

/// Seals the journal once a second so that alerts reach the platform while a scan is quiet.
fn spawn_ticker(
    spool: Arc<Mutex<Spool>>,
    tx: Sender<PathBuf>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            match locked(&spool).seal_if_older(BATCH_AGE) {
                Ok(Some(sealed)) => {
                    let _ = tx.send(sealed);
                }
                Ok(None) => {}
                // The journal stays in place and is sealed at the end or by the next run.
                Err(e) => eprintln!("warning: cannot seal a spool batch: {e}"),
            }
        }
    })
}

/// Prints what was delivered; `Some(failure)` when batches stay in the spool.
fn summarise(o: &Outcome, dir: &Path) -> Option<ExitCode> {
    eprintln!(
        "sent {} batch(es): {} accepted, {} duplicate, {} rejected",
        o.batches, o.counts.accepted, o.counts.duplicate, o.counts.rejected
    );
    if o.counts.rejected > 0 {
        eprintln!(
            "warning: the platform refused {} alert line(s); see its answer in the audit trail",
            o.counts.rejected
        );
    }
    if o.kept.is_empty() {
        return None;
    }
    let why = o
        .stopped
        .as_ref()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    eprintln!(
        "error: {} batch(es) not delivered ({why}); kept in {} and sent by the next scan --send",
        o.kept.len(),
        dir.display()
    );
    Some(ExitCode::FAILURE)
}

/// Sends sealed batches in order until the channel closes; after a batch that cannot be
/// delivered, keeps every later one in the spool without trying.
fn deliver_all(client: &Client, rx: &Receiver<PathBuf>, attempts: u32) -> Outcome {
    let mut out = Outcome::default();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.stopped = Some(anyhow!("cannot start the sender's runtime: {e}"));
            out.kept = rx.iter().collect();
            return out;
        }
    };
    for path in rx {
        if out.stopped.is_some() {
            out.kept.push(path);
            continue;
        }
        match runtime.block_on(deliver_one(client, &path, attempts)) {
            Ok(c) => {
                out.batches += 1;
                out.counts.accepted += c.accepted;
                out.counts.duplicate += c.duplicate;
                out.counts.rejected += c.rejected;
                if let Err(e) = std::fs::remove_file(&path) {
                    // Left in place, it is resent next time and counted as duplicates.
                    eprintln!(
                        "warning: cannot remove delivered batch {}: {e}",
                        path.display()
                    );
                }
            }
            Err(e) => {
                eprintln!("warning: delivery stopped: {e:#}");
                out.stopped = Some(e);
                out.kept.push(path);
            }
        }
    }
    out
}

/// Delivers one batch file, retrying what may succeed later with exponential back-off.
async fn deliver_one(client: &Client, path: &Path, attempts: u32) -> anyhow::Result<Counts> {
    let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut wait = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match client.deliver(body.clone()).await {
            Ok(counts) => return Ok(counts),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(e)) if attempt >= attempts => {
                return Err(e.context(format!("gave up after {attempts} attempt(s)")));
            }
            Err(Failure::Retry(e)) => {
                eprintln!("warning: {e:#}; retrying in {} ms", wait.as_millis());
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_BACKOFF);
                attempt += 1;
            }
        }
    }
}

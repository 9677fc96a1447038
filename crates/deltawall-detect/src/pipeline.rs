//! The scan pipeline: a reader thread parses (and, across files, merges by event time)
//! while the calling thread runs the engine, so parsing and detection use two cores and
//! the engine still sees each file's events in order.

use crate::enrich::AuthRatios;
use crate::input::{
    FileStream, Format, Input, Malformed, Pulled, Record, Source, SyslogParser, expand_inputs,
};
use deltawall_sigma::{Alert, Engine, LogSource};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

/// Converts a reader's log source to the engine's.
pub fn to_logsource(source: &Source) -> LogSource {
    LogSource::new(
        source.category.as_deref(),
        source.product.as_deref(),
        source.service.as_deref(),
    )
}

/// The log sources an event belongs to: its own and, when it has one, the wider
/// category it is also part of (see [`Source::also`]).
pub fn to_logsources(source: &Source) -> Vec<LogSource> {
    let mut out = vec![to_logsource(source)];
    if let Some(also) = source.also {
        out.push(LogSource::new(
            Some(also),
            source.product.as_deref(),
            source.service.as_deref(),
        ));
    }
    out
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files, directories, or `-` for standard input.
    pub inputs: Vec<PathBuf>,
    /// The format, or auto-detection per file.
    pub format: Format,
    /// Keep reading at end of input, as `tail -f` does.
    pub follow: bool,
    /// Year given to RFC 3164 syslog timestamps.
    pub syslog: SyslogParser,
    /// When following and no event arrives for this long, event time is advanced by the
    /// wall-clock time elapsed, so that windows close with bounded latency.
    pub idle_tick: Duration,
    /// Show a progress line.
    pub progress: bool,
    /// Most keys per failure-ratio map ([`crate::enrich::MAX_KEYS`] by default).
    pub max_ratio_keys: usize,
    /// Shared STIX indicators evaluated on every event, besides the rules; a feed may
    /// replace them while the scan runs.
    pub indicators: Option<crate::indicators::SharedIndicators>,
}

/// Counters of one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanStats {
    /// Inputs read.
    pub inputs: usize,
    /// Engine threads the events were spread over (1 unless `scan --threads` could
    /// partition the rules, see [`crate::shard::can_shard`]).
    pub engine_threads: usize,
    /// Events read.
    pub events: u64,
    /// Lines that were not events.
    pub malformed: u64,
    /// The first malformed locations (at most [`MALFORMED_SAMPLES`]).
    pub malformed_samples: Vec<Malformed>,
    /// Alerts per rule title.
    pub alerts_per_rule: BTreeMap<String, u64>,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Correlation inputs that came later than the allowed lateness.
    pub late_events: u64,
    /// Correlation groups evicted to respect the engine's key cap.
    pub evicted_keys: u64,
    /// Source, network and ASN keys of the failure-ratio maps evicted to respect their cap
    /// (`ScanOptions::max_ratio_keys`) while still inside their window.
    pub evicted_ratio_keys: u64,
    /// Window entries dropped to respect the engine's per-group cap.
    pub window_overflow: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// How many malformed locations a scan keeps for its summary.
pub const MALFORMED_SAMPLES: usize = 20;

/// Errors that stop a scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// An input path does not exist or a directory cannot be read.
    #[error("{0}")]
    Inputs(io::Error),
    /// Writing an alert failed.
    #[error("cannot write alert: {0}")]
    Output(io::Error),
}

pub(crate) enum Msg {
    Batch(Vec<Record>),
    Malformed(Malformed),
    Bytes(u64),
}

const BATCH: usize = 1024;
/// Inputs merged at once; more are processed in consecutive groups of this size.
const MERGE_FANIN: usize = 128;

fn open_error(input: &Input, e: &io::Error) -> Msg {
    Msg::Malformed(Malformed {
        file: input.name(),
        line: 0,
        reason: format!("cannot open: {e}"),
    })
}

/// Reads a group of inputs to the end, merging their records by event time.
fn produce_merged(inputs: &[Input], opts: &ScanOptions, tx: &SyncSender<Msg>) -> Option<()> {
    for group in inputs.chunks(MERGE_FANIN) {
        let mut streams = Vec::new();
        for input in group {
            match FileStream::open(input, opts.format, false, opts.syslog) {
                Ok(s) => streams.push(s),
                Err(e) => tx.send(open_error(input, &e)).ok()?,
            }
        }
        let mut heads: Vec<Option<Record>> = (0..streams.len()).map(|_| None).collect();
        let mut last_ts = vec![i64::MIN; streams.len()];
        let mut heap = BinaryHeap::new();
        let mut seq = 0u64;
        let mut refill = |i: usize,
                          streams: &mut Vec<FileStream>,
                          heads: &mut Vec<Option<Record>>,
                          heap: &mut BinaryHeap<_>|
         -> Option<()> {
            loop {
                match streams[i].pull() {
                    Pulled::Record(r) => {
                        // Events without a time keep their place after the file's last timed one.
                        let ts = r.event_time().unwrap_or(last_ts[i]);
                        last_ts[i] = ts;
                        seq += 1;
                        heap.push(Reverse((ts, seq, i)));
                        heads[i] = Some(r);
                        return Some(());
                    }
                    Pulled::Malformed(m) => tx.send(Msg::Malformed(m)).ok()?,
                    Pulled::Pending | Pulled::End => return Some(()),
                }
            }
        };
        for i in 0..streams.len() {
            refill(i, &mut streams, &mut heads, &mut heap)?;
        }
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(Reverse((_, _, i))) = heap.pop() {
            batch.push(heads[i].take().expect("a head per heap entry"));
            if batch.len() == BATCH {
                tx.send(Msg::Batch(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BATCH),
                )))
                .ok()?;
            }
            refill(i, &mut streams, &mut heads, &mut heap)?;
        }
        tx.send(Msg::Batch(batch)).ok()?;
        tx.send(Msg::Bytes(streams.iter().map(FileStream::bytes_read).sum()))
            .ok()?;
    }
    Some(())
}

/// Follows one input forever (files) or to its end (standard input).
fn produce_following(input: Input, opts: ScanOptions, tx: SyncSender<Msg>) -> Option<()> {
    let mut stream = match FileStream::open(&input, opts.format, true, opts.syslog) {
        Ok(s) => s,
        Err(e) => return tx.send(open_error(&input, &e)).ok(),
    };
    // Standard input blocks in read, so send each event at once there.
    let limit = if input == Input::Stdin { 1 } else { 256 };
    let mut batch = Vec::new();
    loop {
        match stream.pull() {
            Pulled::Record(r) => {
                batch.push(r);
                if batch.len() >= limit {
                    tx.send(Msg::Batch(std::mem::take(&mut batch))).ok()?;
                }
            }
            Pulled::Malformed(m) => tx.send(Msg::Malformed(m)).ok()?,
            Pulled::Pending => {
                if !batch.is_empty() {
                    tx.send(Msg::Batch(std::mem::take(&mut batch))).ok()?;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Pulled::End => {
                tx.send(Msg::Batch(batch)).ok()?;
                return tx.send(Msg::Bytes(stream.bytes_read())).ok();
            }
        }
    }
}

/// Counts a web request for [`crate::contributors::TopSources`], unless customers sign in
/// from its address (`deltawall.source.accounts` of 3 or more): a carrier NAT or office
/// proxy is busy every day and must not be named for a spike.
pub(crate) fn count_request(
    tops: &std::cell::RefCell<crate::contributors::TopSources>,
    source: &Source,
    event: &dyn deltawall_event::Event,
) {
    use deltawall_event::Scalar;
    if source.category.as_deref() != Some("webserver") {
        return;
    }
    let shared = event
        .get("deltawall.source.accounts")
        .and_then(|f| f.iter().next())
        .is_some_and(|s| matches!(s, Scalar::Int(n) if n >= 3));
    if shared {
        return;
    }
    if let (Some(t), Some(field)) = (event.timestamp_us(), event.get("source.ip"))
        && let Some(Scalar::Str(ip)) = field.iter().next()
    {
        tops.borrow_mut().observe(ip, t);
    }
}

impl Record {
    fn event_time(&self) -> Option<i64> {
        deltawall_event::Event::timestamp_us(&self.event)
    }
}

/// Starts the reader thread(s) and returns the channel they fill.
pub(crate) fn start_readers(inputs: Vec<Input>, opts: &ScanOptions) -> Receiver<Msg> {
    let (tx, rx) = sync_channel(16);
    if opts.follow {
        for input in inputs {
            let (tx, opts) = (tx.clone(), opts.clone());
            std::thread::spawn(move || produce_following(input, opts, tx));
        }
    } else {
        let opts = opts.clone();
        std::thread::spawn(move || produce_merged(&inputs, &opts, &tx));
    }
    rx
}

/// Runs `engine` over the inputs; alerts go to `on_alert` as they are final.
pub fn scan(
    engine: &mut Engine,
    opts: &ScanOptions,
    on_alert: &mut dyn FnMut(&Alert) -> io::Result<()>,
) -> Result<ScanStats, ScanError> {
    let inputs = expand_inputs(&opts.inputs).map_err(ScanError::Inputs)?;
    let started = Instant::now();
    let mut stats = ScanStats {
        inputs: inputs.len(),
        engine_threads: 1,
        ..ScanStats::default()
    };
    let rx = start_readers(inputs, opts);
    let progress = opts.progress.then(crate::progress::Progress::new);
    let mut last_source: Option<(Source, Vec<LogSource>)> = None;
    let mut ratios = AuthRatios::with_max_keys(opts.max_ratio_keys);
    let mut failure: Option<io::Error> = None;
    let mut per_rule: BTreeMap<String, u64> = BTreeMap::new();
    let tops = std::cell::RefCell::new(crate::contributors::TopSources::default());
    let mut sink = |mut a: deltawall_sigma::Alert| {
        tops.borrow().annotate(&mut a);
        *per_rule.entry(a.title.clone()).or_default() += 1;
        if failure.is_none()
            && let Err(e) = on_alert(&a)
        {
            failure = Some(e);
        }
    };
    let (mut newest, mut newest_wall) = (i64::MIN, Instant::now());
    loop {
        let msg = if opts.follow {
            match rx.recv_timeout(opts.idle_tick) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    if newest > i64::MIN {
                        let idle = newest_wall.elapsed().as_micros() as i64;
                        engine.advance_to(newest.saturating_add(idle), &mut sink);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            }
        };
        match msg {
            Msg::Batch(batch) => {
                let indicators = opts.indicators.as_ref().map(|h| h.current());
                for record in &batch {
                    // Consecutive events nearly always share their source: compare before hashing.
                    if last_source
                        .as_ref()
                        .is_none_or(|(s, _)| *s != record.source)
                    {
                        last_source = Some((record.source.clone(), to_logsources(&record.source)));
                    }
                    let logsources = &last_source.as_ref().expect("set above").1;
                    let event = ratios.enrich(record);
                    count_request(&tops, &record.source, &event);
                    engine.process_any(logsources, &event, &mut sink);
                    if let Some(ind) = &indicators {
                        ind.matches(&event, &mut sink);
                    }
                    if let Some(t) = record.event_time()
                        && t > newest
                    {
                        (newest, newest_wall) = (t, Instant::now());
                    }
                }
                stats.events += batch.len() as u64;
                if let Some(p) = &progress {
                    p.update(stats.events, started.elapsed());
                }
            }
            Msg::Malformed(m) => {
                stats.malformed += 1;
                if stats.malformed_samples.len() < MALFORMED_SAMPLES {
                    stats.malformed_samples.push(m);
                }
            }
            Msg::Bytes(b) => stats.bytes += b,
        }
    }
    engine.flush(&mut sink);
    if let Some(p) = progress {
        p.finish();
    }
    if let Some(e) = failure {
        return Err(ScanError::Output(e));
    }
    stats.alerts_per_rule = per_rule;
    let engine_stats = engine.stats();
    stats.late_events = engine_stats.late_events;
    stats.evicted_keys = engine_stats.evicted_keys;
    stats.evicted_ratio_keys = ratios.evicted + ratios.evicted_rates();
    stats.window_overflow = engine_stats.window_overflow;
    stats.elapsed = started.elapsed();
    Ok(stats)
}

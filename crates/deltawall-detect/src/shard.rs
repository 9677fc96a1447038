//! `scan --threads N`: the events of one scan spread over N engine threads built from the
//! same rules, with one ordered merge of their alerts.
//!
//! The reader thread parses (as in [`crate::pipeline::scan`]); this thread computes the
//! failure ratios (they span every source, so they are computed once, in event order) and
//! sends each event to the engine that owns its correlation group: by the value of the
//! field every correlation groups by, or round-robin when there is no correlation. When
//! the correlations group by different fields, the engines divide the correlation groups
//! instead ([`Engine::keep_share`]) and every engine reads the same shared batches. Each
//! event carries the newest event time seen before it, so that every engine decides
//! lateness and closes windows at the same event time as a single engine would. Alerts
//! are tagged with the sequence number of the event that released them and emitted in that
//! order once every engine has passed it.

use crate::enrich::{AuthRatios, Enriched, Ratios};
use crate::input::{Record, Source};
use crate::pipeline::{MALFORMED_SAMPLES, Msg, ScanError, ScanOptions, ScanStats, start_readers};
use deltawall_sigma::{Alert, Engine, LogSource, Partition};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::time::Instant;

/// One event for an engine thread.
struct Item {
    seq: u64,
    /// The newest event time seen before this event (`i64::MIN`: none yet).
    before: i64,
    record: Record,
    ratios: Ratios,
    network: Option<crate::enrich::Network>,
    logsources: Arc<Vec<LogSource>>,
}

enum Work {
    /// Events, and the last sequence number dispatched so far (to any engine). Shared:
    /// engines that divide the correlations all read the same batch.
    Items(Arc<Vec<Item>>, u64),
    /// End of input: move to this event time, flush, and stop.
    Finish(i64),
}

/// An engine's alerts, each with (sequence, engine, index) for the merge.
struct Done {
    shard: usize,
    upto: u64,
    alerts: Vec<((u64, usize, u64), Alert)>,
    finished: bool,
}

/// Whether these engines can share a scan: more than one, not following, and rules that
/// can be spread (see [`can_spread`]).
pub fn can_shard(engines: &[Engine], opts: &ScanOptions) -> bool {
    engines.len() > 1 && !opts.follow && can_spread(&engines[0])
}

/// Whether an engine's rules can be spread over several engines: by events, when every
/// correlation groups by one field (or there is no correlation), or else by correlations,
/// when they are not all one chain (each engine then reads every event and keeps the
/// windows of its own groups, see [`Engine::keep_share`]).
pub fn can_spread(engine: &Engine) -> bool {
    engine.partition() != Partition::Single || engine.can_divide()
}

/// Runs the scan over `engines` (built from the same rules); with one engine, or rules
/// that cannot be partitioned (see [`can_shard`]), the first engine runs alone.
pub fn scan_sharded(
    engines: Vec<Engine>,
    opts: &ScanOptions,
    on_alert: &mut dyn FnMut(&Alert) -> io::Result<()>,
) -> Result<(ScanStats, Vec<Engine>), ScanError> {
    let mut engines = engines;
    if !can_shard(&engines, opts) {
        let stats = crate::pipeline::scan(&mut engines[0], opts, on_alert)?;
        return Ok((stats, engines));
    }
    let inputs = crate::input::expand_inputs(&opts.inputs).map_err(ScanError::Inputs)?;
    let started = Instant::now();
    let mut stats = ScanStats {
        inputs: inputs.len(),
        ..ScanStats::default()
    };
    let partition = engines[0].partition();
    let n = engines.len();
    let divided = partition == Partition::Single;
    let rx = start_readers(inputs, opts);
    let (done_tx, done_rx) = channel();
    let mut work_txs = Vec::new();
    let mut handles = Vec::new();
    for (i, mut engine) in engines.into_iter().enumerate() {
        if divided {
            engine.keep_share(i, n);
        }
        let (tx, rx) = sync_channel::<Work>(4);
        let done = done_tx.clone();
        work_txs.push(tx);
        // Every engine reads every event when they divide the correlations: one of them
        // evaluates the indicators.
        let indicators = opts.indicators.clone().filter(|_| !divided || i == 0);
        handles.push(std::thread::spawn(move || {
            run_engine(i, engine, indicators.as_ref(), &rx, &done)
        }));
    }
    drop(done_tx);
    let mut merge = Merge::new(n);
    let mut failure: Option<io::Error> = None;
    let tops = std::cell::RefCell::new(crate::contributors::TopSources::default());
    let mut emit = |mut a: Alert, stats: &mut ScanStats| {
        tops.borrow().annotate(&mut a);
        let a = &a;
        *stats.alerts_per_rule.entry(a.title.clone()).or_default() += 1;
        if failure.is_none()
            && let Err(e) = on_alert(a)
        {
            failure = Some(e);
        }
    };
    let mut ratios = AuthRatios::with_max_keys(opts.max_ratio_keys);
    let mut last_source: Option<(Source, Arc<Vec<LogSource>>)> = None;
    let (mut seq, mut newest) = (0u64, i64::MIN);
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Batch(batch) => {
                stats.events += batch.len() as u64;
                let mut per_shard: Vec<Vec<Item>> = (0..n).map(|_| Vec::new()).collect();
                for record in batch {
                    seq += 1;
                    if last_source
                        .as_ref()
                        .is_none_or(|(s, _)| *s != record.source)
                    {
                        let ls = Arc::new(crate::pipeline::to_logsources(&record.source));
                        last_source = Some((record.source.clone(), ls));
                    }
                    let logsources = last_source.as_ref().expect("set above").1.clone();
                    let Enriched {
                        ratios: r, network, ..
                    } = ratios.enrich(&record);
                    let view = Enriched {
                        inner: &record.event,
                        ratios: r,
                        network,
                    };
                    crate::pipeline::count_request(&tops, &record.source, &view);
                    let shard = match &partition {
                        Partition::ByField(p) => p.shard(&view, n),
                        Partition::Single => 0,
                        Partition::Any => (seq % n as u64) as usize,
                    };
                    let before = newest;
                    if let Some(t) = deltawall_event::Event::timestamp_us(&record.event) {
                        newest = newest.max(t);
                    }
                    per_shard[shard].push(Item {
                        seq,
                        before,
                        record,
                        ratios: r,
                        network,
                        logsources,
                    });
                }
                if divided {
                    let items = Arc::new(per_shard.swap_remove(0));
                    for tx in &work_txs {
                        if tx.send(Work::Items(items.clone(), seq)).is_err() {
                            break;
                        }
                    }
                } else {
                    for (tx, items) in work_txs.iter().zip(per_shard) {
                        if tx.send(Work::Items(Arc::new(items), seq)).is_err() {
                            break;
                        }
                    }
                }
                while let Ok(done) = done_rx.try_recv() {
                    merge.add(done, &mut |a| emit(a, &mut stats));
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
    for tx in &work_txs {
        // A thread that stopped early has reported through its handle.
        let _ = tx.send(Work::Finish(newest));
    }
    drop(work_txs);
    while let Ok(done) = done_rx.recv() {
        merge.add(done, &mut |a| emit(a, &mut stats));
    }
    merge.drain(&mut |a| emit(a, &mut stats));
    let mut engines = Vec::new();
    for h in handles {
        engines.push(h.join().expect("an engine thread panicked"));
    }
    if let Some(e) = failure {
        return Err(ScanError::Output(e));
    }
    for e in &engines {
        let s = e.stats();
        stats.late_events += s.late_events;
        stats.evicted_keys += s.evicted_keys;
        stats.window_overflow += s.window_overflow;
    }
    stats.evicted_ratio_keys = ratios.evicted + ratios.evicted_rates();
    stats.engine_threads = n;
    stats.elapsed = started.elapsed();
    Ok((stats, engines))
}

/// One engine thread: processes its events in order and reports its alerts per batch.
fn run_engine(
    shard: usize,
    mut engine: Engine,
    indicators: Option<&crate::indicators::SharedIndicators>,
    rx: &Receiver<Work>,
    done: &Sender<Done>,
) -> Engine {
    let mut index = 0u64;
    let mut out: Vec<((u64, usize, u64), Alert)> = Vec::new();
    let mut sink = |a: Alert, tag: u64, out: &mut Vec<_>| {
        index += 1;
        out.push(((tag, shard, index), a));
    };
    while let Ok(work) = rx.recv() {
        match work {
            Work::Items(items, upto) => {
                let indicators = indicators.map(|h| h.current());
                for item in items.iter() {
                    let tag = item.seq;
                    if item.before > i64::MIN {
                        engine.advance_to(item.before, &mut |a| sink(a, tag, &mut out));
                    }
                    let event = Enriched {
                        inner: &item.record.event,
                        ratios: item.ratios,
                        network: item.network,
                    };
                    engine.process_any(&item.logsources, &event, &mut |a| sink(a, tag, &mut out));
                    if let Some(ind) = &indicators {
                        ind.matches(&event, &mut |a| sink(a, tag, &mut out));
                    }
                }
                let alerts = std::mem::take(&mut out);
                let report = Done {
                    shard,
                    upto,
                    alerts,
                    finished: false,
                };
                if done.send(report).is_err() {
                    break;
                }
            }
            Work::Finish(newest) => {
                let tag = u64::MAX;
                if newest > i64::MIN {
                    engine.advance_to(newest, &mut |a| sink(a, tag, &mut out));
                }
                engine.flush(&mut |a| sink(a, tag, &mut out));
                let alerts = std::mem::take(&mut out);
                let report = Done {
                    shard,
                    upto: u64::MAX,
                    alerts,
                    finished: true,
                };
                let _ = done.send(report);
                break;
            }
        }
    }
    engine
}

/// Holds alerts until every engine has passed their sequence number.
struct Merge {
    upto: Vec<u64>,
    pending: BinaryHeap<Reverse<Pending>>,
}

/// An alert waiting in the merge, ordered by its tag only.
struct Pending((u64, usize, u64), Alert);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl Merge {
    fn new(n: usize) -> Merge {
        Merge {
            upto: vec![0; n],
            pending: BinaryHeap::new(),
        }
    }

    fn add(&mut self, done: Done, emit: &mut dyn FnMut(Alert)) {
        self.upto[done.shard] = if done.finished { u64::MAX } else { done.upto };
        for (tag, a) in done.alerts {
            self.pending.push(Reverse(Pending(tag, a)));
        }
        let safe = self.upto.iter().copied().min().unwrap_or(0);
        while self
            .pending
            .peek()
            .is_some_and(|Reverse(p)| p.0.0 <= safe && safe != u64::MAX)
        {
            let Reverse(Pending(_, a)) = self.pending.pop().expect("peeked");
            emit(a);
        }
    }

    /// Emits what is left, in order (after every engine finished).
    fn drain(&mut self, emit: &mut dyn FnMut(Alert)) {
        let mut rest: BTreeMap<(u64, usize, u64), Alert> = BTreeMap::new();
        while let Some(Reverse(Pending(tag, a))) = self.pending.pop() {
            rest.insert(tag, a);
        }
        rest.into_values().for_each(emit);
    }
}

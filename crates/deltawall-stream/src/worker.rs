//! `deltawall detect`: the worker loop. For each batch of a partition: evaluate, write
//! the checkpoint (with the alerts it produced in its outbox), publish the alerts (the
//! alert stream drops repeats by id) and forward them, then acknowledge the last message
//! the checkpoint covers. A crash at any point loses nothing: unacknowledged messages are
//! redelivered and skipped up to the checkpoint's sequence, and the outbox is published
//! again under the same ids.

use crate::checkpoint::Checkpoint;
use crate::metrics::{Latency, Report};
use crate::nats::{NatsError, Retention, err};
use crate::state::{Outcome, PartitionState, Rules};
use crate::subjects::{Names, source_of};
use async_nats::jetstream::{self, consumer::PullConsumer, message::PublishMessage};
use async_nats::jetstream::{Message, object_store::ObjectStore};
use futures_util::StreamExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// Delivers alerts to the platform (`POST /api/v1/detections`, which drops repeated ids);
/// the binary provides it, this crate has no HTTP client.
pub trait Forward {
    /// Delivers one batch of alerts as JSON Lines; an error keeps them in the outbox.
    fn deliver<'a>(
        &'a self,
        body: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// What a subscription hears of the engine: every new alert of a shared indicator (the
/// JSON line of [`deltawall_detect::output::alert_json`]), once, after it was published.
pub type OnIndicatorMatch<'a> = &'a (dyn Fn(&serde_json::Value) + Send + Sync);

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// NATS server URL.
    pub url: String,
    /// Stream and organisation.
    pub names: Names,
    /// The partitions this process runs (each with its own engine and checkpoint).
    pub partitions: Vec<usize>,
    /// Most messages per pull.
    pub batch: usize,
    /// At most this many messages between checkpoints when nothing alerted (a batch that
    /// raises an alert is always checkpointed before the alert goes out).
    pub checkpoint_every: usize,
    /// At most this long between checkpoints while messages arrive.
    pub checkpoint_interval: Duration,
    /// Without events for this long, event time advances by the wall-clock time elapsed.
    pub idle_tick: Duration,
    /// Stop once every partition is drained (for tests and benchmarks).
    pub until_idle: bool,
    /// How often metrics are reported.
    pub metrics_every: Duration,
    /// Stream retention.
    pub retention: Retention,
}

/// One partition's consumer and state.
struct Part {
    state: PartitionState,
    consumer: PullConsumer,
    last_event: Instant,
    acked_run: u64,
    events_run: u64,
    events_at_report: u64,
    latency: Latency,
    drained: bool,
    /// The last message evaluated but not yet covered by a stored checkpoint (it is
    /// acknowledged, cumulatively, once one covers it), and how many messages it closes.
    unsaved: Option<Message>,
    unsaved_count: u64,
    saved_at: Instant,
}

/// What a run did, per partition.
pub type Summary = Vec<Report>;

/// Runs the worker until stopped (or drained, with `until_idle`). The partitions run
/// concurrently, each with a pull in flight while it evaluates the previous batch.
pub async fn run(
    cfg: &WorkerConfig,
    rules: &Rules,
    forward: Option<&dyn Forward>,
    on_match: Option<OnIndicatorMatch<'_>>,
    on_report: impl FnMut(&Report),
) -> Result<Summary, NatsError> {
    let js = crate::nats::connect(&cfg.url).await?;
    let events = crate::nats::ensure_streams(&js, &cfg.names, cfg.retention).await?;
    let store = crate::nats::checkpoint_store(&js, &cfg.names).await?;
    // Messages stay unacknowledged until a checkpoint covers them: the server must keep
    // delivering meanwhile (one batch evaluated, one in flight, the uncheckpointed rest).
    let max_pending = (cfg.checkpoint_every + cfg.batch * 4).max(1000) as i64;
    let mut parts = Vec::new();
    for &p in &cfg.partitions {
        let consumer = crate::nats::partition_consumer(&events, &cfg.names, p, max_pending).await?;
        let state = load(&store, rules, p).await?;
        parts.push(Part {
            state,
            consumer,
            last_event: Instant::now(),
            acked_run: 0,
            events_run: 0,
            events_at_report: 0,
            latency: Latency::default(),
            drained: false,
            unsaved: None,
            unsaved_count: 0,
            saved_at: Instant::now(),
        });
    }
    let ctx = Ctx {
        js: &js,
        store: &store,
        rules,
        names: &cfg.names,
        forward,
        on_match,
    };
    // Alerts left in a restored outbox go out before anything new.
    for part in &mut parts {
        ctx.publish_outbox(part).await?;
    }
    let drained: Vec<AtomicBool> = parts.iter().map(|_| AtomicBool::new(false)).collect();
    let on_report = Mutex::new(on_report);
    let loops = parts.iter_mut().enumerate().map(|(i, part)| {
        let shared = Shared {
            drained: &drained,
            me: i,
            on_report: &on_report,
        };
        ctx.serve(cfg, part, shared)
    });
    futures_util::future::try_join_all(loops).await
}

/// What the concurrent partition loops of one process share.
struct Shared<'a, F> {
    /// Whether each partition found nothing to pull last time.
    drained: &'a [AtomicBool],
    me: usize,
    on_report: &'a Mutex<F>,
}

impl<F: FnMut(&Report)> Shared<'_, F> {
    fn all_drained(&self) -> bool {
        self.drained.iter().all(|d| d.load(Ordering::Acquire))
    }

    fn report(&self, r: &Report) {
        let mut f = self.on_report.lock().unwrap_or_else(|e| e.into_inner());
        (*f)(r);
    }
}

/// A pull running on its own task while the previous batch is evaluated.
type InFlight = tokio::task::JoinHandle<Result<Vec<Message>, NatsError>>;

fn pull(consumer: &PullConsumer, max: usize, wait: Duration) -> InFlight {
    let consumer = consumer.clone();
    tokio::spawn(async move { fetch(&consumer, max, wait).await })
}

async fn landed(next: InFlight) -> Result<Vec<Message>, NatsError> {
    next.await.map_err(err("cannot pull messages"))?
}

struct Ctx<'a> {
    js: &'a jetstream::Context,
    store: &'a ObjectStore,
    rules: &'a Rules,
    names: &'a Names,
    forward: Option<&'a dyn Forward>,
    on_match: Option<OnIndicatorMatch<'a>>,
}

impl Ctx<'_> {
    /// One partition's loop: pull (with the next pull in flight while a batch is
    /// evaluated), evaluate, checkpoint when due, report; with `until_idle`, returns the
    /// partition's summary once every partition of the process is drained.
    async fn serve<F: FnMut(&Report)>(
        &self,
        cfg: &WorkerConfig,
        part: &mut Part,
        shared: Shared<'_, F>,
    ) -> Result<Report, NatsError> {
        // Partitions no longer wait on each other, so a pull may wait for a full batch: a
        // short expiry made a busy server answer with partial or empty batches, each costing
        // a checkpoint.
        let wait = Duration::from_millis(500);
        let mut last_report = Instant::now();
        let mut next = pull(&part.consumer, cfg.batch, wait);
        loop {
            let batch = landed(next).await?;
            part.drained = batch.is_empty();
            shared.drained[shared.me].store(part.drained, Ordering::Release);
            // When the partition may be finished no pull goes ahead: one in flight could
            // take messages that this run would then leave unevaluated.
            let ahead =
                (!part.drained || !cfg.until_idle).then(|| pull(&part.consumer, cfg.batch, wait));
            self.handle(part, &batch, cfg).await?;
            let done = ahead.is_none() && shared.all_drained() && lag_zero(part).await?;
            if done || last_report.elapsed() >= cfg.metrics_every {
                let secs = last_report.elapsed().as_secs_f64();
                last_report = Instant::now();
                let report = report(part, secs, self.names).await?;
                let subject = self.names.metrics_subject(part.state.partition);
                let line = serde_json::to_vec(&report).unwrap_or_default();
                // Metrics are best effort: a lost line is replaced by the next one.
                let _ = self.js.client().publish(subject, line.into()).await;
                shared.report(&report);
            }
            if done {
                self.save(&mut part.state).await?;
                return report(part, 0.0, self.names).await;
            }
            next = ahead.unwrap_or_else(|| pull(&part.consumer, cfg.batch, wait));
            // The pull ahead has usually landed and a batch without a checkpoint awaits
            // nothing: without this the other partitions of the process would starve.
            tokio::task::yield_now().await;
        }
    }

    async fn handle(
        &self,
        part: &mut Part,
        batch: &[Message],
        cfg: &WorkerConfig,
    ) -> Result<(), NatsError> {
        if batch.is_empty() {
            // Nothing arrived: cover what was evaluated so that it is acknowledged.
            self.checkpoint(part).await?;
            let newest = part.state.newest_us();
            let quiet = part.last_event.elapsed();
            if newest > i64::MIN && quiet >= cfg.idle_tick {
                part.state
                    .tick(newest.saturating_add(quiet.as_micros() as i64));
                part.last_event = Instant::now();
                if !part.state.outbox().is_empty() {
                    self.save(&mut part.state).await?;
                    self.publish_outbox(part).await?;
                }
            }
            return Ok(());
        }
        part.last_event = Instant::now();
        let queued = part.state.outbox().len();
        for m in batch {
            let info = m.info().map_err(err("cannot read message metadata"))?;
            let (seq, published) = (info.stream_sequence, info.published);
            let published_us = (published.unix_timestamp_nanos() / 1000) as i64;
            let source = source_of(m.subject.as_str())
                .unwrap_or("unknown")
                .to_owned();
            let before = part.state.counters.events;
            match part
                .state
                .on_message(self.rules, seq, &source, &m.payload, published_us)
            {
                Outcome::Processed | Outcome::Covered => {}
                Outcome::Malformed(reason) => self.park(m, seq, &reason).await?,
                Outcome::Elsewhere(home) => {
                    let subject = self.names.event_subject(&source, home);
                    let id = format!("rt-{}-{seq}", self.names.stream);
                    self.publish(subject, m.payload.clone(), &id, None).await?;
                }
            }
            part.events_run += part.state.counters.events - before;
        }
        // This batch's alerts, seen before publishing: a failed delivery keeps them in the
        // outbox, and a later attempt must not count them again.
        let fresh: Vec<serde_json::Value> = match self.on_match {
            Some(_) => part.state.outbox()[queued..]
                .iter()
                .filter(|o| o.body["rule_origin"] == "stix-indicator")
                .map(|o| o.body.clone())
                .collect(),
            None => Vec::new(),
        };
        part.unsaved = batch.last().cloned();
        part.unsaved_count += batch.len() as u64;
        // An alert goes out only from a stored checkpoint; without one, checkpoints (and
        // so acknowledgements) wait for a count or a time.
        let due = !part.state.outbox().is_empty()
            || part.unsaved_count >= cfg.checkpoint_every as u64
            || part.saved_at.elapsed() >= cfg.checkpoint_interval;
        if due {
            self.checkpoint(part).await?;
        }
        if let Some(f) = self.on_match {
            fresh.iter().for_each(f);
        }
        Ok(())
    }

    /// Stores a checkpoint covering every message evaluated, publishes its outbox, then
    /// acknowledges (cumulatively) the last message it covers.
    async fn checkpoint(&self, part: &mut Part) -> Result<(), NatsError> {
        let Some(last) = part.unsaved.take() else {
            return Ok(());
        };
        self.save(&mut part.state).await?;
        part.saved_at = Instant::now();
        self.publish_outbox(part).await?;
        last.ack().await.map_err(err("cannot acknowledge"))?;
        part.acked_run += std::mem::take(&mut part.unsaved_count);
        Ok(())
    }

    /// Parks a malformed message with its reason; its id makes a redelivery park it once.
    async fn park(&self, m: &Message, seq: u64, reason: &str) -> Result<(), NatsError> {
        let subject = self.names.dead_letter_subject(m.subject.as_str());
        let id = format!("dlq-{}-{seq}", self.names.stream);
        self.publish(subject, m.payload.clone(), &id, Some(reason))
            .await
    }

    async fn publish(
        &self,
        subject: String,
        payload: bytes::Bytes,
        id: &str,
        reason: Option<&str>,
    ) -> Result<(), NatsError> {
        let mut msg = PublishMessage::build().payload(payload).message_id(id);
        if let Some(r) = reason {
            msg = msg.header("Deltawall-Reason", r.replace(['\r', '\n'], " ").as_str());
        }
        let ack = self
            .js
            .send_publish(subject.clone(), msg)
            .await
            .map_err(err(format!("cannot publish to {subject}")))?;
        ack.await
            .map_err(err(format!("no acknowledgement from {subject}")))?;
        Ok(())
    }

    async fn publish_outbox(&self, part: &mut Part) -> Result<(), NatsError> {
        if part.state.outbox().is_empty() {
            return Ok(());
        }
        let subject = self.names.alert_subject();
        let mut acks = Vec::new();
        for out in part.state.outbox() {
            let body = serde_json::to_vec(&out.body).unwrap_or_default();
            let msg = PublishMessage::build()
                .payload(body.into())
                .message_id(&out.id);
            let ack = self
                .js
                .send_publish(subject.clone(), msg)
                .await
                .map_err(err(format!("cannot publish to {subject}")))?;
            acks.push((ack, out.released_by_us));
        }
        for (ack, released) in acks {
            ack.await
                .map_err(err(format!("no acknowledgement from {subject}")))?;
            if let Some(t) = released {
                part.latency.record((now_us() - t) as f64 / 1000.0);
            }
        }
        if let Some(f) = self.forward {
            let mut body = Vec::new();
            for out in part.state.outbox() {
                body.extend(serde_json::to_vec(&out.body).unwrap_or_default());
                body.push(b'\n');
            }
            if let Err(e) = f.deliver(body).await {
                tracing::warn!(
                    partition = part.state.partition,
                    "alerts kept for the platform: {e}"
                );
                return Ok(());
            }
        }
        part.state.clear_outbox();
        Ok(())
    }

    async fn save(&self, state: &mut PartitionState) -> Result<(), NatsError> {
        let ckpt = state.checkpoint(self.rules);
        let bytes = ckpt.encode();
        let name = object_name(state.partition);
        self.store
            .put(name.as_str(), &mut bytes.as_slice())
            .await
            .map_err(err(format!("cannot write checkpoint {name}")))?;
        Ok(())
    }
}

fn object_name(partition: usize) -> String {
    format!("partition-{partition}")
}

async fn load(
    store: &ObjectStore,
    rules: &Rules,
    partition: usize,
) -> Result<PartitionState, NatsError> {
    use async_nats::jetstream::object_store::GetErrorKind;
    let name = object_name(partition);
    let mut object = match store.get(&name).await {
        Ok(o) => o,
        Err(e) if e.kind() == GetErrorKind::NotFound => {
            return Ok(PartitionState::new(rules, partition));
        }
        Err(e) => return Err(err(format!("cannot read checkpoint {name}"))(e)),
    };
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(err(format!("cannot read checkpoint {name}")))?;
    let ckpt = Checkpoint::decode(&bytes, partition, rules.partitions)
        .map_err(err(format!("cannot use checkpoint {name}")))?;
    Ok(PartitionState::restore(rules, ckpt))
}

async fn fetch(
    consumer: &PullConsumer,
    max: usize,
    wait: Duration,
) -> Result<Vec<Message>, NatsError> {
    let mut batch = consumer
        .fetch()
        .max_messages(max)
        .expires(wait)
        .messages()
        .await
        .map_err(err("cannot pull messages"))?;
    let mut out = Vec::new();
    while let Some(m) = batch.next().await {
        out.push(m.map_err(err("cannot pull messages"))?);
    }
    Ok(out)
}

async fn lag_zero(part: &mut Part) -> Result<bool, NatsError> {
    let info = part
        .consumer
        .info()
        .await
        .map_err(err("cannot read consumer info"))?;
    Ok(info.num_pending == 0 && part.unsaved.is_none() && part.state.outbox().is_empty())
}

async fn report(part: &mut Part, secs: f64, names: &Names) -> Result<Report, NatsError> {
    let info = part.consumer.info().await.map_err(err(format!(
        "cannot read consumer {}",
        names.consumer(part.state.partition)
    )))?;
    let c = part.state.counters;
    let mut r = Report {
        partition: part.state.partition,
        events_total: c.events,
        events_in: part.events_run,
        events_per_s: if secs > 0.0 {
            (part.events_run - part.events_at_report) as f64 / secs
        } else {
            0.0
        },
        acked: part.acked_run,
        malformed: c.malformed,
        rerouted: c.rerouted,
        alerts: c.alerts,
        lag: info.num_pending,
        ack_pending: info.num_ack_pending as u64,
        retained: part.state.retained(),
        ..Report::default()
    };
    part.events_at_report = part.events_run;
    part.latency.drain_into(&mut r);
    Ok(r)
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

//! The JetStream objects a deployment uses: the event stream (limits retention), the
//! alert and dead-letter streams (deduplicated by message id), the checkpoint bucket and
//! one durable pull consumer per partition.

use crate::subjects::Names;
use async_nats::jetstream::{self, consumer, object_store, stream};
use std::time::Duration;

/// Errors talking to NATS, each with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{doing}: {message}")]
pub struct NatsError {
    /// What was being done.
    pub doing: String,
    /// The client's error.
    pub message: String,
}

/// Wraps a client error with what was being done.
pub fn err<E: std::fmt::Display>(doing: impl Into<String>) -> impl FnOnce(E) -> NatsError {
    let doing = doing.into();
    move |e| NatsError {
        doing,
        message: e.to_string(),
    }
}

/// How long streams keep what they hold.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Oldest event kept by the event stream (limits retention).
    pub max_age: Duration,
    /// How long a message id is remembered to drop a repeated publication.
    pub duplicate_window: Duration,
}

/// Connects and returns the JetStream context.
pub async fn connect(url: &str) -> Result<jetstream::Context, NatsError> {
    let client = async_nats::ConnectOptions::new()
        .name("deltawall")
        .connect(url)
        .await
        .map_err(err(format!("cannot connect to NATS at {url}")))?;
    Ok(jetstream::new(client))
}

/// Creates the streams when missing (an existing stream is used as it is).
pub async fn ensure_streams(
    js: &jetstream::Context,
    names: &Names,
    retention: Retention,
) -> Result<stream::Stream, NatsError> {
    let events = js
        .get_or_create_stream(stream::Config {
            name: names.stream.clone(),
            subjects: vec![names.event_filter()],
            retention: stream::RetentionPolicy::Limits,
            max_age: retention.max_age,
            duplicate_window: retention.duplicate_window,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(err(format!("cannot create stream {}", names.stream)))?;
    for (name, subject) in [
        (names.alert_stream(), names.alert_subject()),
        (names.dead_letter_stream(), names.dead_letter_filter()),
    ] {
        js.get_or_create_stream(stream::Config {
            name: name.clone(),
            subjects: vec![subject],
            retention: stream::RetentionPolicy::Limits,
            duplicate_window: retention.duplicate_window,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(err(format!("cannot create stream {name}")))?;
    }
    Ok(events)
}

/// The checkpoint bucket, created when missing.
pub async fn checkpoint_store(
    js: &jetstream::Context,
    names: &Names,
) -> Result<object_store::ObjectStore, NatsError> {
    let bucket = names.checkpoint_bucket();
    if let Ok(store) = js.get_object_store(&bucket).await {
        return Ok(store);
    }
    js.create_object_store(object_store::Config {
        bucket: bucket.clone(),
        description: Some("deltawall detect: window checkpoints".into()),
        ..Default::default()
    })
    .await
    .map_err(err(format!("cannot create object store {bucket}")))
}

/// The durable pull consumer of one partition. It acknowledges cumulatively (`AckAll`):
/// acknowledging the last message a checkpoint covers acknowledges all before it.
pub async fn partition_consumer(
    events: &stream::Stream,
    names: &Names,
    partition: usize,
    max_ack_pending: i64,
) -> Result<consumer::PullConsumer, NatsError> {
    let name = names.consumer(partition);
    events
        .get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: names.partition_filter(partition),
                ack_policy: consumer::AckPolicy::All,
                ack_wait: Duration::from_secs(60),
                max_ack_pending,
                deliver_policy: consumer::DeliverPolicy::All,
                ..Default::default()
            },
        )
        .await
        .map_err(err(format!("cannot create consumer {name}")))
}

//! What a checkpoint holds, and the idempotent ids of alerts.

use deltawall_sigma::Alert;
use serde::{Deserialize, Serialize};

/// The checkpoint format; a worker refuses a checkpoint of another version.
pub const VERSION: u32 = 1;

/// One retained step of a partition's input, replayed on restore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Entry {
    /// An event that matched a rule (only those enter correlation windows).
    Event {
        /// Its stream sequence.
        seq: u64,
        /// Its event time (µs), or the newest time when it had none.
        t: i64,
        /// The source token of its subject.
        source: String,
        /// The message as received.
        line: String,
    },
    /// Event time moved to `t` (by events that matched nothing, or an idle tick).
    Tick {
        /// The new event time (µs).
        t: i64,
    },
}

impl Entry {
    /// The entry's event time.
    pub fn time(&self) -> i64 {
        match self {
            Entry::Event { t, .. } | Entry::Tick { t } => *t,
        }
    }
}

/// An alert waiting for its publication to be confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Idempotent id: the platform's stable detection id (rule, group or event, window).
    pub id: String,
    /// The alert as `scan` prints it, with `id` added.
    pub body: serde_json::Value,
    /// When the stream stored the event that released the alert (µs), for the latency.
    pub released_by_us: Option<i64>,
}

impl Outgoing {
    /// The alert with its id.
    pub fn new(alert: &Alert, released_by_us: Option<i64>) -> Outgoing {
        let mut body = deltawall_detect::output::alert_json(alert);
        let id = alert_id(&body);
        if let serde_json::Value::Object(map) = &mut body {
            map.insert("id".into(), serde_json::Value::from(id.clone()));
        }
        Outgoing {
            id,
            body,
            released_by_us,
        }
    }
}

/// The id the platform gives this alert (`POST /api/v1/detections` deduplicates by it):
/// a digest of the rule, the group (or the event) and the window, so the same alert
/// produced again after a restart has the same id.
pub fn alert_id(alert_json: &serde_json::Value) -> String {
    match deltawall_domain::incident::detection::detection_from(alert_json.clone()) {
        Ok(d) => d.id,
        // Every alert of the engine has a title and times the platform accepts; should one
        // not, a digest of its whole text is still stable.
        Err(_) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(alert_json.to_string().as_bytes());
            format!("det-{}", &hex::encode(digest)[..32])
        }
    }
}

/// Counters a partition carries across restarts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Events evaluated.
    pub events: u64,
    /// Malformed messages parked.
    pub malformed: u64,
    /// Messages republished to their own partition.
    pub rerouted: u64,
    /// Alerts produced.
    pub alerts: u64,
}

/// A partition's state at one stream sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// [`VERSION`].
    pub version: u32,
    /// The partition.
    pub partition: usize,
    /// Partitions of the deployment when it was written (a change would misroute keys).
    pub partitions: usize,
    /// Every message up to this stream sequence is covered.
    pub last_seq: u64,
    /// The newest event time seen (µs).
    pub newest_us: i64,
    /// Retained input, oldest first.
    pub entries: Vec<Entry>,
    /// Alerts produced but not yet confirmed as published.
    pub outbox: Vec<Outgoing>,
    /// Counters.
    pub counters: Counters,
}

/// Why a stored checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint.
    #[error("checkpoint of partition {partition} is unreadable: {source}")]
    Unreadable {
        /// The partition.
        partition: usize,
        /// The JSON error, with its line and column.
        source: serde_json::Error,
    },
    /// Another format or deployment.
    #[error("checkpoint of partition {partition}: {reason}")]
    Mismatch {
        /// The partition.
        partition: usize,
        /// What differs.
        reason: String,
    },
}

impl Checkpoint {
    /// Reads a stored checkpoint and checks it belongs to this partition and layout.
    pub fn decode(
        bytes: &[u8],
        partition: usize,
        partitions: usize,
    ) -> Result<Checkpoint, CheckpointError> {
        let ckpt: Checkpoint = serde_json::from_slice(bytes)
            .map_err(|source| CheckpointError::Unreadable { partition, source })?;
        let mismatch = |reason: String| CheckpointError::Mismatch { partition, reason };
        if ckpt.version != VERSION {
            return Err(mismatch(format!(
                "format {} is not {VERSION}",
                ckpt.version
            )));
        }
        if ckpt.partition != partition || ckpt.partitions != partitions {
            return Err(mismatch(format!(
                "written for partition {} of {}, not {partition} of {partitions}",
                ckpt.partition, ckpt.partitions
            )));
        }
        Ok(ckpt)
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a checkpoint is plain data")
    }
}

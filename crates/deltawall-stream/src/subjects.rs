//! Subject, stream and bucket names, and the partition function that publishers and
//! workers share.

/// The names one deployment uses, all derived from the stream name and the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The event stream (limits retention), e.g. `DELTAWALL_EVT`.
    pub stream: String,
    /// The organisation token of the subjects, e.g. `bank1`.
    pub org: String,
}

/// Why a name cannot be used in a subject or a stream name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{what} `{value}` must be 1 to 64 letters, digits, `-` or `_`")]
pub struct NameError {
    /// Which name.
    pub what: &'static str,
    /// The value given.
    pub value: String,
}

/// Checks a subject token or stream name: NATS forbids `.`, `*`, `>` and white space in
/// them, and object store bucket names allow only these characters.
pub fn check_token(what: &'static str, value: &str) -> Result<(), NameError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(NameError {
            what,
            value: value.to_owned(),
        })
    }
}

impl Names {
    /// Checked names.
    pub fn new(stream: &str, org: &str) -> Result<Names, NameError> {
        check_token("stream", stream)?;
        check_token("organisation", org)?;
        Ok(Names {
            stream: stream.to_owned(),
            org: org.to_owned(),
        })
    }

    /// The subject of one source's events in one partition: `evt.<org>.<source>.<partition>`.
    pub fn event_subject(&self, source: &str, partition: usize) -> String {
        format!("evt.{}.{source}.{partition}", self.org)
    }

    /// The subjects the event stream captures.
    pub fn event_filter(&self) -> String {
        format!("evt.{}.*.*", self.org)
    }

    /// What one partition's consumer reads.
    pub fn partition_filter(&self, partition: usize) -> String {
        format!("evt.{}.*.{partition}", self.org)
    }

    /// The durable consumer of one partition.
    pub fn consumer(&self, partition: usize) -> String {
        format!("{}-p{partition}", self.stream)
    }

    /// Where alerts go (captured by the alert stream, deduplicated by alert id).
    pub fn alert_subject(&self) -> String {
        format!("alerts.{}", self.org)
    }

    /// The stream holding alerts.
    pub fn alert_stream(&self) -> String {
        format!("{}_ALERTS", self.stream)
    }

    /// Where a malformed message from `subject` is parked.
    pub fn dead_letter_subject(&self, subject: &str) -> String {
        format!("dlq.{subject}")
    }

    /// The subjects the dead-letter stream captures.
    pub fn dead_letter_filter(&self) -> String {
        format!("dlq.evt.{}.*.*", self.org)
    }

    /// The stream holding parked messages.
    pub fn dead_letter_stream(&self) -> String {
        format!("{}_DLQ", self.stream)
    }

    /// The object store bucket of the checkpoints.
    pub fn checkpoint_bucket(&self) -> String {
        format!("{}_ckpt", self.stream)
    }

    /// Where a worker publishes its metrics line.
    pub fn metrics_subject(&self, partition: usize) -> String {
        format!("metrics.detect.{}.{}", self.org, partition)
    }
}

/// The source token of an event subject (`evt.<org>.<source>.<partition>`).
pub fn source_of(subject: &str) -> Option<&str> {
    let mut parts = subject.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("evt"), Some(_), Some(source), Some(_)) => Some(source),
        _ => None,
    }
}

/// The partition of a group key among `n`: FNV-1a (64 bit) of the key's UTF-8 bytes,
/// modulo `n`; an event without the key goes to partition 0. A published, fixed function
/// so that log shippers can compute it too (docs/OPERATIONS.md).
pub fn partition_of(key: Option<&str>, n: usize) -> usize {
    let Some(key) = key else { return 0 };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % n.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_its_reference_values() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        assert_eq!(
            partition_of(Some("a"), usize::MAX),
            0xaf63dc4c8601ec8c_u64 as usize
        );
        assert_eq!(partition_of(None, 8), 0);
        assert_eq!(partition_of(Some("x"), 1), 0);
    }

    #[test]
    fn names_refuse_subject_wildcards() {
        assert!(Names::new("S", "bank.1").is_err());
        assert!(Names::new("S", "*").is_err());
        assert!(Names::new("S 1", "b").is_err());
        let n = Names::new("S", "bank1").unwrap();
        assert_eq!(n.event_subject("web", 3), "evt.bank1.web.3");
        assert_eq!(source_of("evt.bank1.web.3"), Some("web"));
        assert_eq!(source_of("alerts.bank1"), None);
    }
}

//! Worker metrics: events in, lag, acknowledgements pending and event-to-alert latency,
//! reported as one JSON line per partition (printed and published).

use serde::Serialize;

/// Latency samples kept per report interval at most (the newest are dropped beyond it,
/// counted in `latency_samples_dropped`).
const MAX_SAMPLES: usize = 100_000;

/// A partition's metrics for one report.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    /// The partition.
    pub partition: usize,
    /// Events evaluated since the first start (checkpointed).
    pub events_total: u64,
    /// Events evaluated by this process.
    pub events_in: u64,
    /// Events evaluated per second since the previous report.
    pub events_per_s: f64,
    /// Messages checkpointed and acknowledged by this process.
    pub acked: u64,
    /// Malformed messages parked since the first start.
    pub malformed: u64,
    /// Messages republished to their own partition since the first start.
    pub rerouted: u64,
    /// Alerts published since the first start.
    pub alerts: u64,
    /// Messages of the partition not yet delivered to the worker (consumer `num_pending`).
    pub lag: u64,
    /// Messages delivered and not yet acknowledged (consumer `num_ack_pending`).
    pub ack_pending: u64,
    /// Events retained for the checkpoint.
    pub retained: usize,
    /// Event-to-alert latency (ms) since the previous report: from the stream storing
    /// the event that released an alert to the alert stream confirming the alert.
    pub latency_ms_p50: Option<f64>,
    /// 99th percentile of the same.
    pub latency_ms_p99: Option<f64>,
    /// Largest of the same.
    pub latency_ms_max: Option<f64>,
    /// Samples beyond the per-report cap.
    pub latency_samples_dropped: u64,
}

/// Latency samples of one report interval.
#[derive(Debug, Default)]
pub struct Latency {
    samples: Vec<f64>,
    dropped: u64,
}

impl Latency {
    /// Records one latency in milliseconds.
    pub fn record(&mut self, ms: f64) {
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(ms);
        } else {
            self.dropped += 1;
        }
    }

    /// Fills the report's latency fields and starts a new interval.
    pub fn drain_into(&mut self, report: &mut Report) {
        self.samples.sort_by(f64::total_cmp);
        let pick = |q: f64| -> Option<f64> {
            let n = self.samples.len();
            (n > 0).then(|| self.samples[((n - 1) as f64 * q).round() as usize])
        };
        report.latency_ms_p50 = pick(0.5);
        report.latency_ms_p99 = pick(0.99);
        report.latency_ms_max = self.samples.last().copied();
        report.latency_samples_dropped = self.dropped;
        self.samples.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_interval_only() {
        let mut l = Latency::default();
        for ms in [5.0, 1.0, 3.0, 2.0, 4.0] {
            l.record(ms);
        }
        let mut r = Report::default();
        l.drain_into(&mut r);
        assert_eq!(r.latency_ms_p50, Some(3.0));
        assert_eq!(r.latency_ms_max, Some(5.0));
        let mut r = Report::default();
        l.drain_into(&mut r);
        assert_eq!(r.latency_ms_p50, None);
    }
}

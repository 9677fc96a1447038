//! The clock the request and alert services read (deadlines, overdue, reminders).
//!
//! It is the system clock plus an offset that is zero in production. Tests move it forward
//! (`Clock::advance`) to reach a deadline that had to be in the future when the request
//! was sent; nothing else in the server reads it, so sessions, tokens and the audit trail
//! keep real time. It lives in [`crate::Config`] so that every way of building the app
//! state carries one without a new field to fill.

use deltawall_store::records::now_us;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The system clock, shifted by an offset shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    /// The current instant, Unix µs.
    pub fn now_us(&self) -> i64 {
        now_us().saturating_add(self.offset_us.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (or back, with a negative value) by `us` microseconds.
    pub fn advance(&self, us: i64) {
        self.offset_us.fetch_add(us, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let c = Clock::default();
        let d = c.clone();
        let before = c.now_us();
        d.advance(10 * 86_400 * 1_000_000);
        assert!(c.now_us() >= before + 10 * 86_400 * 1_000_000);
    }
}

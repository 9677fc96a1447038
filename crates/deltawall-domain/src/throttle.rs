//! Login throttling policy: our own login must withstand credential stuffing.
//!
//! Two counters are kept by the storage layer: failures per account and failures per
//! source address (over any accounts). This module decides, from those counts, whether a
//! new attempt may proceed. Refused attempts do not even check the password, so an attacker
//! learns nothing while locked out.

use serde::Serialize;

/// Throttling thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ThrottlePolicy {
    /// Consecutive failures on one account that lock it.
    pub account_failures: u32,
    /// How long an account stays locked, in seconds.
    pub account_lock_secs: i64,
    /// Failures from one address, over any accounts, within the window that block it.
    pub address_failures: u32,
    /// The window for address failures, and how long the block lasts, in seconds.
    pub address_window_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account_failures: 5,
            account_lock_secs: 15 * 60,
            address_failures: 20,
            address_window_secs: 15 * 60,
        }
    }
}

/// What the counters say about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptContext {
    /// The account is locked until this time (Unix µs), if it is.
    pub account_locked_until_us: Option<i64>,
    /// Failures from the source address within the window.
    pub address_failures_in_window: u32,
    /// Now, in Unix microseconds.
    pub now_us: i64,
}

/// The decision for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Check the credentials.
    Proceed,
    /// Refused: the account is locked.
    AccountLocked,
    /// Refused: the address is blocked.
    AddressBlocked,
}

impl ThrottlePolicy {
    /// Decides whether an attempt may proceed.
    pub fn verdict(&self, ctx: &AttemptContext) -> Verdict {
        if ctx.address_failures_in_window >= self.address_failures {
            return Verdict::AddressBlocked;
        }
        match ctx.account_locked_until_us {
            Some(until) if until > ctx.now_us => Verdict::AccountLocked,
            _ => Verdict::Proceed,
        }
    }

    /// After a failed attempt that brought the account's consecutive failures to
    /// `failures`, the time until which the account is locked, if it now is.
    pub fn lock_after_failure(&self, failures: u32, now_us: i64) -> Option<i64> {
        (failures >= self.account_failures).then(|| now_us + self.account_lock_secs * 1_000_000)
    }
}

/// The counters after an attempt was counted, before its password is checked. Counting
/// first, in one statement per counter, is what keeps parallel attempts from all slipping
/// under the limits: each attempt sees a distinct count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// Consecutive attempts on the account without success, this one included.
    pub account_attempts: u32,
    /// A lock that was already in force when the attempt arrived (Unix µs).
    pub account_locked_until_us: Option<i64>,
    /// Failed or pending attempts from the source address in its window, this one included.
    pub address_attempts: u32,
    /// Now, in Unix microseconds.
    pub now_us: i64,
}

impl ThrottlePolicy {
    /// Whether a counted attempt may check its password: at most `account_failures`
    /// attempts per account and `address_failures` per address get a verdict.
    pub fn admit(&self, r: &Reserved) -> Verdict {
        if r.address_attempts > self.address_failures {
            return Verdict::AddressBlocked;
        }
        let locked = r.account_locked_until_us.is_some_and(|t| t > r.now_us);
        if locked || r.account_attempts > self.account_failures {
            return Verdict::AccountLocked;
        }
        Verdict::Proceed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(locked_until: Option<i64>, addr_failures: u32, expected: Verdict) {
        let ctx = AttemptContext {
            account_locked_until_us: locked_until,
            address_failures_in_window: addr_failures,
            now_us: 1_000,
        };
        assert_eq!(ThrottlePolicy::default().verdict(&ctx), expected);
    }

    #[test]
    fn verdicts() {
        check(None, 0, Verdict::Proceed);
        check(Some(999), 0, Verdict::Proceed);
        check(Some(1_001), 0, Verdict::AccountLocked);
        check(None, 19, Verdict::Proceed);
        check(None, 20, Verdict::AddressBlocked);
        check(Some(5_000), 25, Verdict::AddressBlocked);
    }

    #[track_caller]
    fn admitted(account: u32, locked_until: Option<i64>, address: u32, expected: Verdict) {
        let r = Reserved {
            account_attempts: account,
            account_locked_until_us: locked_until,
            address_attempts: address,
            now_us: 1_000,
        };
        assert_eq!(ThrottlePolicy::default().admit(&r), expected);
    }

    #[test]
    fn counted_attempts_up_to_the_limits_are_admitted() {
        admitted(1, None, 1, Verdict::Proceed);
        admitted(5, None, 20, Verdict::Proceed);
        admitted(6, None, 1, Verdict::AccountLocked);
        admitted(1, Some(1_001), 1, Verdict::AccountLocked);
        admitted(1, Some(999), 1, Verdict::Proceed);
        admitted(1, None, 21, Verdict::AddressBlocked);
    }

    #[test]
    fn locks_at_threshold() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.lock_after_failure(4, 0), None);
        assert_eq!(p.lock_after_failure(5, 0), Some(900_000_000));
    }
}

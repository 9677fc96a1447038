//! Each source address's request rate judged against its own history, and the spread of
//! accounts that sign in from it.
//!
//! A flood answered with success has no failure ratio to give it away, and a count per
//! address alone would name the carrier-grade NAT and office proxy addresses where
//! thousands of customers browse. So, per `source.ip`, the pipeline keeps the requests of
//! the current minute and a baseline (an exponentially weighted mean of its per-minute
//! counts, about half an hour of memory, quiet minutes counting as zero), and the distinct
//! accounts that signed in from it in the last hour (counted up to [`MAX_ACCOUNTS`]):
//!
//! - `deltawall.source.rate`: requests from the address in the current minute;
//! - `deltawall.source.rate_ratio`: that rate over the address's own baseline (at least
//!   one request a minute), given once the log covers [`WARM_UP_US`], so that the first
//!   minutes of a log, when every address looks new, do not count;
//! - `deltawall.source.accounts`: accounts that signed in from the address in the hour.
//!
//! A shared address carries many accounts and a high baseline; a campaign's rush raises
//! its rate a few times at most. A flooding address signs nobody in and jumps from
//! nothing to hundreds of requests a minute.

use std::collections::HashMap;

/// Keyed by addresses that senders choose: randomly seeded hashing.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const MINUTE_US: i64 = 60_000_000;
/// The log must cover this much time before rates are judged against baselines.
pub const WARM_UP_US: i64 = 30 * MINUTE_US;
/// Weight kept by the baseline per minute (a memory of about 30 minutes).
const KEEP: f64 = 29.0 / 30.0;
/// Distinct accounts counted per address; more are reported as this many.
pub const MAX_ACCOUNTS: usize = 32;
/// How long an account that signed in stays counted for its address.
const ACCOUNT_WINDOW_US: i64 = 60 * MINUTE_US;

#[derive(Debug, Default)]
struct Address {
    minute: i64,
    count: u32,
    baseline: f64,
    /// (hash of the account, last sign-in time), at most [`MAX_ACCOUNTS`].
    accounts: Vec<(u64, i64)>,
    last_seen: i64,
}

impl Address {
    /// Moves to `minute`, folding the finished minutes into the baseline.
    fn roll(&mut self, minute: i64) {
        if minute <= self.minute {
            return;
        }
        let gap = (minute - self.minute).min(1_000) as i32;
        self.baseline = self.baseline * KEEP + f64::from(self.count) * (1.0 - KEEP);
        self.baseline *= KEEP.powi(gap - 1);
        self.minute = minute;
        self.count = 0;
    }

    fn live_accounts(&mut self, t: i64) -> u32 {
        self.accounts
            .retain(|(_, seen)| *seen >= t - ACCOUNT_WINDOW_US);
        self.accounts.len() as u32
    }
}

/// Per-address rates and accounts (see the module documentation).
#[derive(Debug)]
pub struct SourceRates {
    addresses: Map<String, Address>,
    first: Option<i64>,
    max_keys: usize,
    hasher: foldhash::fast::RandomState,
    /// Addresses evicted while still active because the map reached its cap.
    pub evicted: u64,
}

/// What a request adds to its event.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateSignal {
    /// Requests from the address in the current minute, this one included.
    pub rate: u32,
    /// The rate over the address's baseline, once the log is past its warm-up.
    pub ratio: Option<f64>,
    /// Accounts that signed in from the address in the last hour.
    pub accounts: u32,
}

impl SourceRates {
    /// An empty tracker holding at most `max_keys` addresses (at least 4).
    pub fn with_max_keys(max_keys: usize) -> SourceRates {
        SourceRates {
            addresses: Map::default(),
            first: None,
            max_keys: max_keys.max(4),
            hasher: foldhash::fast::RandomState::default(),
            evicted: 0,
        }
    }

    fn entry(&mut self, ip: &str, t: i64) -> &mut Address {
        if !self.addresses.contains_key(ip) {
            self.make_room(t);
            let minute = t.div_euclid(MINUTE_US);
            self.addresses.insert(
                ip.to_owned(),
                Address {
                    minute,
                    ..Address::default()
                },
            );
        }
        let a = self.addresses.get_mut(ip).expect("inserted above");
        a.last_seen = a.last_seen.max(t);
        a
    }

    /// Keeps the map under its cap: addresses idle for an hour go first, then the least
    /// recently seen quarter.
    fn make_room(&mut self, now: i64) {
        if self.addresses.len() < self.max_keys {
            return;
        }
        self.addresses
            .retain(|_, a| a.last_seen >= now - ACCOUNT_WINDOW_US);
        if self.addresses.len() < self.max_keys {
            return;
        }
        let mut seen: Vec<i64> = self.addresses.values().map(|a| a.last_seen).collect();
        let cut = seen.len() / 4;
        let (_, &mut threshold, _) = seen.select_nth_unstable(cut);
        let before = self.addresses.len();
        self.addresses.retain(|_, a| a.last_seen > threshold);
        self.evicted += (before - self.addresses.len()) as u64;
    }

    /// Counts a request from `ip` at `t` and returns its signal.
    pub fn request(&mut self, ip: &str, t: i64) -> RateSignal {
        let first = *self.first.get_or_insert(t);
        let warm = t - first >= WARM_UP_US;
        let a = self.entry(ip, t);
        a.roll(t.div_euclid(MINUTE_US));
        a.count += 1;
        let accounts = a.live_accounts(t);
        RateSignal {
            rate: a.count,
            ratio: warm.then(|| f64::from(a.count) / a.baseline.max(1.0)),
            accounts,
        }
    }

    /// Records that `user` signed in from `ip` at `t`.
    pub fn sign_in(&mut self, ip: &str, user: &str, t: i64) {
        let h = std::hash::BuildHasher::hash_one(&self.hasher, user);
        self.first.get_or_insert(t);
        let a = self.entry(ip, t);
        if let Some(slot) = a.accounts.iter_mut().find(|(k, _)| *k == h) {
            slot.1 = slot.1.max(t);
        } else if a.accounts.len() < MAX_ACCOUNTS {
            a.accounts.push((h, t));
        } else if let Some(oldest) = a.accounts.iter_mut().min_by_key(|(_, seen)| *seen) {
            *oldest = (h, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = MINUTE_US;

    #[test]
    fn a_new_flooding_address_jumps_far_above_its_baseline() {
        let mut r = SourceRates::with_max_keys(100);
        // A shared address: 40 requests a minute for an hour, with many accounts.
        let mut last = RateSignal::default();
        for m in 0..60 {
            for i in 0..40 {
                let t = m * MIN + i * 1_000_000;
                if i % 4 == 0 {
                    r.sign_in("100.64.0.1", &format!("u{}", (m * 10 + i) % 97), t);
                }
                last = r.request("100.64.0.1", t);
            }
        }
        assert_eq!(last.rate, 40);
        assert!(last.ratio.unwrap() < 1.5, "{last:?}");
        assert_eq!(last.accounts, MAX_ACCOUNTS as u32);
        // Its rush of three times the usual stays a small ratio.
        let mut rush = RateSignal::default();
        for i in 0..120 {
            rush = r.request("100.64.0.1", 60 * MIN + i * 400_000);
        }
        assert!(rush.ratio.unwrap() < 4.0, "{rush:?}");
        // A new address at 300 a minute, nobody signed in.
        let mut flood = RateSignal::default();
        for i in 0..300 {
            flood = r.request("203.0.113.9", 60 * MIN + i * 200_000);
        }
        assert_eq!((flood.rate, flood.accounts), (300, 0));
        assert!(flood.ratio.unwrap() >= 300.0);
    }

    #[test]
    fn no_ratio_during_warm_up_and_the_map_stays_capped() {
        let mut r = SourceRates::with_max_keys(8);
        assert_eq!(r.request("192.0.2.1", 0).ratio, None);
        for i in 0..100 {
            r.request(&format!("192.0.2.{i}"), WARM_UP_US + i64::from(i));
        }
        assert!(r.addresses.len() <= 8);
        assert!(r.evicted > 0);
        assert!(r.request("192.0.2.1", WARM_UP_US + 200).ratio.is_some());
    }
}

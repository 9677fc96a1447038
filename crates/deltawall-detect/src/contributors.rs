//! Who made a site-wide spike: request counts per source address and minute for the last
//! quarter of an hour, so that an alert of a correlation without `group-by` (the site-wide
//! request spike) can name the addresses that sent the most requests during its window.
//! Addresses that customers sign in from are not counted (see
//! `crate::pipeline::count_request`): a carrier NAT is always among the busiest.

use deltawall_sigma::{Alert, AlertKind};
use std::collections::{HashMap, VecDeque};

const MINUTE_US: i64 = 60_000_000;
/// Minutes kept (a window plus the lateness before its alert is released).
const KEEP_MINUTES: usize = 15;
/// Addresses counted per minute; more are not (the busiest come first in a flood).
const MAX_PER_MINUTE: usize = 100_000;
/// Addresses named per alert.
pub const TOP: usize = 5;

/// Per-minute request counts by source address.
#[derive(Debug, Default)]
pub struct TopSources {
    minutes: VecDeque<(i64, HashMap<String, u32>)>,
}

impl TopSources {
    /// Counts a request from `ip` at `t` (µs).
    pub fn observe(&mut self, ip: &str, t: i64) {
        let minute = t.div_euclid(MINUTE_US);
        let newest = self.minutes.back().map(|(m, _)| *m);
        if newest.is_none_or(|m| minute > m) {
            self.minutes.push_back((minute, HashMap::new()));
            while self
                .minutes
                .front()
                .is_some_and(|(m, _)| *m <= minute - KEEP_MINUTES as i64)
            {
                self.minutes.pop_front();
            }
        }
        let Some((_, counts)) = self.minutes.iter_mut().rev().find(|(m, _)| *m == minute) else {
            return;
        };
        if let Some(c) = counts.get_mut(ip) {
            *c += 1;
        } else if counts.len() < MAX_PER_MINUTE {
            counts.insert(ip.to_owned(), 1);
        }
    }

    /// The addresses with the most requests in the minutes from `from` to `to` (µs), most
    /// first (ties by address).
    pub fn top(&self, from: i64, to: i64, n: usize) -> Vec<(String, u32)> {
        let (first, last) = (from.div_euclid(MINUTE_US), to.div_euclid(MINUTE_US));
        let mut total: HashMap<&str, u32> = HashMap::new();
        for (_, counts) in self
            .minutes
            .iter()
            .filter(|(m, _)| (first..=last).contains(m))
        {
            for (ip, c) in counts {
                *total.entry(ip).or_default() += c;
            }
        }
        let mut all: Vec<(String, u32)> = total
            .into_iter()
            .map(|(ip, c)| (ip.to_owned(), c))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// Adds `top_source_1` … `top_source_5` to the group of a correlation alert that has no
    /// group (a site-wide count), from the requests of its window.
    pub fn annotate(&self, alert: &mut Alert) {
        if alert.kind != AlertKind::Correlation || !alert.group.is_empty() {
            return;
        }
        let (Some(from), Some(to)) = (alert.first_seen_us, alert.last_seen_us) else {
            return;
        };
        for (i, (ip, _)) in self.top(from, to, TOP).into_iter().enumerate() {
            alert.group.push((format!("top_source_{}", i + 1), ip));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_addresses_of_the_window_first() {
        let mut t = TopSources::default();
        for i in 0..100 {
            t.observe("192.0.2.1", i * 100_000);
        }
        for i in 0..50 {
            t.observe("192.0.2.2", i * 100_000);
            t.observe("192.0.2.3", 3 * MINUTE_US + i);
        }
        t.observe("192.0.2.4", 1);
        assert_eq!(
            t.top(0, MINUTE_US - 1, 2),
            [("192.0.2.1".to_owned(), 100), ("192.0.2.2".to_owned(), 50)]
        );
        assert_eq!(
            t.top(3 * MINUTE_US, 4 * MINUTE_US, 5),
            [("192.0.2.3".to_owned(), 50)]
        );
        // Old minutes go.
        t.observe("192.0.2.5", 40 * MINUTE_US);
        assert!(t.top(0, MINUTE_US, 5).is_empty());
    }
}

//! Attacks shaped to slip past per-address thresholds, and the benign rush that must not
//! look like one: a flood the site answers with success from a few dozen addresses, a slow
//! stuffing run spread over unrelated networks, and a campaign day's burst of real
//! customers (the carrier NAT pool is part of the population, see `population.rs`).

use super::truth::rule_ids as ids;
use super::{Gen, Outcome, SEC};
use rand::Rng;

/// The stuffing tool's fixed client string: a browser no customer of ours runs.
pub const SLOW_STUFFING_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";

/// Addresses of the success-answered flood.
const FLOOD_ADDRESSES: usize = 30;
/// Addresses of the slow stuffing run, and tries per address.
const STUFFING_ADDRESSES: usize = 150;
const TRIES_PER_ADDRESS: usize = 3;

impl Gen {
    /// 30 addresses, 250 requests a minute each for three minutes,
    /// nine in ten answered 200: no failure ratio to give them away.
    fn flood_answered_with_success(&mut self) {
        let addresses: Vec<String> = (0..FLOOD_ADDRESSES)
            .map(|i| format!("203.0.113.{}", 20 + i))
            .collect();
        let start = self.at(15, 30);
        let per_address = 750;
        let total = per_address * FLOOD_ADDRESSES;
        let step = 3 * 60 * SEC / total as i64;
        let mut t = start;
        for k in 0..total {
            let ip = addresses[k % FLOOD_ADDRESSES].clone();
            let status = if self.rng.random::<f64>() < 0.9 {
                200
            } else {
                503
            };
            let url = format!("/api/balance?r={:x}", self.rng.random::<u32>());
            self.request(
                t,
                &ip,
                "GET",
                &url,
                status,
                super::population::AGENTS[k % 6],
            );
            t += step;
        }
        for ip in addresses {
            let key = [("source.ip", ip.clone())];
            self.record(
                "http_flood_answered_with_success",
                &[ids::HTTP_FLOOD_SOURCE],
                &key,
                (start, t),
                vec![ip],
            );
        }
    }

    /// 150 addresses in 150 networks and autonomous systems, three tries each over five
    /// hours, mostly for accounts that do not exist, all with one client string.
    fn stuffing_slow(&mut self) {
        let addresses: Vec<String> = (0..STUFFING_ADDRESSES)
            // One IPv6 /48 of the documentation prefix each: 150 unrelated networks.
            .map(|i| format!("2001:db8:{:x}::{:x}", 0x100 + i, 1 + i % 200))
            .collect();
        let start = self.at(5, 0);
        let total = STUFFING_ADDRESSES * TRIES_PER_ADDRESS;
        let step = 5 * 3600 * SEC / total as i64;
        let mut t = start;
        for k in 0..total {
            let i = k % STUFFING_ADDRESSES;
            let addr = super::Addr {
                ip: addresses[i].clone(),
                asn: 65000 + i as u32,
                country: "XX",
            };
            let (user, outcome) = self.stuffing_target(5000 + k);
            let outcome = if outcome == Outcome::Success {
                Outcome::WrongPassword
            } else {
                outcome
            };
            self.login(t, &user, &addr, outcome, SLOW_STUFFING_AGENT);
            t += step;
        }
        let key = [("user_agent.original", SLOW_STUFFING_AGENT.to_owned())];
        self.record(
            "credential_stuffing_slow",
            &[ids::STUFFING_SLOW],
            &key,
            (start, t - step),
            addresses,
        );
    }

    /// A campaign's rush: half the customer base signs in within 20 minutes of noon
    /// (typos, carrier NAT and office proxies included). Nothing may be named for it.
    fn campaign_rush(&mut self) {
        let start = self.at(12, 0);
        for _ in 0..self.customers.len() / 2 {
            let c = self.rng.random_range(0..self.customers.len());
            let at = start + self.rng.random_range(0..20 * 60) * SEC;
            self.session_at(c, at);
        }
    }
}

/// Plants the evasive attacks and the campaign rush.
pub fn plant_all(g: &mut Gen) {
    g.flood_answered_with_success();
    g.stuffing_slow();
    g.campaign_rush();
}

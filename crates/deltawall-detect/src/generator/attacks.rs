//! The attacks planted into a generated day, each recorded in the ground truth.

use super::population::Access;
use super::truth::{Attack, rule_ids as ids};
use super::{Addr, Gen, Outcome, SEC};
use crate::input::time::format_rfc3339;
use rand::Rng;
use serde_json::json;
use std::collections::BTreeMap;

/// Attacks use victims and stuffing targets among the customers.
pub const CUSTOMERS_NEEDED: usize = 500;

const BOT_AGENT: &str = "python-requests/2.31.0";

fn attacker(ip: &str, asn: u32, country: &'static str) -> Addr {
    Addr {
        ip: ip.to_owned(),
        asn,
        country,
    }
}

impl Gen {
    pub(crate) fn record(
        &mut self,
        kind: &str,
        rules: &[&str],
        key: &[(&str, String)],
        span: (i64, i64),
        addresses: Vec<String>,
    ) {
        let accounts = std::mem::take(&mut self.accounts);
        self.attacks.push(Attack {
            kind: kind.to_owned(),
            rules: rules.iter().map(|r| (*r).to_owned()).collect(),
            key: key
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            start: format_rfc3339(span.0),
            end: format_rfc3339(span.1),
            addresses,
            accounts,
        });
    }

    /// Customers at home, for victims, so that no shared address is involved.
    fn home_customer(&self, nth: usize) -> usize {
        self.customers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.access == Access::Home)
            .nth(nth)
            .map(|(i, _)| i)
            .expect("enough home customers")
    }

    /// A stolen list of login ids: some are ours, most are not.
    pub(crate) fn stuffing_target(&mut self, i: usize) -> (String, Outcome) {
        if self.rng.random::<f64>() < 0.4 {
            let c = &self.customers[self.rng.random_range(0..self.customers.len())];
            let hit = self.rng.random::<f64>() < 0.1;
            let user = c.user.clone();
            if hit {
                self.accounts.push(user.clone());
            }
            (
                user,
                if hit {
                    Outcome::Success
                } else {
                    Outcome::WrongPassword
                },
            )
        } else {
            (format!("leaked{i:05}@mail.example"), Outcome::UnknownUser)
        }
    }

    fn stuffing_single_ip(&mut self) {
        let addr = attacker("203.0.113.50", 64513, "NL");
        let start = self.at(2, 10);
        let mut t = start;
        for i in 0..300 {
            let (user, outcome) = self.stuffing_target(i);
            self.login(t, &user, &addr, outcome, BOT_AGENT);
            t += 1_600_000;
        }
        // Make sure at least one stolen pair works, late in the run.
        let victim = self.customers[self.home_customer(0)].user.clone();
        self.login(t, &victim, &addr, Outcome::Success, BOT_AGENT);
        self.accounts.push(victim);
        let key = [("source.ip", addr.ip.clone())];
        self.record(
            "credential_stuffing",
            &[ids::STUFFING_IP, ids::STUFFING_HIT],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }

    fn stuffing_distributed(&mut self) {
        let start = self.at(3, 30);
        let mut t = start;
        let mut addresses = Vec::new();
        for i in 0..240 {
            // Four attempts per address keeps every single address below the per-address rules.
            let addr = attacker(&format!("198.51.100.{}", 10 + i / 4), 64512, "BR");
            let (user, outcome) = self.stuffing_target(1000 + i);
            let outcome = if outcome == Outcome::Success {
                Outcome::WrongPassword
            } else {
                outcome
            };
            self.login(t, &user, &addr, outcome, BOT_AGENT);
            addresses.push(addr.ip);
            t += 2_200_000;
        }
        addresses.dedup();
        let key = [("source.as.number", "64512".to_owned())];
        let accounts = self.accounts.clone();
        self.record(
            "credential_stuffing_distributed",
            &[ids::STUFFING_ASN],
            &key,
            (start, t),
            addresses.clone(),
        );
        // The same run seen by network, for logs without ASN enrichment.
        self.accounts = accounts;
        let key = [("deltawall.source.network", "198.51.100.0/24".to_owned())];
        self.record(
            "credential_stuffing_distributed_network",
            &[ids::STUFFING_NETWORK],
            &key,
            (start, t),
            addresses,
        );
    }

    fn brute_force(&mut self) {
        let victim = self.customers[self.home_customer(1)].user.clone();
        let addr = attacker("203.0.113.77", 64513, "CN");
        let start = self.at(11, 20);
        let mut t = start;
        for _ in 0..40 {
            self.login(t, &victim, &addr, Outcome::WrongPassword, BOT_AGENT);
            t += 9 * SEC;
        }
        self.accounts.push(victim.clone());
        let key = [("user.name", victim)];
        self.record(
            "brute_force",
            &[ids::BRUTE_FORCE],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }

    fn spraying(&mut self) {
        let addr = attacker("203.0.113.90", 64513, "RU");
        let start = self.at(14, 0);
        let mut t = start;
        for n in 0..60 {
            let user = self.customers[self.home_customer(100 + n)].user.clone();
            self.accounts.push(user.clone());
            self.login(t, &user, &addr, Outcome::WrongPassword, BOT_AGENT);
            t += 75 * SEC;
        }
        let key = [("source.ip", addr.ip.clone())];
        self.record(
            "password_spraying",
            &[ids::SPRAYING],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }

    fn account_takeover(&mut self) {
        let c = self.customers[self.home_customer(2)].clone();
        let addr = attacker("203.0.113.120", 64513, "VN");
        let start = self.at(16, 40);
        let mut t = start;
        for _ in 0..12 {
            self.login(t, &c.user, &addr, Outcome::WrongPassword, c.agent);
            t += 20 * SEC;
        }
        self.login(t, &c.user, &addr, Outcome::Success, c.agent);
        self.accounts.push(c.user.clone());
        let key = [("user.name", c.user)];
        self.record(
            "account_takeover",
            &[ids::BRUTE_FORCE, ids::SUCCESS_AFTER_FAILURES],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }

    fn impossible_travel(&mut self) {
        let c = self.customers[self.home_customer(3)].clone();
        let start = self.at(19, 0);
        self.login(start, &c.user, &c.addr, Outcome::Success, c.agent);
        let addr = attacker("203.0.113.200", 64513, "BR");
        let end = start + 40 * 60 * SEC;
        self.login(end, &c.user, &addr, Outcome::Success, BOT_AGENT);
        self.accounts.push(c.user.clone());
        let key = [("user.name", c.user)];
        self.record(
            "impossible_travel",
            &[ids::IMPOSSIBLE_TRAVEL],
            &key,
            (start, end),
            vec![addr.ip],
        );
    }

    fn new_payee_transfer(&mut self) {
        let c = self.customers[self.home_customer(4)].clone();
        let addr = attacker("203.0.113.130", 64513, "JP");
        let start = self.at(21, 10);
        self.login(start, &c.user, &addr, Outcome::Success, c.agent);
        let payee = "payee-mule-0001";
        let t = start + 45 * SEC;
        self.payment(
            t,
            &c.user,
            &addr,
            "payee_added",
            true,
            json!({"payee": {"id": payee}}),
        );
        let end = t + 4 * 60 * SEC;
        self.payment(
            end,
            &c.user,
            &addr,
            "transfer",
            true,
            json!({"amount": 2_800_000, "currency": "JPY", "payee": {"id": payee}}),
        );
        self.accounts.push(c.user.clone());
        let key = [
            ("payment.payee.id", payee.to_owned()),
            ("user.name", c.user),
        ];
        self.record(
            "new_payee_large_transfer",
            &[ids::NEW_PAYEE_TRANSFER],
            &key,
            (start, end),
            vec![addr.ip],
        );
    }

    fn card_testing(&mut self) {
        let addr = attacker("203.0.113.150", 64513, "US");
        let start = self.at(23, 5);
        let mut t = start;
        for _ in 0..80 {
            let card = format!("card-{:016x}", self.rng.random::<u64>());
            let ok = self.rng.random::<f64>() < 0.1;
            let amount = self.rng.random_range(1..300);
            self.payment(t, "guest-checkout", &addr, "card_authorization", ok, json!({"amount": amount, "currency": "JPY", "card": {"fingerprint": card}, "merchant": {"id": "m-0042"}}));
            t += 7 * SEC;
        }
        let key = [("source.ip", addr.ip.clone())];
        self.record(
            "card_testing",
            &[ids::CARD_TESTING],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }

    fn login_flood(&mut self) {
        for host in 10..13 {
            let ip = format!("203.0.113.{host}");
            let start = self.at(10, 15);
            let mut t = start;
            for _ in 0..900 {
                self.request(t, &ip, "POST", "/login", 503, BOT_AGENT);
                t += 200_000;
            }
            let key = [("source.ip", ip.clone())];
            self.record(
                "http_login_flood",
                &[ids::LOGIN_FLOOD],
                &key,
                (start, t),
                vec![ip],
            );
        }
    }

    fn request_spike(&mut self) {
        let start = self.at(20, 30);
        let mut t = start;
        let addresses: Vec<String> = (64..254).map(|h| format!("192.0.2.{h}")).collect();
        // 12,000 requests a minute for four minutes, with cache-busting queries.
        for i in 0..48_000 {
            let ip = addresses[i % addresses.len()].clone();
            let url = format!("/search?q={:x}", self.rng.random::<u32>());
            let status = if i % 3 == 0 { 503 } else { 200 };
            self.request(
                t,
                &ip,
                "GET",
                &url,
                status,
                super::population::AGENTS[i % 4],
            );
            t += 5_000;
        }
        self.record(
            "request_spike",
            &[ids::REQUEST_SPIKE],
            &[],
            (start, t),
            addresses,
        );
    }

    fn crypto_withdrawals(&mut self) {
        let c = self.customers[self.home_customer(5)].clone();
        let addr = attacker("203.0.113.170", 64513, "SG");
        let start = self.at(4, 20);
        let mut t = start;
        for _ in 0..6 {
            let amount = self.rng.random_range(2_500_000..3_500_000);
            let dest = format!("bc1q{:032x}", self.rng.random::<u128>());
            self.payment(t, &c.user, &addr, "crypto_withdrawal", true, json!({"amount": amount, "currency": "JPY", "crypto": {"asset": "BTC", "destination": {"address": dest, "new": true}}}));
            t += 7 * 60 * SEC;
        }
        t -= 7 * 60 * SEC;
        self.accounts.push(c.user.clone());
        let key = [("user.name", c.user)];
        self.record(
            "crypto_withdrawal_anomaly",
            &[ids::CRYPTO_AMOUNT, ids::CRYPTO_DESTINATIONS],
            &key,
            (start, t),
            vec![addr.ip],
        );
    }
}

/// Plants every attack.
pub fn plant_all(g: &mut Gen) {
    g.stuffing_single_ip();
    g.stuffing_distributed();
    g.brute_force();
    g.spraying();
    g.account_takeover();
    g.impossible_travel();
    g.new_payee_transfer();
    g.card_testing();
    g.login_flood();
    g.request_spike();
    g.crypto_withdrawals();
}

//! The labelled log generator behind `gen-logs`: a day of internet-banking logs with
//! attacks planted, and a ground-truth file describing each attack.
//!
//! Output files (in the output directory):
//! - `auth.jsonl`: ECS login events (`event.category: authentication`);
//! - `payments.jsonl`: ECS payment events (`event.category: payment`): transfers, new
//!   payees, card authorisations, crypto-asset withdrawals;
//! - `web.log`: nginx combined access log of the internet-banking site;
//! - `truth.json`: the planted attacks ([`Truth`]) and the shared addresses that must
//!   never be alerted on.
//!
//! The same seed and sizes always give the same files.

mod attacks;
mod evasive;
mod population;
mod truth;

pub use population::{Access, Addr, CGNAT, Customer, PROXIES, carrier_pool};
pub use truth::{Attack, Truth, rule_ids};

use crate::input::time::{days_from_civil, format_clf, format_rfc3339};
use population::second_of_day;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Japan time, the bank's local time.
const JST: i64 = 9 * 3600;
const SEC: i64 = 1_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Random seed.
    pub seed: u64,
    /// Number of customers.
    pub customers: usize,
    /// Background login sessions (default: about 1.5 per customer).
    pub sessions: Option<usize>,
    /// The day, `YYYY-MM-DD` (Japan time).
    pub date: (i64, u32, u32),
    /// Output directory.
    pub out: PathBuf,
}

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Fewer customers than the planted attacks need.
    #[error("at least {0} customers are needed to plant every attack")]
    TooFewCustomers(usize),
}

/// Lines of one output file with their times, sorted when written.
#[derive(Default)]
struct Stream {
    lines: Vec<(i64, String)>,
}

impl Stream {
    fn write(mut self, path: &Path) -> Result<usize, GenError> {
        self.lines.sort_by_key(|(t, _)| *t);
        let err = |source| GenError::Write {
            path: path.to_owned(),
            source,
        };
        let mut out = BufWriter::new(fs::File::create(path).map_err(err)?);
        for (_, line) in &self.lines {
            out.write_all(line.as_bytes()).map_err(err)?;
            out.write_all(b"\n").map_err(err)?;
        }
        out.flush().map_err(err)?;
        Ok(self.lines.len())
    }
}

/// The generator's state: random source, output streams, planted attacks.
pub(crate) struct Gen {
    rng: StdRng,
    day_start: i64,
    customers: Vec<Customer>,
    auth: Stream,
    payments: Stream,
    web: Stream,
    attacks: Vec<Attack>,
    /// Accounts touched by the attack being planted.
    accounts: Vec<String>,
}

/// Login outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    WrongPassword,
    UnknownUser,
}

impl Gen {
    fn ms_jitter(&mut self, max_s: i64) -> i64 {
        self.rng.random_range(0..max_s.max(1) * SEC)
    }

    pub(crate) fn login(&mut self, t: i64, user: &str, addr: &Addr, outcome: Outcome, agent: &str) {
        let (result, reason) = match outcome {
            Outcome::Success => ("success", None),
            Outcome::WrongPassword => ("failure", Some("wrong_password")),
            Outcome::UnknownUser => ("failure", Some("unknown_user")),
        };
        let mut v = json!({
            "@timestamp": format_rfc3339(t),
            "event": {"category": ["authentication"], "action": "login", "outcome": result, "dataset": "bank.auth"},
            "user": {"name": user},
            "source": {"ip": addr.ip, "as": {"number": addr.asn}, "geo": {"country_iso_code": addr.country}},
            "user_agent": {"original": agent},
        });
        if let Some(r) = reason {
            v["auth"] = json!({ "failure_reason": r });
        }
        self.auth.lines.push((t, v.to_string()));
        let status = if outcome == Outcome::Success {
            200
        } else {
            401
        };
        self.request(t, &addr.ip, "POST", "/api/login", status, agent);
    }

    pub(crate) fn request(
        &mut self,
        t: i64,
        ip: &str,
        method: &str,
        url: &str,
        status: u16,
        agent: &str,
    ) {
        let bytes = if status == 200 {
            512 + (t / 7) % 20_000
        } else {
            128
        };
        let line = format!(
            "{ip} - - [{}] \"{method} {url} HTTP/1.1\" {status} {bytes} \"https://ib.bank.example/\" \"{agent}\"",
            format_clf(t, JST)
        );
        self.web.lines.push((t, line));
    }

    pub(crate) fn payment(
        &mut self,
        t: i64,
        user: &str,
        addr: &Addr,
        action: &str,
        ok: bool,
        mut payment: serde_json::Value,
    ) {
        // Crypto details are an ECS-style top-level object of their own.
        let crypto = payment.as_object_mut().and_then(|m| m.remove("crypto"));
        let dataset = if action == "card_authorization" {
            "bank.cards"
        } else {
            "bank.payments"
        };
        let mut v = json!({
            "@timestamp": format_rfc3339(t),
            "event": {"category": ["payment"], "action": action,
                      "outcome": if ok { "success" } else { "failure" }, "dataset": dataset},
            "user": {"name": user},
            "source": {"ip": addr.ip, "as": {"number": addr.asn}, "geo": {"country_iso_code": addr.country}},
            "payment": payment,
        });
        if let Some(c) = crypto {
            v["crypto"] = c;
        }
        self.payments.lines.push((t, v.to_string()));
    }

    /// One ordinary customer session: maybe a typo or two, the login, some pages,
    /// maybe a payment.
    fn session(&mut self, c: usize) {
        let access = self.customers[c].access;
        let start = self.day_start + second_of_day(&mut self.rng, access) * SEC;
        self.session_at(c, start);
    }

    /// A session starting at `start` (within the next second).
    pub(crate) fn session_at(&mut self, c: usize, start: i64) {
        let mut cust = self.customers[c].clone();
        if cust.access == Access::CarrierPool {
            let pool = population::carrier_pool();
            cust.addr.ip = pool[self.rng.random_range(0..pool.len())].clone();
        }
        let mut t = start + self.ms_jitter(1);
        self.request(t, &cust.addr.ip, "GET", "/login", 200, cust.agent);
        t += self.ms_jitter(8) + 2 * SEC;
        let roll: f64 = self.rng.random();
        let typos = if roll < 0.004 {
            3
        } else if roll < 0.019 {
            2
        } else if roll < 0.079 {
            1
        } else {
            0
        };
        for _ in 0..typos {
            // A mistyped login id reaches the bank as an unknown user.
            let outcome = if self.rng.random::<f64>() < 0.2 {
                Outcome::UnknownUser
            } else {
                Outcome::WrongPassword
            };
            let user = if outcome == Outcome::UnknownUser {
                format!("{}x", cust.user)
            } else {
                cust.user.clone()
            };
            self.login(t, &user, &cust.addr, outcome, cust.agent);
            t += self.ms_jitter(20) + 3 * SEC;
        }
        self.login(t, &cust.user, &cust.addr, Outcome::Success, cust.agent);
        for page in [
            "/static/app.js",
            "/static/app.css",
            "/accounts",
            "/accounts/history",
        ] {
            t += self.ms_jitter(15);
            self.request(t, &cust.addr.ip, "GET", page, 200, cust.agent);
        }
        self.payments_in_session(t, &cust);
    }

    fn payments_in_session(&mut self, mut t: i64, cust: &Customer) {
        let roll: f64 = self.rng.random();
        if roll < 0.25 {
            // Transfer to a known payee; a few are large, which alone is not suspicious.
            let payee = cust.payees[self.rng.random_range(0..cust.payees.len())].clone();
            let amount = if self.rng.random::<f64>() < 0.03 {
                self.rng.random_range(1_200_000..5_000_000)
            } else {
                log_uniform(&mut self.rng, 1_000.0, 800_000.0)
            };
            t += self.ms_jitter(120) + 20 * SEC;
            self.request(t, &cust.addr.ip, "POST", "/api/transfers", 200, cust.agent);
            self.payment(
                t,
                &cust.user,
                &cust.addr,
                "transfer",
                true,
                json!({"amount": amount, "currency": "JPY", "payee": {"id": payee}}),
            );
        } else if roll < 0.27 {
            // A new payee followed by a small first transfer: the usual, benign pattern.
            let payee = format!("payee-new-{:08x}", self.rng.random::<u32>());
            t += self.ms_jitter(60) + 10 * SEC;
            self.payment(
                t,
                &cust.user,
                &cust.addr,
                "payee_added",
                true,
                json!({"payee": {"id": payee}}),
            );
            t += self.ms_jitter(1_200) + 60 * SEC;
            let amount = self.rng.random_range(1_000..50_000);
            self.payment(
                t,
                &cust.user,
                &cust.addr,
                "transfer",
                true,
                json!({"amount": amount, "currency": "JPY", "payee": {"id": payee}}),
            );
        }
        if self.rng.random::<f64>() < 0.3 {
            let amount = log_uniform(&mut self.rng, 300.0, 50_000.0);
            let ok = self.rng.random::<f64>() > 0.03;
            let merchant = format!("m-{:04}", self.rng.random_range(0..500));
            t += self.ms_jitter(3_600);
            self.payment(t, &cust.user, &cust.addr, "card_authorization", ok, json!({"amount": amount, "currency": "JPY", "card": {"fingerprint": cust.card}, "merchant": {"id": merchant}}));
        }
        if let Some(wallet) = &cust.wallet
            && self.rng.random::<f64>() < 0.2
        {
            let amount = log_uniform(&mut self.rng, 10_000.0, 500_000.0);
            t += self.ms_jitter(600);
            self.payment(t, &cust.user, &cust.addr, "crypto_withdrawal", true, json!({"amount": amount, "currency": "JPY", "crypto": {"asset": "BTC", "destination": {"address": wallet, "new": false}}}));
        }
    }

    /// Time at `hh:mm` Japan time on the generated day.
    pub(crate) fn at(&self, hh: i64, mm: i64) -> i64 {
        self.day_start + (hh * 3600 + mm * 60) * SEC
    }
}

pub(crate) fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> i64 {
    (lo * (hi / lo).powf(rng.random::<f64>())).round() as i64
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Lines of `auth.jsonl`.
    pub auth: usize,
    /// Lines of `payments.jsonl`.
    pub payments: usize,
    /// Lines of `web.log`.
    pub web: usize,
}

/// Generates the day's logs and the ground truth into `config.out`.
pub fn generate(config: &GenConfig) -> Result<(Truth, Written), GenError> {
    if config.customers < attacks::CUSTOMERS_NEEDED {
        return Err(GenError::TooFewCustomers(attacks::CUSTOMERS_NEEDED));
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let (y, m, d) = config.date;
    let day_start = (days_from_civil(y, m, d) * 86_400 - JST) * SEC;
    let customers = population::customers(&mut rng, config.customers);
    let mut g = Gen {
        rng,
        day_start,
        customers,
        auth: Stream::default(),
        payments: Stream::default(),
        web: Stream::default(),
        attacks: Vec::new(),
        accounts: Vec::new(),
    };
    let sessions = config.sessions.unwrap_or(config.customers * 3 / 2);
    for _ in 0..sessions {
        let c = g.rng.random_range(0..g.customers.len());
        g.session(c);
    }
    attacks::plant_all(&mut g);
    evasive::plant_all(&mut g);
    let io_err = |path: &Path, source| GenError::Write {
        path: path.to_owned(),
        source,
    };
    fs::create_dir_all(&config.out).map_err(|e| io_err(&config.out, e))?;
    let written = Written {
        auth: std::mem::take(&mut g.auth).write(&config.out.join("auth.jsonl"))?,
        payments: std::mem::take(&mut g.payments).write(&config.out.join("payments.jsonl"))?,
        web: std::mem::take(&mut g.web).write(&config.out.join("web.log"))?,
    };
    let truth = Truth {
        seed: config.seed,
        customers: config.customers,
        day: format!("{y:04}-{m:02}-{d:02}"),
        day_start: format_rfc3339(day_start),
        files: vec![
            "auth.jsonl".into(),
            "payments.jsonl".into(),
            "web.log".into(),
        ],
        attacks: g.attacks,
        attacker_asns: vec![64512, 64513, 64514],
        never_alert: CGNAT
            .iter()
            .chain(PROXIES.iter())
            .map(|s| (*s).to_owned())
            .chain(carrier_pool())
            .collect(),
    };
    let path = config.out.join("truth.json");
    let text = serde_json::to_string_pretty(&truth).expect("truth serialises");
    fs::write(&path, text + "\n").map_err(|e| io_err(&path, e))?;
    Ok((truth, written))
}

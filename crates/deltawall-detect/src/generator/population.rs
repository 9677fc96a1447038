//! Who logs in from where: customers, their addresses and the day's rhythm.
//!
//! Address plan (all from documentation, benchmarking or shared address space, so no
//! real network is named):
//! - homes: `198.18.0.0/15` split over ten residential ASNs 64600–64609, country JP;
//! - mobile carrier-grade NAT: four addresses in `100.64.0.0/10`, ASN 64700, each shared
//!   by hundreds of customers;
//! - office proxies: `192.0.2.10`–`192.0.2.11`, ASN 64800, shared by corporate users;
//! - customers travelling abroad: `198.19.250.0/24`, ASN 64900, country US;
//! - attackers: `203.0.113.0/24` (ASN 64513), `198.51.100.0/24` (ASN 64512, the
//!   distributed stuffing network), `192.0.2.64`–`192.0.2.254` (ASN 64514, the flood botnet).

use rand::Rng;
use rand::rngs::StdRng;

/// An address with its enrichment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// The IP address.
    pub ip: String,
    /// Its autonomous system number.
    pub asn: u32,
    /// ISO 3166 country code.
    pub country: &'static str,
}

/// Shared carrier-grade NAT addresses.
pub const CGNAT: [&str; 4] = ["100.64.0.1", "100.64.0.2", "100.64.0.3", "100.64.0.4"];
/// Shared office proxy addresses.
pub const PROXIES: [&str; 2] = ["192.0.2.10", "192.0.2.11"];

/// A mobile carrier's NAT pool: each session of its customers leaves from any of these
/// 24 addresses in four networks (a benign trap: many accounts, rotating addresses).
pub fn carrier_pool() -> Vec<String> {
    (0..4)
        .flat_map(|net| (1..=6).map(move |host| format!("100.80.{net}.{host}")))
        .collect()
}

/// How a customer reaches the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Behind a mobile carrier's NAT pool, a different address each session.
    CarrierPool,
    /// From home, own address.
    Home,
    /// From a phone behind carrier-grade NAT.
    Mobile,
    /// From the office, behind a shared proxy; logs in during office hours.
    Office,
    /// Abroad all day.
    Travelling,
}

/// A customer of the bank.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Login id.
    pub user: String,
    /// Where they log in from.
    pub addr: Addr,
    /// How.
    pub access: Access,
    /// Their browser.
    pub agent: &'static str,
    /// Their card's fingerprint.
    pub card: String,
    /// Payees they already have.
    pub payees: Vec<String>,
    /// Whether they trade crypto-assets, and their usual withdrawal address.
    pub wallet: Option<String>,
}

/// Browsers customers use.
pub const AGENTS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SH-M26) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "BankApp/5.12.0 (iOS 17.4; iPhone15,2)",
];

fn home_addr(rng: &mut StdRng) -> Addr {
    let n: u32 = rng.random_range(0..(1 << 17) - 2) + 1;
    let ip = format!("198.{}.{}.{}", 18 + (n >> 16), (n >> 8) & 255, n & 255);
    let ip = if ip.starts_with("198.19.250.") {
        "198.18.0.1".to_owned()
    } else {
        ip
    };
    Addr {
        ip,
        asn: 64600 + (n >> 8) % 10,
        country: "JP",
    }
}

/// Builds `n` customers.
pub fn customers(rng: &mut StdRng, n: usize) -> Vec<Customer> {
    (0..n)
        .map(|i| {
            let roll: f64 = rng.random();
            let (access, addr) = if roll < 0.30 {
                let ip = CGNAT[rng.random_range(0..CGNAT.len())].to_owned();
                (
                    Access::Mobile,
                    Addr {
                        ip,
                        asn: 64700,
                        country: "JP",
                    },
                )
            } else if roll < 0.40 {
                let ip = PROXIES[rng.random_range(0..PROXIES.len())].to_owned();
                (
                    Access::Office,
                    Addr {
                        ip,
                        asn: 64800,
                        country: "JP",
                    },
                )
            } else if roll < 0.48 {
                let pool = carrier_pool();
                let ip = pool[rng.random_range(0..pool.len())].clone();
                (
                    Access::CarrierPool,
                    Addr {
                        ip,
                        asn: 64710,
                        country: "JP",
                    },
                )
            } else if roll < 0.49 {
                let ip = format!("198.19.250.{}", rng.random_range(1..255));
                (
                    Access::Travelling,
                    Addr {
                        ip,
                        asn: 64900,
                        country: "US",
                    },
                )
            } else {
                (Access::Home, home_addr(rng))
            };
            let payees = (0..rng.random_range(1..5))
                .map(|p| format!("payee-{i:06}-{p}"))
                .collect();
            Customer {
                user: format!("u{i:07}"),
                addr,
                access,
                agent: AGENTS[rng.random_range(0..AGENTS.len())],
                card: format!("card-{:016x}", rng.random::<u64>()),
                payees,
                wallet: (rng.random::<f64>() < 0.05)
                    .then(|| format!("bc1q{:032x}", rng.random::<u128>())),
            }
        })
        .collect()
}

/// Relative login activity per hour of the day, Japan time: quiet at night, a morning
/// rise, a lunch peak and the evening peak of personal banking.
const HOURLY: [f64; 24] = [
    1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 1.0, 2.5, 4.0, 5.0, 5.0, 5.0, 6.0, 5.0, 4.0, 4.0, 4.0, 4.0, 5.0,
    6.0, 7.0, 6.0, 4.0, 2.0,
];

/// Office users log in during working hours, most of them right after nine.
const OFFICE_HOURLY: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 2.0, 8.0, 4.0, 3.0, 2.0, 3.0, 3.0, 3.0, 2.0, 1.5, 0.5,
    0.2, 0.0, 0.0, 0.0, 0.0,
];

/// A second of the day (Japan time) drawn from the customer's daily rhythm.
pub fn second_of_day(rng: &mut StdRng, access: Access) -> i64 {
    let weights = if access == Access::Office {
        &OFFICE_HOURLY
    } else {
        &HOURLY
    };
    let total: f64 = weights.iter().sum();
    let mut pick = rng.random::<f64>() * total;
    let mut hour = 23;
    for (h, w) in weights.iter().enumerate() {
        if pick < *w {
            hour = h;
            break;
        }
        pick -= w;
    }
    hour as i64 * 3600 + rng.random_range(0..3600)
}

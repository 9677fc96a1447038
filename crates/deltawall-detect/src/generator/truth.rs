//! The ground truth written next to generated logs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ids of the finance-pack rules the planted attacks must trigger (the `id:` of each
/// rule file under `rules/finance/`).
pub mod rule_ids {
    /// Credential stuffing: many accounts failing from one address.
    pub const STUFFING_IP: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000001";
    /// Credential stuffing spread over the addresses of one ASN.
    pub const STUFFING_ASN: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000002";
    /// A successful login from an address that was stuffing credentials.
    pub const STUFFING_HIT: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000003";
    /// Brute force on one account.
    pub const BRUTE_FORCE: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000004";
    /// Password spraying: many accounts, slowly, from one address.
    pub const SPRAYING: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000005";
    /// Success after a burst of failures on one account.
    pub const SUCCESS_AFTER_FAILURES: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000006";
    /// Logins to one account from two countries within two hours.
    pub const IMPOSSIBLE_TRAVEL: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000007";
    /// A new payee then a large transfer to it within minutes.
    pub const NEW_PAYEE_TRANSFER: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000008";
    /// Card testing: many cards, small amounts, from one address.
    pub const CARD_TESTING: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000009";
    /// HTTP flood on the login page from one address.
    pub const LOGIN_FLOOD: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000a";
    /// Site-wide request-rate spike.
    pub const REQUEST_SPIKE: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000b";
    /// Crypto-asset withdrawals above the hourly amount.
    pub const CRYPTO_AMOUNT: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000c";
    /// Credential stuffing spread over the addresses of one /24 network.
    pub const STUFFING_NETWORK: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000e";
    /// An HTTP flood from one address, judged against the address's own baseline.
    pub const HTTP_FLOOD_SOURCE: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000f";
    /// Slow credential stuffing: one failing client across unrelated networks.
    pub const STUFFING_SLOW: &str = "d3a1f0c2-7b4e-4c8a-9f10-000000000010";
    /// Crypto-asset withdrawals to many new addresses.
    pub const CRYPTO_DESTINATIONS: &str = "d3a1f0c2-7b4e-4c8a-9f10-00000000000d";
}

/// One planted attack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attack {
    /// What it is, e.g. `credential_stuffing`.
    pub kind: String,
    /// Ids of the rules that must alert on it (each at least once).
    pub rules: Vec<String>,
    /// The group-by values an alert must carry (field → value); empty for global rules.
    pub key: BTreeMap<String, String>,
    /// When the attack's first event happened (RFC 3339).
    pub start: String,
    /// When its last event happened (RFC 3339).
    pub end: String,
    /// Addresses the attack came from (for checking that only attackers are named).
    pub addresses: Vec<String>,
    /// Accounts the attack targeted by name or got into (alerts may name them).
    pub accounts: Vec<String>,
}

/// The ground truth of a generated day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// The seed used.
    pub seed: u64,
    /// Customers simulated.
    pub customers: usize,
    /// The day (Japan time).
    pub day: String,
    /// The day's first instant (RFC 3339, UTC).
    pub day_start: String,
    /// Files written.
    pub files: Vec<String>,
    /// The planted attacks.
    pub attacks: Vec<Attack>,
    /// Autonomous systems the attackers use (alerts grouped by network may name them).
    pub attacker_asns: Vec<u32>,
    /// Shared proxy and carrier-grade NAT addresses (and a mobile carrier's NAT pool)
    /// where many customers log in: no alert may name them.
    pub never_alert: Vec<String>,
}

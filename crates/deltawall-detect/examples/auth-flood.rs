//! Writes a large ECS JSON Lines authentication log for the memory measurement of
//! `BENCHMARKS.md`: `EVENTS` login events (default ten million) over one day from `ADDRESSES`
//! distinct source addresses (default one million, `11.0.0.0/8` in order of a random
//! permutation step), `USERS` customer accounts, about one login in four failing, so that
//! the finance pack holds a correlation group per address, per account and per network
//! (the situation of an attacker rotating addresses).
//!
//! ```sh
//! cargo run --release -p deltawall-detect --example auth-flood -- 10000000 1000000 200000 > /tmp/flood.jsonl
//! ```

use std::io::{self, BufWriter, Write};

/// SplitMix64: a small deterministic generator (seeded with 1), enough for test data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() -> io::Result<()> {
    let events = arg(1, 10_000_000);
    let addresses = arg(2, 1_000_000).clamp(1, 1 << 24);
    let users = arg(3, 200_000).max(1);
    let mut rng = Mix(1);
    let out = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, out.lock());
    // 2026-03-02T00:00:00+09:00 in Unix microseconds, then one day.
    let start_us: u64 = 1_772_377_200_000_000;
    let day_us: u64 = 86_400_000_000;
    for n in 0..events {
        let t = start_us + n * day_us / events.max(1);
        let (secs, micros) = (t / 1_000_000, t % 1_000_000);
        let ts = jiff::Timestamp::from_second(i64::try_from(secs).unwrap_or(0))
            .map_err(io::Error::other)?;
        // Each address appears about events/addresses times, spread over the day.
        let a = (n % addresses).wrapping_mul(2_654_435_761) % addresses;
        let ip = format!("11.{}.{}.{}", a >> 16, (a >> 8) & 255, a & 255);
        let user = format!("c{:07}", rng.below(users));
        let fail = rng.below(4) == 0;
        let outcome = if fail { "failure" } else { "success" };
        write!(
            out,
            "{{\"@timestamp\":\"{}.{:06}Z\",\"event\":{{\"category\":[\"authentication\"],\"action\":\"login\",\"outcome\":\"{outcome}\",\"dataset\":\"bank.auth\"}},\"user\":{{\"name\":\"{user}\"}},\"source\":{{\"ip\":\"{ip}\",\"as\":{{\"number\":{}}},\"geo\":{{\"country_iso_code\":\"JP\"}}}},\"user_agent\":{{\"original\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)\"}}",
            ts.strftime("%Y-%m-%dT%H:%M:%S"),
            micros,
            64_512 + (a % 1000),
        )?;
        if fail {
            out.write_all(b",\"auth\":{\"failure_reason\":\"wrong_password\"}")?;
        }
        out.write_all(b"}\n")?;
    }
    out.flush()
}

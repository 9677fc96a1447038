//! Import of a 100 MB Nessus file and a 100 MB SARIF log, generated at bench time (never
//! committed). Besides divan's times, each bench prints the peak
//! resident memory the import itself added (the input buffer excluded), from Linux's /proc.
//!
//! Run: `cargo bench -p deltawall-vuln --bench import`

use std::sync::LazyLock;

use deltawall_vuln::{Limits, PriorFinding, PriorState, import_nessus, import_sarif, reconcile};
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

const TARGET: usize = 100 * 1024 * 1024;

/// A line of `/proc/self/status` in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident memory `f` added above what was resident before it, in MiB: the kernel's
/// high-water mark is reset first (`clear_refs` 5), so the generated input, already resident,
/// is not counted. `None` where /proc does not offer this.
fn peak_mib(f: impl FnOnce()) -> Option<f64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_kib("VmRSS:")?;
    f();
    let peak = status_kib("VmHWM:")?;
    eprintln!(
        "process peak resident memory {:.1} MiB, input included",
        peak as f64 / 1024.0
    );
    Some(peak.saturating_sub(before) as f64 / 1024.0)
}

mod generate;

/// A Nessus v2 file of about 100 MB: 40 items per host (see `generate.rs`).
static NESSUS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(TARGET + 64 * 1024);
    generate::nessus(&mut out, TARGET).unwrap();
    out
});

/// A SARIF log of about 100 MB: one run, 200 rules (see `generate.rs`).
static SARIF: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(TARGET + 64 * 1024);
    generate::sarif(&mut out, TARGET).unwrap();
    out
});

fn limits() -> Limits {
    Limits {
        max_bytes: 2 * TARGET as u64,
    }
}

fn count_nessus(bytes: &[u8]) -> usize {
    import_nessus(bytes, &limits(), |f| {
        divan::black_box(f);
    })
    .unwrap()
}

fn count_sarif(bytes: &[u8]) -> usize {
    import_sarif(bytes, &limits(), |f| {
        divan::black_box(f);
    })
    .unwrap()
    .0
}

/// Streams the 100 MB Nessus file, findings handed on one by one.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn nessus_100mb(bencher: divan::Bencher) {
    let bytes = &*NESSUS;
    let mut n = 0;
    let peak = peak_mib(|| n = count_nessus(bytes));
    eprintln!(
        "nessus: {:.1} MB, {n} findings, peak added memory {peak:.1?} MiB",
        bytes.len() as f64 / 1e6
    );
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| count_nessus(divan::black_box(bytes)));
}

/// Streams the 100 MB SARIF log, findings handed on one by one.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn sarif_100mb(bencher: divan::Bencher) {
    let bytes = &*SARIF;
    let mut n = 0;
    let peak = peak_mib(|| n = count_sarif(bytes));
    eprintln!(
        "sarif: {:.1} MB, {n} findings, peak added memory {peak:.1?} MiB",
        bytes.len() as f64 / 1e6
    );
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| count_sarif(divan::black_box(bytes)));
}

/// A re-import: the Nessus file again, its findings collected and reconciled against the
/// first import's keys (all open), as a store would; every finding comes out unchanged.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn nessus_100mb_reimport(bencher: divan::Bencher) {
    let bytes = &*NESSUS;
    let mut prior = Vec::new();
    import_nessus(&bytes[..], &limits(), |f| {
        prior.push(PriorFinding {
            key: f.key,
            state: PriorState::Open,
        });
    })
    .unwrap();
    let run = || {
        let mut scan = Vec::new();
        import_nessus(&bytes[..], &limits(), |f| scan.push(f)).unwrap();
        let r = reconcile(&prior, &scan);
        assert!(r.new.is_empty() && r.resolved.is_empty() && r.reopened.is_empty());
        r.unchanged.len()
    };
    let peak = peak_mib(|| {
        divan::black_box(run());
    });
    eprintln!("nessus re-import with reconcile: peak added memory {peak:.1?} MiB");
    bencher.bench(run);
}

//! Throughput of parsing and validating indicators, and of parsing patterns.

use deltawall_stix::{Limits, parse_document};
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

fn indicator(i: usize) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{:08x}-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"c2 {i}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.{}.{}'] OR [domain-name:value = 'c2-{i}.example.com']","pattern_type":"stix","valid_from":"2024-01-02T03:04:05Z","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],"x_bank_score":{}}}"#,
        i,
        (i / 256) % 256,
        i % 256,
        i % 100
    )
}

fn envelope(n: usize) -> String {
    let objects: Vec<String> = (0..n).map(indicator).collect();
    format!(r#"{{"more":false,"objects":[{}]}}"#, objects.join(","))
}

/// Parse + validate (including the STIX pattern) of an envelope of indicators.
#[divan::bench(args = [1, 100, 1000])]
fn parse_validate_indicators(bencher: divan::Bencher, n: usize) {
    let text = envelope(n);
    bencher.counter(ItemsCount::new(n)).bench(|| {
        let doc = parse_document(divan::black_box(&text), &Limits::default());
        assert_eq!(doc.objects.len(), n);
        doc
    });
}

/// Pattern parsing alone.
#[divan::bench]
fn parse_pattern(bencher: divan::Bencher) {
    let p = "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value ISSUBSET '203.0.113.0/24'] FOLLOWEDBY [domain-name:value = 'example.com' AND domain-name:resolves_to_refs[*].value = '198.51.100.1']) WITHIN 600 SECONDS";
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| deltawall_stix::pattern::parse(divan::black_box(p)));
}

/// Matching one indicator pattern against a batch of observations.
#[divan::bench(args = [10, 100])]
fn match_pattern(bencher: divan::Bencher, n: usize) {
    use deltawall_stix::pattern::{Observation, matches, parse};
    let p = parse("[ipv4-addr:value ISSUBSET '198.51.100.0/24'] FOLLOWEDBY [domain-name:value = 'c2.example.com']")
        .expect("constant pattern");
    let observations: Vec<Observation> = (0..n)
        .map(|i| {
            let od = serde_json::json!({"first_observed": format!("2024-01-01T00:{:02}:00Z", i % 60),
                "last_observed": format!("2024-01-01T00:{:02}:00Z", i % 60), "number_observed": 1,
                "objects": {"0": {"type": "ipv4-addr", "value": format!("203.0.113.{}", i % 250)},
                            "1": {"type": "domain-name", "value": format!("d{i}.example.com")}}});
            Observation::from_observed_data(&od, |_| None).expect("valid observation")
        })
        .collect();
    bencher
        .counter(ItemsCount::new(n))
        .bench(|| matches(&p, divan::black_box(&observations)));
}

//! Shared STIX indicators on events: each supported observable matches from its event
//! fields, validity and revocation are honoured, the newest version counts, and patterns
//! the engine cannot evaluate are reported once at load.

use deltawall_detect::indicators::IndicatorSet;
use deltawall_event::JsonEvent;
use serde_json::{Value, json};

fn indicator(id: u32, pattern: &str, extra: Value) -> Value {
    let mut o = json!({"type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{id:012}"),
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "name": format!("ioc {id}"), "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z"});
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o
}

fn bundle() -> Value {
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [
        indicator(1, "[ipv4-addr:value = '203.0.113.5']", json!({})),
        indicator(2, "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", json!({})),
        indicator(3, "[domain-name:value = 'Evil.Example']", json!({})),
        indicator(4, "[url:value = 'http://evil.example/drop.exe']", json!({})),
        indicator(5, "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'sqlmap/1.7']", json!({})),
        indicator(6, "[file:hashes.'SHA-256' = 'AAAA1111BBBB2222CCCC3333DDDD4444EEEE5555FFFF6666AAAA1111BBBB2222']", json!({})),
        indicator(7, "[ipv4-addr:value = '203.0.113.7']", json!({"revoked": true})),
        indicator(8, "[ipv4-addr:value = '203.0.113.8']", json!({"valid_until": "2026-02-01T00:00:00Z"})),
        indicator(9, "[ipv4-addr:value = '203.0.113.9'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.10']", json!({})),
        indicator(10, "[url:value LIKE '%evil%']", json!({})),
        indicator(11, "[ipv4-addr:value = '203.0.113.11' OR ipv4-addr:value IN ('203.0.113.12', '203.0.113.13')]", json!({})),
        indicator(12, "[ipv4-addr:value = '203.0.113.20']", json!({"modified": "2026-01-01T00:00:00Z"})),
        indicator(12, "[ipv4-addr:value = '203.0.113.21']", json!({"modified": "2026-03-01T00:00:00Z"})),
        indicator(13, "[process:name = 'x.exe']", json!({})),
    ]})
}

/// The indicator numbers that match `event` at `time`.
#[track_caller]
fn check(set: &IndicatorSet, event: Value, time: &str, expected: &[u32]) {
    let ts = time.parse::<jiff::Timestamp>().unwrap().as_microsecond();
    let e = JsonEvent::new(event, Some(ts)).unwrap();
    let mut got = Vec::new();
    set.matches(&e, &mut |a| {
        let id = a.rule_id.unwrap();
        assert!(a.title.starts_with("Shared indicator: ioc "), "{}", a.title);
        assert!(a.group.iter().any(|(k, v)| k == "indicator" && *v == id));
        got.push(id[id.len() - 12..].parse::<u32>().unwrap());
    });
    assert_eq!(got, expected);
}

#[test]
fn observables_validity_and_versions() {
    let (set, skipped) = IndicatorSet::from_json(&bundle());
    let reasons: Vec<String> = skipped
        .iter()
        .map(|s| format!("{}: {}", &s.id[s.id.len() - 2..], s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "07: revoked",
            "09: FOLLOWEDBY is not evaluated",
            "10: operator LIKE is not evaluated",
            "13: object path process:[Key(\"name\")] is not evaluated",
        ]
    );
    assert_eq!(set.len(), 9);
    let day = "2026-03-02T01:00:00Z";
    check(&set, json!({"source": {"ip": "203.0.113.5"}}), day, &[1]);
    check(
        &set,
        json!({"destination": {"ip": "198.51.100.77"}}),
        day,
        &[2],
    );
    check(&set, json!({"c-ip": "198.51.101.1"}), day, &[]);
    check(
        &set,
        json!({"dns": {"question": {"name": "evil.example."}}}),
        day,
        &[3],
    );
    check(&set, json!({"QueryName": "notevil.example"}), day, &[]);
    check(
        &set,
        json!({"url": {"full": "http://evil.example/drop.exe"}}),
        day,
        &[4],
    );
    check(
        &set,
        json!({"user_agent": {"original": "sqlmap/1.7"}}),
        day,
        &[5],
    );
    check(
        &set,
        json!({"Hashes": "MD5=00,SHA256=aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa1111bbbb2222"}),
        day,
        &[6],
    );
    check(&set, json!({"source": {"ip": "203.0.113.7"}}), day, &[]);
    // Valid until February: matches an event of January, not one of March.
    check(
        &set,
        json!({"source": {"ip": "203.0.113.8"}}),
        "2026-01-15T00:00:00Z",
        &[8],
    );
    check(&set, json!({"source": {"ip": "203.0.113.8"}}), day, &[]);
    // Not yet valid before valid_from.
    check(
        &set,
        json!({"source": {"ip": "203.0.113.5"}}),
        "2025-12-31T00:00:00Z",
        &[],
    );
    check(&set, json!({"source": {"ip": "203.0.113.13"}}), day, &[11]);
    // The newer version of indicator 12 replaced the older pattern.
    check(&set, json!({"source": {"ip": "203.0.113.20"}}), day, &[]);
    check(&set, json!({"source": {"ip": "203.0.113.21"}}), day, &[12]);
    // Two observables of one event, each indicator once.
    check(
        &set,
        json!({"source": {"ip": "203.0.113.5"}, "destination": {"ip": "203.0.113.5"}, "user_agent": {"original": "sqlmap/1.7"}}),
        day,
        &[1, 5],
    );
}

#[test]
fn scan_reports_indicator_matches_with_the_rules() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: deltawall_detect::cli::DetectCommand,
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("iocs.json");
    std::fs::write(&bundle_path, bundle().to_string()).unwrap();
    let log = dir.path().join("web.log");
    std::fs::write(
        &log,
        "198.51.100.9 - - [02/Mar/2026:10:00:00 +0900] \"GET / HTTP/1.1\" 200 5 \"-\" \"sqlmap/1.7\"\n\
         192.0.2.1 - - [02/Mar/2026:10:00:01 +0900] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n",
    )
    .unwrap();
    let out = dir.path().join("alerts.jsonl");
    for threads in ["1", "2"] {
        let args = ["deltawall", "scan", "--threads", threads, "--indicators"];
        let cli = Cli::try_parse_from(args.iter().map(std::ffi::OsStr::new).chain([
            bundle_path.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
            log.as_os_str(),
        ]))
        .unwrap();
        deltawall_detect::cli::run(cli.command).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let mut titles: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["title"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        titles.sort();
        assert_eq!(
            titles,
            ["Shared indicator: ioc 2", "Shared indicator: ioc 5"],
            "{text}"
        );
    }
}

#[test]
fn a_shared_handle_swaps_the_whole_set_for_later_readers() {
    use deltawall_detect::indicators::SharedIndicators;
    let handle = SharedIndicators::default();
    let held = handle.current();
    assert!(held.is_empty());
    let (set, _) = IndicatorSet::from_json(&bundle());
    let ids: Vec<String> = set.ids().map(str::to_owned).collect();
    handle.replace(set);
    // A batch that took the set before the swap keeps it whole; the next one sees the new.
    assert!(held.is_empty());
    let now = handle.current();
    assert_eq!(now.ids().collect::<Vec<_>>(), ids);
    assert!(ids.iter().any(|i| i.ends_with("000000000001")));
    let e = JsonEvent::new(json!({"source": {"ip": "203.0.113.5"}}), None).unwrap();
    let mut hits = 0;
    handle.current().matches(&e, &mut |_| hits += 1);
    assert_eq!(hits, 1);
}

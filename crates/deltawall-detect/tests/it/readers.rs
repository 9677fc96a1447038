//! Readers on sample lines (good and malformed), gzip, directories, JSON documents.

use deltawall_detect::input::{FileStream, Format, Pulled, SyslogParser};
use deltawall_detect::pipeline::{ScanOptions, scan};
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use deltawall_event::Event;
use proptest::prelude::*;
use std::io::Write;
use std::time::Duration;

const SYSLOG: SyslogParser = SyslogParser { year: 2026 };

/// Reads `text` as `format`; returns events as JSON and malformed lines as `file:line`.
fn read(text: &str, format: Format) -> (Vec<serde_json::Value>, Vec<String>) {
    let reader = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
    let mut stream = FileStream::from_reader("sample.log", reader, format, SYSLOG);
    let (mut events, mut bad) = (Vec::new(), Vec::new());
    loop {
        match stream.pull() {
            Pulled::Record(r) => events.push(serde_json::json!({
                "line": r.line,
                "source": [r.source.category, r.source.product, r.source.service],
                "time": r.event.timestamp_us(),
                "event": r.event.to_json(),
            })),
            Pulled::Malformed(m) => bad.push(format!("{}:{}", m.file, m.line)),
            Pulled::Pending | Pulled::End => return (events, bad),
        }
    }
}

#[track_caller]
fn check(text: &str, format: Format, events: usize, malformed: &[&str]) -> Vec<serde_json::Value> {
    let (got, bad) = read(text, format);
    assert_eq!(got.len(), events, "events of {text}");
    assert_eq!(bad, malformed, "malformed lines of {text}");
    got
}

const NGINX: &str = r#"203.0.113.7 - - [02/Mar/2026:10:15:00 +0900] "POST /login HTTP/1.1" 401 128 "-" "python-requests/2.31.0"
this is not an access log line
198.18.0.1 - alice [02/Mar/2026:10:15:01 +0900] "GET /accounts?x=1 HTTP/2.0" 200 5120 "https://ib.bank.example/" "Mozilla/5.0"

203.0.113.7 - - [02/Mar/2026:10:15:02 +0900] "GET / HTTP/1.1" 200
10.0.0.1 - - [02/Mar/2026:10:15:03 +0900] "GET /common HTTP/1.0" 304 -
"#;

#[test]
fn access_log_lines_and_malformed_locations() {
    let events = check(NGINX, Format::Auto, 3, &["sample.log:2", "sample.log:5"]);
    insta::assert_json_snapshot!("nginx_events", events);
}

const AUTH_LOG: &str = "Mar  2 02:10:11 bank sshd[101]: Failed password for invalid user admin from 203.0.113.50 port 40001 ssh2
Mar  2 02:10:12 bank sshd[101]: Accepted publickey for deploy from 198.18.0.9 port 50000 ssh2
Mar  2 02:10:13 bank CRON[7]: (root) CMD (run-parts /etc/cron.hourly)
garbage
<38>1 2026-03-02T02:10:14.5+09:00 bank sshd 102 - - Failed password for root from 203.0.113.51 port 40002 ssh2
<999>1 2026-03-02T02:10:15Z bank sshd 102 - - bad priority
";

#[test]
fn syslog_lines_and_malformed_locations() {
    let events = check(
        AUTH_LOG,
        Format::Syslog,
        4,
        &["sample.log:4", "sample.log:6"],
    );
    insta::assert_json_snapshot!("syslog_events", events);
}

const JSONL: &str = r#"{"@timestamp": "2026-03-02T01:00:00Z", "event": {"category": ["authentication"], "outcome": "failure"}, "user": {"name": "u1"}}
{"truncated":
[1, 2]
{"event.category": "web", "source.ip": "203.0.113.1", "time": 1772413200}
"#;

#[test]
fn json_lines_and_malformed_locations() {
    let events = check(JSONL, Format::Auto, 2, &["sample.log:2", "sample.log:3"]);
    assert_eq!(
        events[0]["source"],
        serde_json::json!(["authentication", null, null])
    );
    assert_eq!(
        events[1]["source"],
        serde_json::json!(["webserver", null, null])
    );
    assert_eq!(
        events[1]["time"],
        serde_json::json!(1_772_413_200_000_000i64)
    );
}

const WINDOWS_DOCS: &str = r##"{
  "Event": {
    "System": {"EventID": 4625, "Channel": "Security",
               "TimeCreated": {"#attributes": {"SystemTime": "2026-03-02T01:00:00Z"}}},
    "EventData": {"TargetUserName": "admin", "IpAddress": "203.0.113.9"}
  }
}
{
  "Event": { "System": { "EventID": 1, broken
}
{
  "Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"},
            "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe"}}
}
"##;

#[test]
fn windows_json_documents_resynchronise_after_an_error() {
    let events = check(WINDOWS_DOCS, Format::Auto, 2, &["sample.log:9"]);
    assert_eq!(events[0]["line"], 1);
    assert_eq!(
        events[0]["source"],
        serde_json::json!(["authentication", "windows", "security"])
    );
    assert_eq!(events[1]["line"], 11);
    assert_eq!(
        events[1]["source"],
        serde_json::json!(["process_creation", "windows", "sysmon"])
    );
}

#[test]
fn unrecognised_format_gives_up_after_five_lines() {
    let text = "a\nb\nc\nd\ne\nf\ng\n";
    let five = [
        "sample.log:1",
        "sample.log:2",
        "sample.log:3",
        "sample.log:4",
        "sample.log:5",
    ];
    check(text, Format::Auto, 0, &five);
}

#[test]
fn a_header_line_does_not_lose_the_file() {
    let text = format!("#Fields: something\n{NGINX}");
    let events = check(
        &text,
        Format::Auto,
        3,
        &["sample.log:1", "sample.log:3", "sample.log:6"],
    );
    assert_eq!(events[0]["line"], 2);
}

#[test]
fn sigmahq_regression_events_read_as_windows() {
    let Some(dir) = crate::shared_data("sigmahq/regression_data") else {
        return;
    };
    let inputs = deltawall_detect::input::expand_inputs(&[dir]).unwrap();
    let mut files = 0;
    for input in inputs
        .iter()
        .filter(|i| format!("{i:?}").ends_with(".json\")"))
    {
        let mut stream = FileStream::open(input, Format::Auto, false, SYSLOG).unwrap();
        let mut events = 0;
        loop {
            match stream.pull() {
                Pulled::Record(r) => {
                    assert_eq!(r.source.product.as_deref(), Some("windows"), "{input:?}");
                    assert!(r.event.get("EventID").is_some(), "{input:?}");
                    events += 1;
                }
                Pulled::Malformed(m) => panic!("{m}"),
                Pulled::Pending | Pulled::End => break,
            }
        }
        assert!(events > 0, "{input:?}");
        files += 1;
    }
    assert!(files >= 200, "only {files} regression files");
}

fn scan_dir(paths: Vec<std::path::PathBuf>) -> deltawall_detect::pipeline::ScanStats {
    let (set, errors) = load_rules(&RuleSource::Builtin).unwrap();
    assert!(errors.is_empty());
    let mut engine = deltawall_sigma::Engine::new(&set, engine_config(0)).unwrap();
    let opts = ScanOptions {
        inputs: paths,
        format: Format::Auto,
        follow: false,
        syslog: SYSLOG,
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    scan(&mut engine, &opts, &mut |_| Ok(())).unwrap()
}

#[test]
fn gzip_and_nested_directories() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(dir.path().join("a/plain.log"), NGINX).unwrap();
    let gz = std::fs::File::create(dir.path().join("a/b/auth.log.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    enc.write_all(AUTH_LOG.as_bytes()).unwrap();
    enc.finish().unwrap();
    let stats = scan_dir(vec![dir.path().to_owned()]);
    assert_eq!(stats.inputs, 2);
    assert_eq!(stats.events, 3 + 4);
    let mut bad: Vec<String> = stats
        .malformed_samples
        .iter()
        .map(|m| m.to_string())
        .collect();
    bad.sort();
    let root = dir.path().display();
    assert_eq!(
        bad.iter()
            .map(|m| m.split(": ").next().unwrap().to_owned())
            .collect::<Vec<_>>(),
        [
            format!("{root}/a/b/auth.log.gz:4"),
            format!("{root}/a/b/auth.log.gz:6"),
            format!("{root}/a/plain.log:2"),
            format!("{root}/a/plain.log:5"),
        ]
    );
}

#[test]
fn missing_input_is_an_error() {
    let (set, _) = load_rules(&RuleSource::Builtin).unwrap();
    let mut engine = deltawall_sigma::Engine::new(&set, engine_config(0)).unwrap();
    let opts = ScanOptions {
        inputs: vec!["/nonexistent/x.log".into()],
        format: Format::Auto,
        follow: false,
        syslog: SYSLOG,
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    assert!(scan(&mut engine, &opts, &mut |_| Ok(())).is_err());
}

proptest! {
    #[test]
    fn parsers_never_panic(line in "\\PC{0,200}") {
        for format in [Format::Auto, Format::Access, Format::Syslog, Format::Json, Format::Windows] {
            let _ = read(&line, format);
        }
    }

    #[test]
    fn access_fields_round_trip(
        ip in any::<std::net::Ipv4Addr>().prop_map(|a| a.to_string()),
        path in "/[a-z0-9/]{0,30}",
        status in 100u16..600,
        bytes in 0i64..10_000_000,
        agent in "[A-Za-z0-9 /.;()]{1,40}",
    ) {
        let line = format!("{ip} - - [02/Mar/2026:10:15:00 +0900] \"GET {path} HTTP/1.1\" {status} {bytes} \"-\" \"{agent}\"");
        let e = deltawall_detect::input::AccessEvent::parse(&line).unwrap();
        let text = |p: &str| e.get(p).map(|f| f.iter().next().unwrap().to_text().into_owned());
        prop_assert_eq!(text("source.ip"), Some(ip));
        prop_assert_eq!(text("url.path"), Some(path));
        prop_assert_eq!(text("sc-status"), Some(status.to_string()));
        prop_assert_eq!(text("sc-bytes"), Some(bytes.to_string()));
        prop_assert_eq!(text("user_agent.original"), Some(agent));
    }
}

#[test]
fn state_caps_are_configurable_and_counted() {
    // Failed logins from 200 rotating addresses, one second apart.
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..200)
        .map(|i| {
            format!(
                "{{\"@timestamp\":\"2026-03-02T01:{:02}:{:02}Z\",\"event\":{{\"category\":\"authentication\",\"outcome\":\"failure\"}},\"source\":{{\"ip\":\"11.0.{}.{}\"}},\"user\":{{\"name\":\"u{i}\"}}}}\n",
                i / 60,
                i % 60,
                i / 250,
                i % 250
            )
        })
        .collect();
    std::fs::write(dir.path().join("auth.jsonl"), lines).unwrap();
    let (set, _) = load_rules(&RuleSource::Builtin).unwrap();
    let mut config = engine_config(0);
    config.max_correlation_keys = 16;
    let mut engine = deltawall_sigma::Engine::new(&set, config).unwrap();
    let opts = ScanOptions {
        inputs: vec![dir.path().join("auth.jsonl")],
        format: Format::Auto,
        follow: false,
        syslog: SYSLOG,
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: 32,
        indicators: None,
    };
    let stats = scan(&mut engine, &opts, &mut |_| Ok(())).unwrap();
    assert_eq!(stats.events, 200);
    assert!(stats.evicted_ratio_keys > 0, "{stats:?}");
    assert!(stats.evicted_keys > 0, "{stats:?}");
    // With the default caps nothing this small is evicted.
    let mut engine = deltawall_sigma::Engine::new(&set, engine_config(0)).unwrap();
    let stats = scan(
        &mut engine,
        &ScanOptions {
            max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
            ..opts
        },
        &mut |_| Ok(()),
    )
    .unwrap();
    assert_eq!((stats.evicted_ratio_keys, stats.evicted_keys), (0, 0));
}

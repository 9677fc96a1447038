//! `scan --follow`: lines appended to a growing file (even in pieces) are read, and
//! correlation windows close by the wall clock when the input goes quiet.

use deltawall_detect::input::{Format, SyslogParser};
use deltawall_detect::pipeline::{ScanOptions, scan};
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

fn failure(i: u32) -> String {
    format!(
        r#"{{"@timestamp":"2026-03-02T02:20:{i:02}Z","event":{{"category":"authentication","outcome":"failure"}},"user":{{"name":"victim"}},"source":{{"ip":"203.0.113.77"}}}}"#
    )
}

#[test]
fn follows_a_growing_file_and_closes_windows_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "{}", failure(0)).unwrap();
    let (tx, rx) = mpsc::channel();
    let opts = ScanOptions {
        inputs: vec![path.clone()],
        format: Format::Auto,
        follow: true,
        syslog: SyslogParser { year: 2026 },
        idle_tick: Duration::from_millis(100),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    // The scan never ends when following; the thread is left behind when the test ends.
    std::thread::spawn(move || {
        let (set, _) = load_rules(&RuleSource::Builtin).unwrap();
        // One second of lateness: the last failure is only final once the idle clock moves.
        let mut engine = deltawall_sigma::Engine::new(&set, engine_config(1_000_000)).unwrap();
        scan(&mut engine, &opts, &mut |a| {
            tx.send(a.clone()).ok();
            Ok(())
        })
    });
    for i in 1..10 {
        let line = failure(i);
        let (head, tail) = line.split_at(line.len() / 2);
        write!(file, "{head}").unwrap();
        file.flush().unwrap();
        writeln!(file, "{tail}").unwrap();
        file.flush().unwrap();
    }
    // Generous bound: this checks that the alert comes, not how fast.
    let alert = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("no alert while following");
    assert_eq!(alert.title, "Brute force on one account");
    assert_eq!(alert.group, [("user.name".to_owned(), "victim".to_owned())]);
    assert_eq!(alert.count, Some(10));
}

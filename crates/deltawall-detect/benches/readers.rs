//! Reader throughput: one line of each format parsed into an event.

use deltawall_detect::input::{AccessEvent, Format, Parser, SyslogParser, detect};

const NGINX: &str = r#"198.18.4.7 - - [02/Mar/2026:10:15:01 +0900] "GET /accounts/history?page=2 HTTP/1.1" 200 14480 "https://ib.bank.example/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36""#;
const SSHD: &str = "Mar  2 02:10:11 bank sshd[24200]: Failed password for invalid user webmaster from 203.0.113.50 port 38926 ssh2";
const ECS: &str = r#"{"@timestamp":"2026-03-01T15:00:28.814352Z","event":{"action":"login","category":["authentication"],"dataset":"bank.auth","outcome":"success"},"source":{"as":{"number":64601},"geo":{"country_iso_code":"JP"},"ip":"198.18.1.2"},"user":{"name":"u0001130"},"user_agent":{"original":"Mozilla/5.0"}}"#;

fn main() {
    divan::main();
}

#[divan::bench]
fn access_line() -> AccessEvent {
    AccessEvent::parse(divan::black_box(NGINX)).unwrap()
}

#[divan::bench]
fn syslog_sshd_line() {
    let p = SyslogParser { year: 2026 };
    divan::black_box(p.parse(divan::black_box(SSHD)).unwrap());
}

#[divan::bench]
fn ecs_json_line(bencher: divan::Bencher) {
    let parser: Parser = detect(Format::Json, ECS, SyslogParser { year: 2026 }).unwrap();
    bencher.bench(|| parser.parse_line(divan::black_box(ECS)).unwrap());
}

#[divan::bench]
fn ecs_json_document_value(bencher: divan::Bencher) {
    // The tree-shaped path (JSON documents, Windows events), for comparison.
    let parser = Parser::JsonDocument { windows: false };
    bencher.bench(|| parser.parse_line(divan::black_box(ECS)).unwrap());
}

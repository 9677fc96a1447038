//! The commands as the `deltawall` binary runs them: `scan` writes alerts atomically to
//! `--output` in the documented shape; `rules check` and `rules test` set the exit code.

use clap::Parser;
use deltawall_detect::cli::{DetectCommand, run};
use std::process::ExitCode;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: DetectCommand,
}

fn run_args(args: &[&str]) -> ExitCode {
    let cli =
        Cli::try_parse_from(std::iter::once("deltawall").chain(args.iter().copied())).unwrap();
    run(cli.command).unwrap()
}

const SSHD: &str = "Mar  2 02:20:0{i} bank sshd[7]: Failed password for root from 203.0.113.77 port 4000{i} ssh2\n";

const SINGLE_RULE: &str = r#"
title: Root login attempt over SSH
id: 6f1f3c1e-94a4-4cf3-9a0b-2f3b1c7e8d01
status: test
author: Deltawall tests
tags: [attack.initial_access]
logsource: {product: linux, service: sshd}
detection:
    selection: {user.name: root, event.outcome: failure}
    condition: selection
level: low
"#;

#[test]
fn scan_writes_alert_lines_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    let lines: String = (0..10)
        .map(|i| SSHD.replace("{i}", &i.to_string()))
        .collect();
    std::fs::write(&log, lines).unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("root.yml"), SINGLE_RULE).unwrap();
    // Scanned with the whole pack, so that every building block is referenced.
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/finance");
    let out = dir.path().join("alerts.jsonl");
    let code = run_args(&[
        "scan",
        "--rules",
        pack.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--syslog-year",
        "2026",
        "--output",
        out.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let alerts: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // No temporary file is left next to the output.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let single: Vec<_> = alerts.iter().filter(|a| a["kind"] == "match").collect();
    assert_eq!(single.len(), 10, "{alerts:#?}");
    let correlation: Vec<_> = alerts
        .iter()
        .filter(|a| a["kind"] == "correlation")
        .collect();
    insta::assert_json_snapshot!("scan_alerts", (single[0], correlation), {
        "[0].rule_origin" => "[origin]",
        "[1][].rule_origin" => "[origin]",
    });
}

#[test]
fn rules_check_and_test_exit_codes() {
    assert_eq!(run_args(&["rules", "check"]), ExitCode::SUCCESS);
    assert_eq!(run_args(&["rules", "test"]), ExitCode::SUCCESS);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        "title: x\nlogsource: {}\ndetection: {condition: nothing}\n",
    )
    .unwrap();
    assert_eq!(
        run_args(&["rules", "check", dir.path().to_str().unwrap()]),
        ExitCode::FAILURE
    );
}

#[test]
fn gen_logs_writes_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("day");
    let code = run_args(&[
        "gen-logs",
        "--out",
        out.to_str().unwrap(),
        "--customers",
        "600",
        "--events",
        "300",
        "--seed",
        "9",
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let truth: deltawall_detect::generator::Truth =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    assert_eq!(
        (truth.seed, truth.customers, truth.day.as_str()),
        (9, 600, "2026-03-02")
    );
    for f in &truth.files {
        assert!(std::fs::metadata(out.join(f)).unwrap().len() > 0, "{f}");
    }
}

//! Line-oriented checker used by the differential scripts in `scripts/`: reads one JSON
//! request per line on stdin and prints one JSON verdict per line.
//!
//! Requests: `{"kind":"object","text":…}` (a document), `{"kind":"pattern","text":…}`, or
//! `{"kind":"match","text":<pattern>,"observed":[observed-data and SCOs…]}`.

use std::collections::BTreeMap;
use std::io::BufRead as _;

use deltawall_stix::pattern::{Observation, lint, matches, parse};
use deltawall_stix::{Severity, validate_document};
use serde_json::{Value, json};

fn main() {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Ok(req) = serde_json::from_str::<Value>(&line) else {
            println!("{}", json!({"ok": false, "err": "bad request"}));
            continue;
        };
        println!("{}", answer(&req));
    }
}

fn answer(req: &Value) -> Value {
    let text = req["text"].as_str().unwrap_or_default();
    match req["kind"].as_str() {
        Some("pattern") => pattern_verdict(text),
        Some("match") => match_verdict(
            text,
            req["observed"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default(),
        ),
        _ => {
            let r = validate_document(text);
            json!({"ok": r.is_valid(), "err": r.errors().map(ToString::to_string).collect::<Vec<_>>()})
        }
    }
}

fn pattern_verdict(text: &str) -> Value {
    match parse(text) {
        Ok(p) => {
            let errs: Vec<String> = lint(&p)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.message)
                .collect();
            json!({"ok": errs.is_empty(), "printed": p.to_string(), "err": errs})
        }
        Err(e) => json!({"ok": false, "err": e.to_string()}),
    }
}

fn match_verdict(text: &str, all: &[Value]) -> Value {
    let by_id: BTreeMap<&str, &Value> = all
        .iter()
        .filter_map(|o| Some((o["id"].as_str()?, o)))
        .collect();
    let observations: Vec<Observation> = all
        .iter()
        .filter(|o| o["type"] == "observed-data")
        .filter_map(|od| {
            Observation::from_observed_data(od, |id| by_id.get(id).map(|v| (*v).clone()))
        })
        .collect();
    match parse(text) {
        Ok(p) => json!({"ok": matches(&p, &observations)}),
        Err(e) => json!({"ok": false, "err": e.to_string()}),
    }
}

//! Issue 16 item 5, the indicator round trip: member A publishes an indicator to the
//! hub's ISAC collection; member B's engine, already following a growing log with
//! `--taxii-collection`, matches it within the bound and its alert names the indicator;
//! with `--sightings` the hub then holds B's sighting; once A revokes the indicator B's
//! engine stops matching it. An expired indicator never matches and one the engine cannot
//! evaluate is reported once. The hub is an in-process server on a loopback port (SQLite):
//! no outside service, so the test never skips.
//!
//! The same subscription in `deltawall detect` (NATS workers, skipped without NATS like
//! the other stream tests): an indicator on the hub matches events of the stream, and the
//! sightings counted are posted when the worker stops.
//!
//! Each publication's latency (the publishing `taxii push` returned → B's alert line
//! read) is printed as `publish-to-match-ms N` for `docs/BENCHMARKS.md`.

use super::taxii::{PASSWORD, serve_isac};
use deltawall_domain::access::TokenScope;
use deltawall_store::testing::TestDb;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
/// The bound of one publication's round trip in this test (the aim is under 5 s with
/// `--taxii-poll 1`; the bound leaves room for a loaded CI machine).
const BOUND: Duration = Duration::from_secs(15);
/// Publications measured per run.
const ROUNDS: u32 = 5;

struct Hub {
    rt: tokio::runtime::Runtime,
    _db: TestDb,
    collection: String,
    root: String,
    b_token: String,
}

/// The ISAC collection `shared`: A and B read and write (B writes its sightings); B
/// holds a write-scope API token.
fn hub() -> Hub {
    let (rt, db, root, b_token) = serve_isac((true, false), (true, false), TokenScope::Write);
    Hub {
        rt,
        _db: db,
        collection: format!("{root}collections/shared/"),
        root,
        b_token,
    }
}

fn indicator(n: u32, ip: &str, extra: Value) -> Value {
    let now = jiff::Timestamp::now();
    let hour_ago = now - jiff::SignedDuration::from_secs(3600);
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": format!("{hour_ago:.3}"), "modified": format!("{now:.3}"),
        "name": format!("C2 relay {n}"),
        "pattern": format!("[ipv4-addr:value = '{ip}']"),
        "pattern_type": "stix", "valid_from": format!("{hour_ago:.0}"),
        "object_marking_refs": [GREEN],
    });
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o
}

/// A publishes `objects` with `deltawall taxii push` (HTTP Basic as a-staff).
fn publish(hub: &Hub, dir: &std::path::Path, objects: &[Value]) {
    let file = dir.join("publish.json");
    let bundle = json!({"type": "bundle", "id": "bundle--6a1a0c5e-0c4e-4a55-9a6c-2b4c5d6e7f81", "objects": objects});
    std::fs::write(&file, bundle.to_string()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(["taxii", "push", file.to_str().unwrap(), "--url", &hub.root])
        .args(["--collection", "shared", "--user", "a-staff"])
        .env_remove("DELTAWALL_TAXII_TOKEN")
        .env("DELTAWALL_TAXII_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every object A reads in the collection now.
fn pull(hub: &Hub) -> Vec<Value> {
    let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args([
            "taxii",
            "pull",
            "--url",
            &hub.root,
            "--collection",
            "shared",
        ])
        .args(["--user", "a-staff"])
        .env_remove("DELTAWALL_TAXII_TOKEN")
        .env("DELTAWALL_TAXII_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    doc["objects"].as_array().unwrap().clone()
}

/// B's engine and what it said.
struct Engine {
    child: Child,
    alerts: Receiver<(Instant, Value)>,
    log: Arc<Mutex<String>>,
    /// Every indicator id matched so far.
    matched: Mutex<Vec<String>>,
}

impl Engine {
    fn start(hub: &Hub, log_file: &std::path::Path) -> Engine {
        let mut child = Command::new(env!("CARGO_BIN_EXE_deltawall"))
            .args(["scan", "--follow", "--format", "json"])
            .args(["--taxii-collection", &hub.collection, "--taxii-poll", "1"])
            .args(["--sightings", "--sightings-every", "1"])
            .arg(log_file)
            .env("DELTAWALL_TAXII_TOKEN", &hub.b_token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, alerts) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line).unwrap();
                if tx.send((Instant::now(), v)).is_err() {
                    return;
                }
            }
        });
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        Engine {
            child,
            alerts,
            log,
            matched: Mutex::new(Vec::new()),
        }
    }

    fn said(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until B's standard error holds `text`.
    #[track_caller]
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.said().contains(text) {
            assert!(
                start.elapsed() < BOUND,
                "never said {text:?}:\n{}",
                self.said()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The indicator alerts received so far, as (when read, indicator id, title).
    fn drain(&self) -> Vec<(Instant, String, String)> {
        let got: Vec<_> = self
            .alerts
            .try_iter()
            .filter(|(_, a)| a["rule_origin"] == "stix-indicator")
            .map(|(t, a)| {
                let id = a["rule_id"].as_str().unwrap().to_owned();
                (t, id, a["title"].as_str().unwrap().to_owned())
            })
            .collect();
        let mut m = self.matched.lock().unwrap();
        m.extend(got.iter().map(|(_, id, _)| id.clone()));
        got
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends events from the addresses in `ips` (in turn) every 50 ms until stopped.
fn grow(path: &std::path::Path, ips: Vec<String>, stop: Arc<AtomicBool>) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        for ip in &ips {
            let now = jiff::Timestamp::now();
            let line = json!({"@timestamp": format!("{now:.3}"),
                "event": {"category": "network", "seq": i},
                "source": {"ip": ip}, "destination": {"ip": "192.0.2.10"}});
            writeln!(file, "{line}").unwrap();
        }
        file.flush().unwrap();
        i += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn ip(n: u32) -> String {
    format!("203.0.113.{}", 100 + n)
}

#[test]
fn published_indicators_reach_a_running_engine_and_come_back_as_sightings() {
    let hub = hub();
    let tmp = tempfile::tempdir().unwrap();
    let log_file = tmp.path().join("web.jsonl");
    // An expired indicator and one the engine cannot evaluate are there from the start.
    let expired = indicator(
        90,
        "203.0.113.90",
        json!({"valid_until": "2026-01-01T00:00:00Z",
        "valid_from": "2025-01-01T00:00:00Z"}),
    );
    let mut odd = indicator(91, "203.0.113.91", json!({}));
    odd["pattern"] = "[process:name = 'relay.exe']".into();
    publish(&hub, tmp.path(), &[expired, odd]);
    std::fs::write(&log_file, "").unwrap();
    // Misuse is refused at once, with its reason: a subscription without --follow, a
    // wrong token (the first poll must succeed).
    let refused = |args: &[&str], token: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
            .args(["scan", "--taxii-collection", &hub.collection])
            .args(args)
            .arg(&log_file)
            .env("DELTAWALL_TAXII_TOKEN", token)
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = refused(&[], &hub.b_token);
    assert!(e.contains("needs --follow"), "{e}");
    let e = refused(&["--follow"], "not-a-token");
    assert!(e.contains("cannot read") && e.contains("401"), "{e}");
    let engine = Engine::start(&hub, &log_file);
    engine.wait_for("0 indicator(s) in force");
    let stop = Arc::new(AtomicBool::new(false));
    let mut ips: Vec<String> = (1..=ROUNDS).map(ip).collect();
    ips.push("203.0.113.90".into());
    let writer = {
        let (path, stop) = (log_file.clone(), Arc::clone(&stop));
        std::thread::spawn(move || grow(&path, ips, stop))
    };
    // The engine reads the log and matches nothing while nothing is in force.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(engine.drain(), [], "{}", engine.said());

    let mut latencies = Vec::new();
    for n in 1..=ROUNDS {
        let ind = indicator(n, &ip(n), json!({}));
        let id = ind["id"].as_str().unwrap().to_owned();
        publish(&hub, tmp.path(), &[ind]);
        let published = Instant::now();
        let (seen, title) = loop {
            let hit = engine.drain().into_iter().find(|(_, i, _)| *i == id);
            if let Some((t, _, title)) = hit {
                break (t, title);
            }
            assert!(
                published.elapsed() < BOUND,
                "indicator {n} did not match within {BOUND:?}:\n{}",
                engine.said()
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(title, format!("Shared indicator: C2 relay {n}"));
        let ms = seen.saturating_duration_since(published).as_millis();
        println!("publish-to-match-ms {ms}");
        latencies.push(ms);
    }

    // B's sightings reach the hub: anonymous, GREEN like the indicator, counted.
    let first = "indicator--00000000-0000-4000-8000-000000000001";
    let start = Instant::now();
    let sighting = loop {
        let found = pull(&hub)
            .into_iter()
            .find(|o| o["type"] == "sighting" && o["sighting_of_ref"] == first);
        if let Some(s) = found {
            break s;
        }
        assert!(start.elapsed() < BOUND, "no sighting:\n{}", engine.said());
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(sighting["count"].as_u64().unwrap() >= 1, "{sighting}");
    assert_eq!(sighting["object_marking_refs"], json!([GREEN]));
    assert!(sighting.get("created_by_ref").is_none(), "{sighting}");
    assert!(
        engine.said().contains("sighting(s) of"),
        "{}",
        engine.said()
    );

    // A revokes indicator 1: once B has the new set, it matches no more.
    let mut revoked = indicator(1, &ip(1), json!({"revoked": true}));
    revoked["created"] = pull(&hub).iter().find(|o| o["id"] == first).unwrap()["created"].clone();
    publish(&hub, tmp.path(), &[revoked]);
    // Said once the engine holds the set without it.
    engine.wait_for(&format!("indicator {first}"));
    std::thread::sleep(Duration::from_millis(300));
    engine.drain();
    std::thread::sleep(Duration::from_millis(2000));
    let after = engine.drain();
    assert!(
        after.iter().all(|(_, i, _)| i != first),
        "a revoked indicator still matched"
    );
    // The others still match meanwhile: the engine is alive.
    assert!(after.iter().any(|(_, i, _)| i.ends_with("000000000002")));
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();

    engine.drain();
    let matched = engine.matched.lock().unwrap().clone();
    assert!(
        !matched.iter().any(|i| i.ends_with("000000000090")),
        "an expired indicator matched"
    );
    let said = engine.said();
    // The expired one never matched and is reported; the odd pattern is reported once
    // although every poll saw the collection again.
    assert!(
        said.contains("000000000090") && said.contains("valid_until has passed"),
        "{said}"
    );
    assert_eq!(said.matches("000000000091").count(), 1, "{said}");
    assert!(said.contains("revoked"), "{said}");
    drop(engine);
    latencies.sort_unstable();
    eprintln!("publish-to-match latencies (ms, sorted): {latencies:?}");
    drop(hub.rt);
}

#[test]
fn detect_workers_match_hub_indicators_and_post_sightings_when_they_stop() {
    use super::stream::{NATS, RULES, messages, nats_reachable};
    if !nats_reachable() {
        return;
    }
    let hub = hub();
    let tmp = tempfile::tempdir().unwrap();
    publish(&hub, tmp.path(), &[indicator(7, "203.0.113.7", json!({}))]);
    let id = "indicator--00000000-0000-4000-8000-000000000007";
    let rules = tmp.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let events = tmp.path().join("auth.jsonl");
    // Events of the last minute: the indicator is valid from an hour ago.
    let base = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 60).unwrap();
    let at = |i: i64| format!("{:.3}", base + jiff::SignedDuration::from_secs(i));
    let mut text = String::new();
    for (i, ip) in ["203.0.113.7", "198.51.100.3", "203.0.113.7", "203.0.113.7"]
        .iter()
        .enumerate()
    {
        text += &json!({"@timestamp": at(i as i64),
            "event": {"category": ["authentication"], "outcome": "success"},
            "source": {"ip": ip}, "user": {"name": "u1"}})
        .to_string();
        text.push('\n');
    }
    std::fs::write(&events, text).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let org = format!("feed{}x{nanos}", std::process::id());
    let stream = format!("T_{org}");
    let common = [
        "--nats",
        NATS,
        "--stream",
        &stream,
        "--org",
        &org,
        "--rules",
        rules.to_str().unwrap(),
    ];
    let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .arg("publish")
        .args(common)
        .args(["--source", "auth", events.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .arg("detect")
        .args(common)
        .args(["--until-idle", "--taxii-collection", &hub.collection])
        .args(["--sightings", "--sightings-as"])
        .arg("identity--00000000-0000-4000-8000-0000000000b0")
        .env("DELTAWALL_TAXII_TOKEN", &hub.b_token)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    assert!(err.contains("1 indicator(s) in force"), "{err}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let alerts = rt.block_on(async {
        let js = deltawall_stream::async_nats::jetstream::new(
            deltawall_stream::async_nats::connect(NATS).await.unwrap(),
        );
        let alerts = messages(&js, &format!("{stream}_ALERTS")).await;
        for name in [
            stream.clone(),
            format!("{stream}_ALERTS"),
            format!("{stream}_DLQ"),
        ] {
            let _ = js.delete_stream(&name).await;
        }
        let _ = js.delete_object_store(format!("{stream}_ckpt")).await;
        alerts
    });
    let hits: Vec<&Value> = alerts
        .iter()
        .map(|(_, _, b)| b)
        .filter(|b| b["rule_id"] == id)
        .collect();
    assert_eq!(hits.len(), 3, "{alerts:#?}\n{err}");
    assert_eq!(hits[0]["title"], "Shared indicator: C2 relay 7");

    // One sighting of the three matches, posted as the worker stopped, named as asked.
    let sightings: Vec<Value> = pull(&hub)
        .into_iter()
        .filter(|o| o["type"] == "sighting")
        .collect();
    assert_eq!(sightings.len(), 1, "{sightings:#?}\n{err}");
    let s = &sightings[0];
    assert_eq!(s["sighting_of_ref"], id);
    assert_eq!(s["count"], 3);
    assert_eq!(s["first_seen"], at(0));
    assert_eq!(s["last_seen"], at(3));
    assert_eq!(
        s["created_by_ref"],
        "identity--00000000-0000-4000-8000-0000000000b0"
    );
    drop(hub.rt);
}

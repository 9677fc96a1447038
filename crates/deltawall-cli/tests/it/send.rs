//! `deltawall scan --send` against a real server on a loopback port: a generated day of
//! logs is scanned and delivered, a resend counts duplicates, a server that dies in the
//! middle of a run leaves the undelivered batches in the spool, and the next run delivers
//! them, so every alert the scan printed reaches the platform exactly once.

use crate::taxii::{org, user};
use deltawall_app::{Ctx, actor_for, platform::tokens};
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::BusinessType;
use deltawall_domain::{OrgScope, role::Role};
use deltawall_store::testing::TestDb;
use deltawall_store::{orgs, users};
use deltawall_web::{AppState, Config, build_router};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Platform {
    rt: tokio::runtime::Runtime,
    db: TestDb,
    token: String,
}

/// A running server; dropping `stop` (or sending on it) shuts it down.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

fn platform() -> Platform {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (db, token) = rt.block_on(async {
        let db = TestDb::sqlite().await;
        let bank = org(&db, "Bank A", BusinessType::RegionalBank).await;
        let admin = user(&db, &bank, "a-admin", Role::Admin).await;
        let mut c = db.store.read().await.unwrap();
        let u = users::get(&mut c, &OrgScope::All, &admin).await.unwrap();
        let o = orgs::get_unscoped(&mut c, &bank).await.unwrap();
        drop(c);
        let actor = actor_for(&u, &o, None);
        let ctx = Ctx {
            store: &db.store,
            actor: &actor,
            ip: None,
        };
        let input = tokens::TokenInput {
            name: "scanner".into(),
            scope: TokenScope::Write,
            days: 30,
            current_password: Some(crate::taxii::PASSWORD.into()),
            current_code: None,
        };
        let policy = deltawall_domain::throttle::ThrottlePolicy::default();
        let (_, token) = tokens::issue(ctx, &policy, &input).await.unwrap();
        (db, token)
    });
    Platform { rt, db, token }
}

impl Platform {
    /// Serves on `addr` (port 0: any free one); after `stop_after` answers to
    /// `POST /api/v1/detections`, the server shuts down and the port refuses connections.
    fn serve(&self, addr: &str, stop_after: Option<usize>) -> Server {
        let store = self.db.store.clone();
        self.rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
            let addr = listener.local_addr().unwrap();
            let config = Config {
                public_url: format!("http://{addr}"),
                ..Config::default()
            };
            let state = AppState {
                store,
                config: Arc::new(config),
            };
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let kill = Arc::new(tokio::sync::Notify::new());
            let answered = Arc::new(AtomicUsize::new(0));
            let k = Arc::clone(&kill);
            let count = axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| {
                    let (k, answered) = (Arc::clone(&k), Arc::clone(&answered));
                    async move {
                        let resp = next.run(req).await;
                        let n = answered.fetch_add(1, Ordering::SeqCst) + 1;
                        if stop_after == Some(n) {
                            k.notify_one();
                        }
                        resp
                    }
                },
            );
            let app = build_router(state)
                .layer(count)
                .into_make_service_with_connect_info::<SocketAddr>();
            let done = tokio::spawn(async move {
                let signal = async move {
                    tokio::select! {
                        _ = stopped => {}
                        _ = kill.notified() => {}
                    }
                };
                axum::serve(listener, app)
                    .with_graceful_shutdown(signal)
                    .await
                    .unwrap();
            });
            Server {
                addr,
                stop: Some(stop),
                done,
            }
        })
    }

    fn stop(&self, mut server: Server) {
        if let Some(stop) = server.stop.take() {
            let _ = stop.send(());
        }
        self.rt.block_on(server.done).unwrap();
    }

    fn stored(&self) -> i64 {
        self.rt.block_on(async {
            let mut c = self.db.store.read().await.unwrap();
            let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM detections")
                .fetch_one(&mut *c)
                .await
                .unwrap();
            row.0
        })
    }
}

fn deltawall(args: &[&str], token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(args)
        .env("DELTAWALL_TOKEN", token)
        .output()
        .expect("run deltawall")
}

fn printed(o: &Output) -> usize {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn batches_in(spool: &Path) -> usize {
    std::fs::read_dir(spool)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("batch-"))
                .count()
        })
        .unwrap_or(0)
}

/// A generated day of logs (attacks differ by day, not by seed alone); returns its auth log.
fn gen_logs(dir: &Path, seed: &str, date: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args([
            "gen-logs",
            "--out",
            dir.to_str().unwrap(),
            "--seed",
            seed,
            "--date",
            date,
            "--customers",
            "500",
            "--events",
            "300",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    dir.join("auth.jsonl").to_str().unwrap().to_owned()
}

#[test]
fn scan_send_delivers_every_printed_alert_exactly_once() {
    let p = platform();
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let spool_arg = spool.to_str().unwrap().to_owned();
    let day1 = gen_logs(&tmp.path().join("day1"), "1", "2026-03-02");
    let server = p.serve("127.0.0.1:0", None);
    let url = format!("http://{}", server.addr);
    let send = |log: &str, extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--threads",
            "1",
            "--send",
            url.as_str(),
            "--spool",
            spool_arg.as_str(),
        ];
        args.extend_from_slice(extra);
        args.push(log);
        deltawall(&args, &p.token)
    };

    let first = send(&day1, &[]);
    assert!(first.status.success(), "{}", err(&first));
    let n = printed(&first);
    assert!(n > 10, "the generated day has attacks: {}", err(&first));
    assert!(
        err(&first).contains(&format!("{n} accepted, 0 duplicate, 0 rejected")),
        "{}",
        err(&first)
    );
    assert_eq!(p.stored(), n as i64);
    assert_eq!(batches_in(&spool), 0, "delivered batches leave the spool");

    // The same scan again: the same stable ids, all duplicates, nothing new stored.
    let again = send(&day1, &["--send-batch", "7"]);
    assert!(again.status.success(), "{}", err(&again));
    assert!(
        err(&again).contains(&format!("0 accepted, {n} duplicate")),
        "{}",
        err(&again)
    );
    assert_eq!(p.stored(), n as i64);
    p.stop(server);

    // The server dies after its first answer in the middle of a run of small batches.
    let day2 = gen_logs(&tmp.path().join("day2"), "2", "2026-03-03");
    let dying = p.serve(&server_addr(&url), Some(1));
    let cut = send(&day2, &["--send-batch", "3", "--send-attempts", "2"]);
    let m = printed(&cut);
    assert!(
        !cut.status.success(),
        "undelivered batches fail the run: {}",
        err(&cut)
    );
    assert!(err(&cut).contains("kept in"), "{}", err(&cut));
    assert!(m > 6, "{}", err(&cut));
    let after_cut = p.stored();
    assert!(
        (n as i64) < after_cut && after_cut < (n + m) as i64,
        "only the first batch arrived: n={n} m={m} stored={after_cut} {}",
        err(&cut)
    );
    assert!(batches_in(&spool) >= 1);
    p.stop(dying);

    // Back up: the next run (here with nothing new to scan) delivers the spool first.
    let server = p.serve(&server_addr(&url), None);
    let empty = tmp.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let resumed = send(empty.to_str().unwrap(), &[]);
    assert!(resumed.status.success(), "{}", err(&resumed));
    assert!(err(&resumed).contains("left in"), "{}", err(&resumed));
    assert_eq!(
        p.stored(),
        (n + m) as i64,
        "every printed alert is on the platform"
    );
    assert_eq!(batches_in(&spool), 0);
    p.stop(server);
}

#[test]
fn scan_send_refuses_without_a_token_and_keeps_alerts_on_a_bad_one() {
    let p = platform();
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let log = gen_logs(&tmp.path().join("logs"), "3", "2026-03-04");
    let server = p.serve("127.0.0.1:0", None);
    let url = format!("http://{}", server.addr);
    let args = [
        "scan",
        "--threads",
        "1",
        "--send",
        url.as_str(),
        "--spool",
        spool.to_str().unwrap(),
        log.as_str(),
    ];
    let none = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(args)
        .env_remove("DELTAWALL_TOKEN")
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(err(&none).contains("DELTAWALL_TOKEN"), "{}", err(&none));
    // A wrong token is not retried: the run fails at once and the alerts wait in the spool.
    let wrong = deltawall(&args, "dw_not_a_token");
    assert!(!wrong.status.success());
    assert!(err(&wrong).contains("401"), "{}", err(&wrong));
    assert!(batches_in(&spool) >= 1);
    assert_eq!(p.stored(), 0);
    let right = deltawall(
        &args[..args.len() - 1]
            .iter()
            .copied()
            .chain([log.as_str()])
            .collect::<Vec<_>>(),
        &p.token,
    );
    assert!(right.status.success(), "{}", err(&right));
    assert_eq!(p.stored(), printed(&wrong) as i64);
    p.stop(server);
}

fn server_addr(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

#[test]
fn an_exported_token_does_not_stop_a_plain_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let log = gen_logs(&tmp.path().join("day"), "3", "2026-03-04");
    let with = deltawall(&["scan", "--threads", "1", log.as_str()], "dw_exported");
    assert!(with.status.success(), "{}", err(&with));
    let without = Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(["scan", "--threads", "1", log.as_str()])
        .env_remove("DELTAWALL_TOKEN")
        .output()
        .unwrap();
    assert!(printed(&with) > 0);
    assert_eq!(with.stdout, without.stdout);
}

//! Two real `deltawall serve` processes on one fresh PostgreSQL database, as behind a load
//! balancer: a session made on one works on the other (and ends on both), the cross-site
//! check holds on both, a lockout earned half on each replica holds on both, and each
//! scheduled job runs once per due time, not once per replica.
//!
//! Needs PostgreSQL: skipped with a message unless `DELTAWALL_REQUIRE_SERVICES=1`.

use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "replica test password 1";
/// The address users reach the service at: the proxy's, shared by both replicas.
pub(crate) const PUBLIC: &str = "http://dw.example";

/// A replica: the child process, its port and its log file; killed when dropped.
pub(crate) struct Replica {
    pub(crate) child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    fn start(url: &str, name: &str, dir: &std::path::Path) -> Replica {
        let args = ["--database-url", url, "--jobs-interval-secs", "1"];
        Replica::spawn(&args, name, dir)
    }

    /// Starts `deltawall serve` with `args` besides the listening port (a free one), the
    /// public address and the replica id `name`; its log goes to `dir`.
    pub(crate) fn spawn(args: &[&str], name: &str, dir: &std::path::Path) -> Replica {
        // A port the kernel just gave out and we released: free unless someone races us.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_deltawall"))
            .arg("serve")
            .args(args)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--public-url", PUBLIC, "--insecure-cookies"])
            .args(["--replica-id", name])
            .env("RUST_LOG", "info,deltawall_cli=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start deltawall serve");
        Replica { child, port, log }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/healthz` answers, failing with the replica's log after 60 s.
    pub(crate) fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.request("GET", "/healthz", &[], "")
                && r.status == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("replica exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "replica not ready:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One HTTP/1.1 request on a fresh connection.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        Ok(Reply::parse(&String::from_utf8_lossy(&raw)))
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        self.request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()))
    }

    /// `POST /login` from the proxy's origin.
    fn login(&self, login: &str, password: &str) -> Reply {
        let body = format!("login={login}&password={}", password.replace(' ', "+"));
        self.send(
            "POST",
            "/login",
            &[
                ("Origin", PUBLIC),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )
    }
}

/// A response: status, headers (lower-case names, last value wins) and body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Reply {
    fn parse(raw: &str) -> Reply {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

async fn seed(db: &TestDb) {
    let mut tx = db.store.write().await.unwrap();
    let org = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: "横浜第一銀行".into(),
            name_en: "Yokohama First Bank".into(),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::RegionalBank),
            region: Some(Region::Kanto),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for login in ["alice", "bob"] {
        let hash = deltawall_app::platform::auth::password::hash(PASSWORD.into())
            .await
            .unwrap();
        let mut tx = db.store.write().await.unwrap();
        users::create(
            &mut tx,
            &NewUser {
                org_id: org.clone(),
                login: login.into(),
                display_name: login.into(),
                email: None,
                role: Role::Staff,
                password_hash: hash,
                lang: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

#[test]
fn two_replicas_share_sessions_lockouts_and_jobs() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else {
        eprintln!("skipped two_replicas_share_sessions_lockouts_and_jobs: it needs PostgreSQL");
        return;
    };
    rt.block_on(seed(&db));
    let dir = tempfile::tempdir().unwrap();
    let mut a = Replica::start(&db.url, "replica-a", dir.path());
    let mut b = Replica::start(&db.url, "replica-b", dir.path());
    a.wait_ready();
    b.wait_ready();

    sessions_cross_replicas(&a, &b);
    lockout_holds_on_both(&a, &b);
    let runs = rt.block_on(jobs_run_once(&db));
    jobs_command(&db.url);
    drop((a, b));
    rt.block_on(db.finish());
    assert!(runs >= 6, "{runs}");
}

/// Signs in on A, uses the session on B, refuses a cross-site post on B, signs out on B and
/// finds the session gone on A.
fn sessions_cross_replicas(a: &Replica, b: &Replica) {
    let r = a.login("alice", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let set = &r.headers["set-cookie"];
    let cookie = set.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("dw_session="), "{set}");
    let me = |on: &Replica| on.send("GET", "/api/v1/me", &[("Cookie", &cookie)], "");
    for (name, replica) in [("a", a), ("b", b)] {
        let r = me(replica);
        assert_eq!(r.status, 200, "replica {name}: {}", r.body);
        assert!(r.body.contains("\"alice\""), "replica {name}: {}", r.body);
    }
    // The cross-site check needs no per-process state: both refuse a foreign origin.
    for (name, replica) in [("a", a), ("b", b)] {
        let r = replica.send(
            "POST",
            "/logout",
            &[("Cookie", &cookie), ("Origin", "http://evil.example")],
            "",
        );
        assert_eq!(r.status, 403, "replica {name}: {}", r.body);
        // A person's refused form gets the localised error page.
        assert!(
            r.body.contains("別のサイトからの送信は受け付けません"),
            "replica {name}: {}",
            r.body
        );
    }
    assert_eq!(me(a).status, 200, "a refused post must not end the session");
    let out = b.send(
        "POST",
        "/logout",
        &[("Cookie", &cookie), ("Origin", PUBLIC)],
        "",
    );
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(me(a).status, 401, "signed out on b, still in on a");
}

/// Wrong passwords alternate between the replicas; the lockout (five failures) holds on
/// both, even for the right password, although neither replica saw five.
fn lockout_holds_on_both(a: &Replica, b: &Replica) {
    let replicas = [a, b];
    let statuses: Vec<u16> = (0..6)
        .map(|i| replicas[i % 2].login("bob", "wrong password").status)
        .collect();
    assert_eq!(statuses[..4], [401, 401, 401, 401], "{statuses:?}");
    assert_eq!(statuses[5], 429, "{statuses:?}");
    for (name, replica) in [("a", a), ("b", b)] {
        let r = replica.login("bob", PASSWORD);
        assert_eq!(r.status, 429, "replica {name} let a locked account in");
        assert!(!r.headers.contains_key("set-cookie"), "replica {name}");
    }
}

/// Waits (at most 90 s) until each job has served three due times, then checks that no due
/// time was served twice and every run succeeded. Returns the runs seen.
async fn jobs_run_once(db: &TestDb) -> usize {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut conn = db.store.read().await.unwrap();
        let mut all = Vec::new();
        for job in ["maintenance", "reminders"] {
            all.push(deltawall_store::jobs::runs(&mut conn, job).await.unwrap());
        }
        drop(conn);
        let finished = |runs: &Vec<deltawall_store::jobs::JobRun>| {
            runs.iter().filter(|r| r.finished_at.is_some()).count()
        };
        if all.iter().all(|runs| finished(runs) >= 3) {
            let mut total = 0;
            for runs in &all {
                let mut due: Vec<i64> = runs.iter().map(|r| r.due_at).collect();
                due.dedup();
                assert_eq!(due.len(), runs.len(), "a due time ran twice: {runs:#?}");
                // One shared schedule: every due time sits on the one-second grid that
                // started with the first run, whichever replica served it.
                let first = due[0];
                assert!(
                    due.iter().all(|d| (d - first) % 1_000_000 == 0),
                    "two schedules: {runs:#?}"
                );
                for r in runs.iter().filter(|r| r.finished_at.is_some()) {
                    assert_eq!(r.outcome.as_deref(), Some("ok"), "{r:#?}");
                    assert!(["replica-a", "replica-b"].contains(&r.replica.as_str()));
                }
                total += runs.len();
            }
            return total;
        }
        assert!(Instant::now() < deadline, "jobs did not run: {all:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `deltawall jobs runs` lists what the replicas ran; `deltawall jobs due` makes a job due.
fn jobs_command(url: &str) {
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_deltawall"))
            .args(args)
            .args(["--database-url", url])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        text
    };
    let listed = run(&["jobs", "runs", "reminders"]);
    let line = listed.lines().next().unwrap_or_default();
    assert!(
        line.contains("\treplica-") && line.contains("\tok\t"),
        "{listed}"
    );
    assert!(run(&["jobs", "due", "maintenance"]).contains("maintenance is due now"));
}

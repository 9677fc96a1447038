//! The incident-response loop of issue 13 as the people in it live it, against a real server
//! on a loopback port and the real `deltawall` binary: `gen-logs` writes a day of internet
//! banking logs, `scan --send` delivers its alerts with the bank's API token, the bank finds
//! them in its detections inbox and opens a case from one, enters triage, its executive
//! submits the FSA first report, the FSA accepts it, and an indicator shared at TLP:AMBER
//! reaches the ISAC's members (pulled with `deltawall taxii pull`) and no one else: an
//! institution that reads the collection without being a member gets nothing, and one
//! outside the collection sees neither the collection nor the bank's detections or case.
//! The README's walkthrough follows the same steps.

use crate::taxii::{PASSWORD, org, user};
use deltawall_app::{Ctx, actor_for, platform::tokens};
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::{BusinessType, OrgKind};
use deltawall_domain::{OrgScope, role::Role};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant};
use deltawall_store::testing::TestDb;
use deltawall_store::users;
use deltawall_web::{AppState, Config, build_router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

/// The ISAC's collection of its members' indicators.
const MEMBERS: &str = "members";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

/// The sector of the loop, served on a loopback port for as long as it lives.
struct Sector {
    _rt: tokio::runtime::Runtime,
    _db: TestDb,
    addr: SocketAddr,
    /// API tokens by name: `bank` (write, the bank's administrator), `fsa` (write, the FSA's
    /// administrator), `member`, `reader` and `outsider` (read).
    tokens: HashMap<&'static str, String>,
}

async fn supervisor_or_isac(db: &TestDb, name: &str, kind: OrgKind) -> String {
    let mut tx = db.store.write().await.unwrap();
    let new = NewOrg {
        name_ja: name.into(),
        name_en: name.into(),
        kind,
        business_type: None,
        region: None,
        parent_id: None,
    };
    let id = orgs::create(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// An API token of a new administrator of `org_id` (only administrators issue tokens).
async fn token(db: &TestDb, org_id: &str, login: &str, scope: TokenScope) -> String {
    let user_id = user(db, org_id, login, Role::Admin).await;
    let mut c = db.store.read().await.unwrap();
    let u = users::get(&mut c, &OrgScope::All, &user_id).await.unwrap();
    let o = orgs::get_unscoped(&mut c, org_id).await.unwrap();
    drop(c);
    let actor = actor_for(&u, &o, None);
    let ctx = Ctx {
        store: &db.store,
        actor: &actor,
        ip: None,
    };
    let input = tokens::TokenInput {
        name: "loop".into(),
        scope,
        days: 30,
        current_password: Some(PASSWORD.into()),
        current_code: None,
    };
    tokens::issue(
        ctx,
        &deltawall_domain::throttle::ThrottlePolicy::default(),
        &input,
    )
    .await
    .unwrap()
    .1
}

/// The ISAC's root and its members' collection: the bank and another member write or read
/// and receive TLP:AMBER; a third institution reads the collection but is no member.
async fn isac_collection(db: &TestDb, isac: &str, members: &[&str], reader: &str) {
    let mut tx = db.store.write().await.unwrap();
    let root = ApiRoot {
        id: "isac".into(),
        title: "Financials ISAC".into(),
        description: None,
        kind: "isac".into(),
        created_at: 1,
        closed_at: None,
    };
    sharing::create_root(&mut tx, &root).await.unwrap();
    sharing::set_manager(&mut tx, "isac", isac).await.unwrap();
    let g = |grantee: &str, can_write, recipient| NewGrant {
        grantee: grantee.to_owned(),
        grant: Grant {
            can_read: true,
            can_write,
            recipient,
        },
    };
    let mut grants = vec![g(isac, true, true), g(reader, false, false)];
    grants.extend(members.iter().map(|m| g(m, true, true)));
    sharing::create_collection(&mut tx, "isac", "Members", None, Some(MEMBERS), &grants, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn sector() -> Sector {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (db, addr, tokens) = rt.block_on(async {
        let db = TestDb::sqlite().await;
        let bank = org(&db, "Bank A", BusinessType::RegionalBank).await;
        let member = org(&db, "Shinkin B", BusinessType::ShinkinBank).await;
        let reader = org(&db, "Securities C", BusinessType::SecuritiesFirm).await;
        let outsider = org(&db, "Insurer D", BusinessType::LifeInsurer).await;
        let fsa = supervisor_or_isac(&db, "FSA", OrgKind::Supervisor).await;
        let isac = supervisor_or_isac(&db, "ISAC", OrgKind::SharingBody).await;
        user(&db, &bank, "bank-exec", Role::Executive).await;
        isac_collection(&db, &isac, &[&bank, &member], &reader).await;
        let mut tokens = HashMap::new();
        for (name, org_id, scope) in [
            ("bank", &bank, TokenScope::Write),
            ("fsa", &fsa, TokenScope::Write),
            ("member", &member, TokenScope::Read),
            ("reader", &reader, TokenScope::Read),
            ("outsider", &outsider, TokenScope::Read),
        ] {
            let login = format!("{name}-admin");
            tokens.insert(name, token(&db, org_id, &login, scope).await);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            public_url: format!("http://{addr}"),
            ..Config::default()
        };
        let state = AppState {
            store: db.store.clone(),
            config: Arc::new(config),
        };
        let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (db, addr, tokens)
    });
    Sector {
        _rt: rt,
        _db: db,
        addr,
        tokens,
    }
}

/// An answer: status, headers (lower-case names) and body.
struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Who calls: an API token, or a session cookie from signing in.
enum As<'a> {
    Token(&'a str),
    Session(&'a str),
}

/// The body of a chunked answer, joined.
fn unchunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
    out
}

impl Sector {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One HTTP/1.1 request on a fresh connection, from the service's own origin.
    fn call(&self, method: &str, path: &str, who: &As<'_>, ctype: &str, body: &str) -> Reply {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let auth = match who {
            As::Token(t) => format!("Authorization: Bearer {t}\r\n"),
            As::Session(c) => format!("Cookie: {c}\r\n"),
        };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{auth}\
             Content-Type: {ctype}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len(),
            addr = self.addr,
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
            .collect();
        let raw_body = &raw[split + 4..];
        let body = if headers
            .get("transfer-encoding")
            .is_some_and(|v| v == "chunked")
        {
            unchunk(raw_body)
        } else {
            raw_body.to_vec()
        };
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn get(&self, path: &str, who: &As<'_>) -> Reply {
        self.call("GET", path, who, "text/plain", "")
    }

    fn post(&self, path: &str, who: &As<'_>, body: &Value) -> Reply {
        self.call("POST", path, who, "application/json", &body.to_string())
    }

    fn token(&self, name: &str) -> As<'_> {
        As::Token(&self.tokens[name])
    }

    /// Signs in through the login form and returns the session cookie (`name=value`).
    fn sign_in(&self, login: &str) -> String {
        let body = format!("login={login}&password={}", PASSWORD.replace(' ', "+"));
        let r = self.call(
            "POST",
            "/login",
            &As::Session(""),
            "application/x-www-form-urlencoded",
            &body,
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let cookie = r.headers.get("set-cookie").expect("a session cookie");
        cookie.split(';').next().unwrap().to_owned()
    }
}

fn deltawall(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deltawall"));
    cmd.args(args)
        .env_remove("DELTAWALL_TOKEN")
        .env_remove("DELTAWALL_TAXII_TOKEN")
        .env_remove("DELTAWALL_TAXII_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run deltawall")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `deltawall taxii pull` of the members' collection with `token`, into `out`.
fn pull(s: &Sector, token: &str, out: &std::path::Path) -> Output {
    let root = format!("{}/taxii2/isac/", s.url());
    let args = [
        "taxii",
        "pull",
        "--url",
        &root,
        "--collection",
        MEMBERS,
        "--output",
        out.to_str().unwrap(),
    ];
    deltawall(&args, &[("DELTAWALL_TAXII_TOKEN", token)])
}

/// The IP address of a detection's correlation group (`source.ip=…` in its key).
fn source_ip(detection: &Value) -> Option<String> {
    detection["group_key"]
        .as_str()?
        .split(", ")
        .find_map(|kv| kv.strip_prefix("source.ip="))
        .map(str::to_owned)
}

#[test]
fn the_loop_from_a_log_file_to_the_isac_members() {
    let s = sector();
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let gen_args = [
        "gen-logs",
        "--out",
        logs.to_str().unwrap(),
        "--seed",
        "13",
        "--date",
        "2026-11-02",
        "--customers",
        "500",
        "--events",
        "300",
    ];
    let generated = deltawall(&gen_args, &[]);
    assert!(generated.status.success(), "{}", err(&generated));

    // 1. The scan delivers every alert it prints with the bank's token.
    let url = s.url();
    let spool = tmp.path().join("spool");
    let auth_log = logs.join("auth.jsonl");
    let scan = deltawall(
        &[
            "scan",
            "--threads",
            "1",
            "--send",
            &url,
            "--spool",
            spool.to_str().unwrap(),
            auth_log.to_str().unwrap(),
        ],
        &[("DELTAWALL_TOKEN", &s.tokens["bank"])],
    );
    assert!(scan.status.success(), "{}", err(&scan));
    let printed = String::from_utf8_lossy(&scan.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(printed > 0, "the generated day has attacks: {}", err(&scan));
    assert!(
        err(&scan).contains(&format!("{printed} accepted, 0 duplicate, 0 rejected")),
        "{}",
        err(&scan)
    );

    // 2. The inbox holds them; the bank picks an attack from one source address.
    let bank = s.token("bank");
    let page = s.get("/api/v1/detections?limit=500", &bank).json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), printed, "{page}");
    let picked = items
        .iter()
        .find(|d| source_ip(d).is_some())
        .unwrap_or_else(|| panic!("no alert grouped by source address among {printed}"));
    let detection = picked["id"].as_str().unwrap().to_owned();
    let ip = source_ip(picked).unwrap();
    let cookie = s.sign_in("bank-exec");
    let exec = As::Session(&cookie);
    let inbox = s.get("/detections", &exec);
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let title = picked["title"].as_str().unwrap();
    assert!(inbox.body.contains(title), "{title}: {}", inbox.body);

    // 3. A case opened from it escalates the detection.
    let case = json!({
        "title": "List-type attack on internet banking", "category": "list_attack_login",
        "summary": format!("failed logins from {ip}"), "occurred_on": "2026-11-02",
        "urgency": "ongoing", "customers_affected": 3, "recognised_at": "2026-11-02T10:00",
        "services": [{"name": "インターネットバンキング", "customer_facing": true, "status": "degraded"}],
        "detections": [detection],
    });
    let r = s.post("/api/v1/incidents/cases", &bank, &case);
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.json()["id"].as_str().unwrap().to_owned();
    let escalated = s.get("/api/v1/detections?status=escalated", &bank).json();
    assert_eq!(
        escalated["items"][0]["id"],
        detection.as_str(),
        "{escalated}"
    );
    assert_eq!(
        escalated["items"][0]["case_id"],
        case.as_str(),
        "{escalated}"
    );
    let cmd = json!({"version": 1, "command": "enter_phase", "code": "triage"});
    let r = s.post(
        &format!("/api/v1/incidents/cases/{case}/commands"),
        &bank,
        &cmd,
    );
    assert_eq!(r.status, 204, "{}", r.body);
    let obs = json!({"kind": "ip", "value": ip});
    let r = s.post(
        &format!("/api/v1/incidents/cases/{case}/observables"),
        &bank,
        &obs,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let observable = r.json()["id"].as_str().unwrap().to_owned();

    // 4. The executive submits the FSA first report (signed in: reports are attested by a
    //    person, never by a token).
    let report = json!({"regime": "fsa_incident_report", "stage": "first", "attest": true, "items": {
        "summary": "list-type attack on internet banking",
        "recognised_at": "2026-11-02 10:00 by the detections inbox",
        "affected_services": "internet banking", "customer_impact": "3 accounts locked",
        "response": format!("{ip} blocked"), "contact": "CSIRT 03-0000-0000"}});
    let path = format!("/api/v1/incidents/cases/{case}/reports");
    let r = s.post(&path, &bank, &report);
    assert_eq!(
        r.status, 403,
        "an administrator's token does not attest: {}",
        r.body
    );
    let r = s.post(&path, &exec, &report);
    assert_eq!(r.status, 201, "{}", r.body);
    let report = r.json()["id"].as_str().unwrap().to_owned();

    // 5. The FSA finds it among the reports to review and accepts it.
    let fsa = s.token("fsa");
    let listed = s.get("/api/v1/incidents/reports", &fsa).json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == report.as_str()),
        "{listed}"
    );
    let path = format!("/api/v1/incidents/reports/{report}/review");
    let r = s.post(&path, &fsa, &json!({"decision": "accept"}));
    assert_eq!(r.status, 204, "{}", r.body);
    let detail = s
        .get(&format!("/api/v1/incidents/cases/{case}"), &bank)
        .json();
    assert_eq!(
        detail["reports"][0]["submission"]["review"]["review"], "accepted",
        "{detail}"
    );

    // 6. The source address goes to the ISAC's members at TLP:AMBER.
    let share = json!({"observable_ids": [observable], "tlp": "amber", "root": "isac", "collection": MEMBERS});
    let r = s.post(
        &format!("/api/v1/incidents/cases/{case}/share"),
        &bank,
        &share,
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let shared = r.json();
    // The indicator, a sighting of it and the case as an incident object.
    assert_eq!(shared["status"]["success_count"], 3, "{shared}");
    let indicator = shared["indicators"][0].as_str().unwrap().to_owned();
    let incident = shared["incident"].as_str().unwrap().to_owned();

    // The other member pulls it over TAXII, marked AMBER, with the address.
    let got = tmp.path().join("member.json");
    let o = pull(&s, &s.tokens["member"], &got);
    assert!(o.status.success(), "{}", err(&o));
    let text = std::fs::read_to_string(&got).unwrap();
    assert!(
        text.contains(&indicator) && text.contains(AMBER) && text.contains(&ip),
        "{text}"
    );
    assert!(text.contains(&incident), "{text}");

    // An institution that reads the collection but is no member receives nothing of it.
    let got = tmp.path().join("reader.json");
    let o = pull(&s, &s.tokens["reader"], &got);
    assert!(o.status.success(), "{}", err(&o));
    let text = std::fs::read_to_string(&got).unwrap();
    assert!(
        !text.contains(&indicator) && !text.contains(&incident) && !text.contains(&ip),
        "{text}"
    );

    // An institution outside the collection: no collection, no detections, no case.
    let got = tmp.path().join("outsider.json");
    let o = pull(&s, &s.tokens["outsider"], &got);
    assert!(!o.status.success(), "{}", err(&o));
    assert!(!got.exists());
    let outsider = s.token("outsider");
    let none = s.get("/api/v1/detections", &outsider).json();
    assert_eq!(none["items"], json!([]), "{none}");
    let r = s.get(&format!("/api/v1/incidents/cases/{case}"), &outsider);
    assert_eq!(r.status, 404, "{}", r.body);
}

//! `deltawall taxii push|pull` against an in-process Deltawall server on a loopback port:
//! per-object outcomes, duplicates, local validation, paging with `next`, TLP on the way
//! out, exact JSON round-trips, atomic output and authentication failures.

use deltawall_app::{Ctx, actor_for, platform::tokens};
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::{OrgScope, role::Role};
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use deltawall_web::{AppState, Config, build_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery staple";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

struct Hub {
    rt: tokio::runtime::Runtime,
    _db: TestDb,
    /// The `isac` API root URL.
    root: String,
    /// A read-only API token of institution B (not an AMBER recipient).
    b_token: String,
}

pub(crate) async fn org(db: &TestDb, name: &str, bt: BusinessType) -> String {
    let mut tx = db.store.write().await.unwrap();
    let id = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: name.into(),
            name_en: name.into(),
            kind: OrgKind::Institution,
            business_type: Some(bt),
            region: Some(Region::Kanto),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn user(db: &TestDb, org_id: &str, login: &str, role: Role) -> String {
    let hash = deltawall_app::platform::auth::password::hash(PASSWORD.into())
        .await
        .unwrap();
    let mut tx = db.store.write().await.unwrap();
    let id = users::create(
        &mut tx,
        &NewUser {
            org_id: org_id.into(),
            login: login.into(),
            display_name: login.into(),
            email: None,
            role,
            password_hash: hash,
            lang: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A server with one collection `shared`: A reads, writes and receives AMBER; B reads.
fn hub() -> Hub {
    let (rt, db, root, b_token) = serve_isac((true, true), (false, false), TokenScope::Read);
    Hub {
        rt,
        _db: db,
        root,
        b_token,
    }
}

/// A live server with one ISAC collection `shared` of two institutions, A (`a_grant`) and
/// B (`b_grant`, each `(can_write, recipient)`; both read), and an API token of B's
/// administrator with `scope`: the runtime, the database, the `isac` root URL and the token.
pub(crate) fn serve_isac(
    a_grant: (bool, bool),
    b_grant: (bool, bool),
    scope: TokenScope,
) -> (tokio::runtime::Runtime, TestDb, String, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (db, root, b_token) = rt.block_on(async {
        let db = TestDb::sqlite().await;
        let a = org(&db, "Bank A", BusinessType::RegionalBank).await;
        let b = org(&db, "Shinkin B", BusinessType::ShinkinBank).await;
        user(&db, &a, "a-staff", Role::Staff).await;
        let b_admin = user(&db, &b, "b-admin", Role::Admin).await;
        let mut tx = db.store.write().await.unwrap();
        sharing::create_root(
            &mut tx,
            &ApiRoot {
                id: "isac".into(),
                title: "ISAC".into(),
                description: None,
                kind: "isac".into(),
                created_at: 1,
                closed_at: None,
            },
        )
        .await
        .unwrap();
        let g = |grantee: &str, can_write, recipient| NewGrant {
            grantee: grantee.to_owned(),
            grant: Grant {
                can_read: true,
                can_write,
                recipient,
            },
        };
        sharing::create_collection(
            &mut tx,
            "isac",
            "Shared",
            None,
            Some("shared"),
            &[g(&a, a_grant.0, a_grant.1), g(&b, b_grant.0, b_grant.1)],
            1,
        )
        .await
        .unwrap();
        let b_user = users::get(&mut tx, &OrgScope::All, &b_admin).await.unwrap();
        let b_org = orgs::get_unscoped(&mut tx, &b).await.unwrap();
        tx.commit().await.unwrap();
        let actor = actor_for(&b_user, &b_org, None);
        let ctx = Ctx {
            store: &db.store,
            actor: &actor,
            ip: None,
        };
        let (_, token) = tokens::issue(
            ctx,
            &deltawall_domain::throttle::ThrottlePolicy::default(),
            &tokens::TokenInput {
                name: "test".into(),
                scope,
                days: 30,
                current_password: Some(PASSWORD.into()),
                current_code: None,
            },
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState {
            store: db.store.clone(),
            config: Arc::new(Config {
                public_url: format!("http://{addr}"),
                ..Config::default()
            }),
        };
        let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (db, format!("http://{addr}/taxii2/isac/"), token)
    });
    (rt, db, root, b_token)
}

fn taxii(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deltawall"));
    cmd.arg("taxii").args(args);
    cmd.env_remove("DELTAWALL_TAXII_TOKEN")
        .env_remove("DELTAWALL_TAXII_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run deltawall")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn indicator(n: u32, marking: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": format!("ioc {n}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [marking],
        "x_deltawall_note": "kept verbatim"
    })
}

fn bundle(objects: &[Value]) -> String {
    json!({"type": "bundle", "id": "bundle--6a1a0c5e-0c4e-4a55-9a6c-2b4c5d6e7f80", "objects": objects})
        .to_string()
}

#[test]
fn push_and_pull_through_a_live_server() {
    let hub = hub();
    let tmp = tempfile::tempdir().unwrap();
    let as_a = [("DELTAWALL_TAXII_PASSWORD", PASSWORD)];
    let target = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "--url".to_owned(),
            hub.root.clone(),
            "--collection".into(),
            "shared".into(),
        ];
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };

    // 250 GREEN indicators and one AMBER: all added, one line each.
    let mut objects: Vec<Value> = (1..=250).map(|n| indicator(n, GREEN)).collect();
    objects.push(indicator(999, AMBER));
    let file = tmp.path().join("iocs.json");
    std::fs::write(&file, bundle(&objects)).unwrap();
    let mut args = vec!["push", file.to_str().unwrap()];
    let t = target(&["--user", "a-staff"]);
    args.extend(t.iter().map(String::as_str));
    let pushed = taxii(&args, &as_a);
    assert!(pushed.status.success(), "{}{}", out(&pushed), err(&pushed));
    assert_eq!(
        out(&pushed)
            .lines()
            .filter(|l| l.starts_with("ok indicator--"))
            .count(),
        251
    );
    assert!(
        err(&pushed).contains("251 added, 0 not added"),
        "{}",
        err(&pushed)
    );

    // Again, with an invalid object: duplicates succeed, the invalid one is reported
    // with its problem and never sent, and the exit status says something failed.
    let mut bad = indicator(1000, GREEN);
    bad["pattern"] = "[ipv4-addr:value = ".into();
    let file2 = tmp.path().join("mixed.json");
    std::fs::write(&file2, bundle(&[indicator(1, GREEN), bad])).unwrap();
    let mut args = vec!["push", file2.to_str().unwrap()];
    args.extend(t.iter().map(String::as_str));
    let mixed = taxii(&args, &as_a);
    assert!(!mixed.status.success());
    let text = out(&mixed);
    assert!(
        text.contains("ok indicator--00000000-0000-4000-8000-000000000001"),
        "{text}"
    );
    assert!(
        text.contains("invalid indicator--00000000-0000-4000-8000-000000001000"),
        "{text}"
    );

    // B pulls with its token: 250 GREEN objects over three pages, never the AMBER one,
    // each exactly as pushed; the bundle validates.
    let output = tmp.path().join("pulled.json");
    let mut args = vec!["pull", "--output", output.to_str().unwrap()];
    let tb = target(&[]);
    args.extend(tb.iter().map(String::as_str));
    let pulled = taxii(&args, &[("DELTAWALL_TAXII_TOKEN", hub.b_token.as_str())]);
    assert!(pulled.status.success(), "{}", err(&pulled));
    assert!(
        err(&pulled).contains("250 objects pulled"),
        "{}",
        err(&pulled)
    );
    let text = std::fs::read_to_string(&output).unwrap();
    let report = deltawall_stix::validate_document(&text);
    assert!(report.errors().next().is_none(), "{report}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let got = doc["objects"].as_array().unwrap();
    assert_eq!(got.len(), 250);
    assert!(
        !text.contains("000000000999"),
        "AMBER object reached a non-recipient"
    );
    assert_eq!(got[0], indicator(1, GREEN));
    assert!(text.contains(&objects[0].to_string()), "not the exact text");
    // Nothing is left behind but the output.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");

    // added_after in the future: an empty bundle. A wrong password: a clear failure.
    let mut args = vec![
        "pull",
        "--added-after",
        "2999-01-01T00:00:00Z",
        "--user",
        "a-staff",
    ];
    args.extend(tb.iter().map(String::as_str));
    let none = taxii(&args, &as_a);
    assert!(none.status.success(), "{}", err(&none));
    assert!(out(&none).contains("\"objects\":[]"), "{}", out(&none));
    let denied = taxii(&args, &[("DELTAWALL_TAXII_PASSWORD", "wrong password")]);
    assert!(!denied.status.success());
    assert!(err(&denied).contains("401"), "{}", err(&denied));
    let nobody = taxii(&args, &[]);
    assert!(!nobody.status.success());
    assert!(
        err(&nobody).contains("DELTAWALL_TAXII_PASSWORD"),
        "{}",
        err(&nobody)
    );
    drop(hub.rt);
}

//! The `deltawall` binary, run as a user would: seed, verify the audit trail, tamper with it,
//! back up and restore.

use std::path::Path;
use std::process::{Command, Output};

fn deltawall(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(args)
        .output()
        .expect("run deltawall")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn data(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn demo_verify_tamper_backup_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let seeded = deltawall(&[
        "demo",
        "--data-dir",
        data(&a),
        "--password",
        "a demo password 1",
    ]);
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(text(&seeded).contains("organisations"));

    let ok = deltawall(&["audit", "verify", "--data-dir", data(&a)]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("audit trail intact"));

    // Back up the live database, restore it elsewhere: the second backup equals the first.
    let (f1, f2) = (tmp.path().join("one.json"), tmp.path().join("two.json"));
    assert!(
        deltawall(&["backup", "--data-dir", data(&a), f1.to_str().unwrap()])
            .status
            .success()
    );
    let restored = deltawall(&["restore", "--data-dir", data(&b), f1.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        deltawall(&["backup", "--data-dir", data(&b), f2.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(std::fs::read(&f1).unwrap(), std::fs::read(&f2).unwrap());
    let again = deltawall(&["restore", "--data-dir", data(&b), f1.to_str().unwrap()]);
    assert!(
        !again.status.success() && text(&again).contains("not empty"),
        "{}",
        text(&again)
    );

    // Someone edits entry 7 behind the application's back.
    let url = format!("sqlite://{}", a.join("deltawall.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = deltawall_store::Store::open(&url).await.unwrap();
        let mut c = store.read().await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET action = 'user.delete' WHERE seq = 7")
            .execute(&mut *c)
            .await
            .unwrap();
        drop(c);
        store.close().await;
    });
    let broken = deltawall(&["audit", "verify", "--data-dir", data(&a)]);
    assert_eq!(broken.status.code(), Some(2), "{}", text(&broken));
    assert!(text(&broken).contains("entry 7"), "{}", text(&broken));
}

#[test]
fn bad_configuration_is_refused_with_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("c.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:1\"\nnot_a_setting = 1\n").unwrap();
    let o = deltawall(&[
        "demo",
        "--config",
        cfg.to_str().unwrap(),
        "--data-dir",
        data(tmp.path()),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("not_a_setting"), "{}", text(&o));
    let o = deltawall(&[
        "demo",
        "--data-dir",
        data(tmp.path()),
        "--database-url",
        "mysql://x",
    ]);
    assert!(text(&o).contains("database_url"), "{}", text(&o));
}

mod incident_loop;
mod indicator_feed;
mod replicas;
mod send;
mod setup_memory;
mod stream;
mod taxii;
mod tidy;

//! Bulk writes carry any text exactly: detections ingest and a scan's new and touched
//! findings go many rows a statement (on PostgreSQL one JSON bind per batch), and values
//! with quotes, backslashes, commas, braces, control characters or Japanese text read back
//! unchanged on both backends. A NUL character is refused by PostgreSQL's text types: there
//! the batch fails whole and writes nothing.

use super::fixtures::{add_org, institution};
use deltawall_domain::incident::detection::{AlertKind, Detection, Level};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::testing::TestDb;
use deltawall_store::vuln::{self, NewAsset, NewFindings};
use deltawall_store::{Backend, detections};
use deltawall_vuln::{Finding, IdentityKey, Severity};
use serde_json::json;
use sqlx::Row;

/// Texts that break a naive array, CSV or JSON encoding, and the empty string.
const AWKWARD: &[&str] = &[
    r#"it's "quoted""#,
    r"back\slash \\ and \n not a newline",
    "comma, {braces}, [brackets], (parens)",
    r#"{"a":1}"#,
    "NULL",
    "",
    "  spaces kept  ",
    "tab\tnew\nline\r\n",
    "不正ログイン試行の検知（東京）",
    "絵文字 🛡️ と半角ｶﾅ",
    "$1 ?, $2",
];

fn detection(i: usize, text: &str) -> Detection {
    Detection {
        id: format!("det-{i:032x}"),
        rule_key: text.to_owned(),
        title: format!("{text}|title"),
        level: i.is_multiple_of(2).then_some(Level::High),
        kind: AlertKind::Correlation,
        group_key: format!("src_ip={text}"),
        first_seen_us: Some(-5),
        last_seen_us: (!i.is_multiple_of(3)).then_some(i64::MAX),
        count: (i % 2 == 1).then_some(i as u64),
        raw: json!({"title": text, "nested": [text, {"k": text}], "n": i}),
    }
}

/// What a detection should read back as: id, rule key, title, level, group, first and
/// last seen, count and the raw alert parsed back.
type DetectionRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    serde_json::Value,
);

fn expected(d: &Detection) -> DetectionRow {
    (
        d.id.clone(),
        d.rule_key.clone(),
        d.title.clone(),
        d.level.map(|l| l.code().to_owned()),
        d.group_key.clone(),
        d.first_seen_us,
        d.last_seen_us,
        d.count.map(|c| c as i64),
        d.raw.clone(),
    )
}

async fn stored_detections(db: &TestDb, org: &str) -> Vec<DetectionRow> {
    let mut c = db.store.read().await.unwrap();
    let rows = sqlx::query(
        "SELECT id, rule_key, title, level, group_key, first_seen, last_seen, event_count, raw \
         FROM detections WHERE org_id = $1 ORDER BY id",
    )
    .bind(org.to_owned())
    .fetch_all(&mut *c)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let raw: String = r.get("raw");
            (
                r.get("id"),
                r.get("rule_key"),
                r.get("title"),
                r.get("level"),
                r.get("group_key"),
                r.get("first_seen"),
                r.get("last_seen"),
                r.get("event_count"),
                serde_json::from_str(&raw).unwrap(),
            )
        })
        .collect()
}

async fn detections_round_trip(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let batch: Vec<Detection> = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, t)| detection(i, t))
        .collect();
    // The batch twice in one call: the second copy is all duplicates, counted as such.
    let twice = [batch.clone(), batch.clone()].concat();
    let mut tx = db.store.write().await.unwrap();
    let done = detections::ingest(&mut tx, &bank, "token-'\"\\", &twice, 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (done.accepted, done.duplicate),
        (AWKWARD.len() as u64, AWKWARD.len() as u64)
    );
    let want: Vec<DetectionRow> = batch.iter().map(expected).collect();
    assert_eq!(stored_detections(db, &bank).await, want);

    // A NUL character: PostgreSQL's text refuses it and the whole batch is rejected;
    // SQLite stores it as given.
    let nul = vec![detection(100, "ok"), detection(101, "nul\0inside")];
    let mut tx = db.store.write().await.unwrap();
    let result = detections::ingest(&mut tx, &bank, "token", &nul, 8).await;
    match db.store.backend() {
        Backend::Postgres => {
            assert!(result.is_err(), "{result:?}");
            drop(tx);
            assert_eq!(stored_detections(db, &bank).await, want);
        }
        Backend::Sqlite => {
            assert_eq!(result.unwrap().accepted, 2);
            tx.commit().await.unwrap();
            let stored = stored_detections(db, &bank).await;
            assert_eq!(stored.last(), Some(&expected(&nul[1])));
        }
    }
}
both!(detections_escaping, super::detections_round_trip);

fn finding(i: usize, text: &str) -> Finding {
    Finding {
        key: IdentityKey {
            source: format!("sarif:{text}"),
            rule: format!("rule {i} {text}"),
            location: format!("src/{text}.rs:{i}"),
        },
        title: text.to_owned(),
        severity: Severity::Medium,
        cves: vec![format!("CVE-2024-{i:04}")],
        cvss: i.is_multiple_of(2).then_some(9.8),
    }
}

/// A finding as stored: id, identity, source, rule, location, title, CVEs, score, last seen.
type FindingRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
);

async fn stored_findings(db: &TestDb) -> Vec<FindingRow> {
    let mut c = db.store.read().await.unwrap();
    let rows = sqlx::query(
        "SELECT id, identity, source, rule, location, title, cves, cvss_tenths, last_seen \
         FROM vuln_findings ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get("id"),
                r.get("identity"),
                r.get("source"),
                r.get("rule"),
                r.get("location"),
                r.get("title"),
                r.get("cves"),
                r.get("cvss_tenths"),
                r.get("last_seen"),
            )
        })
        .collect()
}

async fn findings_round_trip(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let asset = NewAsset {
        name: "「本店」サーバ".into(),
        kind: "website".into(),
        owner: "IT".into(),
        operator: String::new(),
        criticality: "high".into(),
        cadence_days: 90,
    };
    let scan: Vec<Finding> = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, t)| finding(i, t))
        .collect();
    // Ids with quotes and braces too: they travel in the same JSON arrays.
    let rows: Vec<(String, &Finding)> = scan
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("f{i:02}-'{{\"}}\\"), f))
        .collect();
    let from = NewFindings {
        org_id: &bank,
        asset_id: "a1",
        import_id: "imp-'1'",
        actor: "u\"1",
        at_us: 10,
    };
    let mut tx = db.store.write().await.unwrap();
    vuln::add_asset(&mut tx, "a1", &bank, "u1", &asset, 1)
        .await
        .unwrap();
    vuln::insert_new(&mut tx, from, &rows).await.unwrap();
    // A large import refreshes the planner's statistics inside its transaction.
    vuln::refresh_statistics(&mut tx).await.unwrap();
    // Touch every other one: only those move to the rescan's time.
    let touched: Vec<&str> = rows.iter().step_by(2).map(|(id, _)| id.as_str()).collect();
    vuln::touch_seen(&mut tx, &touched, 20).await.unwrap();
    tx.commit().await.unwrap();

    let want: Vec<FindingRow> = rows
        .iter()
        .enumerate()
        .map(|(i, (id, f))| {
            (
                id.clone(),
                f.key.canonical(),
                f.key.source.clone(),
                f.key.rule.clone(),
                f.key.location.clone(),
                f.title.clone(),
                f.cves.join(" "),
                f.cvss.map(|c| (c * 10.0).round() as i64),
                if i.is_multiple_of(2) { 20 } else { 10 },
            )
        })
        .collect();
    assert_eq!(stored_findings(db).await, want);
    // Each new finding has its first history entry, naming the import and the person.
    let mut c = db.store.read().await.unwrap();
    let events = sqlx::query(
        "SELECT finding_id, seq, kind, import_id, actor, note FROM vuln_finding_events \
         ORDER BY finding_id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let events: Vec<(String, i64, String, String, String, String)> = events
        .iter()
        .map(|r| {
            (
                r.get("finding_id"),
                r.get("seq"),
                r.get("kind"),
                r.get("import_id"),
                r.get("actor"),
                r.get("note"),
            )
        })
        .collect();
    let want_events: Vec<_> = rows
        .iter()
        .map(|(id, _)| {
            let (kind, import, actor) = ("new".into(), "imp-'1'".into(), "u\"1".into());
            (id.clone(), 1, kind, import, actor, String::new())
        })
        .collect();
    assert_eq!(events, want_events);
}
both!(findings_escaping, super::findings_round_trip);

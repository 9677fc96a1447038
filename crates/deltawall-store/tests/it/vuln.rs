//! Vulnerability diagnosis (migration 19): the scope, findings read only through their
//! institution's scope, the append-only history, one standing decision, approval once, and
//! enrichment replaced whole.

use super::fixtures::{add_org, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::StoreError;
use deltawall_store::testing::TestDb;
use deltawall_store::vuln::{
    self, Decision, DecisionStatus, EnrichmentRow, Event, FindingFilter, FindingState, NewAsset,
};
use deltawall_vuln::{Finding, IdentityKey, Severity};

fn asset(name: &str) -> NewAsset {
    NewAsset {
        name: name.into(),
        kind: "website".into(),
        owner: "IT".into(),
        operator: String::new(),
        criticality: "high".into(),
        cadence_days: 90,
    }
}

fn finding(rule: &str) -> Finding {
    Finding {
        key: IdentityKey {
            source: "nessus".into(),
            rule: rule.into(),
            location: "192.0.2.1:tcp/443".into(),
        },
        title: format!("plugin {rule}"),
        severity: Severity::High,
        cves: vec!["CVE-2024-0001".into()],
        cvss: Some(7.5),
    }
}

async fn scope_findings_history_and_decisions(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let other = add_org(
        &db.store,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let mut tx = db.store.write().await.unwrap();
    vuln::add_asset(&mut tx, "a1", &bank, "u1", &asset("www.example.jp"), 10)
        .await
        .unwrap();
    let again = vuln::add_asset(&mut tx, "a2", &bank, "u1", &asset("www.example.jp"), 11).await;
    assert!(matches!(again, Err(StoreError::Conflict("asset"))));
    drop(tx);
    let mut tx = db.store.write().await.unwrap();
    vuln::add_asset(&mut tx, "a1", &bank, "u1", &asset("www.example.jp"), 10)
        .await
        .unwrap();
    vuln::insert_finding(&mut tx, "f1", &bank, "a1", &finding("1001"), 20)
        .await
        .unwrap();
    vuln::add_event(
        &mut tx,
        &bank,
        &Event {
            finding_id: "f1".into(),
            at_us: 20,
            kind: "new".into(),
            state: FindingState::Open,
            import_id: None,
            actor: Some("u1".into()),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    vuln::set_enrichment(
        &mut tx,
        "f1",
        Some(("2026-12-01", true, "2026-11-30")),
        Some((975_000, "2026-11-29")),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(bank.clone());
    let f = vuln::get(&mut c, &own, "f1").await.unwrap();
    assert_eq!(
        (f.state, f.severity, f.cvss_tenths),
        (FindingState::Open, Severity::High, Some(75))
    );
    assert_eq!(
        (f.kev_due.as_deref(), f.kev_ransomware, f.epss_millionths),
        (Some("2026-12-01"), true, Some(975_000))
    );
    assert_eq!(f.cves, vec!["CVE-2024-0001".to_owned()]);
    // Another institution sees neither the finding nor the asset.
    let theirs = OrgScope::Own(other.clone());
    assert!(matches!(
        vuln::get(&mut c, &theirs, "f1").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(vuln::asset(&mut c, &theirs, "a1").await.is_err());
    let page = vuln::page(&mut c, &theirs, &FindingFilter::default(), None, 10)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let kev = FindingFilter {
        kev_only: true,
        ..FindingFilter::default()
    };
    assert_eq!(
        vuln::page(&mut c, &own, &kev, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let low = FindingFilter {
        severity: Some(Severity::Low),
        ..FindingFilter::default()
    };
    assert!(
        vuln::page(&mut c, &own, &low, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(vuln::all_current(&mut c, &own).await.unwrap().len(), 1);
    drop(c);

    // History is append-only.
    let mut tx = db.store.write().await.unwrap();
    let changed = sqlx::query("UPDATE vuln_finding_events SET note = 'x'")
        .execute(&mut *tx)
        .await;
    assert!(changed.is_err(), "history must refuse updates");
    drop(tx);

    // One standing decision; a pending acceptance is approved once.
    let mut tx = db.store.write().await.unwrap();
    let decision = |id: &str, kind: &str, status| Decision {
        id: id.into(),
        finding_id: "f1".into(),
        kind: kind.into(),
        due_at: Some(1_000),
        reason: "r".into(),
        status,
        requested_by: "u1".into(),
        requested_at: 30,
        approved_by: None,
        approved_at: None,
    };
    vuln::add_decision(
        &mut tx,
        &bank,
        &decision("d1", "fix", DecisionStatus::InForce),
    )
    .await
    .unwrap();
    vuln::add_decision(
        &mut tx,
        &bank,
        &decision("d2", "accept", DecisionStatus::Pending),
    )
    .await
    .unwrap();
    vuln::approve_decision(&mut tx, "f1", "d2", "u2", 40)
        .await
        .unwrap();
    let twice = vuln::approve_decision(&mut tx, "f1", "d2", "u2", 41).await;
    assert!(matches!(twice, Err(StoreError::NotFound(_))));
    let all = vuln::decisions_of(&mut tx, "f1").await.unwrap();
    let statuses: Vec<_> = all.iter().map(|d| (d.id.as_str(), d.status)).collect();
    assert_eq!(
        statuses,
        vec![
            ("d1", DecisionStatus::Superseded),
            ("d2", DecisionStatus::InForce)
        ]
    );
    assert_eq!(all[1].approved_by.as_deref(), Some("u2"));

    // Enrichment: a new file of a kind replaces the institution's rows of that kind only.
    let row = |kind, cve: &str| EnrichmentRow {
        kind,
        cve: cve.into(),
        as_of: "2026-11-30".into(),
        kev_due: (kind == "kev").then(|| "2026-12-01".to_owned()),
        kev_ransomware: false,
        epss_millionths: (kind == "epss").then_some(5),
    };
    let many: Vec<EnrichmentRow> = (0..450)
        .map(|i| row("epss", &format!("CVE-2024-{i:04}")))
        .collect();
    vuln::replace_enrichment(&mut tx, &bank, "epss", &many)
        .await
        .unwrap();
    vuln::replace_enrichment(&mut tx, &bank, "kev", &[row("kev", "CVE-2024-0001")])
        .await
        .unwrap();
    vuln::replace_enrichment(&mut tx, &bank, "kev", &[row("kev", "CVE-2024-0002")])
        .await
        .unwrap();
    let cves = vec!["CVE-2024-0001".to_owned(), "CVE-2024-0002".to_owned()];
    let mut got: Vec<(&str, String)> = vuln::enrichment_for(&mut tx, &bank, &cves)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.kind, r.cve))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("epss", "CVE-2024-0001".to_owned()),
            ("epss", "CVE-2024-0002".to_owned()),
            ("kev", "CVE-2024-0002".to_owned()),
        ]
    );
    assert!(
        vuln::enrichment_for(&mut tx, &other, &cves)
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}
both!(
    scope_and_findings,
    super::scope_findings_history_and_decisions
);

/// A finding of the bulk test: `n` numbers its rule, `source` its scanner.
fn numbered(source: &str, n: usize) -> Finding {
    Finding {
        key: IdentityKey {
            source: source.into(),
            rule: format!("r{n:05}"),
            location: "192.0.2.1:tcp/443".into(),
        },
        ..finding("0")
    }
}

/// A large import's set-based writes: more new findings than a statement or a keyset page
/// holds, each with its first history entry; the prior rows read back in identity order
/// across pages with a digest equal to the finding's, other scanners' rows left out; a
/// touch moves only last-seen; enrichment and repeat candidates are the lean rows asked for.
async fn bulk_import_rows(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let mut tx = db.store.write().await.unwrap();
    vuln::add_asset(&mut tx, "a1", &bank, "u1", &asset("zone"), 10)
        .await
        .unwrap();
    let scan: Vec<Finding> = (0..2_345).map(|n| numbered("nessus", n)).collect();
    let other = numbered("openvas", 7);
    let mut rows: Vec<(String, &Finding)> = scan
        .iter()
        .enumerate()
        .map(|(n, f)| (format!("f{n:05}"), f))
        .collect();
    rows.push(("o1".into(), &other));
    let from = vuln::NewFindings {
        org_id: &bank,
        asset_id: "a1",
        import_id: "i1",
        actor: "u1",
        at_us: 20,
    };
    vuln::insert_new(&mut tx, from, &rows).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.store.write().await.unwrap();
    let prior = vuln::prior_of_asset(&mut tx, &bank, "a1", &["nessus".to_owned()])
        .await
        .unwrap();
    assert_eq!(prior.len(), scan.len(), "every page read, openvas left out");
    let mut keys: Vec<String> = prior.iter().map(|p| p.key.canonical()).collect();
    let read: Vec<String> = keys.clone();
    keys.sort();
    assert_eq!(read, keys, "identity order");
    for p in &prior {
        let n: usize = p.id[1..].parse().unwrap();
        assert_eq!(p.key, scan[n].key);
        assert_eq!(p.state, FindingState::Open);
        assert_eq!(p.content, vuln::content_digest(&scan[n]));
    }
    let reworded = Finding {
        title: "reworded".into(),
        ..scan[0].clone()
    };
    assert_ne!(vuln::content_digest(&reworded), prior[0].content);
    let ids: Vec<&str> = prior.iter().map(|p| p.id.as_str()).collect();
    vuln::touch_seen(&mut tx, &ids, 30).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(bank.clone());
    let f = vuln::get(&mut c, &own, "f01234").await.unwrap();
    assert_eq!((f.first_seen, f.last_seen), (20, 30));
    assert_eq!((f.title.as_str(), f.cvss_tenths), ("plugin 0", Some(75)));
    let o = vuln::get(&mut c, &own, "o1").await.unwrap();
    assert_eq!(o.last_seen, 20, "not touched");
    let history = vuln::events_of(&mut c, "f02344").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].kind.as_str(), history[0].import_id.as_deref()),
        ("new", Some("i1"))
    );
    let targets = vuln::enrich_targets(&mut c, &bank, Some("a1"))
        .await
        .unwrap();
    assert_eq!(targets.len(), scan.len() + 1, "every finding names a CVE");
    assert_eq!(targets[0].cves, vec!["CVE-2024-0001".to_owned()]);
    // Two scanners with CVEs on the asset: the current ones are candidates.
    let candidates = vuln::duplicate_candidates(&mut c, &bank, "a1")
        .await
        .unwrap();
    assert_eq!(candidates.len(), scan.len() + 1);
    assert!(
        candidates
            .iter()
            .all(|d| d.current && d.duplicate_of.is_none())
    );
    drop(c);
    // One scanner only: nothing can repeat, so only marked findings are read.
    let mut tx = db.store.write().await.unwrap();
    vuln::set_state(&mut tx, "o1", FindingState::Resolved, 40)
        .await
        .unwrap();
    vuln::set_duplicate_of(&mut tx, "f00001", Some("f00000"))
        .await
        .unwrap();
    let candidates = vuln::duplicate_candidates(&mut tx, &bank, "a1")
        .await
        .unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(
        (candidates[0].id.as_str(), candidates[0].current),
        ("f00001", false)
    );
    tx.commit().await.unwrap();
}
both!(bulk_rows, super::bulk_import_rows);

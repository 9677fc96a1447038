//! Issue 15's first "done when": one scope scanned twice by two scanners shows dedup,
//! resolved-by-rescan and reopen; KEV and EPSS enrich it; a decision clock goes overdue and
//! reaches the home page and the management report; an acceptance by its requester is
//! refused. Also: another institution never sees or changes the scope, and a refused file
//! writes nothing.

use deltawall_app::paging::PageRequest;
use deltawall_app::posture::report;
use deltawall_app::supervision::clock::Clock;
use deltawall_app::vuln::{self, AssetInput, DecisionInput, ListQuery};
use deltawall_app::{Ctx, ServiceError, work};
use deltawall_domain::Actor;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::testing::TestDb;
use deltawall_store::users::{self, NewUser};
use deltawall_store::vuln::FindingState;
use deltawall_vuln::ClockKind;
use std::io::Cursor;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../deltawall-vuln/tests/fixtures/"
);
const DAY_US: i64 = 86_400_000_000;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).expect("fixture")
}

async fn institution(db: &TestDb, name: &str, roles: &[Role]) -> Vec<Actor> {
    let mut tx = db.store.write().await.unwrap();
    let org = NewOrg {
        name_ja: name.to_owned(),
        name_en: name.to_owned(),
        kind: OrgKind::Institution,
        business_type: Some(BusinessType::ShinkinBank),
        region: Some(Region::Kanto),
        parent_id: None,
    };
    let org_id = orgs::create(&mut tx, &org).await.unwrap();
    let mut out = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        let user_id = users::create(
            &mut tx,
            &NewUser {
                org_id: org_id.clone(),
                login: format!("{name}-{i}"),
                display_name: format!("{name} {i}"),
                email: None,
                role: *role,
                password_hash: "$argon2id$not-a-real-hash".into(),
                lang: None,
            },
        )
        .await
        .unwrap();
        out.push(Actor {
            user_id,
            org_id: org_id.clone(),
            org_kind: OrgKind::Institution,
            reach: None,
            role: *role,
            token_scope: None,
            token_id: None,
        });
    }
    tx.commit().await.unwrap();
    out
}

fn ctx<'a>(db: &'a TestDb, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        store: &db.store,
        actor,
        ip: None,
    }
}

fn counts(r: &vuln::ImportReport) -> (usize, usize, usize, usize) {
    (r.new, r.unchanged, r.resolved, r.reopened)
}

async fn two_scanners_twice(db: &TestDb) {
    let a = institution(
        db,
        "bank-a",
        &[Role::Staff, Role::Executive, Role::Executive],
    )
    .await;
    let (staff, exec1, exec2) = (&a[0], &a[1], &a[2]);
    let b = institution(db, "bank-b", &[Role::Staff]).await;
    let other = &b[0];
    let clock = Clock::default();

    let asset = vuln::add_asset(
        ctx(db, staff),
        &AssetInput {
            name: "192.0.2.0/28 internet segment".into(),
            kind: "internet_service".into(),
            owner: "システム部".into(),
            operator: "Example Outsourcing KK".into(),
            criticality: "high".into(),
            cadence_days: 30,
        },
    )
    .await
    .unwrap();
    let scope = vuln::scope(ctx(db, staff), &clock).await.unwrap();
    assert_eq!((scope.never, scope.current), (1, 0));

    let kev = vuln::load_kev(ctx(db, staff), &fixture("kev-catalog.json"))
        .await
        .unwrap();
    assert_eq!(kev.as_of.as_deref(), Some("2026-11-30"));
    let epss = vuln::load_epss(ctx(db, staff), &fixture("epss-scores.csv"))
        .await
        .unwrap();
    assert!(epss.loaded >= 3);

    let import = |file: &'static str| {
        let clock = clock.clone();
        let asset = asset.clone();
        async move {
            vuln::import(
                ctx(db, staff),
                &clock,
                &asset,
                None,
                Cursor::new(fixture(file)),
            )
            .await
            .unwrap()
        }
    };
    // Week 1: both scanners; the SSH flaw both report is one vulnerability.
    let n1 = import("two-hosts.nessus").await;
    assert_eq!((n1.format.as_str(), counts(&n1)), ("nessus", (3, 0, 0, 0)));
    let o1 = import("openvas-report.xml").await;
    assert_eq!((o1.format.as_str(), counts(&o1)), ("openvas", (3, 0, 0, 0)));
    assert_eq!(o1.duplicates, 1);
    // The same file again changes nothing.
    assert_eq!(counts(&import("two-hosts.nessus").await), (0, 3, 0, 0));

    let all = vuln::list(
        ctx(db, staff),
        &clock,
        &ListQuery::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(all.items.len(), 6);
    let ssh: Vec<_> = all
        .items
        .iter()
        .filter(|v| v.finding.cves.contains(&"CVE-2099-0001".to_owned()))
        .collect();
    assert_eq!(ssh.len(), 2, "both scanners' SSH findings are kept");
    assert_eq!(
        ssh.iter()
            .filter(|v| v.finding.duplicate_of.is_some())
            .count(),
        1
    );
    let primary = ssh
        .iter()
        .find(|v| v.finding.duplicate_of.is_none())
        .unwrap();
    assert_eq!(primary.finding.kev_as_of.as_deref(), Some("2026-11-30"));
    assert!(primary.finding.kev_due.is_some());
    assert_eq!(primary.finding.epss_millionths, Some(943_210));
    assert_eq!(primary.finding.epss_as_of.as_deref(), Some("2026-11-29"));
    let kev_clock = primary.clock.unwrap();
    assert_eq!(kev_clock.kind, ClockKind::Decide);
    assert_eq!(kev_clock.due_us - primary.finding.first_seen, 3 * DAY_US);
    let kev_only = ListQuery {
        kev: Some(true),
        ..ListQuery::default()
    };
    let listed = vuln::list(ctx(db, staff), &clock, &kev_only, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);

    // Week 2: TLS fixed (each scanner resolves its own), an admin console is new.
    assert_eq!(counts(&import("scope-week2.nessus").await), (1, 2, 1, 0));
    assert_eq!(
        counts(&import("scope-week2-openvas.xml").await),
        (0, 2, 1, 0)
    );
    // Week 3: the old configuration is back: TLS reopens, the console is resolved.
    assert_eq!(counts(&import("two-hosts.nessus").await), (0, 2, 1, 1));
    assert_eq!(counts(&import("openvas-report.xml").await), (0, 2, 0, 1));
    let reopened = vuln::list(
        ctx(db, staff),
        &clock,
        &ListQuery::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    let tls = reopened
        .items
        .iter()
        .find(|v| v.finding.rule == "900001")
        .unwrap();
    let detail = vuln::detail(ctx(db, staff), &clock, &tls.finding.id)
        .await
        .unwrap();
    let kinds: Vec<&str> = detail.history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["new", "resolved", "reopened"]);
    assert_eq!(detail.view.finding.state, FindingState::Open);
    let scope = vuln::scope(ctx(db, staff), &clock).await.unwrap();
    assert_eq!((scope.current, scope.coverage_percent()), (1, Some(100)));

    // Nothing is overdue yet; four days on, the KEV finding's decision is.
    let home = work::for_actor(ctx(db, staff), &clock).await.unwrap();
    assert!(home.iter().all(|i| i.feature != "vulnerabilities"));
    clock.advance(4 * DAY_US);
    let home = work::for_actor(ctx(db, staff), &clock).await.unwrap();
    let late: Vec<_> = home
        .iter()
        .filter(|i| i.feature == "vulnerabilities")
        .collect();
    assert_eq!(late.len(), 1, "{home:?}");
    assert_eq!(late[0].action, "work-vuln-decide");
    assert_eq!(
        late[0].href,
        format!("/vulnerabilities/{}", primary.finding.id)
    );
    let mgmt = report::management_at(ctx(db, exec1), clock.now_us())
        .await
        .unwrap();
    let overdue: Vec<&str> = mgmt
        .vuln_overdue
        .iter()
        .map(|v| v.finding.id.as_str())
        .collect();
    assert_eq!(overdue, [primary.finding.id.as_str()]);
    // The scope is stale only after its cadence.
    clock.advance(30 * DAY_US);
    assert_eq!(vuln::scope(ctx(db, staff), &clock).await.unwrap().stale, 1);

    // Four eyes: the requester cannot approve, nor can a non-executive; another executive can.
    let until = deltawall_app::time::date_of_us(clock.now_us() + 90 * DAY_US).to_string();
    let accept = DecisionInput {
        kind: "accept".into(),
        due: Some(until.clone()),
        reason: "compensating control: management network only".into(),
    };
    let id = &primary.finding.id;
    let asked = vuln::decide(ctx(db, exec1), &clock, id, &accept)
        .await
        .unwrap();
    let own = vuln::approve(ctx(db, exec1), &clock, id, &asked.id).await;
    assert!(
        matches!(
            own,
            Err(ServiceError::Conflict {
                code: "err-vuln-four-eyes",
                ..
            })
        ),
        "{own:?}"
    );
    let by_staff = vuln::approve(ctx(db, staff), &clock, id, &asked.id).await;
    assert!(
        matches!(by_staff, Err(ServiceError::Forbidden)),
        "{by_staff:?}"
    );
    // Still overdue while the acceptance waits.
    let mgmt = report::management_at(ctx(db, exec1), clock.now_us())
        .await
        .unwrap();
    assert!(mgmt.vuln_overdue.iter().any(|v| &v.finding.id == id));
    vuln::approve(ctx(db, exec2), &clock, id, &asked.id)
        .await
        .unwrap();
    let accepted = vuln::detail(ctx(db, staff), &clock, id).await.unwrap();
    assert_eq!(accepted.view.finding.state, FindingState::Accepted);
    assert_eq!(accepted.view.clock, None);
    let mgmt = report::management_at(ctx(db, exec1), clock.now_us())
        .await
        .unwrap();
    assert!(mgmt.vuln_overdue.iter().all(|v| &v.finding.id != id));
    // The acceptance lapses by itself.
    clock.advance(92 * DAY_US);
    let lapsed = vuln::detail(ctx(db, staff), &clock, id).await.unwrap();
    let c = lapsed.view.clock.unwrap();
    assert_eq!((c.kind, c.overdue), (ClockKind::AcceptanceLapsed, true));

    // A fix decision with a date in the past is refused; a valid one runs to its date.
    let past = DecisionInput {
        kind: "fix".into(),
        due: Some("2020-01-01".into()),
        reason: String::new(),
    };
    assert!(matches!(
        vuln::decide(ctx(db, staff), &clock, &tls.finding.id, &past).await,
        Err(ServiceError::Invalid(_))
    ));

    // A valid fix decision runs to its own date.
    let fix = DecisionInput {
        kind: "fix".into(),
        due: Some(deltawall_app::time::date_of_us(clock.now_us() + 10 * DAY_US).to_string()),
        reason: String::new(),
    };
    vuln::decide(ctx(db, staff), &clock, &tls.finding.id, &fix)
        .await
        .unwrap();
    let fixing = vuln::detail(ctx(db, staff), &clock, &tls.finding.id)
        .await
        .unwrap();
    let c = fixing.view.clock.unwrap();
    assert_eq!((c.kind, c.overdue), (ClockKind::Fix, false));

    // Another institution sees nothing and changes nothing.
    let theirs = vuln::list(
        ctx(db, other),
        &clock,
        &ListQuery::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert!(theirs.items.is_empty());
    assert!(matches!(
        vuln::detail(ctx(db, other), &clock, id).await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        vuln::import(
            ctx(db, other),
            &clock,
            &asset,
            None,
            Cursor::new(fixture("two-hosts.nessus"))
        )
        .await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        vuln::decide(ctx(db, other), &clock, id, &fix).await,
        Err(ServiceError::NotFound(_))
    ));

    // A malformed file is refused with its location and writes nothing.
    let before = vuln::list(
        ctx(db, staff),
        &clock,
        &ListQuery::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    let mut broken = fixture("scope-week2.nessus");
    broken.truncate(broken.len() / 2);
    let refused = vuln::import(ctx(db, staff), &clock, &asset, None, Cursor::new(broken)).await;
    match refused {
        Err(ServiceError::Refused {
            field: "file",
            message,
            ..
        }) => {
            assert!(message.contains("line"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let after = vuln::list(
        ctx(db, staff),
        &clock,
        &ListQuery::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(before, after);
}
both!(two_scanners_twice_on_one_scope, super::two_scanners_twice);

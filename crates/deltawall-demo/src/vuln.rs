//! The demo's vulnerability diagnosis (issue 15), seeded through the app's services after the
//! main transaction commits, as a person's forms would: the regional bank's scope (a website
//! run by an outsourcer and an internet banking service), a KEV catalog and a scan we write
//! ourselves imported two months ago so one decision is overdue, one decided finding, and
//! contracts with a clause gap raised as a finding; five more institutions record contracts
//! with the same cloud provider, so the supervisor's roll-up names it, and one with a
//! provider nobody else uses, which stays unnamed.

use crate::delta_wall::Player;
use deltawall_app::Ctx;
use deltawall_app::supervision::clock::Clock;
use deltawall_app::vuln::{self, AssetInput, ContractInput, DecisionInput};
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::Store;
use deltawall_vuln::Format;
use std::collections::BTreeMap;

const DAY_US: i64 = 86_400_000_000;

/// A scan of the bank's website, our own data (documentation addresses, CVE ids of the
/// 2099 range that no real vulnerability has).
const SCAN: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2>
<Report name="北海道銀行 公開サイト診断">
<ReportHost name="192.0.2.80">
<HostProperties><tag name="host-fqdn">www.hokkaido-bank.example.jp</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="4" pluginID="910001" pluginName="Content management system remote code execution">
<cve>CVE-2099-1001</cve>
<cvss3_base_score>9.8</cvss3_base_score>
</ReportItem>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="910002" pluginName="TLS 1.0 enabled">
<cvss3_base_score>5.3</cvss3_base_score>
</ReportItem>
</ReportHost>
</Report>
</NessusClientData_v2>
"#;

/// A KEV catalog of one entry, our own data in the catalog's shape.
const KEV: &str = r#"{"title": "Deltawall demo KEV catalog", "catalogVersion": "2026.10.01",
 "dateReleased": "2026-10-01T00:00:00.000Z", "count": 1,
 "vulnerabilities": [{"cveID": "CVE-2099-1001", "vendorProject": "Example", "product": "CMS",
  "vulnerabilityName": "Example CMS remote code execution", "dateAdded": "2026-09-20",
  "shortDescription": "A demo entry written for Deltawall.", "requiredAction": "Apply the update.",
  "dueDate": "2026-10-11", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}]}"#;

/// The provider the sector depends on, and one only a single institution uses.
const SHARED: &str = "北海クラウドサービス株式会社";
const LONE: &str = "道東データセンター";

fn institution(org: &str, user: &str, role: Role) -> Actor {
    Actor {
        user_id: user.to_owned(),
        org_id: org.to_owned(),
        org_kind: OrgKind::Institution,
        reach: None,
        role,
        token_scope: None,
        token_id: None,
    }
}

fn clauses(gaps: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = deltawall_vuln::contract::Clause::ALL
        .iter()
        .map(|c| (c.code().to_owned(), "present".to_owned()))
        .collect();
    for (c, s) in gaps {
        all.insert((*c).to_owned(), (*s).to_owned());
    }
    all
}

/// The bank's scope, the scan imported 60 days ago and one decision on it.
async fn bank_scope(store: &Store, bank: &Actor) -> anyhow::Result<String> {
    let ctx = || Ctx {
        store,
        actor: bank,
        ip: None,
    };
    let site = AssetInput {
        name: "www.hokkaido-bank.example.jp".into(),
        kind: "website".into(),
        owner: "経営企画部 広報".into(),
        operator: SHARED.into(),
        criticality: "high".into(),
        cadence_days: 180,
    };
    let site = vuln::add_asset(ctx(), &site).await?;
    let ib = AssetInput {
        name: "ib.hokkaido-bank.example.jp".into(),
        kind: "internet_service".into(),
        owner: "システム部".into(),
        operator: String::new(),
        criticality: "high".into(),
        cadence_days: 90,
    };
    vuln::add_asset(ctx(), &ib).await?;
    vuln::load_kev(ctx(), KEV.as_bytes()).await?;
    // Imported two months ago: the critical finding's decision clock has run out since.
    let past = Clock::default();
    past.advance(-60 * DAY_US);
    let scan = std::io::Cursor::new(SCAN.as_bytes().to_vec());
    vuln::import(ctx(), &past, &site, Some(Format::Nessus), scan).await?;
    let found = vuln::list(
        ctx(),
        &Clock::default(),
        &Default::default(),
        &Default::default(),
    )
    .await?;
    if let Some(tls) = found.items.iter().find(|f| f.finding.title.contains("TLS")) {
        let fix = DecisionInput {
            kind: "fix".into(),
            due: Some(
                deltawall_domain::jst::date_of(Clock::default().now_us() + 30 * DAY_US).to_string(),
            ),
            reason: "委託先の次回リリースでTLS 1.0を無効化する".into(),
        };
        vuln::decide(ctx(), &Clock::default(), &tls.finding.id, &fix).await?;
    }
    Ok(site)
}

/// A contract of `actor`'s with `provider`, its clauses as given.
async fn contract(
    store: &Store,
    actor: &Actor,
    provider: &str,
    asset: Option<String>,
    gaps: &[(&str, &str)],
) -> anyhow::Result<()> {
    let input = ContractInput {
        provider: provider.into(),
        service: "ウェブサイト運用・ホスティング".into(),
        service_model: "saas".into(),
        asset,
        subcontractors: vec!["札幌システム保守".into()],
        clauses: clauses(gaps),
        matrix: BTreeMap::new(),
    };
    let ctx = Ctx {
        store,
        actor,
        ip: None,
    };
    vuln::add_contract(ctx, &input).await?;
    Ok(())
}

/// Seeds the bank's diagnosis and the sector's contracts.
pub(crate) async fn seed(
    store: &Store,
    bank_org: &str,
    bank_staff: &str,
    players: &[Player],
) -> anyhow::Result<()> {
    let bank = institution(bank_org, bank_staff, Role::Staff);
    let site = bank_scope(store, &bank).await?;
    contract(
        store,
        &bank,
        SHARED,
        Some(site),
        &[("diagnosis", "missing"), ("incident_notice", "weak")],
    )
    .await?;
    let others: Vec<&Player> = players.iter().filter(|p| p.org != bank_org).collect();
    for (i, p) in others.iter().take(5).enumerate() {
        let actor = institution(&p.org, &p.user, Role::Staff);
        let gaps: &[(&str, &str)] = if i % 2 == 0 {
            &[("logs_monitoring", "weak")]
        } else {
            &[]
        };
        contract(store, &actor, SHARED, None, gaps).await?;
    }
    if let Some(p) = others.get(5) {
        let actor = institution(&p.org, &p.user, Role::Staff);
        contract(store, &actor, LONE, None, &[("exit", "missing")]).await?;
    }
    Ok(())
}

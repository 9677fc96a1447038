//! A realistic demo sector, so a newcomer sees a living system at once.
//!
//! It registers the FSA and two local finance bureaus, the Financial ISAC, an industry
//! association and about two hundred institutions across every business type and region,
//! including a banking group with domestic and overseas companies and attribute histories
//! (and a TLPT engagement of it in remediation, over a small ATT&CK release of our own),
//! and users with every role. All demo accounts share one password, chosen by the caller
//! or generated at random and printed once; none is built in.
//!
//! [`large`] builds a holding company with many group companies and full assessment cycles,
//! for the posture benchmarks and `deltawall demo --large-group N`.
#![deny(missing_docs)]

pub mod delta_wall;
mod incidents;
pub mod large;
mod places;
mod posture;
mod services;
mod sup_figures;
mod sup_monitoring;
mod sup_requests;
mod tlpt;
mod vuln;

use deltawall_app::platform::auth::password;
use deltawall_app::record;
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::records::now_us;
use deltawall_store::users::{self, NewUser};
use deltawall_store::{Store, Tx};
use places::{NATIONAL, PLACES, REGIONAL};
use serde_json::json;

/// What was seeded, for the console.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Organisations registered.
    pub organisations: usize,
    /// Users created.
    pub users: usize,
    /// Sign-in names worth trying first, with what they show.
    pub highlights: Vec<(String, &'static str)>,
}

struct Seeder<'a> {
    tx: Tx,
    hash: &'a str,
    orgs: usize,
    users: usize,
    now: i64,
}

impl Seeder<'_> {
    async fn org(
        &mut self,
        name_ja: &str,
        name_en: &str,
        kind: OrgKind,
        bt: Option<BusinessType>,
        region: Option<Region>,
        parent: Option<&str>,
    ) -> anyhow::Result<String> {
        let new = NewOrg {
            name_ja: name_ja.to_owned(),
            name_en: name_en.to_owned(),
            kind,
            business_type: bt,
            region,
            parent_id: parent.map(str::to_owned),
        };
        let id = orgs::create(&mut self.tx, &new).await?;
        record(
            &mut self.tx,
            None,
            Some(&id),
            "org.create",
            ("organisation", Some(&id)),
            json!({"name_en": name_en, "source": "demo"}),
            None,
        )
        .await?;
        self.orgs += 1;
        Ok(id)
    }

    /// The TAXII trust groups: the ISAC's `isac` root (institutions read and write, the
    /// ISAC is an AMBER recipient, the FSA reads) and the FSA's `alerts` root (institutions
    /// read).
    async fn trust_groups(&mut self, fsa: &str, isac: &str) -> anyhow::Result<()> {
        use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant};
        let g = |grantee: &str, can_read, can_write, recipient| NewGrant {
            grantee: grantee.to_owned(),
            grant: Grant {
                can_read,
                can_write,
                recipient,
            },
        };
        let roots = [
            (
                "isac",
                "金融ISAC 共有 / Financials ISAC sharing",
                "shared",
                vec![
                    g("kind:institution", true, true, false),
                    g(isac, true, true, true),
                    g(fsa, true, false, false),
                ],
            ),
            (
                "alerts",
                "金融庁 注意喚起 / FSA alerts",
                "alerts",
                vec![
                    g(fsa, true, true, true),
                    g("kind:institution", true, false, false),
                    g(isac, true, false, false),
                ],
            ),
        ];
        for (id, title, alias, grants) in roots {
            let kind = if id == "alerts" { "alerts" } else { "isac" };
            let root = ApiRoot {
                id: id.to_owned(),
                title: title.to_owned(),
                description: None,
                kind: kind.to_owned(),
                created_at: self.now,
                closed_at: None,
            };
            sharing::create_root(&mut self.tx, &root).await?;
            // The manager who alone closes, extends or reopens the group (issue 18).
            let manager = if id == "alerts" { fsa } else { isac };
            sharing::set_manager(&mut self.tx, id, manager).await?;
            let coll = sharing::create_collection(
                &mut self.tx,
                id,
                title,
                None,
                Some(alias),
                &grants,
                self.now,
            )
            .await?;
            record(
                &mut self.tx,
                None,
                None,
                "taxii.collection_create",
                ("taxii_collection", Some(&coll)),
                json!({"api_root": id, "source": "demo"}),
                None,
            )
            .await?;
        }
        Ok(())
    }

    async fn user(&mut self, org: &str, login: &str, name: &str, role: Role) -> anyhow::Result<()> {
        let new = NewUser {
            org_id: org.to_owned(),
            login: login.to_owned(),
            display_name: name.to_owned(),
            email: Some(format!("{login}@example.jp")),
            role,
            password_hash: self.hash.to_owned(),
            lang: None,
        };
        let id = users::create(&mut self.tx, &new).await?;
        record(
            &mut self.tx,
            None,
            Some(org),
            "user.create",
            ("user", Some(&id)),
            json!({"login": login, "role": role, "source": "demo"}),
            None,
        )
        .await?;
        self.users += 1;
        Ok(())
    }

    /// Size band history: every institution was `small` or `medium` three years ago; some grew.
    async fn attributes(&mut self, org: &str, n: usize, systemic: &str) -> anyhow::Result<()> {
        let year = 365 * 86_400 * 1_000_000i64;
        let start = self.now - 3 * year;
        let first = if n.is_multiple_of(3) {
            "medium"
        } else {
            "small"
        };
        orgs::set_attribute(
            &mut self.tx,
            org,
            AttributeKind::SizeBand,
            first,
            start,
            None,
        )
        .await?;
        if n.is_multiple_of(4) {
            let grown = if first == "medium" { "large" } else { "medium" };
            orgs::set_attribute(
                &mut self.tx,
                org,
                AttributeKind::SizeBand,
                grown,
                start + 2 * year,
                None,
            )
            .await?;
        }
        orgs::set_attribute(
            &mut self.tx,
            org,
            AttributeKind::SystemicImportance,
            systemic,
            start,
            None,
        )
        .await?;
        Ok(())
    }
}

/// Seeds the demo sector into an empty database, in one transaction, then what the app's
/// services store in their own transactions (`services.rs`).
pub async fn seed(store: &Store, demo_password: &str) -> anyhow::Result<DemoSummary> {
    let hash = password::hash(demo_password.to_owned()).await?;
    let mut tx = store.write().await?;
    if orgs::count(&mut tx).await? > 0 {
        anyhow::bail!(
            "the database already has organisations; the demo seeds only an empty database"
        );
    }
    let mut s = Seeder {
        tx,
        hash: &hash,
        orgs: 0,
        users: 0,
        now: now_us(),
    };

    let fsa = s
        .org(
            "金融庁",
            "Financial Services Agency",
            OrgKind::Supervisor,
            None,
            None,
            None,
        )
        .await?;
    let kanto = s
        .org(
            "関東財務局",
            "Kanto Local Finance Bureau",
            OrgKind::Supervisor,
            None,
            Some(Region::Kanto),
            None,
        )
        .await?;
    let kinki = s
        .org(
            "近畿財務局",
            "Kinki Local Finance Bureau",
            OrgKind::Supervisor,
            None,
            Some(Region::Kinki),
            None,
        )
        .await?;
    let isac = s
        .org(
            "金融ISAC",
            "Financials ISAC Japan",
            OrgKind::SharingBody,
            None,
            None,
            None,
        )
        .await?;
    let assoc = s
        .org(
            "全国地方銀行協会",
            "Regional Banks Association of Japan",
            OrgKind::IndustryAssociation,
            None,
            None,
            None,
        )
        .await?;

    for (login, name, role) in [
        ("fsa-admin", "金融庁 管理者", Role::Admin),
        ("fsa-exec", "金融庁 参事官", Role::Executive),
        ("fsa-staff", "金融庁 モニタリング担当", Role::Staff),
        ("fsa-auditor", "金融庁 監査担当", Role::Auditor),
    ] {
        s.user(&fsa, login, name, role).await?;
    }
    s.user(&kanto, "kanto-staff", "関東財務局 検査担当", Role::Staff)
        .await?;
    s.user(&kinki, "kinki-staff", "近畿財務局 検査担当", Role::Staff)
        .await?;
    s.user(&kinki, "kinki-admin", "近畿財務局 管理者", Role::Admin)
        .await?;
    s.user(&isac, "isac-analyst", "金融ISAC アナリスト", Role::Staff)
        .await?;
    s.user(&assoc, "assoc-staff", "地銀協 事務局", Role::Staff)
        .await?;

    // A major banking group with domestic and overseas companies.
    let hd = s
        .org(
            "みずなみフィナンシャルグループ",
            "Mizunami Financial Group",
            OrgKind::Institution,
            Some(BusinessType::MajorBank),
            Some(Region::Kanto),
            None,
        )
        .await?;
    s.attributes(&hd, 3, "gsib").await?;
    let group = [
        (
            "みずなみ銀行",
            "Mizunami Bank",
            BusinessType::MajorBank,
            Region::Kanto,
        ),
        (
            "みずなみ信託銀行",
            "Mizunami Trust Bank",
            BusinessType::TrustBank,
            Region::Kanto,
        ),
        (
            "みずなみ証券",
            "Mizunami Securities",
            BusinessType::SecuritiesFirm,
            Region::Kanto,
        ),
        (
            "Mizunami Bank (Europe) plc",
            "Mizunami Bank (Europe) plc",
            BusinessType::Other,
            Region::Overseas,
        ),
        (
            "Mizunami Americas Inc.",
            "Mizunami Americas Inc.",
            BusinessType::Other,
            Region::Overseas,
        ),
    ];
    for (i, (ja, en, bt, region)) in group.into_iter().enumerate() {
        let id = s
            .org(
                ja,
                en,
                OrgKind::Institution,
                Some(bt),
                Some(region),
                Some(&hd),
            )
            .await?;
        s.attributes(&id, i, "none").await?;
    }
    for (login, name, role) in [
        ("mfg-ciso", "みずなみFG CISO", Role::Executive),
        ("mfg-admin", "みずなみFG 管理者", Role::Admin),
        ("mfg-soc", "みずなみFG SOCアナリスト", Role::Staff),
        ("mfg-red", "みずなみFG TLPT レッドチーム", Role::Staff),
        (
            "mfg-ti",
            "みずなみFG TLPT 脅威インテリジェンス",
            Role::Staff,
        ),
    ] {
        s.user(&hd, login, name, role).await?;
    }
    let sumi = s
        .org(
            "すみれフィナンシャルグループ",
            "Sumire Financial Group",
            OrgKind::Institution,
            Some(BusinessType::MajorBank),
            Some(Region::Kanto),
            None,
        )
        .await?;
    s.attributes(&sumi, 3, "dsib").await?;

    let mut n = 0;
    let mut first_bank = None;
    for (region, places) in PLACES {
        for (ja, en) in *places {
            for (bt, ja_pat, en_pat, count) in REGIONAL {
                for k in 0..*count {
                    let suffix = if k == 0 {
                        String::new()
                    } else {
                        ["", "中央", "東部", "西部"][k.min(3)].to_owned()
                    };
                    let name_ja = ja_pat.replace("{}", &format!("{ja}{suffix}"));
                    let en_suffix = ["", " Central", " East", " West"][k.min(3)];
                    let name_en = en_pat.replace("{}", &format!("{en}{en_suffix}"));
                    let id = s
                        .org(
                            &name_ja,
                            &name_en,
                            OrgKind::Institution,
                            Some(*bt),
                            Some(*region),
                            None,
                        )
                        .await?;
                    s.attributes(&id, n, "none").await?;
                    first_bank.get_or_insert(id);
                    n += 1;
                }
            }
        }
    }
    for (i, (bt, ja, en, region)) in NATIONAL.iter().enumerate() {
        let id = s
            .org(ja, en, OrgKind::Institution, Some(*bt), Some(*region), None)
            .await?;
        s.attributes(&id, i, "none").await?;
    }
    // Every role in one regional bank, the users a CISO and a SOC team would have.
    let bank = first_bank.expect("at least one regional bank");
    for (login, name, role) in [
        ("bank-admin", "北海道銀行 システム管理者", Role::Admin),
        ("bank-ciso", "北海道銀行 CISO", Role::Executive),
        ("bank-soc", "北海道銀行 SOCアナリスト", Role::Staff),
        ("bank-audit", "北海道銀行 内部監査", Role::Auditor),
    ] {
        s.user(&bank, login, name, role).await?;
    }
    let id_of = async |tx: &mut deltawall_store::Tx, login: &str| -> anyhow::Result<String> {
        let c = users::credentials_by_login(tx, login).await?;
        Ok(
            c.ok_or_else(|| anyhow::anyhow!("demo user {login} missing"))?
                .user
                .id,
        )
    };
    let (ciso, soc) = (
        id_of(&mut s.tx, "bank-ciso").await?,
        id_of(&mut s.tx, "bank-soc").await?,
    );
    crate::posture::seed(&mut s.tx, &bank, &ciso, &soc, s.now).await?;
    let staff = id_of(&mut s.tx, "fsa-staff").await?;
    crate::sup_figures::seed(&mut s.tx, &fsa, &staff, s.now).await?;
    crate::sup_monitoring::seed(&mut s.tx, &bank, s.now).await?;
    s.trust_groups(&fsa, &isac).await?;
    let fsa_staff = id_of(&mut s.tx, "fsa-staff").await?;
    crate::sup_requests::seed(&mut s.tx, &fsa, &fsa_staff, s.now).await?;
    let mut team = Vec::new();
    for login in ["mfg-admin", "mfg-red", "mfg-soc", "mfg-ti"] {
        team.push(id_of(&mut s.tx, login).await?);
    }
    let team = crate::tlpt::Team {
        org: &hd,
        control: &team[0],
        red: &team[1],
        blue: &team[2],
        ti: &team[3],
        observer: &fsa_staff,
    };
    crate::tlpt::seed(store, &mut s.tx, &team, s.now).await?;
    let summary = DemoSummary {
        organisations: s.orgs,
        users: s.users,
        highlights: vec![
            (
                "fsa-admin".into(),
                "FSA administrator: the whole sector, the full audit trail",
            ),
            (
                "kinki-staff".into(),
                "Kinki bureau: institutions of its region only",
            ),
            ("bank-ciso".into(), "a regional bank's executive"),
            (
                "mfg-ciso".into(),
                "a banking group with domestic and overseas companies",
            ),
            (
                "mfg-admin".into(),
                "the group's TLPT control team: an engagement in remediation, the ATT&CK matrix",
            ),
            ("isac-analyst".into(), "the Financial ISAC"),
        ],
    };
    let bank_admin = id_of(&mut s.tx, "bank-admin").await?;
    let isac_analyst = id_of(&mut s.tx, "isac-analyst").await?;
    let assoc_staff = id_of(&mut s.tx, "assoc-staff").await?;
    let mfg_soc = id_of(&mut s.tx, "mfg-soc").await?;
    // The players of this year's Delta Wall: the bank's SOC analyst, and one exercise lead
    // at each of the other institutions.
    let mut players = Vec::new();
    for (i, (org, business_type)) in crate::delta_wall::choose(&mut s.tx, &bank)
        .await?
        .into_iter()
        .enumerate()
    {
        let user = if org == bank {
            soc.clone()
        } else {
            let login = format!("xp-lead-{i:03}");
            s.user(&org, &login, &format!("演習担当 {i:03}"), Role::Staff)
                .await?;
            id_of(&mut s.tx, &login).await?
        };
        players.push(crate::delta_wall::Player {
            org,
            business_type,
            user,
        });
    }
    s.tx.commit().await?;
    let bank = crate::services::Bank {
        org: &bank,
        ciso: &ciso,
        soc: &soc,
        admin: &bank_admin,
        fsa: &fsa,
        fsa_staff: &fsa_staff,
    };
    crate::services::seed(store, &bank, &players).await?;
    let other = players
        .iter()
        .find(|p| p.org != bank.org && p.org != hd)
        .ok_or_else(|| anyhow::anyhow!("the demo has no third institution for the room"))?;
    let cast = crate::incidents::Cast {
        bank: bank.org,
        ciso: bank.ciso,
        soc: bank.soc,
        fsa: bank.fsa,
        fsa_staff: bank.fsa_staff,
        isac: (&isac, &isac_analyst),
        assoc: (&assoc, &assoc_staff),
        others: [(&hd, &mfg_soc), (&other.org, &other.user)],
    };
    crate::incidents::seed(store, &cast).await?;
    crate::vuln::seed(store, bank.org, bank.soc, &players).await?;
    Ok(summary)
}

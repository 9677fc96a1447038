//! The demo's shared object, mapping set and sector exercise, seeded through the app's services
//! after the main transaction commits: the services open their own write transactions, and
//! SQLite has one writer, so they cannot run inside the seeding transaction. What they store
//! is therefore audited and validated exactly as a user's form would be.

use deltawall_app::Ctx;
use deltawall_app::posture::{catalogs, mappings};
use deltawall_app::sharing::hub::{self, IndicatorInput, Published};
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::Store;

/// The regional bank's users the services act as.
pub(crate) struct Bank<'a> {
    /// The bank's organisation id.
    pub org: &'a str,
    /// Its CISO (an executive, who attests regulator reports).
    pub ciso: &'a str,
    /// Its SOC analyst.
    pub soc: &'a str,
    /// Its system administrator, who imports catalogs and mappings.
    pub admin: &'a str,
    /// The FSA, which organises the sector exercise (`delta_wall.rs`).
    pub fsa: &'a str,
    /// The FSA's monitoring staff member who runs it.
    pub fsa_staff: &'a str,
}

fn actor(org: &str, user: &str, role: Role) -> Actor {
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

/// Publishes an indicator into the ISAC's shared collection, as the bank's SOC would.
async fn shared_indicator(store: &Store, b: &Bank<'_>) -> anyhow::Result<()> {
    let soc = actor(b.org, b.soc, Role::Staff);
    let ctx = Ctx {
        store,
        actor: &soc,
        ip: None,
    };
    let colls = deltawall_app::sharing::taxii::collections(&ctx, "isac").await?;
    let coll = colls
        .first()
        .ok_or_else(|| anyhow::anyhow!("the demo's isac root has no collection"))?;
    let input = IndicatorInput {
        name: "リスト型攻撃の送信元 / list-attack source".into(),
        description: "インターネットバンキングへのリスト型攻撃の送信元アドレス".into(),
        pattern: "[ipv4-addr:value = '198.51.100.7']".into(),
        tlp: deltawall_stix::Tlp::Green,
        valid_from: None,
        valid_until: None,
        recipients: Vec::new(),
    };
    match hub::publish_indicator(&ctx, "isac", &coll.id, &input).await? {
        Published::Stored(_) => Ok(()),
        Published::Refused(m) => anyhow::bail!("the demo indicator was refused: {m}"),
    }
}

/// The bank's own security standard, written for the demo, as an OSCAL catalog.
const BANK_STANDARD: &str = r#"{"catalog": {
  "uuid": "5f3c9a2e-1b7d-4e6a-9c0f-2d8e4b6a1c37",
  "metadata": {"title": "北海道銀行 情報セキュリティ基準 / Bank of Hokkaido security standard",
    "last-modified": "2026-04-01T00:00:00+09:00", "version": "2026.1", "oscal-version": "1.1.2"},
  "controls": [
    {"id": "bs-1", "title": "セキュリティ計画の取締役会承認 / Board approval of the security plan",
     "parts": [{"id": "bs-1_smt", "name": "statement",
       "prose": "情報セキュリティ計画は毎年取締役会が承認する。"}]},
    {"id": "bs-2", "title": "進捗の経営報告 / Progress reported to management",
     "parts": [{"id": "bs-2_smt", "name": "statement",
       "prose": "CISO は四半期ごとに計画の進捗を経営会議に報告する。"}]}
  ]}}"#;

/// How the FSA 2020 viewpoints meet the bank's own standard.
const BANK_MAPPING: &str = "from,to,relationship,strength,rationale\n\
FSA-BE1-01,bs-1,equal,9,どちらも取組計画の経営承認と年次見直しを求める\n\
FSA-BE1-02,bs-2,intersects,6,基準は四半期の進捗報告のみを定める\n";

/// The bank's administrator imports its own standard and maps the FSA 2020 viewpoints to it.
async fn mapping_set(store: &Store, b: &Bank<'_>) -> anyhow::Result<()> {
    let admin = actor(b.org, b.admin, Role::Admin);
    let ctx = Ctx {
        store,
        actor: &admin,
        ip: None,
    };
    let builtin = catalogs::list(ctx)
        .await?
        .into_iter()
        .find(|c| c.builtin)
        .ok_or_else(|| anyhow::anyhow!("the built-in catalog is not stored"))?;
    let input = catalogs::ImportInput {
        kind: "catalog".into(),
        document: BANK_STANDARD.as_bytes().to_vec(),
        catalog: Vec::new(),
        key: "bank-of-hokkaido-standard".into(),
    };
    let own = catalogs::import(ctx, &input).await?;
    let input = mappings::MappingImport {
        title: "FSA 2020 → 北海道銀行 情報セキュリティ基準".into(),
        from_catalog: builtin.catalog.id,
        to_catalog: own.catalog.id,
        provenance: "北海道銀行 CISO 室が作成 / written by the bank's CISO office".into(),
        csv: BANK_MAPPING.as_bytes().to_vec(),
    };
    mappings::import(ctx, &input).await?;
    Ok(())
}

/// Seeds what the services store; run after the seeding transaction has committed.
pub(crate) async fn seed(
    store: &Store,
    b: &Bank<'_>,
    players: &[crate::delta_wall::Player],
) -> anyhow::Result<()> {
    shared_indicator(store, b).await?;
    crate::delta_wall::seed_demo(store, b.fsa, b.fsa_staff, players).await?;
    mapping_set(store, b).await?;
    Ok(())
}

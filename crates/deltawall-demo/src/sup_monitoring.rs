//! The demo's supervision history: the default score weights (version 1), a monitoring
//! record for the sector over 2016–2020 and recent years, and four engagements in
//! different states with dialogue notes, follow-ups shared by the FSA and a bureau, and a
//! finding issued to the demo bank. Written through the store inside the demo's
//! transaction, each with its audit entry.

use deltawall_app::record;
use deltawall_app::supervision::ranking::{DEFAULT_AUTHOR, DEFAULT_EFFECTIVE_FROM};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::finding::{Command, Finding, Origin, Person, Severity};
use deltawall_domain::org::{OrgKind, Region, SupervisorReach};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::engagement::{
    Engagement, EngagementCommand, Method, Note, Supervisor,
};
use deltawall_domain::supervision::population::OrgFacts;
use deltawall_domain::supervision::score::ScoreWeights;
use deltawall_store::findings::{self, NewFinding, StoredFinding};
use deltawall_store::orgs::{self, OrgFilter};
use deltawall_store::records::Organisation;
use deltawall_store::sup_monitoring::{self, NewMonitoring};
use deltawall_store::{Page, Tx, sup_engagements, sup_weights, users};
use serde_json::json;

const DAY_US: i64 = 86_400_000_000;

/// Who acts in the demo's engagements.
struct Staff {
    fsa: Supervisor,
    kinki: Supervisor,
    kanto: Supervisor,
    bank_soc: String,
}

async fn supervisor(
    tx: &mut Tx,
    login: &str,
    reach: SupervisorReach,
) -> anyhow::Result<Supervisor> {
    let c = users::credentials_by_login(tx, login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {login} missing"))?;
    Ok(Supervisor {
        party: Party {
            user_id: c.user.id,
            org_id: c.user.org_id,
            org_kind: OrgKind::Supervisor,
            role: c.user.role,
        },
        reach,
    })
}

async fn institutions(tx: &mut Tx) -> anyhow::Result<Vec<Organisation>> {
    let filter = OrgFilter {
        kind: Some(OrgKind::Institution),
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = Page::new(i64::try_from(out.len())?, Page::MAX_LIMIT);
        let got = orgs::list(tx, &OrgScope::All, &filter, page).await?.items;
        let done = got.len() < usize::try_from(Page::MAX_LIMIT)?;
        out.extend(got);
        if done {
            return Ok(out);
        }
    }
}

/// Seeds the weights, the monitoring record and the engagements.
pub async fn seed(tx: &mut Tx, bank: &str, now: i64) -> anyhow::Result<()> {
    let weights = ScoreWeights::initial(DEFAULT_AUTHOR, DEFAULT_EFFECTIVE_FROM);
    sup_weights::insert(tx, &weights, now).await?;
    let summary = json!({"version": 1, "source": "demo"});
    record(
        tx,
        None,
        None,
        "supervision.weights_seed",
        ("score_weights", Some("1")),
        summary,
        None,
    )
    .await?;
    let list = institutions(tx).await?;
    let fsa = supervisor(tx, "fsa-staff", SupervisorReach::National).await?;
    monitoring_history(tx, &list, &fsa.party.user_id, now).await?;
    let bank_soc = users::credentials_by_login(tx, "bank-soc")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user bank-soc missing"))?
        .user
        .id;
    let staff = Staff {
        kinki: supervisor(tx, "kinki-staff", SupervisorReach::Regional(Region::Kinki)).await?,
        kanto: supervisor(tx, "kanto-staff", SupervisorReach::Regional(Region::Kanto)).await?,
        fsa,
        bank_soc,
    };
    engagements(tx, &list, bank, &staff, now).await
}

/// Monitoring by year: 2016 to 2020 (after the report's account of fact-finding by
/// dialogue) and 2023 to 2025. Each institution is visited in some years only, chosen by
/// its position, so the ranking shows a spread from "never" to "last year".
async fn monitoring_history(
    tx: &mut Tx,
    list: &[Organisation],
    by: &str,
    now: i64,
) -> anyhow::Result<()> {
    let years = [2016, 2017, 2018, 2019, 2020, 2023, 2024, 2025];
    let methods = ["dialogue", "questionnaire", "on_site"];
    let mut rows = 0;
    for (i, org) in list.iter().enumerate() {
        if i % 7 == 6 {
            continue; // never monitored
        }
        for (y, year) in years.iter().enumerate() {
            // Every third year up to 2020; recently one visit for three in five only, so
            // some were last seen before 2021.
            let visited = if *year <= 2020 {
                (i + y) % 3 == 0
            } else {
                i % 5 == y - 5
            };
            if !visited {
                continue;
            }
            let month = 1 + (i + y) % 12;
            let new = NewMonitoring {
                org_id: org.id.clone(),
                monitored_on: format!("{year}-{month:02}-15"),
                method: methods[(i + y) % 3].to_owned(),
                engagement_id: None,
                recorded_by: by.to_owned(),
            };
            sup_monitoring::record(tx, &new, now).await?;
            rows += 1;
        }
    }
    let summary = json!({"rows": rows, "years": years, "source": "demo"});
    record(
        tx,
        None,
        None,
        "supervision.monitoring_import",
        ("monitoring", None),
        summary,
        None,
    )
    .await?;
    Ok(())
}

fn facts(org: &Organisation) -> Option<OrgFacts> {
    Some(OrgFacts {
        id: org.id.clone(),
        business_type: org.business_type?,
        region: org.region?,
        attributes: Default::default(),
    })
}

fn pick(list: &[Organisation], region: Region, not: &str) -> anyhow::Result<OrgFacts> {
    list.iter()
        .filter(|o| o.region == Some(region) && o.id != not)
        .find_map(facts)
        .ok_or_else(|| anyhow::anyhow!("no demo institution in {region:?}"))
}

/// The day (Japan time) of an instant.
fn day_of(us: i64) -> anyhow::Result<String> {
    let tz = deltawall_domain::jst::tz();
    Ok(jiff::Timestamp::from_microsecond(us)?
        .to_zoned_datetime(tz)
        .date()
        .to_string())
}

fn note(viewpoint: &str, text: &str) -> EngagementCommand {
    EngagementCommand::Note(Note {
        viewpoint: viewpoint.to_owned(),
        text: text.to_owned(),
    })
}

/// Plans an engagement and applies `commands` one day apart from `start`, saving each.
async fn run(
    tx: &mut Tx,
    org: &OrgFacts,
    (method, viewpoints): (Method, &[&str]),
    (planner, start): (&Supervisor, i64),
    commands: Vec<(&Supervisor, EngagementCommand)>,
) -> anyhow::Result<String> {
    let catalog = fsa_2020_viewpoints()?;
    let vps = viewpoints.iter().map(|v| (*v).to_owned()).collect();
    let planned = Engagement::plan(org, method, vps, &catalog)?;
    let day = day_of(start)?;
    let id = sup_engagements::create(tx, &planned, &day, &planner.party.user_id, start).await?;
    let summary = json!({"org": org.id, "source": "demo"});
    record(
        tx,
        Some(&planner.party.user_id),
        None,
        "supervision.engagement_plan",
        ("engagement", Some(&id)),
        summary,
        None,
    )
    .await?;
    let mut at = start;
    for (who, cmd) in commands {
        at += DAY_US;
        let read = sup_engagements::get(tx, &OrgScope::All, &id).await?;
        let next = read.engagement.apply(who, cmd, at)?;
        sup_engagements::save(tx, &read, &next).await?;
        if next.state != read.engagement.state
            && next.state == deltawall_domain::supervision::engagement::EngagementState::Completed
        {
            let new = NewMonitoring {
                org_id: org.id.clone(),
                monitored_on: day_of(at)?,
                method: deltawall_store::findings::code_of(&next.method),
                engagement_id: Some(id.clone()),
                recorded_by: who.party.user_id.clone(),
            };
            sup_monitoring::record(tx, &new, at).await?;
        }
        let summary =
            json!({"to": deltawall_store::findings::code_of(&next.state), "source": "demo"});
        record(
            tx,
            Some(&who.party.user_id),
            None,
            "supervision.engagement_command",
            ("engagement", Some(&id)),
            summary,
            None,
        )
        .await?;
    }
    Ok(id)
}

/// A finding issued from engagement `id` to the demo bank.
async fn issue(
    tx: &mut Tx,
    id: &str,
    bank: &str,
    staff: &Staff,
    at: i64,
) -> anyhow::Result<String> {
    let issuer = Person {
        user_id: staff.fsa.party.user_id.clone(),
        role: staff.fsa.party.role,
    };
    let owner = Person {
        user_id: staff.bank_soc.clone(),
        role: Role::Staff,
    };
    let draft = Finding::draft(
        Origin::SupervisoryMonitoring,
        Severity::High,
        owner,
        issuer.clone(),
    );
    let new = NewFinding {
        org_id: bank.to_owned(),
        origin_ref: Some(id.to_owned()),
        title: "インシデント対応計画の訓練が未実施 / Incident response plan never exercised".into(),
        description: "実態把握の対話で、コンティンジェンシープランに基づく訓練の記録が確認できなかった（レポート2.(1)①ア）。".into(),
        requirement_ids: vec!["FSA-BE4-01".into()],
        due_on: None,
        finding: draft.clone(),
    };
    let fid = findings::create(tx, &new, at).await?;
    let issued = draft.apply(&issuer, Command::Issue, at)?;
    let stored = StoredFinding {
        id: fid.clone(),
        org_id: bank.to_owned(),
        origin: Origin::SupervisoryMonitoring,
        origin_ref: new.origin_ref.clone(),
        title: new.title.clone(),
        description: new.description.clone(),
        requirement_ids: new.requirement_ids.clone(),
        due_on: None,
        finding: draft,
        version: 0,
        created_at: at,
        updated_at: at,
    };
    findings::save_transition(tx, &stored, &issued, at).await?;
    let summary = json!({"engagement": id, "source": "demo"});
    record(
        tx,
        Some(&issuer.user_id),
        None,
        "supervision.engagement_finding",
        ("finding", Some(&fid)),
        summary,
        None,
    )
    .await?;
    Ok(fid)
}

/// Four engagements: the demo bank's, completed two months ago with a finding and
/// follow-ups (one of them now overdue); one in Kinki under way; one in Kanto planned; one
/// in Kanto cancelled.
async fn engagements(
    tx: &mut Tx,
    list: &[Organisation],
    bank: &str,
    staff: &Staff,
    now: i64,
) -> anyhow::Result<()> {
    let bank_org = list
        .iter()
        .find(|o| o.id == bank)
        .and_then(facts)
        .ok_or_else(|| anyhow::anyhow!("demo bank missing"))?;
    let start = now - 60 * DAY_US;
    let (fsa, kinki, kanto) = (&staff.fsa, &staff.kinki, &staff.kanto);
    let id = run(
        tx,
        &bank_org,
        (Method::Dialogue, &["FSA-BE1", "FSA-BE4"]),
        (fsa, start),
        vec![
            (fsa, EngagementCommand::Start),
            (
                fsa,
                note(
                    "FSA-BE1",
                    "経営陣はサイバーリスクを年1回取締役会で審議。KPIは未設定。",
                ),
            ),
            (
                fsa,
                note(
                    "FSA-BE4",
                    "コンティンジェンシープランはあるが、訓練の実施記録がない。",
                ),
            ),
            (fsa, EngagementCommand::Complete),
        ],
    )
    .await?;
    let fid = issue(tx, &id, bank, staff, start + 5 * DAY_US).await?;
    // Follow-ups added just after completion: one already past its due date.
    let follow_ups = [
        (fsa, "改善計画の提出を確認 / Check the remediation plan", 20),
        (
            fsa,
            "訓練実施の報告を確認 / Confirm the exercise took place",
            120,
        ),
    ];
    for (i, (who, title, days)) in follow_ups.into_iter().enumerate() {
        let at = start + (6 + i64::try_from(i)?) * DAY_US;
        let read = sup_engagements::get(tx, &OrgScope::All, &id).await?;
        let cmd = EngagementCommand::AddFollowUp {
            title: title.into(),
            assignee: who.clone(),
            due_us: at + days * DAY_US,
            finding_id: Some(fid.clone()),
        };
        let next = read.engagement.apply(who, cmd, at)?;
        sup_engagements::save(tx, &read, &next).await?;
        record(
            tx,
            Some(&who.party.user_id),
            None,
            "supervision.engagement_command",
            ("engagement", Some(&id)),
            json!({"command": "follow_up", "source": "demo"}),
            None,
        )
        .await?;
    }
    let kinki_org = pick(list, Region::Kinki, bank)?;
    run(
        tx,
        &kinki_org,
        (Method::OnSite, &["FSA-BE2", "FSA-BE3"]),
        (kinki, now - 10 * DAY_US),
        vec![
            (kinki, EngagementCommand::Start),
            (
                kinki,
                note(
                    "FSA-BE2",
                    "リスク評価は年次。サードパーティの評価が対象外。",
                ),
            ),
            (
                fsa,
                EngagementCommand::AddFollowUp {
                    title: "委託先評価の方針を確認 / Review the third-party assessment policy"
                        .into(),
                    assignee: kinki.clone(),
                    due_us: now + 30 * DAY_US,
                    finding_id: None,
                },
            ),
        ],
    )
    .await?;
    let kanto_org = pick(list, Region::Kanto, bank)?;
    run(
        tx,
        &kanto_org,
        (Method::Questionnaire, &["FSA-BE5"]),
        (kanto, now - 2 * DAY_US),
        vec![],
    )
    .await?;
    run(
        tx,
        &kanto_org,
        (Method::Dialogue, &["FSA-BE1"]),
        (kanto, now - 40 * DAY_US),
        vec![(
            kanto,
            EngagementCommand::Cancel {
                reason: "アンケートによる実態把握に切り替え / replaced by the questionnaire".into(),
            },
        )],
    )
    .await?;
    Ok(())
}

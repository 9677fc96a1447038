//! The shape of a Delta Wall edition at the sector's scale: six tracks by business type and
//! a chained inject schedule per track, written for the demo and shared with the load run
//! (`crates/deltawall-cli/examples/exload.rs`), which plays the same edition with 2,000
//! participants against a live server.

use deltawall_app::Ctx;
use deltawall_app::exercises::design::{self, TrackInput};
use deltawall_app::exercises::{evaluation, play};
use deltawall_app::supervision::clock::Clock;
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, BusinessType, OrgKind, jst};
use deltawall_store::Store;
use std::fmt::Write as _;

/// A track: its code, the business type it is written for, and its names.
pub struct TrackDef {
    /// Code, unique in the edition.
    pub code: &'static str,
    /// Business type it is written for.
    pub business_type: BusinessType,
    /// Japanese name.
    pub name_ja: &'static str,
    /// English name.
    pub name_en: &'static str,
}

/// The six tracks of the edition.
pub const TRACKS: [TrackDef; 6] = [
    TrackDef {
        code: "bank",
        business_type: BusinessType::RegionalBank,
        name_ja: "銀行",
        name_en: "Banks",
    },
    TrackDef {
        code: "shinkin",
        business_type: BusinessType::ShinkinBank,
        name_ja: "信用金庫・労働金庫",
        name_en: "Shinkin and labour banks",
    },
    TrackDef {
        code: "coop",
        business_type: BusinessType::CreditCooperative,
        name_ja: "信用組合",
        name_en: "Credit cooperatives",
    },
    TrackDef {
        code: "securities",
        business_type: BusinessType::SecuritiesFirm,
        name_ja: "証券・FX",
        name_en: "Securities and FX",
    },
    TrackDef {
        code: "insurance",
        business_type: BusinessType::LifeInsurer,
        name_ja: "保険",
        name_en: "Insurers",
    },
    TrackDef {
        code: "payments",
        business_type: BusinessType::FundsTransfer,
        name_ja: "決済・暗号資産",
        name_en: "Payments and crypto-assets",
    },
];

/// The business types institutions of the edition are drawn from, in turn: banks and
/// cooperative banks first, as in the real exercise.
pub const BUSINESS_TYPES: [BusinessType; 12] = [
    BusinessType::RegionalBank,
    BusinessType::ShinkinBank,
    BusinessType::SecondRegionalBank,
    BusinessType::CreditCooperative,
    BusinessType::ShinkinBank,
    BusinessType::SecuritiesFirm,
    BusinessType::RegionalBank,
    BusinessType::LifeInsurer,
    BusinessType::NonLifeInsurer,
    BusinessType::FundsTransfer,
    BusinessType::MajorBank,
    BusinessType::CryptoExchange,
];

/// The track an institution of business type `bt` plays.
pub fn track_for(bt: BusinessType) -> &'static str {
    use BusinessType as B;
    match bt {
        B::ShinkinBank | B::LabourBank => "shinkin",
        B::CreditCooperative => "coop",
        B::SecuritiesFirm | B::FxDealer | B::PtsOperator => "securities",
        B::LifeInsurer | B::NonLifeInsurer => "insurance",
        B::FundsTransfer | B::PrepaidIssuer | B::CryptoExchange | B::MoneyLender => "payments",
        _ => "bank",
    }
}

/// The tracks as the edition form takes them.
pub fn tracks() -> Vec<TrackInput> {
    TRACKS
        .iter()
        .map(|t| TrackInput {
            code: t.code.to_owned(),
            business_type: t.business_type.code().to_owned(),
            name_ja: t.name_ja.to_owned(),
            name_en: t.name_en.to_owned(),
        })
        .collect()
}

/// What happens, in turn, on every track: kind, title, body, expected viewpoint and action.
const STEPS: [(&str, &str, &str, &str, &str); 5] = [
    (
        "simulated_alert",
        "不審な通信の警報 / suspicious traffic alert",
        "監視装置が外部への大量通信を検知",
        "triage",
        "警報の切り分け",
    ),
    (
        "message",
        "端末の暗号化 / workstations encrypted",
        "複数の業務端末でファイルが暗号化された",
        "internal_sharing",
        "CSIRT と経営への報告",
    ),
    (
        "customer_call_surge",
        "顧客からの問い合わせ / customer calls",
        "取引できないとの問い合わせが急増",
        "customer_response",
        "顧客向け告知",
    ),
    (
        "council_relay",
        "連絡協議会からの情報 / council relay",
        "同業他社でも同様の被害との情報",
        "external_sharing",
        "金融庁への第一報",
    ),
    (
        "press_surge",
        "報道機関からの問い合わせ / press enquiries",
        "報道機関から被害の有無の問い合わせ",
        "management_decision",
        "公表の判断",
    ),
];

/// The code of the `n`-th inject (from 1) of `track`.
pub fn inject_code(track: &str, n: usize) -> String {
    format!("{track}-{n:02}")
}

/// The schedule as CSV: `per_track` injects on every track, each depending on the one
/// before it, the first at offset 0 and the others `gap_min` minutes apart from
/// `second_at_min` on.
pub fn schedule_csv(per_track: usize, second_at_min: u32, gap_min: u32) -> String {
    let mut csv = String::from(
        "code,track,phase,offset_min,kind,title,body,depends_on,expected_actions,criteria,respond_within_min\n",
    );
    for t in &TRACKS {
        for n in 1..=per_track {
            let (kind, title, body, viewpoint, action) = STEPS[(n - 1) % STEPS.len()];
            let steps = u32::try_from(n).unwrap_or(u32::MAX);
            let offset = if n == 1 {
                0
            } else {
                second_at_min.saturating_add(gap_min.saturating_mul(steps - 2))
            };
            let depends = if n == 1 {
                String::new()
            } else {
                inject_code(t.code, n - 1)
            };
            let _ = writeln!(
                csv,
                "{code},{track},{phase},{offset},{kind},{title},{body},{depends},{viewpoint}={action},{viewpoint}={action},30",
                code = inject_code(t.code, n),
                track = t.code,
                phase = 1 + (n - 1) / STEPS.len(),
            );
        }
    }
    csv
}

/// An institution playing the demo edition, with the user who plays for it.
pub(crate) struct Player {
    /// The institution.
    pub org: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// The staff member who responds and self-assesses.
    pub user: String,
}

/// The topics the organiser observed, by viewpoint: a common issue and a good practice.
const ISSUE: (&str, &str) = ("external_sharing", "金融庁への第一報が目安の30分を超過");
const PRACTICE: (&str, &str) = ("customer_response", "顧客向け告知文のひな形を事前に用意");

fn ctx<'a>(store: &'a Store, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        store,
        actor,
        ip: None,
    }
}

fn actor(org: &str, user: &str, kind: OrgKind, role: Role) -> Actor {
    Actor {
        user_id: user.to_owned(),
        org_id: org.to_owned(),
        org_kind: kind,
        reach: (kind == OrgKind::Supervisor).then_some(SupervisorReach::National),
        role,
        token_scope: None,
        token_id: None,
    }
}

/// The demo's Delta Wall of this year, held two days ago (Japan time) and closed: every
/// player enrolled on its business type's track, the clock run from 09:00 with one inject
/// released early, responses (some late, some missing), self-assessments beside the FSA's
/// ratings, improvement measures, and observations that make both parts of the sector
/// feedback (common issues and good practices) reach k. Played through the services with
/// a clock set back to the day, so every time recorded is the exercise's own.
pub(crate) async fn seed_demo(
    store: &Store,
    fsa: &str,
    fsa_staff: &str,
    players: &[Player],
) -> anyhow::Result<String> {
    let staff = actor(fsa, fsa_staff, OrgKind::Supervisor, Role::Staff);
    let now = Clock::default().now_us();
    let day = jst::date_of(now - 2 * 86_400_000_000);
    let nine = jst::start_of_day_us(day) + 9 * 3_600_000_000;
    let clock = Clock::default();
    clock.advance(nine - now);
    let fy = deltawall_domain::supervision::figures::fiscal_year(day);
    let input = design::EditionInput {
        name_ja: format!("金融業界横断的なサイバーセキュリティ演習（Delta Wall {fy}）"),
        name_en: format!("Delta Wall FY{fy} (cross-industry cyber exercise)"),
        held_on: day.to_string(),
        ends_at: "17:00".into(),
        feedback_k: 3,
        tracks: tracks(),
        schedule_csv: schedule_csv(5, 30, 30),
    };
    let id = design::create(ctx(store, &staff), &input).await?;
    for p in players {
        let enrol = design::EnrolInput {
            org_id: p.org.clone(),
            track: track_for(p.business_type).to_owned(),
        };
        design::enrol(ctx(store, &staff), &id, &enrol).await?;
    }
    play::command(ctx(store, &staff), &clock, &id, "start").await?;
    clock.advance(10 * 60_000_000);
    play::release(ctx(store, &staff), &clock, &id, &inject_code("bank", 2)).await?;
    // Two and a half hours in, every inject is out; the players answer in turn, a few
    // seconds apart, and every fifth institution never sends its external report.
    clock.advance(140 * 60_000_000);
    for (i, p) in players.iter().enumerate() {
        let me = actor(&p.org, &p.user, OrgKind::Institution, Role::Staff);
        let track = track_for(p.business_type);
        let mut answers = vec![(1, "decision", "CSIRT を招集し警報を切り分けた")];
        if i % 5 != 0 {
            answers.push((4, "notification", "金融庁へ第一報を送付"));
        }
        for (n, kind, text) in answers {
            let r = play::ResponseInput {
                inject: inject_code(track, n),
                kind: kind.into(),
                text: text.into(),
            };
            play::respond(ctx(store, &me), &clock, &id, &r).await?;
            clock.advance(7_000_000);
        }
    }
    // Evaluation opens at the close: the real clock is two days past it.
    let after = Clock::default();
    let mut seen = std::collections::HashMap::new();
    for (i, p) in players.iter().enumerate() {
        let me = actor(&p.org, &p.user, OrgKind::Institution, Role::Staff);
        let track = track_for(p.business_type);
        let reported = i % 5 != 0;
        let own = evaluation::SelfInput {
            inject: inject_code(track, 4),
            viewpoint: ISSUE.0.into(),
            result: if reported { "done" } else { "not_done" }.into(),
            reason: if reported {
                ""
            } else {
                "報告先の確認に時間を要した"
            }
            .into(),
        };
        evaluation::self_assess(ctx(store, &me), &after, &id, &own).await?;
        let rating = evaluation::RatingInput {
            org_id: p.org.clone(),
            inject: inject_code(track, 4),
            viewpoint: ISSUE.0.into(),
            rating: if reported {
                3 + i64::from(i % 3 == 0)
            } else {
                1
            },
            comment: if reported {
                "期限内に報告"
            } else {
                "報告なし"
            }
            .into(),
        };
        evaluation::rate(ctx(store, &staff), &after, &id, &rating).await?;
        // Within each business type, alternately an issue and a practice: both reach k
        // where a type has at least six players, and smaller types show the k rule.
        let seen_in_type = seen.entry(p.business_type.code()).or_insert(0usize);
        let (kind, (viewpoint, topic)) = if *seen_in_type % 2 == 0 {
            ("common_issue", ISSUE)
        } else {
            ("good_practice", PRACTICE)
        };
        *seen_in_type += 1;
        let seen = evaluation::ObservationInput {
            org_id: p.org.clone(),
            kind: kind.into(),
            viewpoint: viewpoint.into(),
            topic: topic.into(),
        };
        evaluation::observe(ctx(store, &staff), &id, &seen).await?;
        if !reported {
            let measure = evaluation::MeasureInput {
                org_id: p.org.clone(),
                viewpoint: ISSUE.0.into(),
                text: "当局報告の連絡先と判断基準を手順書に明記し、四半期ごとに訓練する".into(),
                severity: "medium".into(),
            };
            evaluation::propose(ctx(store, &staff), &after, &id, &measure).await?;
        }
    }
    Ok(id)
}

/// How many institutions play the demo edition: as many as took part in Delta Wall 2019
/// (the report's "121 社（約 2,000 名）").
pub const DEMO_PLAYERS: usize = 121;

/// The demo edition's institutions: `first` (the demo's bank), then the others taken in
/// turn from each business type, so every type the sector holds takes part.
pub(crate) async fn choose(
    tx: &mut deltawall_store::Tx,
    first: &str,
) -> anyhow::Result<Vec<(String, BusinessType)>> {
    use deltawall_store::orgs::{self, OrgFilter};
    let filter = OrgFilter {
        kind: Some(OrgKind::Institution),
        ..OrgFilter::default()
    };
    let mut by_type: std::collections::BTreeMap<&'static str, Vec<(String, BusinessType)>> =
        std::collections::BTreeMap::new();
    let mut offset = 0;
    let mut first_type = None;
    loop {
        let page = deltawall_store::Page::new(offset, deltawall_store::Page::MAX_LIMIT);
        let items = orgs::list(tx, &deltawall_domain::OrgScope::All, &filter, page)
            .await?
            .items;
        let n = items.len();
        for o in items {
            if o.id == first {
                first_type = o.business_type;
            } else if let Some(bt) = o.business_type.filter(|b| *b != BusinessType::Other) {
                by_type.entry(bt.code()).or_default().push((o.id, bt));
            }
        }
        offset += deltawall_store::Page::MAX_LIMIT;
        if n < deltawall_store::Page::MAX_LIMIT as usize {
            break;
        }
    }
    let mut lists: Vec<_> = by_type.into_values().map(Vec::into_iter).collect();
    let first_type =
        first_type.ok_or_else(|| anyhow::anyhow!("the demo bank has no business type"))?;
    let mut chosen = vec![(first.to_owned(), first_type)];
    while chosen.len() < DEMO_PLAYERS {
        let before = chosen.len();
        for l in &mut lists {
            if chosen.len() < DEMO_PLAYERS
                && let Some(o) = l.next()
            {
                chosen.push(o);
            }
        }
        anyhow::ensure!(
            chosen.len() > before,
            "the demo sector has fewer than {DEMO_PLAYERS} institutions"
        );
    }
    Ok(chosen)
}

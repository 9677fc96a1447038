//! The demo's exercises and incidents. Delta Wall is held once a fiscal year; the demo
//! records FY2016 to FY2019 with exactly the participant counts the report gives
//! (`FIGURE_4_PARTICIPANTS`: 77, 101, 105 and 121, section 2.(1)②), so the exercise
//! participation figure reproduces figure 4's totals. Which institutions took part, the
//! exercise days and the incidents are illustrative. Written through the store inside the
//! demo's transaction, each exercise and incident with its audit entry.

use deltawall_app::record;
use deltawall_domain::finding::Severity;
use deltawall_domain::supervision::AttackType;
use deltawall_domain::supervision::figures::FIGURE_4_PARTICIPANTS;
use deltawall_domain::{OrgKind, OrgScope};
use deltawall_store::exercises::{self, NewExercise};
use deltawall_store::incidents::{self, NewIncident};
use deltawall_store::orgs::{self, OrgFilter};
use deltawall_store::{Page, Tx};
use serde_json::json;

/// Incident summaries of the demo, by attack type (our own words).
const SUMMARIES: &[(AttackType, &str)] = &[
    (
        AttackType::UnauthorizedLogin,
        "インターネットバンキングへのリスト型攻撃による不正ログインを検知",
    ),
    (
        AttackType::Ddos,
        "ウェブサイトへのDDoS攻撃により約2時間閲覧しにくい状態",
    ),
    (
        AttackType::Ransomware,
        "業務端末1台がランサムウェアに感染、ネットワークから隔離",
    ),
    (
        AttackType::TargetedAttack,
        "取引先を装った標的型メールを複数の職員が受信",
    ),
    (
        AttackType::Phishing,
        "当行を装ったフィッシングサイトを確認、閉鎖を依頼",
    ),
    (
        AttackType::Malware,
        "添付ファイル経由のマルウェア感染を端末防御で検知",
    ),
];

/// Seeds the exercises (with the report's participant counts) and incidents over several
/// years. `fsa` organises the exercises; `by` is the recording user.
pub async fn seed(tx: &mut Tx, fsa: &str, by: &str, now: i64) -> anyhow::Result<()> {
    let filter = OrgFilter {
        kind: Some(OrgKind::Institution),
        ..OrgFilter::default()
    };
    let mut institutions = Vec::new();
    let mut offset = 0;
    loop {
        let page = orgs::list(
            tx,
            &OrgScope::All,
            &filter,
            Page::new(offset, Page::MAX_LIMIT),
        )
        .await?;
        let n = page.items.len();
        institutions.extend(
            page.items
                .into_iter()
                .filter(|o| o.business_type.is_some())
                .map(|o| o.id),
        );
        offset += Page::MAX_LIMIT;
        if n < Page::MAX_LIMIT as usize {
            break;
        }
    }
    institutions.sort();
    let total = institutions.len();
    for (round, (year, participants)) in FIGURE_4_PARTICIPANTS.iter().enumerate() {
        let count = usize::try_from(*participants)?;
        anyhow::ensure!(
            count <= total,
            "the demo sector has {total} institutions, fewer than the {count} of Delta Wall FY{year}"
        );
        let new = NewExercise {
            organiser: fsa.to_owned(),
            name_ja: format!(
                "金融業界横断的なサイバーセキュリティ演習（Delta Wall {}）",
                ["I", "II", "III", "IV"][round]
            ),
            name_en: format!("Delta Wall FY{year} (cross-industry cyber exercise)"),
            held_on: format!("{year}-10-15"),
        };
        let id = exercises::create(tx, &new, by, now).await?;
        // A different slice of the sector each year, wrapping round.
        let start = round * 37 % total;
        for k in 0..count {
            let org = &institutions[(start + k) % total];
            exercises::record_participant(tx, &id, org, k % 3 != 0, by, now).await?;
        }
        record(
            tx,
            Some(by),
            Some(fsa),
            "exercise.create",
            ("exercise", Some(&id)),
            json!({"name_en": new.name_en, "participants": count, "source": "demo"}),
            None,
        )
        .await?;
    }
    for i in 0..60usize {
        let (attack, summary) = SUMMARIES[i % SUMMARIES.len()];
        let year = 2016 + (i % 5);
        let new = NewIncident {
            org_id: institutions[(i * 11) % total].clone(),
            occurred_on: format!("{year}-{:02}-{:02}", 1 + (i * 5) % 12, 1 + (i * 7) % 28),
            attack_type: attack,
            severity: [Severity::Low, Severity::Medium, Severity::High][i % 3],
            summary: summary.to_owned(),
        };
        let id = incidents::create(tx, &new, by, now).await?;
        record(
            tx,
            Some(by),
            Some(&new.org_id),
            "incident.report",
            ("incident", Some(&id)),
            json!({"attack_type": attack.code(), "source": "demo"}),
            None,
        )
        .await?;
    }
    Ok(())
}

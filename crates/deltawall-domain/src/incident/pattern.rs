//! Patterns of similar incidents on the supervisor's board, and the alert (注意喚起) the
//! supervisor composes from one (issue 13, point 4).
//!
//! A pattern is one category of incident at one business type, recognised at several
//! institutions within a window: the situation in which the FSA warned the sector in
//! October 2019 after unauthorised logins by list-type attacks hit several institutions.
//! A single institution with many cases is its own trouble, not the sector's, so the
//! threshold counts institutions, not cases.
//!
//! The draft only pre-fills: the supervisor edits it before sending it through the
//! supervision alerts service like any other alert.

use super::case::Category;
use crate::catalog::Text;
use crate::jst;
use crate::org::BusinessType;
use crate::supervision::population::{Filter, Selector};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

/// A case as pattern-finding needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternCase {
    /// The institution's id.
    pub org_id: String,
    /// The institution's business type.
    pub business_type: BusinessType,
    /// The case's category.
    pub category: Category,
    /// When the institution recognised the incident, Unix µs.
    pub recognised_us: i64,
}

/// What makes a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternRule {
    /// The longest span, in days, between the first and last case of a pattern.
    pub window_days: i64,
    /// The fewest distinct institutions that make a pattern.
    pub min_institutions: usize,
}

impl Default for PatternRule {
    /// Two institutions within thirty days: the earliest point at which one institution's
    /// incident says something about its peers.
    fn default() -> Self {
        PatternRule {
            window_days: 30,
            min_institutions: 2,
        }
    }
}

/// Similar incidents at several institutions of one business type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pattern {
    /// The category shared.
    pub category: Category,
    /// The business type shared.
    pub business_type: BusinessType,
    /// Distinct institutions in the window.
    pub institutions: usize,
    /// Cases in the window.
    pub cases: usize,
    /// The first case's recognition, Unix µs.
    pub first_us: i64,
    /// The last case's recognition, Unix µs.
    pub last_us: i64,
}

/// The patterns in `cases`: per (category, business type), the window of at most
/// `rule.window_days` holding the most distinct institutions (then the most cases, then the
/// earliest), kept when it reaches `rule.min_institutions`. Most institutions first, then most
/// recent, then by category and business type.
pub fn patterns(cases: &[PatternCase], rule: &PatternRule) -> Vec<Pattern> {
    let mut groups: BTreeMap<(Category, BusinessType), Vec<(i64, &str)>> = BTreeMap::new();
    for c in cases {
        groups
            .entry((c.category, c.business_type))
            .or_default()
            .push((c.recognised_us, c.org_id.as_str()));
    }
    let window_us = rule.window_days.max(0).saturating_mul(DAY_US);
    let mut out: Vec<Pattern> = groups
        .into_iter()
        .filter_map(|((category, business_type), mut seen)| {
            seen.sort_unstable();
            let w = widest_window(&seen, window_us);
            (w.institutions >= rule.min_institutions.max(1)).then_some(Pattern {
                category,
                business_type,
                institutions: w.institutions,
                cases: w.cases,
                first_us: w.first_us,
                last_us: w.last_us,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.institutions
            .cmp(&a.institutions)
            .then(b.last_us.cmp(&a.last_us))
            .then(a.category.cmp(&b.category))
            .then(a.business_type.cmp(&b.business_type))
    });
    out
}

struct Window {
    institutions: usize,
    cases: usize,
    first_us: i64,
    last_us: i64,
}

/// The window with the most distinct institutions (then cases) over `seen` sorted by time, by two
/// pointers so a sector's worth of cases costs one pass.
fn widest_window(seen: &[(i64, &str)], window_us: i64) -> Window {
    let mut best = Window {
        institutions: 0,
        cases: 0,
        first_us: 0,
        last_us: 0,
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut start = 0;
    for (end, &(at, org)) in seen.iter().enumerate() {
        *counts.entry(org).or_default() += 1;
        while at - seen[start].0 > window_us {
            let gone = seen[start].1;
            if let Some(n) = counts.get_mut(gone) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(gone);
                }
            }
            start += 1;
        }
        let cases = end + 1 - start;
        if (counts.len(), cases) > (best.institutions, best.cases) {
            best = Window {
                institutions: counts.len(),
                cases,
                first_us: seen[start].0,
                last_us: at,
            };
        }
    }
    best
}

/// An alert pre-filled from a pattern, for the supervisor to edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertDraft {
    /// Title.
    pub title: Text,
    /// The warning.
    pub body: Text,
    /// Every institution of the pattern's business type: the peers not yet hit are the
    /// ones the warning is for.
    pub population: Selector,
    /// Respond by, `YYYY-MM-DD`: two weeks after `now`.
    pub respond_by: String,
}

/// The days the draft gives institutions to respond.
const RESPOND_DAYS: i64 = 14;

/// Composes the alert draft for `pattern` at `now_us`.
pub fn alert_draft(pattern: &Pattern, now_us: i64) -> AlertDraft {
    let (ja_cat, en_cat) = (pattern.category.label("ja"), pattern.category.label("en"));
    let (ja_bt, en_bt) = (
        pattern.business_type.label("ja"),
        pattern.business_type.label("en"),
    );
    let (from, to) = (
        jst::format_date(jst::date_of(pattern.first_us)),
        jst::format_date(jst::date_of(pattern.last_us)),
    );
    let advice = advice(pattern.category);
    let body_ja = format!(
        "{from}から{to}までの間に、{ja_bt}の{n}先において「{ja_cat}」の事案が計{c}件認知されています。\
         同種の攻撃が他の金融機関にも及ぶおそれがあります。\n\n\
         【観測されている主な手口】\n{tech}\n\n\
         【対策の例】\n{counter}\n\n\
         各金融機関におかれては、自社の態勢を改めて確認し、被害を認知した場合は速やかに報告してください。",
        n = pattern.institutions,
        c = pattern.cases,
        tech = advice.techniques.ja,
        counter = advice.countermeasures.ja,
    );
    let body_en = format!(
        "Between {from} and {to}, {n} {en_bt} institutions recognised incidents of the category \
         \"{en_cat}\" ({c} cases in total). Similar attacks may reach other institutions.\n\n\
         Typical techniques observed:\n{tech}\n\n\
         Countermeasures to consider:\n{counter}\n\n\
         Please review your own measures and report promptly if you recognise damage.",
        n = pattern.institutions,
        c = pattern.cases,
        tech = advice.techniques.en,
        counter = advice.countermeasures.en,
    );
    let respond_by = jst::format_date(jst::date_of(now_us.saturating_add(RESPOND_DAYS * DAY_US)));
    AlertDraft {
        title: Text {
            ja: format!("【注意喚起】{ja_bt}における{ja_cat}について"),
            en: format!("Alert: {en_cat} at {en_bt} institutions"),
        },
        body: Text {
            ja: body_ja,
            en: body_en,
        },
        population: Selector {
            filter: Some(Filter {
                business_types: vec![pattern.business_type],
                ..Filter::default()
            }),
            ..Selector::default()
        },
        respond_by,
    }
}

/// What the draft says an attack of a category typically looks like and what helps.
struct Advice {
    techniques: Text,
    countermeasures: Text,
}

fn text(ja: &str, en: &str) -> Text {
    Text {
        ja: ja.to_owned(),
        en: en.to_owned(),
    }
}

fn advice(category: Category) -> Advice {
    let (t, c) = match category {
        Category::ListAttackLogin => (
            text(
                "・他のサービスから流出したとみられるIDとパスワードの組合せによる大量のログイン試行\n・少数の試行を多数のIPアドレスに分散させ、検知を回避する手口",
                "- Many login attempts with ID and password pairs apparently leaked from other services\n- Attempts spread thinly over many IP addresses to stay below detection thresholds",
            ),
            text(
                "・ログイン失敗の急増や同一IPアドレスからの複数IDへの試行の監視\n・多要素認証の導入とリスクベース認証の活用\n・パスワードの使い回しをしないよう顧客へ注意喚起",
                "- Watch for surges in failed logins and one address trying many IDs\n- Offer multi-factor and risk-based authentication\n- Remind customers not to reuse passwords",
            ),
        ),
        Category::Ddos => (
            text(
                "・金銭を要求する脅迫文の送付と、それに続く大量の通信によるサービス妨害\n・攻撃の予告のみで実際の攻撃を伴わない場合もある",
                "- Ransom notes demanding payment, followed by floods of traffic against services\n- Sometimes only the threat, with no attack following",
            ),
            text(
                "・通信事業者やDDoS対策サービスとの連絡体制と遮断手順の確認\n・脅迫に応じず、当局と業界団体へ速やかに共有",
                "- Confirm contacts and blocking procedures with carriers and DDoS mitigation services\n- Do not pay; share promptly with the supervisor and the sector",
            ),
        ),
        Category::Ransomware => (
            text(
                "・VPN機器等の脆弱性や窃取された認証情報を悪用した侵入\n・データの暗号化に加え、窃取したデータの公開を示唆する二重の脅迫",
                "- Entry through vulnerable VPN devices or stolen credentials\n- Encryption of data together with threats to publish what was stolen",
            ),
            text(
                "・外部に接する機器の脆弱性の速やかな修正\n・オフラインのバックアップの確保と復旧手順の検証",
                "- Patch internet-facing devices promptly\n- Keep offline backups and test restoring from them",
            ),
        ),
        Category::PhishingSite => (
            text(
                "・金融機関を装うSMSやメールで偽サイトへ誘導し、認証情報を詐取する手口",
                "- Text messages or e-mails posing as the institution lead customers to fake sites that capture credentials",
            ),
            text(
                "・偽サイトの監視とテイクダウンの依頼\n・顧客への注意喚起と不審な取引の監視",
                "- Monitor for fake sites and request takedowns\n- Warn customers and watch for unusual transactions",
            ),
        ),
        _ => (
            text(
                "・各事案の報告内容をご参照ください",
                "- See the reports of the individual cases",
            ),
            text(
                "・自社の同種のシステムと手順の点検\n・不審な事象を認知した場合の速やかな報告",
                "- Check your own systems and procedures of the same kind\n- Report promptly any suspicious event you recognise",
            ),
        ),
    };
    Advice {
        techniques: t,
        countermeasures: c,
    }
}

#[cfg(test)]
mod tests;

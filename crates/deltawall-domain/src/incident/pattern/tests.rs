use super::*;

const DAY: i64 = DAY_US;
/// 2026-01-01 00:00 JST.
const T0: i64 = 1_767_193_200_000_000;

fn case(org: &str, bt: BusinessType, cat: Category, day: i64) -> PatternCase {
    PatternCase {
        org_id: org.to_owned(),
        business_type: bt,
        category: cat,
        recognised_us: T0 + day * DAY,
    }
}

fn list(org: &str, day: i64) -> PatternCase {
    case(
        org,
        BusinessType::RegionalBank,
        Category::ListAttackLogin,
        day,
    )
}

/// (category, business type, institutions, cases, first day, last day) of each pattern.
type Expected = (Category, BusinessType, usize, usize, i64, i64);

fn check(cases: &[PatternCase], rule: PatternRule, expected: &[Expected]) {
    let got: Vec<Expected> = patterns(cases, &rule)
        .into_iter()
        .map(|p| {
            (
                p.category,
                p.business_type,
                p.institutions,
                p.cases,
                (p.first_us - T0) / DAY,
                (p.last_us - T0) / DAY,
            )
        })
        .collect();
    assert_eq!(got, expected);
}

const RB: BusinessType = BusinessType::RegionalBank;
const LIST: Category = Category::ListAttackLogin;

#[test]
fn one_institution_is_no_pattern_however_many_cases() {
    check(
        &[list("a", 0), list("a", 1), list("a", 2)],
        PatternRule::default(),
        &[],
    );
}

#[test]
fn two_institutions_within_the_window_make_a_pattern() {
    check(
        &[list("a", 0), list("b", 10), list("a", 12)],
        PatternRule::default(),
        &[(LIST, RB, 2, 3, 0, 12)],
    );
}

#[test]
fn cases_further_apart_than_the_window_do_not_combine() {
    check(&[list("a", 0), list("b", 31)], PatternRule::default(), &[]);
    check(
        &[list("a", 0), list("b", 30)],
        PatternRule::default(),
        &[(LIST, RB, 2, 2, 0, 30)],
    );
}

#[test]
fn the_window_with_most_institutions_is_kept() {
    let cases = [
        list("a", 0),
        list("b", 5),
        list("c", 40),
        list("d", 41),
        list("e", 42),
    ];
    check(&cases, PatternRule::default(), &[(LIST, RB, 3, 3, 40, 42)]);
}

#[test]
fn category_and_business_type_each_split_patterns() {
    let cases = [
        list("a", 0),
        case("b", BusinessType::ShinkinBank, LIST, 1),
        case("c", RB, Category::Ddos, 2),
        case("d", RB, Category::Ddos, 3),
        case("e", RB, Category::Ddos, 4),
    ];
    check(
        &cases,
        PatternRule::default(),
        &[(Category::Ddos, RB, 3, 3, 2, 4)],
    );
}

#[test]
fn the_threshold_and_window_are_the_rule() {
    let cases = [list("a", 0), list("b", 3)];
    let strict = PatternRule {
        window_days: 30,
        min_institutions: 3,
    };
    check(&cases, strict, &[]);
    let narrow = PatternRule {
        window_days: 2,
        min_institutions: 2,
    };
    check(&cases, narrow, &[]);
}

#[test]
fn patterns_are_ordered_by_institutions_then_recency() {
    let shinkin = BusinessType::ShinkinBank;
    let cases = [
        list("a", 0),
        list("b", 1),
        case("c", shinkin, Category::Ransomware, 5),
        case("d", shinkin, Category::Ransomware, 6),
        case("e", RB, Category::Ddos, 0),
        case("f", RB, Category::Ddos, 0),
        case("g", RB, Category::Ddos, 0),
    ];
    check(
        &cases,
        PatternRule::default(),
        &[
            (Category::Ddos, RB, 3, 3, 0, 0),
            (Category::Ransomware, shinkin, 2, 2, 5, 6),
            (LIST, RB, 2, 2, 0, 1),
        ],
    );
}

fn check_draft(pattern: &Pattern, now_day: i64, title: (&str, &str), body_has: &[&str]) {
    let d = alert_draft(pattern, T0 + now_day * DAY);
    assert_eq!((d.title.ja.as_str(), d.title.en.as_str()), title);
    for s in body_has {
        assert!(
            d.body.ja.contains(s) || d.body.en.contains(s),
            "{s:?} missing from {:?}",
            d.body
        );
    }
    let filter = d.population.filter.expect("a filter");
    assert_eq!(filter.business_types, vec![pattern.business_type]);
    assert_eq!(
        d.respond_by,
        jst::format_date(jst::date_of(T0 + (now_day + 14) * DAY))
    );
}

#[test]
fn the_draft_names_category_count_period_and_advice() {
    let p = &patterns(
        &[list("a", 0), list("b", 9), list("c", 9)],
        &PatternRule::default(),
    )[0];
    check_draft(
        p,
        10,
        (
            "【注意喚起】地方銀行におけるリスト型攻撃による不正ログインについて",
            "Alert: Unauthorised login by list-type attack at Regional bank institutions",
        ),
        &[
            "2026-01-01から2026-01-10までの間に、地方銀行の3先",
            "計3件",
            "多要素認証",
            "Between 2026-01-01 and 2026-01-10, 3 Regional bank institutions",
            "multi-factor",
        ],
    );
}

#[test]
fn a_category_without_specific_advice_gets_the_general_one() {
    let p = Pattern {
        category: Category::Misconfiguration,
        business_type: BusinessType::SecuritiesFirm,
        institutions: 2,
        cases: 2,
        first_us: T0,
        last_us: T0 + DAY,
    };
    check_draft(
        &p,
        1,
        (
            "【注意喚起】証券会社における設定不備について",
            "Alert: Misconfiguration at Securities firm institutions",
        ),
        &["証券会社の2先", "See the reports of the individual cases"],
    );
}

use super::*;
use crate::org::Region;
use crate::supervision::request::TaskState;
use jiff::civil::date;
use proptest::prelude::*;

#[track_caller]
fn check_years(day: Date, expected_administrative: i16, expected_fiscal: i16) {
    assert_eq!(
        (administrative_year(day), fiscal_year(day)),
        (expected_administrative, expected_fiscal)
    );
}

#[test]
fn years_start_in_july_and_april() {
    check_years(date(2019, 7, 1), 2019, 2019);
    check_years(date(2020, 6, 30), 2019, 2020);
    check_years(date(2020, 3, 31), 2019, 2019);
    check_years(date(2020, 4, 1), 2019, 2020);
    check_years(date(2019, 6, 30), 2018, 2019);
}

fn monitored(org: &str, bt: BusinessType, year: i16) -> MonitoringFact {
    MonitoringFact {
        org_id: org.into(),
        business_type: bt,
        year,
    }
}

#[test]
fn monitoring_is_cumulative_and_counts_second_rounds() {
    use BusinessType::*;
    let facts = [
        monitored("s1", ShinkinBank, 2016),
        monitored("s1", ShinkinBank, 2016),
        monitored("s2", ShinkinBank, 2016),
        monitored("r1", RegionalBank, 2016),
        // 2017: nobody. 2018: a second round for s1.
        monitored("s1", ShinkinBank, 2018),
        monitored("c1", CreditCooperative, 2019),
    ];
    let t = monitored_cumulative(&facts);
    let series = |bt| (2016..=2019).map(|y| t.get(y, &bt)).collect::<Vec<_>>();
    assert_eq!(series(ShinkinBank), [2, 2, 3, 3]);
    assert_eq!(series(RegionalBank), [1, 1, 1, 1]);
    assert_eq!(series(CreditCooperative), [0, 0, 0, 1]);
    assert_eq!(t.year_total(2019), 5);
    assert_eq!(monitored_cumulative(&[]), YearTable::default());
}

#[test]
fn open_findings_leave_out_drafts_closed_and_withdrawn() {
    use BusinessType::*;
    let f = |bt, element: &str, state| FindingFact {
        business_type: bt,
        element: element.into(),
        state,
    };
    let findings = [
        f(ShinkinBank, "FSA-BE1", State::Issued),
        f(ShinkinBank, "FSA-BE1", State::RiskAccepted),
        f(ShinkinBank, "FSA-BE1", State::Closed),
        f(RegionalBank, "FSA-BE1", State::InRemediation),
        f(RegionalBank, "FSA-BE4", State::Draft),
        f(RegionalBank, "FSA-BE4", State::Withdrawn),
        f(RegionalBank, "FSA-BE5", State::Reopened),
    ];
    let t = open_findings_by_element(&findings);
    assert_eq!(
        t,
        BTreeMap::from([
            (
                "FSA-BE1".to_owned(),
                BTreeMap::from([(RegionalBank, 1), (ShinkinBank, 2)])
            ),
            ("FSA-BE5".to_owned(), BTreeMap::from([(RegionalBank, 1)])),
        ])
    );
}

#[test]
fn incidents_by_attack_type_filter_by_business_type() {
    use BusinessType::*;
    let i = |bt, year, attack| IncidentRecord {
        business_type: bt,
        year,
        attack,
    };
    let incidents = [
        i(RegionalBank, 2019, AttackType::UnauthorizedLogin),
        i(RegionalBank, 2019, AttackType::Ddos),
        i(SecuritiesFirm, 2019, AttackType::UnauthorizedLogin),
        i(CryptoExchange, 2018, AttackType::AssetTheft),
    ];
    let all = incidents_by_attack_type(&incidents, &[]);
    assert_eq!(all.get(2019, &AttackType::UnauthorizedLogin), 2);
    assert_eq!(all.year_total(2018), 1);
    let banks = incidents_by_attack_type(&incidents, &[RegionalBank]);
    assert_eq!(banks.get(2019, &AttackType::UnauthorizedLogin), 1);
    assert_eq!(banks.year_total(2018), 0);
}

#[test]
fn participation_facts_reproduce_the_reported_totals() {
    // A sector whose participation matches the report: each year's participants, some
    // listed twice (two departments registering), count once.
    let mut facts = Vec::new();
    for (year, n) in FIGURE_4_PARTICIPANTS {
        for i in 0..n {
            let bt = BusinessType::ALL[i as usize % BusinessType::ALL.len()];
            let p = ParticipationFact {
                org_id: format!("fi-{i}"),
                business_type: bt,
                year,
            };
            if i % 10 == 0 {
                facts.push(p.clone());
            }
            facts.push(p);
        }
    }
    let t = exercise_participation(&facts);
    let totals: Vec<_> = FIGURE_4_PARTICIPANTS
        .iter()
        .map(|(y, _)| (*y, t.year_total(*y)))
        .collect();
    assert_eq!(totals, FIGURE_4_PARTICIPANTS);
    assert_eq!(
        FIGURE_4_PARTICIPANTS.map(|(y, _)| y),
        [2016, 2017, 2018, 2019]
    );
}

#[test]
fn completion_is_split_by_year() {
    let task = |state| TaskFacts {
        business_type: BusinessType::ShinkinBank,
        region: Region::Kanto,
        state,
        overdue: false,
    };
    let tasks = [
        (2019, task(TaskState::Accepted)),
        (2019, task(TaskState::Assigned)),
        (2020, task(TaskState::Accepted)),
    ];
    let t = completion_by_year(&tasks);
    assert_eq!(t[&2019].total.completion().percent(), Some(50.0));
    assert_eq!(t[&2020].total.completion().percent(), Some(100.0));
}

proptest! {
    /// The cumulative series never falls, has no gaps, and ends at the number of distinct
    /// (institution, year) monitorings; participation counts distinct institutions.
    #[test]
    fn cumulative_series_are_consistent(
        facts in proptest::collection::vec(("[a-f]", 0usize..3, 2015i16..2021), 0..30),
    ) {
        let bts = [BusinessType::ShinkinBank, BusinessType::RegionalBank, BusinessType::CreditCooperative];
        // An institution has one business type.
        let bt_of = |org: &str| bts[(org.as_bytes()[0] - b'a') as usize % 3];
        let facts: Vec<_> = facts.into_iter().map(|(org, _, y)| monitored(&org, bt_of(&org), y)).collect();
        let t = monitored_cumulative(&facts);
        let years: Vec<i16> = t.rows.keys().copied().collect();
        prop_assert!(years.windows(2).all(|w| w[1] == w[0] + 1));
        for bt in bts {
            let series: Vec<u32> = years.iter().map(|y| t.get(*y, &bt)).collect();
            prop_assert!(series.windows(2).all(|w| w[0] <= w[1]));
        }
        let distinct: BTreeSet<(&str, i16)> = facts.iter().map(|f| (f.org_id.as_str(), f.year)).collect();
        if let Some(last) = years.last() {
            prop_assert_eq!(t.year_total(*last) as usize, distinct.len());
        } else {
            prop_assert!(facts.is_empty());
        }
        let participation: Vec<_> = facts.iter().map(|f| ParticipationFact {
            org_id: f.org_id.clone(), business_type: f.business_type, year: f.year,
        }).collect();
        let p = exercise_participation(&participation);
        for year in 2015..2021 {
            let n = distinct.iter().filter(|(_, y)| *y == year).count();
            prop_assert_eq!(p.year_total(year) as usize, n);
        }
    }
}

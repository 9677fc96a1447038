//! Invariants of the decay policy: a score never rises with age, never leaves `[0, base]`,
//! and false-positive reports never raise it.

use deltawall_stix::StixObject;
use deltawall_stix::feedback::{Aggregate, assess, decayed_score};
use proptest::prelude::*;

const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}"#;

proptest! {
    #[test]
    fn scores_fall_with_age_and_stay_in_range(base in 0.0f64..=100.0, a in 0.0f64..400.0, b in 0.0f64..400.0) {
        let (young, old) = if a <= b { (a, b) } else { (b, a) };
        let (s_young, s_old) = (decayed_score(base, young), decayed_score(base, old));
        prop_assert!(s_old <= s_young);
        prop_assert!((0.0..=base).contains(&s_old));
    }

    #[test]
    fn false_positives_never_raise_a_score(fp in 0u32..50, more in 1u32..50, support in 0u32..50, days in 0i64..300) {
        let ind = StixObject::parse(IND).unwrap();
        let now = jiff::Timestamp::from_second(1_767_225_600 + days * 86_400).unwrap();
        let with = |false_positives| Aggregate { false_positives, sighting_reports: support, ..Aggregate::default() };
        let fewer = assess(&ind, &with(fp), now).score;
        let more_fp = assess(&ind, &with(fp + more), now).score;
        prop_assert!(more_fp <= fewer);
    }
}

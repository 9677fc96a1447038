use deltawall_attack::{ReleaseDiff, TechniqueChange, TechniqueId};

use crate::releases;

fn id(s: &str) -> TechniqueId {
    TechniqueId::parse(s).expect("valid id")
}

#[test]
fn a_split_tactic_moves_its_techniques_and_revocations_name_the_replacement() {
    let (old, new) = releases();
    let diff = ReleaseDiff::between(&old, &new);
    assert_eq!(diff.tactics_added, ["stealth", "defense-impairment"]);
    assert_eq!(diff.tactics_removed, ["defense-evasion"]);
    insta::assert_json_snapshot!("diff-18.1-19.0", diff);
    assert!(diff.changes.contains(&TechniqueChange::Revoked {
        id: id("T9998"),
        replaced_by: Some(id("T1078")),
    }));
}

#[test]
fn only_mapped_techniques_are_reported_for_a_mapping_set() {
    let (old, new) = releases();
    let diff = ReleaseDiff::between(&old, &new);
    let mapped = [id("T1110.003"), id("T1562"), id("T9999")];
    let hits: Vec<String> = diff
        .affecting(&mapped)
        .iter()
        .map(|c| c.id().to_string())
        .collect();
    assert_eq!(hits, ["T1562", "T9999"]);
}

#[test]
fn a_release_compared_with_itself_changes_nothing() {
    let (old, new) = releases();
    for r in [&old, &new] {
        let diff = ReleaseDiff::between(r, r);
        assert!(diff.changes.is_empty() && diff.tactics_added.is_empty());
    }
    // going back does not re-report what the newer release had already retired
    let back = ReleaseDiff::between(&new, &old);
    assert!(back.changes.iter().all(|c| c.id() != &id("T9998")));
}

#[test]
fn a_removed_technique_is_reported() {
    let (old, mut new) = releases();
    new.techniques.remove(&id("T1657"));
    let diff = ReleaseDiff::between(&old, &new);
    assert!(
        diff.changes
            .contains(&TechniqueChange::Removed { id: id("T1657") })
    );
}

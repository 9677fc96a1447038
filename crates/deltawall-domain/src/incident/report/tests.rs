use super::*;
use crate::incident::regime::Regimes;
use crate::org::OrgKind;

const NOW: i64 = 1_793_581_200_000_000;

fn party(org: &str, kind: OrgKind, role: Role) -> Party {
    Party {
        user_id: format!("{org}-{role:?}").to_lowercase(),
        org_id: org.into(),
        org_kind: kind,
        role,
    }
}

fn staff() -> Party {
    party("bank", OrgKind::Institution, Role::Staff)
}

fn executive() -> Party {
    party("bank", OrgKind::Institution, Role::Executive)
}

fn fsa() -> Regime {
    Regimes::builtin()
        .unwrap()
        .get("fsa_incident_report")
        .unwrap()
        .clone()
}

/// Every item of the stage filled.
fn filled(regime: &Regime, stage: Stage) -> BTreeMap<String, String> {
    regime
        .stage(stage)
        .unwrap()
        .required
        .iter()
        .map(|c| (c.clone(), format!("{c} text")))
        .collect()
}

fn request(regime: &Regime, stage: Stage, at_us: i64) -> SubmitRequest<'_> {
    SubmitRequest {
        org_id: "bank",
        regime,
        stage,
        items: filled(regime, stage),
        attestation: Attestation {
            by: executive(),
            at_us,
        },
    }
}

#[test]
fn a_complete_attested_report_is_submitted_as_version_one() {
    let fsa = fsa();
    let sub = submit(request(&fsa, Stage::First, NOW), &staff(), &[], &[], NOW).unwrap();
    assert_eq!(
        (sub.version, sub.stage, &sub.review),
        (1, Stage::First, &Review::Pending)
    );
    assert_eq!(sub.submitted_by, "bank-staff");
}

#[test]
fn submission_names_the_first_empty_required_item() {
    let fsa = fsa();
    let mut req = request(&fsa, Stage::First, NOW);
    req.items.insert("customer_impact".into(), "  ".into());
    assert_eq!(
        submit(req, &staff(), &[], &[], NOW)
            .unwrap_err()
            .to_string(),
        "items.customer_impact: Effect on customers (number and nature) is required before submission"
    );
    let mut req = request(&fsa, Stage::First, NOW);
    req.items.remove("summary");
    assert!(matches!(
        submit(req, &staff(), &[], &[], NOW),
        Err(ReportRefusal::MissingItem { code, .. }) if code == "summary"
    ));
    let mut req = request(&fsa, Stage::First, NOW);
    req.items.insert("favourite_colour".into(), "blue".into());
    assert_eq!(
        submit(req, &staff(), &[], &[], NOW),
        Err(ReportRefusal::UnknownItem("favourite_colour".into()))
    );
}

#[test]
fn attestation_needs_an_executive_of_the_institution_now() {
    let fsa = fsa();
    for (by, at_us, expected) in [
        (staff(), NOW, ReportRefusal::NotAnExecutive),
        (
            party("other", OrgKind::Institution, Role::Executive),
            NOW,
            ReportRefusal::NotAnExecutive,
        ),
        (executive(), NOW + 1, ReportRefusal::StaleAttestation),
    ] {
        let mut req = request(&fsa, Stage::First, NOW);
        req.attestation = Attestation { by, at_us };
        assert_eq!(submit(req, &staff(), &[], &[], NOW), Err(expected));
    }
    let outsider = party("other", OrgKind::Institution, Role::Staff);
    assert_eq!(
        submit(request(&fsa, Stage::First, NOW), &outsider, &[], &[], NOW),
        Err(ReportRefusal::NotYours)
    );
}

#[test]
fn one_submission_per_stage_and_stages_in_order() {
    let fsa = fsa();
    assert_eq!(
        submit(request(&fsa, Stage::Interim, NOW), &staff(), &[], &[], NOW),
        Err(ReportRefusal::EarlierStageMissing(Stage::First))
    );
    let mut first = submit(request(&fsa, Stage::First, NOW), &staff(), &[], &[], NOW).unwrap();
    let again = submit(
        request(&fsa, Stage::First, NOW + 1),
        &staff(),
        std::slice::from_ref(&first),
        &[],
        NOW + 1,
    );
    assert_eq!(
        again.unwrap_err().to_string(),
        "stage: the first report was already submitted (version 1)"
    );
    // Returned: a new version may follow, attested after the return.
    let supervisor = party("fsa", OrgKind::Supervisor, Role::Staff);
    let ret = ReviewDecision::Return {
        reason: "state the number of accounts taken over".into(),
    };
    review(&mut first, ret, &supervisor, NOW + 10).unwrap();
    let stale = submit(
        request(&fsa, Stage::First, NOW + 5),
        &staff(),
        std::slice::from_ref(&first),
        &[],
        NOW + 20,
    );
    assert_eq!(stale, Err(ReportRefusal::StaleAttestation));
    let mut second = submit(
        request(&fsa, Stage::First, NOW + 15),
        &staff(),
        std::slice::from_ref(&first),
        &[],
        NOW + 20,
    )
    .unwrap();
    assert_eq!(second.version, 2);
    review(&mut second, ReviewDecision::Accept, &supervisor, NOW + 30).unwrap();
    let history = [first, second];
    assert!(matches!(
        submit(
            request(&fsa, Stage::First, NOW + 40),
            &staff(),
            &history,
            &[],
            NOW + 40
        ),
        Err(ReportRefusal::AlreadySubmitted { version: 2, .. })
    ));
    // The interim report may follow the first (any version submitted).
    assert!(
        submit(
            request(&fsa, Stage::Interim, NOW + 40),
            &staff(),
            &history,
            &[],
            NOW + 40
        )
        .is_ok()
    );
}

#[test]
fn reviews_are_by_the_supervisor_once() {
    let fsa = fsa();
    let mut sub = submit(request(&fsa, Stage::First, NOW), &staff(), &[], &[], NOW).unwrap();
    let auditor = party("fsa", OrgKind::Supervisor, Role::Auditor);
    assert_eq!(
        review(&mut sub, ReviewDecision::Accept, &auditor, NOW),
        Err(ReviewRefusal::SupervisorOnly)
    );
    assert_eq!(
        review(&mut sub, ReviewDecision::Accept, &executive(), NOW),
        Err(ReviewRefusal::SupervisorOnly)
    );
    let supervisor = party("bureau", OrgKind::Supervisor, Role::Staff);
    let blank = ReviewDecision::Return { reason: " ".into() };
    assert_eq!(
        review(&mut sub, blank, &supervisor, NOW),
        Err(ReviewRefusal::NoReason)
    );
    assert_eq!(sub.review, Review::Pending);
    review(&mut sub, ReviewDecision::Accept, &supervisor, NOW + 1).unwrap();
    assert_eq!(
        sub.review,
        Review::Accepted {
            by_user_id: "bureau-staff".into(),
            at_us: NOW + 1
        }
    );
    assert_eq!(
        review(&mut sub, ReviewDecision::Accept, &supervisor, NOW + 2),
        Err(ReviewRefusal::NotPending("accepted"))
    );
}

#[test]
fn not_reporting_needs_a_reason_and_an_executive() {
    let regimes = Regimes::builtin().unwrap();
    let dora = regimes.get("eu_dora").unwrap();
    assert_eq!(
        decide_not_to_report(dora, "bank", "no EU entity", &staff(), &[], NOW),
        Err(ReportRefusal::NotAnExecutive)
    );
    assert_eq!(
        decide_not_to_report(dora, "bank", " ", &executive(), &[], NOW),
        Err(ReportRefusal::NoReason)
    );
    let decision =
        decide_not_to_report(dora, "bank", "no entity in the EU", &executive(), &[], NOW).unwrap();
    assert_eq!(decision.executive_user_id, "bank-executive");
    let decisions = [decision];
    assert_eq!(
        decide_not_to_report(dora, "bank", "again", &executive(), &decisions, NOW),
        Err(ReportRefusal::AlreadyDecided("eu_dora".into()))
    );
    // Once decided, no report is taken under that regime.
    assert_eq!(
        submit(
            request(dora, Stage::First, NOW),
            &staff(),
            &[],
            &decisions,
            NOW
        ),
        Err(ReportRefusal::DecidedNotToReport("eu_dora".into()))
    );
}

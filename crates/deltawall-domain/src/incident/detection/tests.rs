use super::*;

/// A correlation alert as `deltawall scan` prints it (see deltawall-detect's output.rs).
const LIST_ATTACK: &str = r#"{"rule_id":"fin-list-attack-001","rule_name":"list_attack","title":"Many failed logins from one source","level":"high","author":"Deltawall","tags":["attack.credential_access","attack.t1110.004"],"kind":"correlation","first_seen":"2026-11-02T01:00:00Z","last_seen":"2026-11-02T01:04:59Z","group":{"src_ip":"203.0.113.7"},"count":412,"rule_origin":"finance/list_attack.yml"}"#;

/// A single-event match.
const MATCH: &str = r#"{"rule_id":"fin-admin-login","rule_name":null,"title":"Administrator login from abroad","level":"medium","author":"Deltawall","tags":[],"kind":"match","first_seen":"2026-11-02T02:00:00Z","last_seen":"2026-11-02T02:00:00Z","event":{"user":"admin","src_ip":"198.51.100.4","country":"XX"},"rule_origin":"finance/admin.yml"}"#;

#[test]
fn scan_output_parses_into_detections() {
    let batch = parse_batch(&format!("{LIST_ATTACK}\n{MATCH}\n"));
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let [corr, single] = batch.detections.as_slice() else {
        panic!("two detections expected")
    };
    assert_eq!(corr.rule_key, "fin-list-attack-001");
    assert_eq!(corr.kind, AlertKind::Correlation);
    assert_eq!(corr.level, Some(Level::High));
    assert_eq!(corr.group_key, "src_ip=203.0.113.7");
    assert_eq!(corr.count, Some(412));
    assert_eq!(corr.first_seen_us, Some(1_793_581_200_000_000));
    assert_eq!(single.kind, AlertKind::Match);
    assert_eq!(single.group_key, "");
    assert!(corr.id.starts_with("det-") && corr.id.len() == 36);
    assert_ne!(corr.id, single.id);
}

#[test]
fn a_resend_has_the_same_ids() {
    let first = parse_batch(LIST_ATTACK);
    // Same alert with the fields in another order and the event keys shuffled.
    let reordered: Value = serde_json::from_str(LIST_ATTACK).unwrap();
    let again = parse_batch(&format!("[{reordered}]"));
    assert_eq!(first.detections[0].id, again.detections[0].id);
    let shuffled = r#"{"kind":"match","title":"Administrator login from abroad","rule_id":"fin-admin-login","first_seen":"2026-11-02T02:00:00Z","last_seen":"2026-11-02T02:00:00Z","event":{"country":"XX","src_ip":"198.51.100.4","user":"admin"}}"#;
    assert_eq!(
        parse_batch(MATCH).detections[0].id,
        parse_batch(shuffled).detections[0].id
    );
    // Within one batch the repeat is counted, not kept.
    let twice = parse_batch(&format!("{LIST_ATTACK}\n{LIST_ATTACK}"));
    assert_eq!((twice.detections.len(), twice.duplicates_in_batch), (1, 1));
}

#[test]
fn the_id_changes_with_rule_group_and_window() {
    let base = stable_id("r", "src_ip=1", Some(1), Some(2));
    for other in [
        stable_id("r2", "src_ip=1", Some(1), Some(2)),
        stable_id("r", "src_ip=2", Some(1), Some(2)),
        stable_id("r", "src_ip=1", Some(1), Some(3)),
        stable_id("r", "src_ip=1", None, Some(2)),
        // Length prefixes: moving a character between parts changes the id.
        stable_id("rs", "rc_ip=1", Some(1), Some(2)),
    ] {
        assert_ne!(base, other);
    }
}

#[test]
fn ids_lead_with_the_window_start_and_sort_by_it() {
    // 2026-11-02T01:00:00Z is 1_793_581_200 s, 0x6ae7_e090 as ten hex digits.
    let id = stable_id(
        "r",
        "src_ip=1",
        Some(1_793_581_200_000_000),
        Some(1_793_581_500_000_000),
    );
    assert_eq!(&id[..14], "det-006ae7e090");
    assert_eq!(id.len(), 36);
    let later = stable_id("a", "src_ip=0", Some(1_793_581_201_000_000), None);
    assert!(id < later, "{id} sorts before {later}");
    // No start: the last event's time; neither: zero. A negative time is clamped to zero.
    assert_eq!(
        &stable_id("r", "", None, Some(16_000_000))[..14],
        "det-0000000010"
    );
    assert_eq!(&stable_id("r", "", None, None)[..14], "det-0000000000");
    assert_eq!(&stable_id("r", "", Some(-5), None)[..14], "det-0000000000");
    assert_eq!(
        &stable_id("r", "", Some(i64::MAX), None)[..14],
        "det-ffffffffff"
    );
}

#[track_caller]
fn check_rejected(body: &str, expected: &[(usize, &str)]) {
    let batch = parse_batch(body);
    let got: Vec<(usize, &str)> = batch
        .rejected
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((line, reason), (want_line, want)) in got.iter().zip(expected) {
        assert_eq!(line, want_line, "{reason}");
        assert!(reason.contains(want), "{reason:?} should contain {want:?}");
    }
}

#[test]
fn bad_lines_are_reported_and_never_stop_the_batch() {
    let body = format!(
        "{LIST_ATTACK}\nnot json\n\n{{\"kind\":\"match\"}}\n[1]\n{MATCH}\n\
         {{\"title\":\"t\",\"kind\":\"other\"}}\n\
         {{\"title\":\"t\",\"kind\":\"match\",\"level\":\"severe\"}}\n\
         {{\"title\":\"t\",\"kind\":\"match\",\"first_seen\":\"yesterday\"}}\n\
         {{\"title\":\"t\",\"kind\":\"match\",\"first_seen\":\"2026-01-02T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"}}\n\
         {{\"title\":\"t\",\"kind\":\"correlation\",\"group\":[1]}}\n\
         {{\"title\":\"t\",\"kind\":\"correlation\",\"count\":-1}}\n\
         {{\"title\":7,\"kind\":\"match\"}}\n"
    );
    check_rejected(
        &body,
        &[
            (2, "not JSON (column"),
            (4, "title: is required"),
            (5, "not a JSON object"),
            (7, "kind: \"other\""),
            (8, "level: \"severe\""),
            (9, "first_seen: \"yesterday\""),
            (10, "last_seen: is before first_seen"),
            (11, "group: must be an object"),
            (12, "count: must be a non-negative integer"),
            (13, "title: must be a string"),
        ],
    );
    assert_eq!(parse_batch(&body).detections.len(), 2);
}

#[test]
fn arrays_report_positions_and_syntax_errors_by_line() {
    check_rejected(
        &format!("[{LIST_ATTACK},\n {{\"kind\":\"match\"}}]"),
        &[(2, "title: is required")],
    );
    check_rejected(
        "[\n{\"a\":1},\n{oops}\n]",
        &[(3, "not a JSON array of alerts")],
    );
    let long = format!(
        "{{\"title\":\"{}\",\"kind\":\"match\"}}",
        "x".repeat(MAX_LINE_BYTES)
    );
    check_rejected(&long, &[(1, "longer than")]);
}

#[test]
fn triage_moves_forward_only() {
    use Triage::*;
    let ack = TriageCommand::Acknowledge;
    let fp = TriageCommand::FalsePositive {
        reason: "test traffic".into(),
    };
    let esc = TriageCommand::Escalate {
        case_id: "case-1".into(),
    };
    for (state, command, expected) in [
        (New, &ack, Ok(Acknowledged)),
        (Acknowledged, &fp, Ok(FalsePositive)),
        (Acknowledged, &esc, Ok(Escalated)),
        (
            New,
            &fp,
            Err("a detection that is new cannot be closed as a false positive"),
        ),
        (
            New,
            &esc,
            Err("a detection that is new cannot be escalated"),
        ),
        (
            Acknowledged,
            &ack,
            Err("a detection that is acknowledged cannot be acknowledged"),
        ),
        (
            Escalated,
            &fp,
            Err("a detection that is escalated cannot be closed as a false positive"),
        ),
        (
            FalsePositive,
            &ack,
            Err("a detection that is false_positive cannot be acknowledged"),
        ),
    ] {
        assert_eq!(
            triage(state, command).map_err(|e| e.to_string()),
            expected.map_err(str::to_owned),
            "{state:?} {command:?}"
        );
    }
    let blank = TriageCommand::FalsePositive { reason: " ".into() };
    assert_eq!(triage(Acknowledged, &blank), Err(TriageRefusal::NoReason));
    let no_case = TriageCommand::Escalate {
        case_id: String::new(),
    };
    assert_eq!(triage(Acknowledged, &no_case), Err(TriageRefusal::NoCase));
    for t in Triage::ALL {
        assert_eq!(Triage::from_code(t.code()), Some(*t));
        assert_ne!(t.label("ja"), t.label("en"));
    }
}

proptest::proptest! {
    /// No input panics, and every non-blank line is accounted for exactly once.
    #[test]
    fn every_line_is_accounted_for(lines in proptest::collection::vec("[ -~]{0,40}", 0..20)) {
        let body = lines.join("\n");
        let batch = parse_batch(&body);
        if !body.trim_start().starts_with('[') {
            let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
            proptest::prop_assert_eq!(
                batch.detections.len() + batch.duplicates_in_batch + batch.rejected.len(),
                non_blank
            );
        }
    }
}

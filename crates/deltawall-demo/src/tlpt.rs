//! The demo's ATT&CK coverage and TLPT (issue 17): a small Enterprise release we write
//! ourselves (real technique ids with their short names, none of MITRE's descriptions), and
//! one engagement of the major banking group that has passed its closure gate and sits in
//! the remediation-plan phase, with its scenarios, every step's outcome and a finding for
//! each gap. The engagement is driven through the domain's commands (so every gate's
//! requirements were met, in order) and its history is stored as it would be by the
//! service; the gaps' findings are raised through the service's one path.

use deltawall_app::Ctx;
use deltawall_domain::role::Role;
use deltawall_domain::tlpt::{
    Command, Deadlines, Engagement, Member, Outcome, ReportKind, Scenario, Step, TlptRole,
};
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::{Store, Tx};
use serde_json::{Value, json};

const DAY_US: i64 = 86_400_000_000;

/// Tactics in matrix order: (id, short name, name).
const TACTICS: &[(&str, &str, &str)] = &[
    ("TA0001", "initial-access", "Initial Access"),
    ("TA0002", "execution", "Execution"),
    ("TA0005", "defense-evasion", "Defense Evasion"),
    ("TA0006", "credential-access", "Credential Access"),
    ("TA0008", "lateral-movement", "Lateral Movement"),
    ("TA0010", "exfiltration", "Exfiltration"),
    ("TA0040", "impact", "Impact"),
];

/// Techniques: (id, name, tactics). Sub-techniques follow their parent.
const TECHNIQUES: &[(&str, &str, &[&str])] = &[
    ("T1566", "Phishing", &["initial-access"]),
    (
        "T1190",
        "Exploit Public-Facing Application",
        &["initial-access"],
    ),
    (
        "T1078",
        "Valid Accounts",
        &["initial-access", "defense-evasion"],
    ),
    ("T1059", "Command and Scripting Interpreter", &["execution"]),
    ("T1562", "Impair Defenses", &["defense-evasion"]),
    ("T1070", "Indicator Removal", &["defense-evasion"]),
    ("T1110", "Brute Force", &["credential-access"]),
    ("T1110.001", "Password Guessing", &["credential-access"]),
    ("T1110.003", "Password Spraying", &["credential-access"]),
    ("T1110.004", "Credential Stuffing", &["credential-access"]),
    ("T1021", "Remote Services", &["lateral-movement"]),
    ("T1041", "Exfiltration Over C2 Channel", &["exfiltration"]),
    ("T1486", "Data Encrypted for Impact", &["impact"]),
    ("T1498", "Network Denial of Service", &["impact"]),
    ("T1499", "Endpoint Denial of Service", &["impact"]),
    ("T1499.002", "Service Exhaustion Flood", &["impact"]),
    ("T1657", "Financial Theft", &["impact"]),
];

fn stix_id(kind: &str, n: usize) -> String {
    format!("{kind}--00000000-0000-4000-8000-{n:012}")
}

fn external(id: &str) -> Value {
    json!([{"source_name": "mitre-attack", "external_id": id}])
}

/// The demo release as an Enterprise STIX 2.1 bundle, in the shape the importer reads.
pub(crate) fn bundle() -> String {
    let domains = json!(["enterprise-attack"]);
    let mut objects = vec![
        json!({"type": "x-mitre-collection", "spec_version": "2.1", "id": stix_id("x-mitre-collection", 1),
            "name": "Deltawall demo enterprise release (our own data, not MITRE's)", "x_mitre_version": "18.1"}),
        json!({"type": "x-mitre-matrix", "spec_version": "2.1", "id": stix_id("x-mitre-matrix", 1),
            "name": "Demo Enterprise", "external_references": external("enterprise-attack"),
            "x_mitre_domains": domains,
            "tactic_refs": (0..TACTICS.len()).map(|i| stix_id("x-mitre-tactic", i + 1)).collect::<Vec<_>>()}),
    ];
    for (i, (id, short, name)) in TACTICS.iter().enumerate() {
        objects.push(json!({"type": "x-mitre-tactic", "spec_version": "2.1",
            "id": stix_id("x-mitre-tactic", i + 1), "name": name, "x_mitre_shortname": short,
            "external_references": external(id), "x_mitre_domains": domains}));
    }
    for (i, (id, name, tactics)) in TECHNIQUES.iter().enumerate() {
        let phases: Vec<Value> = tactics
            .iter()
            .map(|t| json!({"kill_chain_name": "mitre-attack", "phase_name": t}))
            .collect();
        objects.push(json!({"type": "attack-pattern", "spec_version": "2.1",
            "id": stix_id("attack-pattern", i + 1), "name": name,
            "external_references": external(id), "kill_chain_phases": phases,
            "x_mitre_version": "1.0", "x_mitre_domains": domains,
            "x_mitre_is_subtechnique": id.contains('.')}));
        if let Some((parent, _)) = id.split_once('.') {
            let p = TECHNIQUES
                .iter()
                .position(|(t, _, _)| *t == parent)
                .expect("a sub-technique's parent is listed");
            objects.push(json!({"type": "relationship", "spec_version": "2.1",
                "id": stix_id("relationship", i + 1), "relationship_type": "subtechnique-of",
                "source_ref": stix_id("attack-pattern", i + 1),
                "target_ref": stix_id("attack-pattern", p + 1)}));
        }
    }
    json!({"type": "bundle", "id": stix_id("bundle", 1), "objects": objects}).to_string()
}

/// The engagement's people: users of the group's holding company, and the FSA observer.
pub(crate) struct Team<'a> {
    /// The holding company.
    pub org: &'a str,
    /// Control team (its lead starts the engagement).
    pub control: &'a str,
    /// Red team.
    pub red: &'a str,
    /// Blue team (the SOC).
    pub blue: &'a str,
    /// Threat-intelligence provider.
    pub ti: &'a str,
    /// The FSA's observer.
    pub observer: &'a str,
}

fn step(technique: &str, tactic: &str, description: &str) -> Step {
    Step::planned(technique, Some(tactic), description)
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "インターネットバンキングからの不正送金".into(),
            critical_function: "インターネットバンキング".into(),
            attack_version: "18.1".into(),
            steps: vec![
                step(
                    "T1566",
                    "initial-access",
                    "取引先を装ったメールで行員端末に侵入",
                ),
                step(
                    "T1110.003",
                    "credential-access",
                    "管理画面へのパスワードスプレー",
                ),
                step(
                    "T1078",
                    "defense-evasion",
                    "窃取した運用担当者アカウントでログイン",
                ),
                step("T1657", "impact", "送金指図の改ざんを試行"),
            ],
        },
        Scenario {
            name: "勘定系への横展開".into(),
            critical_function: "勘定系システム".into(),
            attack_version: "18.1".into(),
            steps: vec![
                step(
                    "T1021",
                    "lateral-movement",
                    "運用端末から勘定系中継サーバへ RDP",
                ),
                step("T1562", "defense-evasion", "EDR エージェントの停止"),
                step("T1041", "exfiltration", "顧客データの持ち出しを模擬"),
            ],
        },
    ]
}

/// Outcomes by (scenario, step): three gaps, two of them with no rule in the pack.
const OUTCOMES: &[(usize, usize, Outcome)] = &[
    (0, 0, Outcome::Alerted),
    (0, 1, Outcome::PreventedAndAlerted),
    (0, 2, Outcome::Undetected),
    (0, 3, Outcome::PreventedAndAlerted),
    (1, 0, Outcome::Undetected),
    (1, 1, Outcome::Prevented),
    (1, 2, Outcome::Alerted),
];

/// The commands that take the engagement from preparation through its closure gate, each
/// with who gives it.
fn commands(t: &Team<'_>) -> Vec<(String, Command)> {
    let who = |s: &str| s.to_owned();
    let member = |user_id: &str, role| Command::AddMember {
        member: Member {
            user_id: user_id.to_owned(),
            role,
        },
    };
    let report = |kind, document: &str| Command::SubmitReport {
        kind,
        document: document.to_owned(),
    };
    let mut c = vec![
        (who(t.control), member(t.red, TlptRole::RedTeam)),
        (who(t.control), member(t.blue, TlptRole::BlueTeam)),
        (who(t.control), member(t.ti, TlptRole::ThreatIntelligence)),
        (
            who(t.control),
            member(t.observer, TlptRole::SupervisorObserver),
        ),
    ];
    for name in ["インターネットバンキング", "勘定系システム"] {
        c.push((
            who(t.control),
            Command::AddCriticalFunction { name: name.into() },
        ));
    }
    c.push((who(t.control), Command::PassGate));
    c.push((
        who(t.ti),
        report(
            ReportKind::ThreatIntelligence,
            "TTI-2026-01 脅威インテリジェンス報告書",
        ),
    ));
    c.push((who(t.control), Command::PassGate));
    for scenario in scenarios() {
        c.push((who(t.red), Command::AddScenario { scenario }));
    }
    c.push((who(t.control), Command::PassGate));
    c
}

/// Stores the demo release and the engagement in `tx`. The findings of the gaps are raised
/// as the service raises them when its control team passes the closure gate.
pub(crate) async fn seed(store: &Store, tx: &mut Tx, t: &Team<'_>, now: i64) -> anyhow::Result<()> {
    let release = deltawall_attack::import_bundle(&bundle())?;
    deltawall_store::attack::insert_release(tx, &release, t.control, now - 200 * DAY_US).await?;
    let mut at = now - 120 * DAY_US;
    let title = "TLPT 2026 みずなみFG".to_owned();
    let mut e = Engagement::start(title, t.control.to_owned(), Deadlines::default(), at);
    let id = deltawall_store::tlpt::create(tx, t.org, &e, t.control, at).await?;
    let mut seq = 0;
    let mut run = async |e: &mut Engagement, actor: &str, c: Command, at: i64| {
        let (next, event) = e.apply(actor, c, at)?;
        seq = deltawall_store::tlpt::append(tx, &id, seq, &next, &event).await?;
        *e = next;
        anyhow::Ok(seq)
    };
    for (actor, c) in commands(t) {
        at += 3 * DAY_US;
        run(&mut e, &actor, c, at).await?;
    }
    for (scenario, step, outcome) in OUTCOMES {
        at += DAY_US / 2;
        let c = Command::RecordOutcome {
            scenario: *scenario,
            step: *step,
            outcome: *outcome,
            started_us: at - 3_600_000_000,
            ended_us: at - 1_800_000_000,
            blue_notes: Some(format!("SOC チケット INC-{:03}", scenario * 10 + step)),
        };
        run(&mut e, t.control, c, at).await?;
    }
    let report = |kind, document: &str| Command::SubmitReport {
        kind,
        document: document.to_owned(),
    };
    at = now - 20 * DAY_US;
    run(
        &mut e,
        t.red,
        report(ReportKind::RedTeam, "RT-2026-01 レッドチーム報告書"),
        at,
    )
    .await?;
    run(&mut e, t.control, Command::PassGate, at + DAY_US).await?;
    run(
        &mut e,
        t.blue,
        report(ReportKind::BlueTeam, "BT-2026-01 ブルーチーム報告書"),
        at + 5 * DAY_US,
    )
    .await?;
    let seq = run(&mut e, t.control, Command::PassGate, now - 7 * DAY_US).await?;
    let actor = Actor {
        user_id: t.control.to_owned(),
        org_id: t.org.to_owned(),
        org_kind: OrgKind::Institution,
        reach: None,
        role: Role::Admin,
        token_scope: None,
        token_id: None,
    };
    let ctx = Ctx {
        store,
        actor: &actor,
        ip: None,
    };
    deltawall_app::tlpt::raise_gap_findings(ctx, tx, &id, t.org, e, seq).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_release_imports_with_every_technique_and_its_parent() {
        let r = deltawall_attack::import_bundle(&super::bundle()).expect("imports");
        assert_eq!(r.version, "18.1");
        assert_eq!(r.techniques.len(), super::TECHNIQUES.len());
        assert_eq!(r.tactics.len(), super::TACTICS.len());
        let sub = deltawall_attack::TechniqueId::parse("T1110.003").unwrap();
        let parent = r.technique(&sub).and_then(|t| t.parent.clone());
        assert_eq!(parent.map(|p| p.to_string()).as_deref(), Some("T1110"));
    }
}

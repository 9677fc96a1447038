//! The demo's incident story (issue 13, item 7), played through the app's services so that
//! every step is validated and audited as a user's would be.
//!
//! A list-type attack on the regional bank: `deltawall gen-logs` output for a day thirteen
//! days ago, scanned the next morning by the engine `deltawall scan` runs, lands in the
//! bank's detections inbox; the SOC opens a case from the list-attack detections and takes it through every
//! phase to closed, with tasks, the customer-response log and observables; the CISO
//! submits the FSA's first, interim and final reports, each accepted by the FSA; the
//! attack's addresses are shared to the ISAC at TLP:AMBER. Then a ransom DDoS wave three
//! days ago, declared a large incident by the FSA, with a coordination room of five
//! members, their status board and relay messages.
//!
//! The story is played at its own times: the services read a [`Clock`], which is moved to
//! each moment before the step that happens then.

use deltawall_app::Ctx;
use deltawall_app::detections::{self, ListQuery};
use deltawall_app::incidents::{cases, reports, rooms, share, work};
use deltawall_app::supervision::clock::Clock;
use deltawall_detect::generator::{GenConfig, generate};
use deltawall_detect::input::{Format, SyslogParser};
use deltawall_detect::pipeline::{ScanOptions, scan};
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::Store;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Who plays the story: organisations and the users who act for them.
pub(crate) struct Cast<'a> {
    /// The regional bank attacked.
    pub bank: &'a str,
    /// Its CISO, who attests the regulator reports.
    pub ciso: &'a str,
    /// Its SOC analyst, who runs the case.
    pub soc: &'a str,
    /// The FSA.
    pub fsa: &'a str,
    /// The FSA's monitoring staff member, who reviews the reports and declares the room.
    pub fsa_staff: &'a str,
    /// The Financials ISAC and its analyst.
    pub isac: (&'a str, &'a str),
    /// The regional banks' association and its secretariat.
    pub assoc: (&'a str, &'a str),
    /// Two more institutions hit by the DDoS wave, with a user of each.
    pub others: [(&'a str, &'a str); 2],
}

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// The story's days and the clock its services read.
struct Story {
    clock: Clock,
    /// The first instant of the attack day in Japan, Unix µs.
    day0: i64,
}

impl Story {
    /// A story whose case day is `days_ago` days before today in Japan.
    fn new(days_ago: i64) -> anyhow::Result<Story> {
        let clock = Clock::default();
        let today = deltawall_domain::jst::today(clock.now_us());
        let day = today.checked_sub(jiff::Span::new().days(days_ago))?;
        let day0 = deltawall_domain::jst::start_of_day_us(day);
        Ok(Story { clock, day0 })
    }

    fn us(&self, day: i64, hour: i64, minute: i64) -> i64 {
        self.day0 + day * DAY_US + hour * HOUR_US + minute * 60_000_000
    }

    /// Moves the clock to `day` days after the case day, at `hour:minute` Japan time.
    fn at(&self, day: i64, hour: i64, minute: i64) {
        self.clock
            .advance(self.us(day, hour, minute) - self.clock.now_us());
    }

    /// The Japan date `day` days after the case day, `YYYY-MM-DD`.
    fn date(&self, day: i64) -> String {
        jst(self.us(day, 0, 0), "%Y-%m-%d")
    }

    /// A Japan time `YYYY-MM-DDTHH:MM` on `day` days after the case day.
    fn time(&self, day: i64, hour: i64, minute: i64) -> String {
        jst(self.us(day, hour, minute), "%Y-%m-%dT%H:%M")
    }
}

fn jst(us: i64, format: &str) -> String {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| {
            deltawall_domain::jst::OFFSET
                .to_datetime(t)
                .strftime(format)
                .to_string()
        })
        .unwrap_or_default()
}

fn actor(org: &str, user: &str, kind: OrgKind, role: Role) -> Actor {
    let reach = (kind == OrgKind::Supervisor).then_some(SupervisorReach::National);
    Actor {
        user_id: user.to_owned(),
        org_id: org.to_owned(),
        org_kind: kind,
        reach,
        role,
        token_scope: None,
        token_id: None,
    }
}

fn ctx<'a>(store: &'a Store, actor: &'a Actor) -> Ctx<'a> {
    Ctx {
        store,
        actor,
        ip: None,
    }
}

/// A scratch directory for the generated logs, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `deltawall gen-logs` for the attack day and scans the files with the built-in
/// finance rule pack, as `deltawall scan` does; returns the alerts as the JSON lines it
/// prints.
fn gen_and_scan(date: &str) -> anyhow::Result<Vec<Value>> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("deltawall-demo-{}-{nanos}", std::process::id()));
    let scratch = Scratch(dir.clone());
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        anyhow::bail!("bad demo date {date}");
    };
    let config = GenConfig {
        seed: 13,
        // The fewest customers the generator plants every attack among: a small day.
        customers: 500,
        sessions: Some(600),
        date: (y, u32::try_from(m)?, u32::try_from(d)?),
        out: dir.clone(),
    };
    generate(&config)?;
    let alerts = scan_dir(&scratch.0)?;
    drop(scratch);
    Ok(alerts)
}

fn scan_dir(dir: &Path) -> anyhow::Result<Vec<Value>> {
    let (set, _) = load_rules(&RuleSource::Builtin)?;
    let (mut engine, _) = deltawall_sigma::Engine::new_partial(&set, engine_config(60_000_000));
    let opts = ScanOptions {
        inputs: ["auth.jsonl", "payments.jsonl", "web.log"]
            .iter()
            .map(|f| dir.join(f))
            .collect(),
        format: Format::Auto,
        follow: false,
        syslog: SyslogParser::default(),
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    let mut alerts = Vec::new();
    scan(&mut engine, &opts, &mut |a| {
        alerts.push(deltawall_detect::output::alert_json(a));
        Ok(())
    })?;
    Ok(alerts)
}

/// Whether a rule title names a list-type attack (credential stuffing or spraying).
pub(crate) fn is_list_attack(title: &str) -> bool {
    let t = title.to_ascii_lowercase();
    t.contains("stuffing") || t.contains("spraying")
}

/// The source addresses the list-attack alerts name, at most `n`.
fn attack_sources(alerts: &[Value], n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in alerts
        .iter()
        .filter(|a| is_list_attack(a["title"].as_str().unwrap_or("")))
    {
        let ip = a["group"]["source.ip"]
            .as_str()
            .or_else(|| a["event"]["source"]["ip"].as_str());
        if let Some(ip) = ip
            && ip.parse::<std::net::Ipv4Addr>().is_ok()
            && !out.iter().any(|o| o == ip)
        {
            out.push(ip.to_owned());
        }
    }
    out.truncate(n);
    out
}

/// The scan's alerts into the bank's inbox, as `deltawall scan --send` delivers them;
/// returns the ids of the list-attack detections.
async fn detections_in(
    store: &Store,
    soc: &Actor,
    alerts: &[Value],
) -> anyhow::Result<Vec<String>> {
    let body: String = alerts.iter().map(|a| format!("{a}\n")).collect();
    let report = detections::ingest(ctx(store, soc), &body).await?;
    anyhow::ensure!(
        report.rejected == 0,
        "the demo's detections were refused: {:?}",
        report.errors
    );
    let mut ids = Vec::new();
    let mut q = ListQuery {
        limit: Some(500),
        ..ListQuery::default()
    };
    loop {
        let page = detections::list(ctx(store, soc), &q).await?;
        ids.extend(
            page.items
                .iter()
                .filter(|d| is_list_attack(&d.title))
                .map(|d| d.id.clone()),
        );
        match page.next {
            Some(next) => q.cursor = Some(next),
            None => return Ok(ids),
        }
    }
}

/// Applies one case command (a phase or a note) from the version stored now.
async fn command(
    store: &Store,
    s: &Story,
    who: &Actor,
    case: &str,
    c: Value,
) -> anyhow::Result<()> {
    let version = work::detail(ctx(store, who), &s.clock, case)
        .await?
        .case
        .version;
    let mut c = c;
    c["version"] = json!(version);
    let input: cases::CommandInput = serde_json::from_value(c)?;
    cases::change(ctx(store, who), &s.clock, case, &input).await?;
    Ok(())
}

async fn phase(store: &Store, s: &Story, who: &Actor, case: &str, p: &str) -> anyhow::Result<()> {
    command(
        store,
        s,
        who,
        case,
        json!({"command": "enter_phase", "code": p}),
    )
    .await
}

/// Records when a milestone happened, which starts the report clocks that wait on it.
async fn milestone(
    store: &Store,
    s: &Story,
    who: &Actor,
    case: &str,
    code: &str,
    at: String,
) -> anyhow::Result<()> {
    let cmd = json!({"command": "record_milestone", "code": code, "at": at});
    command(store, s, who, case, cmd).await
}

/// The CISO submits a report stage; returns the submission's id.
async fn submit(
    store: &Store,
    s: &Story,
    ciso: &Actor,
    case: &str,
    input: Value,
) -> anyhow::Result<String> {
    let input: reports::SubmitInput = serde_json::from_value(input)?;
    Ok(reports::submit(ctx(store, ciso), &s.clock, case, &input).await?)
}

/// The FSA's staff accepts a submission.
async fn accept(store: &Store, s: &Story, fsa: &Actor, id: &str) -> anyhow::Result<()> {
    let accept = reports::ReviewInput {
        decision: "accept".into(),
        reason: String::new(),
    };
    reports::review(ctx(store, fsa), &s.clock, id, &accept).await?;
    Ok(())
}

/// What the case's first three days hold: triage, observables, tasks, the first report,
/// containment and the customer response.
async fn first_days(
    store: &Store,
    s: &Story,
    who: (&Actor, &Actor, &Actor),
    case: &str,
    sources: &[String],
) -> anyhow::Result<Vec<String>> {
    let (soc, ciso, fsa) = who;
    s.at(0, 10, 40);
    phase(store, s, soc, case, "triage").await?;
    let note = "不正ログイン試行は特定の /24 と複数の送信元から。成功したログインの口座を調査中";
    command(
        store,
        s,
        soc,
        case,
        json!({"command": "add_note", "text": note}),
    )
    .await?;
    for ip in sources {
        let o = json!({"kind": "ip", "value": ip, "note": "リスト型攻撃の送信元"});
        work::add_observable(ctx(store, soc), &s.clock, case, &serde_json::from_value(o)?).await?;
    }
    let o = json!({"kind": "account", "value": "0012345", "note": "不正ログインされた口座"});
    work::add_observable(ctx(store, soc), &s.clock, case, &serde_json::from_value(o)?).await?;
    s.at(0, 11, 0);
    let tasks = [
        ("送信元アドレスの遮断 / block the source addresses", 0),
        (
            "不正ログイン口座の利用停止と顧客連絡 / suspend and call the accounts",
            1,
        ),
        ("パスワード再設定の案内 / password reset notice", 3),
    ];
    for (title, due) in tasks {
        let t = json!({"title": title, "owner_user_id": soc.user_id, "due_on": s.date(due)});
        work::add_task(ctx(store, soc), &s.clock, case, &serde_json::from_value(t)?).await?;
    }
    s.at(0, 11, 30);
    let first = json!({"regime": "fsa_incident_report", "stage": "first", "attest": true, "items": {
        "summary": "インターネットバンキングへのリスト型攻撃（不正ログイン 37 件）",
        "recognised_at": format!("{} 10:15 前日のログの分析で検知", s.date(0)),
        "affected_services": "インターネットバンキング（ログイン遅延）",
        "customer_impact": "37 口座に不正ログイン、うち 2 口座で不正送金未遂",
        "response": "送信元アドレスを遮断、該当口座を利用停止", "contact": "CSIRT 011-000-0000"}});
    let first = submit(store, s, ciso, case, first).await?;
    s.at(0, 12, 0);
    phase(store, s, soc, case, "containment").await?;
    customers(store, s, soc, case, 0).await?;
    s.at(0, 16, 0);
    accept(store, s, fsa, &first).await?;
    Ok(work::detail(ctx(store, soc), &s.clock, case)
        .await?
        .tasks
        .iter()
        .map(|t| t.id.clone())
        .collect())
}

/// Inquiries per day by channel and the notice to customers.
async fn customers(
    store: &Store,
    s: &Story,
    soc: &Actor,
    case: &str,
    day: i64,
) -> anyhow::Result<()> {
    let lines = if day == 0 {
        vec![
            json!({"kind": "notice", "channel": "website", "text": "不正ログインに関するお知らせ",
                "published_at": s.time(0, 15, 0), "url": "https://www.example.jp/news/notice"}),
            json!({"kind": "inquiries", "day": s.date(0), "channel": "phone", "inquiries": 42, "text": "ログインできない"}),
            json!({"kind": "inquiries", "day": s.date(0), "channel": "web", "inquiries": 15}),
        ]
    } else {
        vec![
            json!({"kind": "inquiries", "day": s.date(day), "channel": "phone", "inquiries": 18}),
            json!({"kind": "inquiries", "day": s.date(day), "channel": "branch", "inquiries": 6}),
        ]
    };
    // The notice day's lines are logged once the notice is out, the next day's at its end.
    let (hour, minute) = if day == 0 { (15, 10) } else { (17, 10) };
    s.at(day, hour, minute);
    for l in lines {
        let input: work::CustomerInput = serde_json::from_value(l)?;
        work::log_customer(ctx(store, soc), &s.clock, case, &input).await?;
    }
    Ok(())
}

/// Recovery, the root cause, the interim and final reports, the indicators shared to the
/// ISAC and the closing.
async fn later_days(
    store: &Store,
    s: &Story,
    who: (&Actor, &Actor, &Actor),
    case: &str,
    tasks: &[String],
) -> anyhow::Result<()> {
    let (soc, ciso, fsa) = who;
    s.at(1, 9, 0);
    phase(store, s, soc, case, "eradication").await?;
    for t in tasks.iter().take(2) {
        work::complete_task(ctx(store, soc), &s.clock, case, t).await?;
    }
    s.at(1, 17, 0);
    phase(store, s, soc, case, "recovery").await?;
    milestone(store, s, soc, case, "recovered", s.time(1, 16, 30)).await?;
    customers(store, s, soc, case, 1).await?;
    s.at(1, 18, 0);
    let interim = json!({"regime": "fsa_incident_report", "stage": "interim", "attest": true, "items": {
        "summary": "リスト型攻撃への対応が完了し、サービスは通常に復旧",
        "recovery": format!("{} 16:30 ログイン遅延が解消", s.date(1)),
        "customer_response": "お知らせを掲載、問合せ 81 件に対応", "contact": "CSIRT 011-000-0000"}});
    let interim = submit(store, s, ciso, case, interim).await?;
    s.at(2, 10, 0);
    accept(store, s, fsa, &interim).await?;
    s.at(4, 16, 0);
    milestone(
        store,
        s,
        soc,
        case,
        "root_cause_identified",
        s.time(4, 11, 0),
    )
    .await?;
    phase(store, s, soc, case, "recurrence_prevention").await?;
    if let Some(t) = tasks.get(2) {
        work::complete_task(ctx(store, soc), &s.clock, case, t).await?;
    }
    s.at(4, 17, 0);
    let last = json!({"regime": "fsa_incident_report", "stage": "final", "attest": true, "items": {
        "summary": "他サイトから流出した ID・パスワードによるリスト型攻撃",
        "root_cause": "ログインに多要素認証が必須でなく、試行回数の制限が口座単位のみだった",
        "recurrence_prevention": "全顧客に多要素認証を必須化、送信元単位の試行制限を導入",
        "customer_response": "対象 37 口座の顧客へ個別連絡済み", "contact": "CSIRT 011-000-0000"}});
    let last = submit(store, s, ciso, case, last).await?;
    s.at(5, 11, 0);
    accept(store, s, fsa, &last).await?;
    s.at(5, 14, 0);
    share_to_isac(store, s, soc, case).await?;
    s.at(6, 10, 0);
    phase(store, s, soc, case, "closed").await
}

/// The case's addresses (not the account: accounts are never shared) to the ISAC's
/// collection at TLP:AMBER.
async fn share_to_isac(store: &Store, s: &Story, soc: &Actor, case: &str) -> anyhow::Result<()> {
    let d = work::detail(ctx(store, soc), &s.clock, case).await?;
    let ids: Vec<String> = d
        .observables
        .iter()
        .filter(|o| o.shareable)
        .map(|o| o.id.clone())
        .collect();
    let colls = deltawall_app::sharing::taxii::collections(&ctx(store, soc), "isac").await?;
    let coll = colls
        .first()
        .ok_or_else(|| anyhow::anyhow!("the demo's isac root has no collection"))?;
    let input = share::ShareInput {
        observable_ids: ids,
        tlp: Some("amber".into()),
        root: "isac".into(),
        collection: coll.id.clone(),
        name_institution: false,
    };
    share::share(ctx(store, soc), &s.clock, case, &input, 1 << 20).await?;
    Ok(())
}

/// The list-type attack on the bank, from the scan to the closed case; returns the case id.
async fn list_attack(store: &Store, c: &Cast<'_>) -> anyhow::Result<()> {
    let s = Story::new(12)?;
    let soc = actor(c.bank, c.soc, OrgKind::Institution, Role::Staff);
    let ciso = actor(c.bank, c.ciso, OrgKind::Institution, Role::Executive);
    let fsa = actor(c.fsa, c.fsa_staff, OrgKind::Supervisor, Role::Staff);
    // The bank scans each day's logs the next morning: the attack was the day before.
    let alerts = gen_and_scan(&s.date(-1))?;
    let sources = attack_sources(&alerts, 3);
    s.at(0, 10, 20);
    let mut found = detections_in(store, &soc, &alerts).await?;
    found.truncate(cases::MAX_DETECTIONS);
    anyhow::ensure!(!found.is_empty(), "the demo scan found no list-type attack");
    s.at(0, 10, 30);
    let case: cases::CaseInput = serde_json::from_value(json!({
        "title": "インターネットバンキングへのリスト型攻撃", "category": "list_attack_login",
        "summary": "前日のログの分析で多数の不正ログイン試行を検知。一部の口座でログインが成功",
        "occurred_on": s.date(-1), "urgency": "ongoing", "customers_affected": 37,
        "recognised_at": s.time(0, 10, 15), "detections": found,
        "services": [{"name": "インターネットバンキング", "customer_facing": true, "status": "degraded"}],
    }))?;
    let id = cases::open(ctx(store, &soc), &s.clock, &case).await?;
    let tasks = first_days(store, &s, (&soc, &ciso, &fsa), &id, &sources).await?;
    later_days(store, &s, (&soc, &ciso, &fsa), &id, &tasks).await
}

/// The ransom DDoS wave: the FSA declares it a large incident with a room of five
/// members, who report where they stand and relay what they know.
async fn ransom_ddos(store: &Store, c: &Cast<'_>) -> anyhow::Result<()> {
    let s = Story::new(3)?;
    let fsa = actor(c.fsa, c.fsa_staff, OrgKind::Supervisor, Role::Staff);
    let bank = actor(c.bank, c.soc, OrgKind::Institution, Role::Staff);
    let isac = actor(c.isac.0, c.isac.1, OrgKind::SharingBody, Role::Staff);
    let assoc = actor(
        c.assoc.0,
        c.assoc.1,
        OrgKind::IndustryAssociation,
        Role::Staff,
    );
    let [one, two] = c
        .others
        .map(|(o, u)| actor(o, u, OrgKind::Institution, Role::Staff));
    s.at(0, 9, 0);
    let input = rooms::RoomInput {
        title_ja: "身代金要求型 DDoS 攻撃（業界横断）".into(),
        title_en: "Ransom DDoS across the sector".into(),
        category: "ddos".into(),
        members: [c.bank, c.isac.0, c.assoc.0, c.others[0].0, c.others[1].0]
            .map(str::to_owned)
            .to_vec(),
    };
    let room = rooms::declare(ctx(store, &fsa), &s.clock, &input).await?;
    let steps: [(&Actor, (i64, i64, i64), Step); 9] = [
        (
            &fsa,
            (0, 9, 5),
            Step::Say(
                "複数の金融機関が身代金を要求する脅迫メールを受信。支払わず、受信した場合は報告を",
            ),
        ),
        (
            &bank,
            (0, 9, 30),
            Step::Status("affected", "インターネットバンキングが断続的に遅延"),
        ),
        (
            &one,
            (0, 9, 40),
            Step::Status("affected", "ウェブサイトに大量の通信"),
        ),
        (
            &two,
            (0, 10, 0),
            Step::Status("not_affected", "脅迫メールは受信、攻撃は未観測"),
        ),
        (
            &isac,
            (0, 10, 30),
            Step::Say("攻撃元アドレスの一覧を ISAC の共有に掲載しました"),
        ),
        (
            &assoc,
            (0, 11, 0),
            Step::Say("会員行に注意喚起と CDN 事業者の連絡先を周知しました"),
        ),
        (
            &bank,
            (1, 10, 0),
            Step::Status("recovering", "CDN の遮断設定で遅延は縮小"),
        ),
        (
            &one,
            (1, 11, 0),
            Step::Status("recovering", "上流での遮断を依頼済み"),
        ),
        (
            &bank,
            (1, 11, 30),
            Step::Say("攻撃は午前 8 時台に再開、送信元は前日と同じ国外の帯域"),
        ),
    ];
    for (who, (day, h, m), step) in steps {
        s.at(day, h, m);
        step.play(store, &s.clock, who, &room).await?;
    }
    Ok(())
}

/// One move in the coordination room.
enum Step {
    /// A relay message at TLP:AMBER.
    Say(&'static str),
    /// A status report with a note.
    Status(&'static str, &'static str),
}

impl Step {
    async fn play(
        self,
        store: &Store,
        clock: &Clock,
        who: &Actor,
        room: &str,
    ) -> anyhow::Result<()> {
        match self {
            Step::Say(body) => {
                let m = rooms::MessageInput {
                    body: body.into(),
                    tlp: Some("amber".into()),
                };
                rooms::post(ctx(store, who), clock, room, &m).await?;
            }
            Step::Status(status, note) => {
                let st = rooms::StatusInput {
                    status: status.into(),
                    note: note.into(),
                };
                rooms::report(ctx(store, who), clock, room, &st).await?;
            }
        }
        Ok(())
    }
}

/// Plays the incident story; run after the seeding transaction has committed.
pub(crate) async fn seed(store: &Store, c: &Cast<'_>) -> anyhow::Result<()> {
    list_attack(store, c).await?;
    ransom_ddos(store, c).await?;
    Ok(())
}

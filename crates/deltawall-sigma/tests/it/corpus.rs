//! SigmaHQ corpus runs shared by the conformance test and the `conformance` example:
//! which rules load and compile, and whether the regression events match.

#![allow(dead_code)]

use deltawall_event::JsonEvent;
use deltawall_sigma::{
    Engine, EngineConfig, FieldMapping, LogSource, MappingBlock, RuleError, RuleSet,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Load and compile results of one corpus folder.
#[derive(Debug, Default)]
pub struct FolderReport {
    pub folder: String,
    pub documents: usize,
    pub supported: usize,
    pub rejected: Vec<RuleError>,
}

/// Every `.yml` file under `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Parses and compiles every rule of a folder (each file on its own, so that one file's
/// references cannot break another's).
pub fn load_folder(root: &Path, folder: &str) -> FolderReport {
    let mut report = FolderReport {
        folder: folder.to_owned(),
        ..FolderReport::default()
    };
    let mut set = RuleSet::new();
    for file in yaml_files(&root.join(folder)) {
        let text = std::fs::read_to_string(&file).unwrap();
        let origin = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let before = report.rejected.len();
        let mut errors = Vec::new();
        let added = set.add_yaml_collect(&text, &origin, &mut errors);
        // A file that is not YAML at all counts as one rejected document.
        report.documents += added
            + errors
                .len()
                .max(usize::from(added == 0 && errors.is_empty()));
        report.rejected.extend(errors);
        let _ = before;
    }
    let (_engine, errors) = Engine::new_partial(
        &set,
        EngineConfig {
            field_mapping: windows_mapping(),
            ..EngineConfig::default()
        },
    );
    report.rejected.extend(errors);
    report.supported = report.documents - report.rejected.len();
    report
}

/// Rejections grouped by reason with the rule-specific parts cut off.
pub fn group_reasons(errors: &[RuleError]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in errors {
        let mut reason = generic_reason(&e.reason);
        if reason.starts_with("is ") || reason.starts_with("has ") {
            // Reasons like "is missing" only make sense with their attribute.
            reason = format!("`{}` {reason}", e.construct);
        }
        out.entry(format!("{}: {}", e.kind, reason))
            .or_default()
            .push(format!("{} ({})", e.origin, e.construct));
    }
    out
}

fn generic_reason(reason: &str) -> String {
    // Cut quoted specifics (`...`) so that equal reasons group together.
    let mut out = String::new();
    let mut quoted = false;
    for c in reason.chars() {
        if c == '`' {
            quoted = !quoted;
            if quoted {
                out.push_str("`…`");
            }
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    out
}

/// The field layout of Windows event JSON as the regression data stores it
/// (`Event.System.*`, `Event.EventData.*`), mapped from Sigma's flat Windows names.
pub fn windows_mapping() -> FieldMapping {
    let system = |f: &str| (f.to_owned(), vec![format!("Event.System.{f}")]);
    let attr = |f: &str, path: &str| (f.to_owned(), vec![path.to_owned()]);
    let mut fields = vec![
        (
            "EventID".to_owned(),
            vec![
                "Event.System.EventID.#text".to_owned(),
                "Event.System.EventID".to_owned(),
            ],
        ),
        attr("Provider_Name", "Event.System.Provider.#attributes.Name"),
        attr(
            "Security_UserID",
            "Event.System.Security.#attributes.UserID",
        ),
        attr(
            "Execution_ProcessID",
            "Event.System.Execution.#attributes.ProcessID",
        ),
        attr(
            "Execution_ThreadID",
            "Event.System.Execution.#attributes.ThreadID",
        ),
    ];
    fields.extend(
        [
            "Channel",
            "Computer",
            "EventRecordID",
            "Level",
            "Task",
            "Opcode",
            "Keywords",
            "Version",
        ]
        .map(system),
    );
    FieldMapping::new().with_block(MappingBlock {
        logsource: LogSource::new(None, Some("windows"), None),
        fields,
        fallback: vec![
            "Event.EventData.{field}".into(),
            "Event.UserData.{field}".into(),
        ],
    })
}

/// Reads concatenated JSON documents and normalises them the way a Windows reader must:
/// hoists `Event.UserData.<Element>` one level so that its fields sit where the mapping
/// looks, and strips spaces from data names (`Threat Name` is Sigma's `ThreatName`, per the
/// rules specification's field-usage section).
pub fn read_events(path: &Path) -> Vec<JsonEvent> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .map(|v| {
            let mut v = v.unwrap();
            if let Some(user) = v
                .pointer_mut("/Event/UserData")
                .and_then(|u| u.as_object_mut())
            {
                let inner: Vec<serde_json::Value> =
                    user.values().filter(|x| x.is_object()).cloned().collect();
                if let [serde_json::Value::Object(fields)] = inner.as_slice() {
                    *user = fields.clone();
                }
            }
            for section in ["/Event/EventData", "/Event/UserData"] {
                if let Some(data) = v.pointer_mut(section).and_then(|u| u.as_object_mut()) {
                    *data = std::mem::take(data)
                        .into_iter()
                        .map(|(k, x)| (k.replace(' ', ""), x))
                        .collect();
                }
            }
            let ts = v
                .pointer("/Event/System/TimeCreated/#attributes/SystemTime")
                .and_then(|t| t.as_str())
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_microsecond());
            JsonEvent::new(v, ts).unwrap()
        })
        .collect()
}

/// The outcome for one regression case.
#[derive(Debug)]
pub struct Case {
    pub info: String,
    pub rule_id: String,
    pub events: usize,
    pub matched: usize,
    pub expected: Option<usize>,
    pub problem: Option<String>,
    /// The case has no JSON events to run (e.g. a commented-out raw-log test).
    pub skipped: bool,
}

impl Case {
    /// Every case is a true positive: at least one of its events must match.
    pub fn passed(&self) -> bool {
        self.problem.is_none() && self.matched > 0
    }

    /// Whether the match count differs from the `match_count` that `info.yml` states.
    pub fn count_differs(&self) -> bool {
        self.expected.is_some_and(|e| e != self.matched)
    }
}

/// Runs every regression case under `root/regression_data`.
pub fn regression(root: &Path) -> Vec<Case> {
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    for folder in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-dfir",
        "deprecated",
        "unsupported",
    ] {
        if !root.join(folder).is_dir() {
            continue;
        }
        for file in yaml_files(&root.join(folder)) {
            let text = std::fs::read_to_string(&file).unwrap();
            if let Some(id) = text.lines().find_map(|l| l.strip_prefix("id: ")) {
                by_id.insert(id.trim().to_owned(), text);
            }
        }
    }
    let infos: Vec<PathBuf> = yaml_files(&root.join("regression_data"))
        .into_iter()
        .filter(|p| p.ends_with("info.yml"))
        .collect();
    infos
        .iter()
        .map(|info| run_case(root, info, &by_id))
        .collect()
}

fn run_case(root: &Path, info: &Path, by_id: &BTreeMap<String, String>) -> Case {
    let text = std::fs::read_to_string(info).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let rule_id = doc
        .pointer("/rule_metadata/0/id")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let expected = doc
        .pointer("/regression_tests_info/0/match_count")
        .and_then(|v| v.as_u64())
        .map(|n| n as usize);
    let mut case = Case {
        info: info
            .strip_prefix(root)
            .unwrap_or(info)
            .display()
            .to_string(),
        rule_id: rule_id.clone(),
        events: 0,
        matched: 0,
        expected,
        problem: None,
        skipped: false,
    };
    let Some(rule_text) = by_id.get(&rule_id) else {
        case.problem = Some("rule not found in the corpus".into());
        return case;
    };
    let json = info.with_file_name(format!("{rule_id}.json"));
    if !json.is_file() || doc.get("regression_tests_info").is_none() {
        case.skipped = true;
        return case;
    }
    let mut set = RuleSet::new();
    if let Err(e) = set.add_yaml(rule_text, &rule_id) {
        case.problem = Some(e.to_string());
        return case;
    }
    let config = EngineConfig {
        field_mapping: windows_mapping(),
        ..EngineConfig::default()
    };
    let mut engine = match Engine::new(&set, config) {
        Ok(e) => e,
        Err(e) => {
            case.problem = Some(e.to_string());
            return case;
        }
    };
    let logsource = set
        .rules()
        .next()
        .map(|r| r.logsource.clone())
        .unwrap_or_default();
    let events = read_events(&json);
    case.events = events.len();
    for e in &events {
        let mut hit = false;
        engine.process(&logsource, e, &mut |_| hit = true);
        case.matched += usize::from(hit);
    }
    case
}

/// The Sigma log sources of a Windows event in the `Event.System` layout: Sysmon categories
/// by event id, built-in channels by service, PowerShell and process creation from the
/// Security log. A compact classifier for tests and benchmarks (the production one lives in
/// the log readers).
pub fn windows_logsources(event: &serde_json::Value) -> Vec<LogSource> {
    let system = &event["Event"]["System"];
    let id = system["EventID"]
        .as_i64()
        .or_else(|| system["EventID"]["#text"].as_i64())
        .unwrap_or(-1);
    let channel = system["Channel"].as_str().unwrap_or("");
    let service = match channel {
        "Security" => Some("security"),
        "System" => Some("system"),
        "Application" => Some("application"),
        "Microsoft-Windows-Sysmon/Operational" => Some("sysmon"),
        "Microsoft-Windows-PowerShell/Operational" => Some("powershell"),
        "Windows PowerShell" => Some("powershell-classic"),
        "Microsoft-Windows-Windows Defender/Operational" => Some("windefend"),
        "Microsoft-Windows-TaskScheduler/Operational" => Some("taskscheduler"),
        "Microsoft-Windows-WMI-Activity/Operational" => Some("wmi"),
        "Microsoft-Windows-Bits-Client/Operational" => Some("bits-client"),
        "Microsoft-Windows-CodeIntegrity/Operational" => Some("codeintegrity-operational"),
        _ => None,
    };
    let categories: &[&str] = match (service, id) {
        (Some("sysmon"), 1) | (Some("security"), 4688) => &["process_creation"],
        (Some("sysmon"), 2) => &["file_change"],
        (Some("sysmon"), 3) => &["network_connection"],
        (Some("sysmon"), 5) => &["process_termination"],
        (Some("sysmon"), 6) => &["driver_load"],
        (Some("sysmon"), 7) => &["image_load"],
        (Some("sysmon"), 8) => &["create_remote_thread"],
        (Some("sysmon"), 9) => &["raw_access_thread"],
        (Some("sysmon"), 10) => &["process_access"],
        (Some("sysmon"), 11) => &["file_event"],
        (Some("sysmon"), 12) => &["registry_add", "registry_delete", "registry_event"],
        (Some("sysmon"), 13) => &["registry_set", "registry_event"],
        (Some("sysmon"), 14) => &["registry_rename", "registry_event"],
        (Some("sysmon"), 15) => &["create_stream_hash"],
        (Some("sysmon"), 17 | 18) => &["pipe_created"],
        (Some("sysmon"), 19..=21) => &["wmi_event"],
        (Some("sysmon"), 22) => &["dns_query"],
        (Some("sysmon"), 23 | 26) => &["file_delete"],
        (Some("sysmon"), 25) => &["process_tampering"],
        (Some("powershell"), 4104) => &["ps_script"],
        (Some("powershell"), 4103) => &["ps_module"],
        (Some("powershell-classic"), 400) => &["ps_classic_start"],
        (Some("powershell-classic"), 600) => &["ps_classic_provider_start"],
        _ => &[],
    };
    let mut out: Vec<LogSource> = categories
        .iter()
        .map(|c| LogSource::new(Some(c), Some("windows"), service))
        .collect();
    if out.is_empty() {
        out.push(LogSource::new(None, Some("windows"), service));
    }
    out
}

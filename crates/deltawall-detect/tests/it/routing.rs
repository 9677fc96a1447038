//! Windows log source routing: for each category and channel, a known SigmaHQ rule fires
//! on a sample event we wrote, and does not when the event comes from another channel or
//! event id (so the routing, not the rule's own fields, decides). Needs the shared rules
//! (skips without them, fails under `DELTAWALL_REQUIRE_SHARED=1`).

use deltawall_detect::input::json_value;
use deltawall_detect::pipeline::to_logsources;
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use serde_json::{Value, json};

/// A Windows event in `evtx_dump`'s JSON layout.
fn win(channel: &str, id: i64, data: Value) -> Value {
    json!({"Event": {"System": {
        "Provider": {"#attributes": {"Name": "Test"}},
        "EventID": id, "Channel": channel, "Computer": "ws1",
        "TimeCreated": {"#attributes": {"SystemTime": "2026-12-01T09:00:00.000000Z"}}},
        "EventData": data}})
}

/// The rule ids (of the rule files under `sigmahq/<rel>`) that fire on `event`.
fn fired(rules: &[&str], event: Value) -> Vec<String> {
    let root = crate::shared_data("sigmahq").expect("checked by the caller");
    let paths = rules.iter().map(|r| root.join(r)).collect();
    let (set, errors) = load_rules(&RuleSource::Paths(paths)).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let (mut engine, errors) = deltawall_sigma::Engine::new_partial(&set, engine_config(0));
    assert!(errors.is_empty(), "{errors:?}");
    let (event, source) = json_value(event, true).unwrap();
    let mut out = Vec::new();
    engine.process_any(
        &to_logsources(&source),
        &event,
        &mut |a: deltawall_sigma::Alert| out.extend(a.rule_id),
    );
    out
}

#[track_caller]
fn check(rule: &str, id: &str, hit: Value, miss: Value) {
    assert_eq!(
        fired(&[rule], hit),
        vec![id.to_owned()],
        "{rule} on its sample"
    );
    assert_eq!(
        fired(&[rule], miss),
        Vec::<String>::new(),
        "{rule} off its source"
    );
}

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
const PS: &str = "Microsoft-Windows-PowerShell/Operational";

#[test]
fn each_category_routes_to_its_rules() {
    if crate::shared_data("sigmahq").is_none() {
        return;
    }
    // PowerShell module logging (4103) and script block logging (4104).
    let payload = json!({"ContextInfo": "Host Application = powershell.exe",
        "Payload": "CommandInvocation(Remove-Item): (Get-PSReadlineOption).HistorySavePath"});
    check(
        "rules/windows/powershell/powershell_module/posh_pm_clear_powershell_history.yml",
        "f99276ad-d122-4989-a09a-d00904a5f9d2",
        win(PS, 4103, payload.clone()),
        win(PS, 4104, payload),
    );
    let script = json!({"MessageNumber": 1, "MessageTotal": 1,
        "ScriptBlockText": "Invoke-Mimikatz -DumpCreds", "ScriptBlockId": "b1"});
    check(
        "rules/windows/powershell/powershell_script/posh_ps_malicious_keywords.yml",
        "f62176f3-8128-4faa-bf6c-83261322e5eb",
        win("PowerShellCore/Operational", 4104, script.clone()),
        win(PS, 4103, script),
    );
    let classic = json!({"Data": ["Available", "None", "NewEngineState=Available\n\tHostVersion=5.1\n\tEngineVersion=2.0"]});
    check(
        "rules/windows/powershell/powershell_classic/posh_pc_downgrade_attack.yml",
        "6331d09b-4785-4c13-980f-f96661356249",
        win("Windows PowerShell", 400, classic.clone()),
        win("Windows PowerShell", 403, classic),
    );
}

#[test]
fn sysmon_12_13_14_reach_registry_event_rules() {
    if crate::shared_data("sigmahq").is_none() {
        return;
    }
    let wsreset = "rules/windows/registry/registry_event/registry_event_bypass_via_wsreset.yml";
    let key =
        r"HKU\S-1-5-21\Software\Classes\AppX82a6gwre4fdg3bt635tn5ctqjf8msdd2\Shell\open\command";
    let create = json!({"EventType": "CreateKey", "Image": "C:\\x.exe", "TargetObject": key});
    check(
        wsreset,
        "6ea3bf32-9680-422d-9f50-e90716b12a66",
        win(SYSMON, 12, create.clone()),
        win(SYSMON, 11, create),
    );
    let recycle =
        "rules/windows/registry/registry_event/registry_event_persistence_recycle_bin.yml";
    let set = json!({"EventType": "SetValue", "Details": "cmd.exe",
        "TargetObject": r"HKCR\CLSID\{645FF040-5081-101B-9F08-00AA002F954E}\shell\open\command\(Default)"});
    check(
        recycle,
        "277efb8f-60be-4f10-b4d3-037802f37167",
        win(SYSMON, 13, set.clone()),
        win("Security", 13, set),
    );
    let rename = json!({"EventType": "RenameKey", "TargetObject": r"HKCR\CLSID\x",
        "NewName": r"HKCR\CLSID\{645FF040-5081-101B-9F08-00AA002F954E}\shell\open"});
    check(
        recycle,
        "277efb8f-60be-4f10-b4d3-037802f37167",
        win(SYSMON, 14, rename.clone()),
        win(SYSMON, 3, rename),
    );
}

#[test]
fn service_channels_reach_their_rules() {
    if crate::shared_data("sigmahq").is_none() {
        return;
    }
    let cases = [
        (
            "rules/windows/builtin/windefend/win_defender_real_time_protection_disabled.yml",
            "b28e58e4-2a72-4fae-bdee-0fbe904db642",
            "Microsoft-Windows-Windows Defender/Operational",
            5001,
            json!({"Product Name": "Microsoft Defender Antivirus"}),
        ),
        (
            "rules/windows/builtin/dns_server/win_dns_server_failed_dns_zone_transfer.yml",
            "6d444368-6da1-43fe-b2fc-44202430480e",
            "DNS Server",
            6004,
            json!({"param1": "203.0.113.9", "param2": "corp.example"}),
        ),
        (
            "rules/windows/builtin/openssh/win_sshd_openssh_server_listening_on_socket.yml",
            "3ce8e9a4-bc61-4c9b-8e69-d7e2492a8781",
            "OpenSSH/Operational",
            4,
            json!({"process": "sshd", "payload": "Server listening on :: port 22."}),
        ),
        (
            "rules/windows/builtin/msexchange/win_exchange_proxyshell_mailbox_export.yml",
            "516376b4-05cd-4122-bae0-ad7641c38d48",
            "MSExchange Management",
            1,
            json!({"Data": ["New-MailboxExportRequest -Mailbox \"ceo\" -FilePath \"\\\\10.0.0.5\\c$\\x.aspx\""]}),
        ),
        (
            "rules/windows/builtin/capi2/win_capi2_acquire_certificate_private_key.yml",
            "e2b5163d-7deb-4566-9af3-40afea6858c3",
            "Microsoft-Windows-CAPI2/Operational",
            70,
            json!({"Certificate": "x"}),
        ),
        (
            "rules-emerging-threats/2021/Exploits/CVE-2021-1675/win_exploit_cve_2021_1675_printspooler.yml",
            "4e64668a-4da1-49f5-a8df-9e2d5b866718",
            "Microsoft-Windows-PrintService/Admin",
            808,
            json!({"ErrorCode": "0x45A", "ModuleName": "C:\\evil.dll"}),
        ),
        (
            "rules-emerging-threats/2021/Exploits/CVE-2021-1675/win_exploit_cve_2021_1675_printspooler_operational.yml",
            "f34d942d-c8c4-4f1f-b196-22471aecf10a",
            "Microsoft-Windows-PrintService/Operational",
            316,
            json!({"Param1": "x", "Param2": "UNIDRV.DLL, kernelbase.dll, evil.dll"}),
        ),
    ];
    for (rule, id, channel, event_id, data) in cases {
        // The same event in the Application channel is not theirs.
        check(
            rule,
            id,
            win(channel, event_id, data.clone()),
            win("Application", event_id, data),
        );
    }
}

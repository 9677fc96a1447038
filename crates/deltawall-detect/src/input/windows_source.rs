//! Routing a flattened Windows event to its Sigma log source: `service` from the channel,
//! `category` from the (channel, event id) pair, as Sigma's Windows log source mapping
//! defines them, so that every rule written for a channel or category sees its events.

use super::Source;
use deltawall_event::JsonEvent;
use serde_json::Value;
use std::borrow::Cow;

/// Windows channels and the Sigma `service` their events belong to.
const CHANNELS: &[(&str, &str)] = &[
    ("Security", "security"),
    ("System", "system"),
    ("Application", "application"),
    ("Microsoft-Windows-Sysmon/Operational", "sysmon"),
    ("Windows PowerShell", "powershell-classic"),
    ("Microsoft-Windows-PowerShell/Operational", "powershell"),
    ("PowerShellCore/Operational", "powershell"),
    (
        "Microsoft-Windows-TaskScheduler/Operational",
        "taskscheduler",
    ),
    ("Microsoft-Windows-WMI-Activity/Operational", "wmi"),
    (
        "Microsoft-Windows-Windows Defender/Operational",
        "windefend",
    ),
    ("Microsoft-Windows-Windows Defender/WHC", "windefend"),
    (
        "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
        "firewall-as",
    ),
    ("Microsoft-Windows-DNS-Client/Operational", "dns-client"),
    ("DNS Server", "dns-server"),
    (
        "Microsoft-Windows-DNS-Server/Analytical",
        "dns-server-analytic",
    ),
    (
        "Microsoft-Windows-DNSServer/Analytical",
        "dns-server-analytic",
    ),
    ("Microsoft-Windows-DNS-Server/Audit", "dns-server-audit"),
    ("Microsoft-Windows-DNSServer/Audit", "dns-server-audit"),
    ("OpenSSH/Operational", "openssh"),
    ("MSExchange Management", "msexchange-management"),
    ("Microsoft-Windows-CAPI2/Operational", "capi2"),
    ("Microsoft-Windows-PrintService/Admin", "printservice-admin"),
    (
        "Microsoft-Windows-PrintService/Operational",
        "printservice-operational",
    ),
    ("Microsoft-Windows-Bits-Client/Operational", "bits-client"),
    (
        "Microsoft-Windows-CodeIntegrity/Operational",
        "codeintegrity-operational",
    ),
    ("Microsoft-Windows-AppLocker/EXE and DLL", "applocker"),
    ("Microsoft-Windows-AppLocker/MSI and Script", "applocker"),
    (
        "Microsoft-Windows-AppLocker/Packaged app-Deployment",
        "applocker",
    ),
    (
        "Microsoft-Windows-AppLocker/Packaged app-Execution",
        "applocker",
    ),
    ("Microsoft-Windows-NTLM/Operational", "ntlm"),
    ("Microsoft-Windows-LDAP-Client/Debug", "ldap"),
    (
        "Microsoft-Windows-BitLocker/BitLocker Management",
        "bitlocker",
    ),
    ("Microsoft-Windows-SmbClient/Security", "smbclient-security"),
    (
        "Microsoft-Windows-SmbClient/Connectivity",
        "smbclient-connectivity",
    ),
    (
        "Microsoft-Windows-SMBServer/Connectivity",
        "smbserver-connectivity",
    ),
    ("Microsoft-Windows-LSA/Operational", "lsa-server"),
    (
        "Microsoft-Windows-AppXDeploymentServer/Operational",
        "appxdeployment-server",
    ),
    (
        "Microsoft-Windows-AppxPackaging/Operational",
        "appxpackaging-om",
    ),
    (
        "Microsoft-Windows-AppModel-Runtime/Admin",
        "appmodel-runtime",
    ),
    ("Microsoft-Windows-Shell-Core/Operational", "shell-core"),
    (
        "Microsoft-Windows-Diagnosis-Scripted/Operational",
        "diagnosis-scripted",
    ),
    (
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        "driver-framework",
    ),
    ("Microsoft-Windows-VHDMP-Operational", "vhdmp"),
    (
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "terminalservices-localsessionmanager",
    ),
    (
        "Microsoft-Windows-Security-Mitigations/KernelMode",
        "security-mitigations",
    ),
    (
        "Microsoft-Windows-Security-Mitigations/UserMode",
        "security-mitigations",
    ),
    ("Microsoft-ServiceBus-Client", "microsoft-servicebus-client"),
    (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        "certificateservicesclient-lifecycle-system",
    ),
    (
        "Microsoft-IIS-Configuration/Operational",
        "iis-configuration",
    ),
];

/// Sigma's `service` for a Windows channel (names compared without case).
fn service(channel: &str) -> Option<Cow<'static, str>> {
    CHANNELS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(channel))
        .map(|(_, s)| Cow::Borrowed(*s))
}

/// Sigma's `category` for Sysmon, PowerShell and Security events. Registry events take
/// their specific category (`registry_add`, `registry_delete`, `registry_set`,
/// `registry_rename`) and also the umbrella `registry_event` (see [`also`]).
fn category(service: Option<&str>, id: i64, event_type: Option<&str>) -> Option<&'static str> {
    Some(match (service, id) {
        (Some("security"), 4688) => "process_creation",
        // Logons carry ECS authentication fields (see `logon_aliases`).
        (Some("security"), 4624 | 4625) => "authentication",
        (Some("powershell"), 4103) => "ps_module",
        (Some("powershell"), 4104) => "ps_script",
        (Some("powershell-classic"), 400) => "ps_classic_start",
        (Some("powershell-classic"), 600) => "ps_classic_provider_start",
        (Some("powershell-classic"), 800) => "ps_classic_script",
        (Some("sysmon"), 1) => "process_creation",
        (Some("sysmon"), 2) => "file_change",
        (Some("sysmon"), 3) => "network_connection",
        (Some("sysmon"), 4 | 16) => "sysmon_status",
        (Some("sysmon"), 5) => "process_termination",
        (Some("sysmon"), 6) => "driver_load",
        (Some("sysmon"), 7) => "image_load",
        (Some("sysmon"), 8) => "create_remote_thread",
        (Some("sysmon"), 9) => "raw_access_thread",
        (Some("sysmon"), 10) => "process_access",
        (Some("sysmon"), 11) => "file_event",
        (Some("sysmon"), 12) => match event_type {
            Some("CreateKey") => "registry_add",
            Some("DeleteKey" | "DeleteValue") => "registry_delete",
            _ => "registry_event",
        },
        (Some("sysmon"), 13) => "registry_set",
        (Some("sysmon"), 14) => "registry_rename",
        (Some("sysmon"), 15) => "create_stream_hash",
        (Some("sysmon"), 17 | 18) => "pipe_created",
        (Some("sysmon"), 19..=21) => "wmi_event",
        (Some("sysmon"), 22) => "dns_query",
        (Some("sysmon"), 23 | 26) => "file_delete",
        (Some("sysmon"), 24) => "clipboard_capture",
        (Some("sysmon"), 25) => "process_tampering",
        (Some("sysmon"), 27 | 28) => "file_block",
        (Some("sysmon"), 29) => "file_executable_detected",
        (Some("sysmon"), 255) => "sysmon_error",
        _ => return None,
    })
}

/// The umbrella category of a specific one: SigmaHQ writes `registry_event` rules for
/// Sysmon events 12, 13 and 14 together and the specific categories for each.
fn also(category: Option<&str>) -> Option<&'static str> {
    match category? {
        "registry_add" | "registry_delete" | "registry_set" | "registry_rename" => {
            Some("registry_event")
        }
        _ => None,
    }
}

/// The log source of a flattened Windows event.
pub fn windows_source(event: &JsonEvent) -> Source {
    let service = event
        .fields
        .get("Channel")
        .and_then(Value::as_str)
        .and_then(service);
    let id = event.fields.get("EventID").map_or(-1, |v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .unwrap_or(-1)
    });
    let event_type = event.fields.get("EventType").and_then(Value::as_str);
    let category = category(service.as_deref(), id, event_type);
    Source {
        category: category.map(Cow::Borrowed),
        product: Some(Cow::Borrowed("windows")),
        service,
        also: also(category),
    }
}

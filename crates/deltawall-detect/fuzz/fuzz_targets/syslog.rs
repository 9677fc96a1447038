//! Syslog lines (RFC 3164, RFC 5424, sshd messages): parsing never panics.
#![no_main]

use deltawall_detect::input::SyslogParser;
use deltawall_event::Event;
use libfuzzer_sys::fuzz_target;

const FIELDS: [&str; 9] = [
    "host.name", "process.name", "message", "user.name", "source.ip", "source.port",
    "event.outcome", "auth.method", "log.syslog.structured_data",
];

fuzz_target!(|line: &str| {
    if let Ok(event) = (SyslogParser { year: 2026 }).parse(line) {
        for f in FIELDS {
            let _ = event.get(f);
        }
        let _ = event.to_json();
    }
});

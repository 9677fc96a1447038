//! Access-log lines: parsing never panics, and every field read stays inside the line.
#![no_main]

use deltawall_detect::input::AccessEvent;
use deltawall_event::Event;
use libfuzzer_sys::fuzz_target;

const FIELDS: [&str; 12] = [
    "source.ip", "user.name", "http.request.method", "url.original", "url.path", "url.query",
    "http.version", "http.response.status_code", "http.response.body.bytes",
    "user_agent.original", "http.request.referrer", "cs-version",
];

fuzz_target!(|line: &str| {
    if let Ok(event) = AccessEvent::parse(line) {
        for f in FIELDS {
            let _ = event.get(f);
        }
        let _ = event.to_json();
    }
});

//! Bundles, envelopes and objects from arbitrary bytes: must never panic, and a document
//! that validates must yield objects whose text re-validates identically.
#![no_main]

use deltawall_stix::{Limits, StixObject, parse_document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = Limits { max_bytes: 1 << 20, max_depth: 32, max_objects: 1000 };
    let doc = parse_document(text, &limits);
    for obj in &doc.objects {
        let again = StixObject::parse(obj.as_json()).expect("a kept object re-validates");
        assert_eq!(again.as_json(), obj.as_json());
        let _ = deltawall_stix::MarkingSet::effective(obj);
    }
    let _ = doc.report.to_string();
});

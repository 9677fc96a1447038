//! Detection batches from arbitrary bytes (the body of `POST /api/v1/detections`): must
//! never panic, every detection id is unique within the batch, and parsing the accepted
//! alerts again gives the same ids.
#![no_main]

use deltawall_domain::incident::detection::{detection_from, parse_batch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let batch = parse_batch(text);
    let mut ids = std::collections::BTreeSet::new();
    for d in &batch.detections {
        assert!(ids.insert(d.id.clone()), "an id appears twice in one batch");
        let again = detection_from(d.raw.clone()).expect("an accepted alert parses again");
        assert_eq!(again.id, d.id);
    }
    for e in &batch.rejected {
        assert!(e.line >= 1 && !e.reason.is_empty());
    }
});

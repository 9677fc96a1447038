//! OSCAL profiles from arbitrary bytes, resolved against a fixed small catalog (and, for
//! imports of other hrefs, against the same bytes): never panics.
#![no_main]

use deltawall_oscal::{Limits, resolve_profile};
use libfuzzer_sys::fuzz_target;

const CATALOG: &[u8] = include_bytes!("../../tests/it/fixtures/small-catalog.json");

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_depth: 32, max_controls: 1000 };
    let _ = resolve_profile(data, &limits, |href| match href {
        "small.json" => Some(CATALOG.to_vec()),
        _ => Some(data.to_vec()),
    });
});

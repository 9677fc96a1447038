//! ATT&CK bundles from arbitrary bytes: import never panics, and is deterministic.
#![no_main]

use deltawall_attack::import_bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(release) = import_bundle(text) {
        assert_eq!(import_bundle(text).expect("import is deterministic"), release);
    }
});

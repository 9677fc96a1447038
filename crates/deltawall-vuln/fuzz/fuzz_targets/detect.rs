//! Any bytes through format detection and the importer it picks: never a panic, and a
//! detected import agrees with the import of the format it detected.
#![no_main]

use deltawall_vuln::{Limits, detect_format, import};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut detected = Vec::new();
    let result = import(data, None, &Limits::default(), |f| detected.push(f));
    if let Ok(summary) = result {
        assert_eq!(detect_format(data), Some(summary.format));
        let mut named = Vec::new();
        let again = import(data, Some(summary.format), &Limits::default(), |f| {
            named.push(f)
        });
        assert_eq!(again.as_ref(), Ok(&summary));
        assert_eq!(detected, named);
    }
});

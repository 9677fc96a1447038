//! OSCAL catalogs from arbitrary bytes: import never panics, and whatever it accepts is
//! a catalog that validates and imports the same way twice.
#![no_main]

use deltawall_oscal::{Limits, import_catalog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_depth: 32, max_controls: 1000 };
    if let Ok(c) = import_catalog(data, &limits) {
        c.validate().expect("an imported catalog validates");
        let again = import_catalog(data, &limits).expect("import is deterministic");
        assert_eq!(again.fingerprint(), c.fingerprint());
    }
});

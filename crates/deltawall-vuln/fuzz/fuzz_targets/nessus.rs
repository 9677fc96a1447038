//! Nessus v2 XML from arbitrary bytes: see `common.rs` for what is checked.
#![no_main]

use deltawall_vuln::{Limits, import_nessus};
use libfuzzer_sys::fuzz_target;

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    check_importer(data, |d, sink| import_nessus(d, &Limits::default(), sink));
});

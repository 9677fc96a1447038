//! Prowler OCSF JSON from arbitrary bytes: see `common.rs` for what is checked.
#![no_main]

use deltawall_vuln::{Limits, import_prowler};
use libfuzzer_sys::fuzz_target;

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    check_importer(data, |d, sink| import_prowler(d, &Limits::default(), sink));
});

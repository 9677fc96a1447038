//! OpenVAS / Greenbone XML reports from arbitrary bytes: see `common.rs` for what is checked.
#![no_main]

use deltawall_vuln::{Limits, import_openvas};
use libfuzzer_sys::fuzz_target;

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    check_importer(data, |d, sink| import_openvas(d, &Limits::default(), sink));
});

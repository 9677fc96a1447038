//! KEV catalogs and EPSS files from arbitrary bytes: never a panic, and a refused file leaves
//! the loaded data as it was.
#![no_main]

use deltawall_vuln::{Enrichment, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let mut e = Enrichment::default();
    let epss = e.load_epss(data, &limits, None);
    let after_epss = e.clone();
    if e.load_kev(data, &limits).is_err() {
        assert_eq!(e, after_epss, "a refused kev file changed the data");
    }
    if let Ok(n) = epss {
        assert_eq!(after_epss.sizes().1, n);
    }
});

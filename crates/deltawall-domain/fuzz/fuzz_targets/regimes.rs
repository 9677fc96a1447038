//! Reporting regimes from arbitrary YAML: must never panic; what loads has stages in order.
#![no_main]

use deltawall_domain::incident::regime::Regimes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(regimes) = Regimes::from_yaml(text) {
        for r in regimes.all() {
            assert!(r.stages.windows(2).all(|w| w[0].stage < w[1].stage));
        }
    }
});

//! Any text as a condition over a fixed set of identifiers must parse or be rejected
//! without panicking, whatever its nesting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names: Vec<String> = [
        "selection",
        "selection_2",
        "filter_main",
        "filter_opt",
        "_hidden",
        "keywords",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let _ = deltawall_sigma::check_condition(text, &names);
});

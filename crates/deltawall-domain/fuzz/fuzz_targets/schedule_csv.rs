//! Exercise schedules from arbitrary text: the CSV import never panics, and whatever it
//! accepts exports to CSV that imports back to the same schedule.
#![no_main]

use deltawall_domain::exercise::schedule::{from_csv, to_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(schedule) = from_csv(text) {
        let again = from_csv(&to_csv(&schedule)).expect("an exported schedule imports");
        assert_eq!(again, schedule);
    }
});

//! Whole inputs through format detection and the line/document readers (JSON Lines,
//! JSON documents with resynchronisation, Windows layout, access, syslog).
#![no_main]

use deltawall_detect::input::{FileStream, Format, Pulled, SyslogParser, is_evtx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // EVTX files number their events by record id and report chunks at line 0; the `evtx`
    // target checks them.
    if is_evtx(data) {
        return;
    }
    for format in [Format::Auto, Format::Json, Format::Windows] {
        let reader = Box::new(std::io::Cursor::new(data.to_vec()));
        let mut stream = FileStream::from_reader("fuzz", reader, format, SyslogParser { year: 2026 });
        let mut n = 0;
        loop {
            match stream.pull() {
                Pulled::Record(r) => assert!(r.line >= 1),
                Pulled::Malformed(m) => assert!(m.line >= 1 || m.reason.starts_with("read error")),
                Pulled::Pending | Pulled::End => break,
            }
            n += 1;
            assert!(n <= data.len() + 1, "more items than bytes");
        }
    }
});

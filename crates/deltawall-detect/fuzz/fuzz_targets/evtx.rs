//! Whole inputs through the EVTX reader (detected by magic bytes or forced): chunk and
//! record parsing never panic, every failure is a report with a reason, and a file always
//! ends.
#![no_main]

use deltawall_detect::input::{EVTX_MAGIC, FileStream, Format, Pulled, SyslogParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Most mutations of a seed keep the magic; also try the bytes behind a fresh magic so
    // the chunk parser sees every input.
    let mut with_magic = EVTX_MAGIC.to_vec();
    with_magic.extend_from_slice(data.get(8..).unwrap_or_default());
    for (bytes, format) in [(data.to_vec(), Format::Auto), (with_magic, Format::Evtx)] {
        let chunks = bytes.len() / 65536 + 1;
        let reader = Box::new(std::io::Cursor::new(bytes));
        let mut stream = FileStream::from_reader("fuzz", reader, format, SyslogParser { year: 2026 });
        let mut n = 0usize;
        loop {
            match stream.pull() {
                Pulled::Record(_) => {}
                Pulled::Malformed(m) => assert!(!m.reason.is_empty()),
                Pulled::Pending | Pulled::End => break,
            }
            n += 1;
            // A chunk holds at most 65536 / 24 records (the smallest record header).
            assert!(n <= chunks * 2800 + 2, "too many items");
        }
    }
});

//! EVTX: SigmaHQ's regression events read from their `.evtx` files must give the same
//! events, log sources and alerts as from their JSON files; a corrupt chunk is reported
//! with its offset and the rest of the file is read. Needs the shared data (skips
//! without it, fails under `DELTAWALL_REQUIRE_SHARED=1`).

use deltawall_detect::input::{FileStream, Format, Input, Pulled, SyslogParser, expand_inputs};
use deltawall_detect::pipeline::{ScanOptions, scan};
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use deltawall_event::Event;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SYSLOG: SyslogParser = SyslogParser { year: 2026 };

/// An event's fields as Sigma compares them: text without case. The event time is
/// compared to the microsecond (the engine's resolution), as `evtx` versions print it
/// with 6 or 9 fractional digits.
fn comparable(event: &impl Event) -> String {
    fn fold(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = s.to_lowercase(),
            serde_json::Value::Array(items) => items.iter_mut().for_each(fold),
            serde_json::Value::Object(map) => map.values_mut().for_each(fold),
            _ => {}
        }
    }
    let mut json = event.to_json();
    if let Some(map) = json.as_object_mut() {
        map.insert("TimeCreated_SystemTime".into(), event.timestamp_us().into());
    }
    fold(&mut json);
    json.to_string()
}

/// Every event (comparable, with its log source) and every malformed report of a file.
fn read_all(path: &Path) -> (Vec<String>, Vec<String>) {
    let mut stream =
        FileStream::open(&Input::File(path.into()), Format::Auto, false, SYSLOG).expect("open");
    let (mut events, mut bad) = (Vec::new(), Vec::new());
    loop {
        match stream.pull() {
            Pulled::Record(r) => events.push(format!("{:?} {}", r.source, comparable(&r.event))),
            Pulled::Malformed(m) => bad.push(m.to_string()),
            Pulled::Pending | Pulled::End => return (events, bad),
        }
    }
}

/// The `.evtx` files of the regression data that have a `.json` twin.
fn pairs(regression: &Path) -> Vec<(PathBuf, PathBuf)> {
    expand_inputs(&[regression.to_path_buf()])
        .unwrap()
        .into_iter()
        .filter_map(|i| match i {
            Input::File(p) if p.extension().is_some_and(|e| e == "evtx") => {
                let json = p.with_extension("json");
                json.exists().then_some((p, json))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn evtx_reads_as_its_json_twin() {
    let Some(regression) = crate::shared_data("sigmahq/regression_data") else {
        return;
    };
    let pairs = pairs(&regression);
    assert!(pairs.len() >= 200, "{} evtx files", pairs.len());
    for (evtx, json) in &pairs {
        let (from_evtx, bad) = read_all(evtx);
        assert!(bad.is_empty(), "{}: {bad:?}", evtx.display());
        let (from_json, _) = read_all(json);
        assert!(!from_evtx.is_empty(), "{}: no events", evtx.display());
        assert_eq!(from_evtx, from_json, "{}", evtx.display());
    }
}

fn fired(engine: &mut deltawall_sigma::Engine, file: &Path) -> BTreeSet<String> {
    let opts = ScanOptions {
        inputs: vec![file.to_path_buf()],
        format: Format::Auto,
        follow: false,
        syslog: SYSLOG,
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    let mut fired = BTreeSet::new();
    scan(engine, &opts, &mut |a| {
        fired.extend(a.rule_id.clone());
        Ok(())
    })
    .unwrap();
    fired
}

#[test]
fn evtx_fires_the_same_rules_as_json() {
    let (Some(regression), Some(root)) = (
        crate::shared_data("sigmahq/regression_data"),
        crate::shared_data("sigmahq"),
    ) else {
        return;
    };
    let dirs = ["rules", "rules-emerging-threats", "rules-threat-hunting"];
    let (set, _) = load_rules(&RuleSource::Paths(
        dirs.iter().map(|d| root.join(d)).collect(),
    ))
    .unwrap();
    let (mut engine, _) = deltawall_sigma::Engine::new_partial(&set, engine_config(0));
    let mut any = 0;
    for (evtx, json) in pairs(&regression) {
        let from_evtx = fired(&mut engine, &evtx);
        let from_json = fired(&mut engine, &json);
        any += usize::from(!from_evtx.is_empty());
        assert_eq!(from_evtx, from_json, "{}", evtx.display());
    }
    assert!(any >= 190, "only {any} evtx files fired a rule");
}

#[test]
fn corrupt_chunk_is_reported_and_the_rest_read() {
    let Some(regression) = crate::shared_data("sigmahq/regression_data") else {
        return;
    };
    let (one, _) = pairs(&regression).into_iter().next().unwrap();
    let bytes = std::fs::read(&one).unwrap();
    let (header, chunk) = bytes.split_at(4096);
    let chunk = &chunk[..65536];
    let mut broken = chunk.to_vec();
    broken[..8].copy_from_slice(b"garbage!");
    let mut file = header.to_vec();
    for c in [chunk, &broken, chunk] {
        file.extend_from_slice(c);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("three-chunks.evtx");
    std::fs::write(&path, &file).unwrap();
    let (events, bad) = read_all(&path);
    let (single, _) = read_all(&one);
    assert_eq!(events.len(), 2 * single.len());
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].contains("evtx chunk 1 at byte offset 69632 skipped"),
        "{}",
        bad[0]
    );
}

#[test]
fn chunk_whose_string_table_loops_is_skipped() {
    let Some(regression) = crate::shared_data("sigmahq/regression_data") else {
        return;
    };
    let (one, _) = pairs(&regression).into_iter().next().unwrap();
    let bytes = std::fs::read(&one).unwrap();
    let (header, chunk) = bytes.split_at(4096);
    let chunk = &chunk[..65536];
    // Point the first used string bucket's entry at itself.
    let mut broken = chunk.to_vec();
    let bucket = (0..64)
        .map(|b| 128 + 4 * b)
        .find(|&at| broken[at..at + 4] != [0, 0, 0, 0])
        .unwrap();
    let entry = u32::from_le_bytes(broken[bucket..bucket + 4].try_into().unwrap());
    broken[entry as usize..entry as usize + 4].copy_from_slice(&entry.to_le_bytes());
    let mut file = header.to_vec();
    for c in [&broken[..], chunk] {
        file.extend_from_slice(c);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.evtx");
    std::fs::write(&path, &file).unwrap();
    let (events, bad) = read_all(&path);
    let (single, _) = read_all(&one);
    assert_eq!(events, single);
    // The edit also breaks the chunk's checksum, reported first.
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("checksum mismatch"), "{}", bad[0]);
    assert!(
        bad[1].contains("evtx chunk 0 at byte offset 4096 skipped: its string table loops"),
        "{}",
        bad[1]
    );
}

/// Offsets (from the chunk's start) of the records of a chunk, by their sizes.
fn record_offsets(chunk: &[u8]) -> Vec<usize> {
    let u32_at = |at: usize| u32::from_le_bytes(chunk[at..at + 4].try_into().unwrap()) as usize;
    let (free, mut at, mut out) = (u32_at(48), 512, Vec::new());
    while at < free {
        out.push(at);
        at += u32_at(at + 4);
    }
    out
}

#[test]
fn record_with_an_impossible_substitution_count_ends_its_chunk_with_its_offset() {
    let Some(regression) = crate::shared_data("sigmahq/regression_data") else {
        return;
    };
    // A file whose chunk holds several records, so that some are read before the bad one.
    let (one, chunk, records) = pairs(&regression)
        .into_iter()
        .find_map(|(evtx, _)| {
            let chunk = std::fs::read(&evtx).unwrap()[4096..4096 + 65536].to_vec();
            let records = record_offsets(&chunk);
            (records.len() >= 3).then_some((evtx, chunk, records))
        })
        .expect("a regression file with three records in a chunk");
    let u32_at = |at: usize| u32::from_le_bytes(chunk[at..at + 4].try_into().unwrap()) as usize;
    // The second record's template instance: its count follows the definition when inline.
    let body = records[1] + 24;
    let mut count_at = body + 14;
    if u32_at(body + 10) == count_at {
        count_at += 24 + u32_at(count_at + 20);
    }
    let mut broken = chunk.clone();
    broken[count_at..count_at + 4].copy_from_slice(&0x4000_0000u32.to_le_bytes());
    let mut file = std::fs::read(&one).unwrap()[..4096].to_vec();
    for c in [&broken[..], &chunk[..]] {
        file.extend_from_slice(c);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-count.evtx");
    std::fs::write(&path, &file).unwrap();
    let (events, bad) = read_all(&path);
    let (single, _) = read_all(&one);
    assert_eq!(events.len(), 1 + single.len(), "{bad:?}");
    assert_eq!(events[1..], single[..]);
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("checksum mismatch"), "{}", bad[0]);
    let expected = format!(
        "evtx chunk 0 at byte offset 4096: record at byte offset {} refused (1073741824 substitutions cannot fit",
        4096 + records[1]
    );
    assert!(bad[1].contains(&expected), "{}", bad[1]);
}

//! Issue 18, finding 8, on the real binary: once an administrator exists, 256 parallel
//! `POST /setup` forms are all answered 404 and the process's memory stays flat. Before
//! the fix each post ran argon2 (19 MiB) before looking at anything, unbounded: 256 posts
//! took the process to 5 GB.
//!
//! The memory is read from `/proc/<pid>/status` (Linux): the resident set before the
//! burst, and the peak (`VmHWM`, reset after warming up) and resident set after it.

use crate::replicas::{PUBLIC, Replica};
use std::sync::{Arc, Barrier};

/// How much the peak resident set may grow over the burst. One argon2 hash holds 19 MiB,
/// so an unbounded hash per post would exceed this many times over; 256 connections,
/// their tasks and buffers take a few MiB.
const BOUND_KIB: u64 = 32 * 1024;

/// A field of `/proc/<pid>/status` in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

#[test]
fn parallel_setup_posts_after_setup_leave_memory_flat() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped parallel_setup_posts_after_setup_leave_memory_flat: needs /proc");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_deltawall"))
        .args(["demo", "--data-dir", data.to_str().unwrap()])
        .args(["--password", "a demo password 1"])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let mut server = Replica::spawn(
        &["--data-dir", data.to_str().unwrap()],
        "setup-memory",
        tmp.path(),
    );
    server.wait_ready();
    let pid = server.child.id();
    let body = "token=guess&org_name_ja=x&org_name_en=Fake&login=fake-admin\
                &display_name=x&password=a+long+enough+password+1";
    let headers = [
        ("Origin", PUBLIC),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    // Warm up (first requests allocate lazily), then take the baseline and reset the peak.
    for _ in 0..4 {
        let r = server.request("POST", "/setup", &headers, body).unwrap();
        assert_eq!(r.status, 404, "{}", server.log());
    }
    let before = status_kib(pid, "VmRSS");
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let server = Arc::new(server);
    let start = Arc::new(Barrier::new(256));
    let posts: Vec<_> = (0..256)
        .map(|_| {
            let (server, start) = (Arc::clone(&server), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                server
                    .request("POST", "/setup", &headers, body)
                    .map(|r| r.status)
            })
        })
        .collect();
    let statuses: Vec<_> = posts.into_iter().map(|t| t.join().unwrap()).collect();
    let (after, peak) = (status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM"));
    eprintln!(
        "setup burst: VmRSS before {before} KiB, after {after} KiB, peak {peak} KiB (peak reset: {reset})"
    );
    let answered: Vec<u16> = statuses
        .into_iter()
        .map(|s| s.unwrap_or_else(|e| panic!("a post failed: {e}")))
        .collect();
    assert!(answered.iter().all(|s| *s == 404), "{answered:?}");
    assert!(
        peak.saturating_sub(before) < BOUND_KIB,
        "peak {peak} KiB over {before} KiB before the burst"
    );
    assert!(
        after.saturating_sub(before) < BOUND_KIB,
        "{after} KiB after, {before} KiB before"
    );
}

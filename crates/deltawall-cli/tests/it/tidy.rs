//! Tidy checks over the whole workspace (rust-analyzer style): the layers only depend
//! downwards, the engines and the domain stay free of async and platform crates, no crate
//! outgrows the others, no source file passes 800 lines and no HTTP handler passes 40.
//! Each failure names the crate, file or function and the rule it breaks.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of every workspace crate: a crate may depend only on crates of a lower layer.
/// A new crate must be placed here (the test fails until it is).
const LAYERS: &[(&str, u8)] = &[
    ("deltawall-domain", 0),
    ("deltawall-event", 0),
    ("deltawall-stix", 0),
    ("deltawall-attack", 0),
    ("deltawall-vuln", 0),
    ("deltawall-oscal", 1),
    ("deltawall-sigma", 1),
    ("deltawall-detect", 2),
    ("deltawall-store", 2),
    ("deltawall-app", 3),
    ("deltawall-stream", 3),
    ("deltawall-web", 4),
    ("deltawall-demo", 4),
    ("deltawall-cli", 5),
];

/// Crates that must have no async runtime, database, HTTP or platform dependency at all.
const PURE: &[&str] = &[
    "deltawall-domain",
    "deltawall-event",
    "deltawall-stix",
    "deltawall-attack",
    "deltawall-vuln",
    "deltawall-oscal",
    "deltawall-sigma",
    "deltawall-detect",
];

/// Dependencies a pure crate may never reach, directly or not.
const PLATFORM: &[&str] = &["tokio", "sqlx", "axum", "hyper", "async-nats", "tower"];

const MAX_FILE_LINES: usize = 800;
const MAX_HANDLER_LINES: usize = 40;
const MAX_CRATE_SHARE: f64 = 0.35;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

/// The resolved graph for the host only: with `--offline` and no platform filter, cargo would
/// need the manifests of Windows- and Android-only crates that a build never downloads.
fn metadata() -> Value {
    let host = rustc_host();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", &host])
        .current_dir(workspace())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON")
}

/// The host's target triple, as `rustc -vV` names it.
fn rustc_host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

/// Normal (non-dev) dependencies of each workspace package on other workspace packages.
fn workspace_edges(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let members: BTreeSet<&str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"].is_null())
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut edges = BTreeMap::new();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if !members.contains(name) {
            continue;
        }
        let deps = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null() && members.contains(d["name"].as_str().unwrap()))
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        edges.insert(name.to_owned(), deps);
    }
    edges
}

#[test]
fn layers_only_depend_downwards() {
    let meta = metadata();
    let mut problems = Vec::new();
    for (krate, deps) in workspace_edges(&meta) {
        let Some(own) = layer(&krate) else {
            problems.push(format!(
                "{krate}: not in the layer table of tests/it/tidy.rs"
            ));
            continue;
        };
        for dep in deps {
            match layer(&dep) {
                Some(l) if l < own => {}
                Some(l) => problems.push(format!(
                    "{krate} (layer {own}) depends on {dep} (layer {l}): dependencies point down only"
                )),
                None => problems.push(format!("{dep}: not in the layer table")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every package id reached from `root` through normal dependencies.
fn reachable(meta: &Value, root: &str) -> BTreeSet<String> {
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for dep in nodes[id.as_str()]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                todo.push(dep["pkg"].as_str().unwrap().to_owned());
            }
        }
    }
    seen
}

#[test]
fn domain_and_engines_have_no_async_or_platform_dependency() {
    let meta = metadata();
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut problems = Vec::new();
    for krate in PURE {
        let id = names
            .iter()
            .find(|(_, n)| *n == krate)
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("{krate} is not in the workspace"));
        for dep in reachable(&meta, id) {
            let name = names[dep.as_str()];
            if PLATFORM.contains(&name) {
                problems.push(format!("{krate} reaches {name}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Source files of a crate (`src/`, with templates), leaving out tests, benches and fuzz.
fn source_files(krate: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![krate.join("src")];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("rs" | "html")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn crates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    v.sort();
    v
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).map_or(0, |s| s.lines().count())
}

#[test]
fn no_source_file_passes_800_lines() {
    let root = workspace();
    let long: Vec<String> = crates()
        .iter()
        .flat_map(|c| source_files(c))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| (lines(&p), p))
        .filter(|(n, _)| *n > MAX_FILE_LINES)
        .map(|(n, p)| format!("{}: {n} lines", p.strip_prefix(&root).unwrap().display()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them by feature):\n{}",
        long.join("\n")
    );
}

#[test]
fn no_crate_holds_more_than_35_percent_of_the_lines() {
    let per_crate: Vec<(String, usize)> = crates()
        .iter()
        .map(|c| {
            let name = c.file_name().unwrap().to_string_lossy().into_owned();
            (name, source_files(c).iter().map(|p| lines(p)).sum())
        })
        .collect();
    let total: usize = per_crate.iter().map(|(_, n)| n).sum();
    let big: Vec<String> = per_crate
        .iter()
        .filter(|(_, n)| *n as f64 > MAX_CRATE_SHARE * total as f64)
        .map(|(c, n)| format!("{c}: {n} of {total} lines"))
        .collect();
    assert!(
        big.is_empty(),
        "crates over 35% of the code:\n{}",
        big.join("\n")
    );
}

/// The functions of a web source file that are HTTP handlers (they take an extractor of the
/// request: the state, the user, a form, JSON or a path), with their length in lines.
fn handlers(src: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let Some(rest) = l.strip_prefix("pub async fn ") else {
            i += 1;
            continue;
        };
        let name = rest.split(['(', '<']).next().unwrap_or("").to_owned();
        let end = (i..lines.len())
            .find(|&j| lines[j] == "}")
            .unwrap_or(lines.len() - 1);
        let signature: String = lines[i..=end]
            .iter()
            .take_while(|s| !s.ends_with('{'))
            .copied()
            .collect();
        let is_handler = [
            "State(", "UiUser", "ApiUser", "UiForm(", "ApiJson(", "Path(",
        ]
        .iter()
        .any(|x| signature.contains(x) || lines[i].contains(x));
        if is_handler {
            out.push((name, end - i + 1));
        }
        i = end + 1;
    }
    out
}

#[test]
fn handler_lengths_are_checked_by_the_tidy_rule() {
    let src = "pub async fn short(State(s): State<AppState>) -> R {\n    ok()\n}\n\
               pub fn helper() {\n}\n\
               pub async fn long(\n    user: UiUser,\n) -> R {\n    a();\n    b();\n}\n";
    assert_eq!(
        handlers(src),
        vec![("short".to_owned(), 3), ("long".to_owned(), 6)]
    );
}

#[test]
fn no_handler_passes_40_lines() {
    let root = workspace();
    let web = root.join("crates/deltawall-web");
    let mut long = Vec::new();
    for p in source_files(&web) {
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        for (name, n) in handlers(&src) {
            if n > MAX_HANDLER_LINES {
                long.push(format!(
                    "{}: {name} is {n} lines",
                    p.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "handlers over {MAX_HANDLER_LINES} lines (move the work into the app layer):\n{}",
        long.join("\n")
    );
}

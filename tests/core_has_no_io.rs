//! The core must stay sans-IO: no I/O or runtime crate among its
//! dependencies, no clock, socket, thread, file or process in its source.
//! (clippy.toml forbids the same calls at lint time; this test also covers
//! the dependency tree and builds without clippy.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The core's direct dependencies, each reviewed: none does I/O.
const ALLOWED_DIRECT: &[&str] = &[
    "bytes",
    "thiserror",
    "crc32c",
    "smallvec",
    // Topic names kept inline: a string type, no I/O.
    "smol_str",
    "fastrand",
    "flate2",
    "snap",
    "lz4_flex",
    "zstd",
    // Optional (feature `tracing`): `Event::trace` hands an event to the
    // application's subscriber when an adapter calls it; the core itself
    // never logs.
    "tracing",
];

/// Crates that do network I/O or run an event loop.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "async-io",
    "async-std",
    "smol",
    "socket2",
    "polling",
    "hyper",
    "reqwest",
    "ureq",
    "net2",
    "nix",
    "futures-io",
    "async-net",
];

/// Source patterns the core may not contain.
const FORBIDDEN: &[&str] = &[
    "Instant::now",
    "SystemTime",
    "UNIX_EPOCH",
    "std::net",
    "std::thread",
    "std::fs",
    "std::process",
    "std::env",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `[dependencies]` table's keys.
fn direct_dependencies() -> Vec<String> {
    let manifest = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            deps.push(line.split(['=', ' ']).next().unwrap().to_owned());
        }
    }
    deps
}

/// Package name -> names of its dependencies, from Cargo.lock.
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let lock = std::fs::read_to_string(manifest_dir().join("Cargo.lock")).unwrap();
    let mut graph = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let name = package
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .to_owned();
        let deps: Vec<String> = match package.split("dependencies = [").nth(1) {
            Some(rest) => rest
                .split(']')
                .next()
                .unwrap()
                .split(',')
                .map(|d| d.trim().trim_matches('"'))
                .filter(|d| !d.is_empty())
                .map(|d| d.split(' ').next().unwrap().to_owned())
                .collect(),
            None => Vec::new(),
        };
        graph.entry(name).or_insert(deps);
    }
    graph
}

#[test]
fn direct_dependencies_are_the_reviewed_ones() {
    let deps = direct_dependencies();
    assert!(deps.contains(&"bytes".to_owned()), "parsed {deps:?}");
    for d in &deps {
        assert!(
            ALLOWED_DIRECT.contains(&d.as_str()),
            "new core dependency {d}: review it for I/O, then list it"
        );
    }
}

#[test]
fn no_io_crate_in_the_dependency_tree() {
    let graph = lock_graph();
    let mut seen = BTreeSet::new();
    let mut todo = direct_dependencies();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        assert!(
            !IO_CRATES.contains(&name.as_str()),
            "the core depends on the I/O crate {name}"
        );
        todo.extend(graph.get(&name).cloned().unwrap_or_default());
    }
    assert!(seen.len() >= ALLOWED_DIRECT.len(), "walked {seen:?}");
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_reads_no_clock_and_opens_nothing() {
    let mut files = Vec::new();
    rust_files(&manifest_dir().join("src"), &mut files);
    assert!(files.len() > 20, "found {} files", files.len());
    let mut hits = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for pattern in FORBIDDEN {
                if code.contains(pattern) {
                    hits.push(format!("{}:{}: {pattern}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(hits.is_empty(), "{hits:#?}");
}

//! The shape of the source: the runtime's modules point one way (each uses only modules
//! below it in [`LAYERS`]), no two files use each other even indirectly, and no source file
//! grows past about 400 lines without saying why at its top.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The runtime's modules from the bottom up: each may use only those before it. Metric
/// types, then the registry, the model, the snapshot, the encoders, and the transports and
/// surfacers on top; a new module takes its place here.
const LAYERS: &[&str] = &[
    "clock",
    "intern",
    "labels",
    "sanitize",
    "syntax",
    "metrics",
    "naming",
    "label_clash",
    "registry",
    "runtime_family",
    "instrument",
    "self_metrics",
    "alloc",
    "process",
    "tokio",
    "tracing",
    "model",
    "catalog",
    "slo",
    "grafana",
    "snapshot",
    "capture",
    "encode",
    "dashboard",
    "serve",
    "http",
    "facade",
    "surface",
    "dump",
    "redis",
];

const LONG_FILE_LINES: usize = 400;
const LONG_FILE_REASON: &str = "//! Why this file is long:";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code without comments: doc links name modules without using them.
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every identifier that follows `prefix` in `text`.
fn after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .filter(|(at, _)| {
            // `$crate::` and `crate::` but not `meterbox_crate::`.
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// The runtime's modules as `lib.rs` declares them, and the module each name that `lib.rs`
/// re-exports comes from.
fn modules(lib: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let mut order = Vec::new();
    let mut exported = BTreeMap::new();
    let lib = code(lib);
    for line in lib.lines() {
        let line = line.trim();
        if let Some(name) = line
            .strip_prefix("mod ")
            .or_else(|| line.strip_prefix("pub mod "))
            .and_then(|rest| rest.strip_suffix(';'))
        {
            order.push(name.to_owned());
        }
    }
    // `pub use module::{A, B};` and `pub use module::A;`, possibly over several lines.
    for statement in lib.split(';') {
        let statement = statement.trim();
        let Some(path) = statement.rsplit("pub use ").next() else {
            continue;
        };
        if !statement.contains("pub use ") {
            continue;
        }
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        if !order.iter().any(|m| m == module) {
            continue;
        }
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.trim();
            if !name.is_empty() {
                exported.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    (order, exported)
}

#[test]
fn runtime_modules_point_one_way() {
    let src = workspace().join("runtime/src");
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let (declared, exported) = modules(&lib);
    let mut layered: Vec<&str> = LAYERS.to_vec();
    let mut declared: Vec<&str> = declared.iter().map(String::as_str).collect();
    layered.sort_unstable();
    declared.sort_unstable();
    assert_eq!(
        layered, declared,
        "every module of lib.rs has its place in LAYERS"
    );
    let rank = |m: &str| LAYERS.iter().position(|o| *o == m);

    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative
            .components()
            .next()
            .expect("a path")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if rank(&first).is_none() {
            // lib.rs itself (the crate root) and binaries.
            continue;
        }
        let text = code(&fs::read_to_string(&file).expect("source file"));
        let mut used: Vec<&str> = after(&text, "crate::");
        // A file directly under src reaches the root with `super::`.
        if relative.components().count() == 1 {
            used.extend(after(&text, "super::"));
        }
        for name in used {
            let target = if rank(name).is_some() {
                name.to_owned()
            } else if let Some(module) = exported.get(name) {
                module.clone()
            } else {
                // The root's own items (`__private`, `ENABLED`) and `$crate::` in macros
                // that expand in users' crates.
                continue;
            };
            if target != first {
                edges.entry(first.clone()).or_default().insert(target);
            }
        }
    }

    let mut backwards = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if rank(to) > rank(from) {
                backwards.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        backwards.is_empty(),
        "modules that use a module above them in LAYERS: {backwards:?}"
    );
    // The layers named in the design, in order.
    for (lower, upper) in [
        ("metrics", "registry"),
        ("registry", "model"),
        ("model", "snapshot"),
        ("snapshot", "encode"),
        ("encode", "serve"),
        ("encode", "surface"),
    ] {
        assert!(rank(lower) < rank(upper), "{lower} comes before {upper}");
        let uses = |a: &str, b: &str| edges.get(a).is_some_and(|t| t.contains(b));
        assert!(!uses(lower, upper), "{lower} must not use {upper}");
    }
}

/// A file's module path under `src`: `encode/json.rs` is `encode::json`, `model/mod.rs` is
/// `model`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_owned();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// Code without comments and without the unit tests at its end.
fn code_without_tests(text: &str) -> String {
    let code = code(text);
    match code.find("#[cfg(test)]\nmod tests") {
        Some(at) => code[..at].to_owned(),
        None => code,
    }
}

/// The paths a file names: `crate::a::b`, `super::c`, `self::d`, as segments.
fn paths(text: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in text.match_indices(start) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = &text[at..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            out.push(rest[..end].split("::").filter(|s| !s.is_empty()).collect());
        }
    }
    out
}

/// Depth-first search; a module met again while still on the stack closes a cycle.
fn visit(
    module: &[String],
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    stack: &mut Vec<Vec<String>>,
    done: &mut BTreeSet<Vec<String>>,
    cycles: &mut Vec<String>,
) {
    if let Some(at) = stack.iter().position(|m| m == module) {
        let cycle: Vec<String> = stack[at..].iter().map(|m| m.join("::")).collect();
        cycles.push(format!("{} -> {}", cycle.join(" -> "), module.join("::")));
        return;
    }
    if !done.insert(module.to_vec()) {
        return;
    }
    stack.push(module.to_vec());
    for next in edges.get(module).into_iter().flatten() {
        visit(next, edges, stack, done, cycles);
    }
    stack.pop();
}

#[test]
fn no_two_runtime_files_use_each_other() {
    let src = workspace().join("runtime/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        if relative.starts_with("bin") || relative == Path::new("lib.rs") {
            continue;
        }
        let text = fs::read_to_string(file).expect("source file");
        modules.insert(module_of(relative), code_without_tests(&text));
    }
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, text) in &modules {
        for path in paths(text) {
            let mut base: Vec<String> = match path[0] {
                "crate" => Vec::new(),
                "super" => module[..module.len() - 1].to_vec(),
                _ => module.clone(),
            };
            // The longest prefix of the path that is a file of the crate.
            let mut target = None;
            for segment in &path[1..] {
                base.push((*segment).to_owned());
                if modules.contains_key(&base) {
                    target = Some(base.clone());
                } else {
                    break;
                }
            }
            // A module may use its own parents: that is how Rust nests them.
            if let Some(target) = target.filter(|t| t != module && !module.starts_with(t)) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 40,
        "the paths between files were read: {edges:?}"
    );
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for module in modules.keys() {
        visit(module, &edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "files that use each other: {cycles:?}");
}

#[test]
fn long_files_say_why() {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["runtime/src", "macros/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut unexplained = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("source file");
        let lines = text.lines().count();
        let explained = text
            .lines()
            .take_while(|l| l.starts_with("//!") || l.is_empty())
            .any(|l| l.starts_with(LONG_FILE_REASON));
        if lines > LONG_FILE_LINES && !explained {
            unexplained.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        unexplained.is_empty(),
        "files over {LONG_FILE_LINES} lines need `{LONG_FILE_REASON}` in their module docs: {unexplained:?}"
    );
}

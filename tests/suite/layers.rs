//! The library's modules form layers: each may use only the modules below
//! it, so there is no import cycle and the leaf (`model`) stands alone.
//! Read from the `crate::` paths in the source, test code left out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. A module may use only modules listed before it. The
/// command layer (`cli`, `app`) is last: nothing below it knows clap.
const LAYERS: &[&str] = &[
    "model",
    "redact",
    "process",
    "duration",
    "input",
    "text",
    "drill",
    "token",
    "client",
    "repo",
    "evidence",
    "checks",
    "config",
    "checklist",
    "gather",
    "report",
    "sandbox",
    "cli",
    "app",
];

/// Macros exported at the crate root (`use crate::message;` imports the
/// macro, not a module).
const MACROS: &[&str] = &["message"];

/// Modules that are test code as a whole.
const TEST_ONLY: &[&str] = &["proptests"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/checks/auth.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules `text` names as `crate::<module>`, up to its test code.
fn uses(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        // `$crate::` inside macros and doc links count the same; a macro
        // (`crate::message!`) lives at the crate root, not in a module.
        let is_macro = rest[name.len()..].starts_with('!') || MACROS.contains(&name.as_str());
        if !is_macro && !name.is_empty() && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut violations = Vec::new();
    let mut seen_modules = BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "main" || module == "lib" || TEST_ONLY.contains(&module.as_str()) {
            continue;
        }
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        seen_modules.insert(module.clone());
        let Some(own) = rank(&module) else {
            violations.push(format!("{}: module `{module}` has no place in LAYERS", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read source");
        for used in uses(&text) {
            if used == module || TEST_ONLY.contains(&used.as_str()) {
                continue;
            }
            match rank(&used) {
                Some(r) if r < own => {}
                Some(_) => {
                    violations.push(format!("{}: `{module}` uses `{used}`, which is not below it", file.display()));
                }
                None => violations
                    .push(format!("{}: `{module}` uses `{used}`, which has no place in LAYERS", file.display())),
            }
        }
    }
    assert!(violations.is_empty(), "layering broken:\n{}", violations.join("\n"));
    // The list is not stale: every layer named exists.
    for layer in LAYERS {
        assert!(seen_modules.contains(*layer), "LAYERS names `{layer}`, which is not a module under src/");
    }
}

#[test]
fn only_the_command_layer_knows_clap() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !matches!(module_of(&src, f).as_str(), "cli" | "app" | "main"))
        .filter(|f| f.file_name().is_none_or(|n| n != "tests.rs"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).expect("read source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
            code.contains("clap::") || code.contains("use clap")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "clap outside the command layer: {offenders:?}");
}

#[test]
fn the_layer_reader_sees_paths_and_skips_tests() {
    let text = "use crate::model::X;\nfn f() { crate::text::y(); }\n#[cfg(test)]\nmod tests { use crate::app; }";
    assert_eq!(uses(text), ["model", "text"].into_iter().map(String::from).collect());
}

#[test]
fn only_the_sanitizer_makes_outside_text_and_only_the_macro_makes_messages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for (constructor, allowed) in [
        ("from_sanitized(", ["text.rs", "model/text.rs"]),
        ("from_checked_parts(", ["model/message.rs", "model/message.rs"]),
    ] {
        for file in &files {
            let relative = file.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(file).expect("read source");
            if text.contains(constructor) {
                assert!(
                    allowed.contains(&relative.as_str()),
                    "{relative} calls {constructor}, which only {allowed:?} may"
                );
            }
        }
    }
}

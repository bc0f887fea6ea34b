//! The Prometheus text exposition format, read strictly: the tests that
//! check what the `prometheus` format writes, and the alert rules' inputs
//! and the dashboard's queries against it, read it the same way.

use std::collections::{BTreeMap, HashMap, HashSet};

/// A strict reading of the text exposition format: every sample belongs to
/// a family announced by HELP and TYPE, names and labels are well formed,
/// values are numbers, no series repeats. Returns series -> value.
pub fn parse(text: &str) -> HashMap<String, f64> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let (mut helped, mut typed) = (HashSet::new(), HashSet::new());
    let mut series = HashMap::new();
    assert!(text.ends_with('\n'), "ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name text");
            assert!(name_ok(name) && !help.is_empty(), "{line}");
            assert!(helped.insert(name.to_owned()), "HELP twice: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(name_ok(name) && ["gauge", "counter", "summary", "histogram", "untyped"].contains(&kind), "{line}");
            assert!(helped.contains(name), "TYPE after HELP: {line}");
            typed.insert(name.to_owned());
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "unexpected line: {line:?}");
        let (series_text, value) = line.rsplit_once(' ').expect("series value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value: {line}"));
        let (name, labels) = match series_text.split_once('{') {
            Some((name, labels)) => (name, labels.strip_suffix('}').expect("closing brace")),
            None => (series_text, ""),
        };
        assert!(name_ok(name) && typed.contains(name), "sample of an announced family: {line}");
        let mut rest = labels;
        while !rest.is_empty() {
            let (label, after) = rest.split_once("=\"").expect("label=\"value\"");
            assert!(name_ok(label) && !label.starts_with("__"), "{line}");
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.expect("closing quote");
            rest = after[end + 1..].trim_start_matches(',');
        }
        assert!(series.insert(series_text.to_owned(), value).is_none(), "series twice: {line}");
    }
    series
}

/// Labels the scrape adds to every series of the textfile.
pub const SCRAPE_LABELS: [&str; 2] = ["instance", "job"];

/// A series by name and labels, label order normalised.
pub type Series = (String, BTreeMap<String, String>);

/// Splits `name{a="1",b="2"}` (no escaped quotes in the names used here).
pub fn series(text: &str) -> Series {
    let (name, labels) = text.split_once('{').unwrap_or((text, "}"));
    let labels = labels.strip_suffix('}').unwrap_or_else(|| panic!("closing brace: {text}"));
    let labels = labels
        .split("\",")
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once("=\"").unwrap_or_else(|| panic!("label=\"value\": {text}"));
            (key.to_owned(), value.trim_end_matches('"').to_owned())
        })
        .collect();
    (name.to_owned(), labels)
}

/// What `check ARGS --format prometheus` writes against the sandbox, with
/// one attempt per request: which request gets a retry against a dead API
/// is a race (the golden files are made the same way).
pub fn probe_output(args: &[&str]) -> BTreeMap<Series, f64> {
    let name = format!("probe-{}-{}", super::unique(), args.join("-").replace(['/', '='], "_"));
    let dir = super::scratch_dir(&name);
    std::fs::write(dir.join("checks.toml"), "[api]\nmax_attempts = 1\n").expect("write checks.toml");
    let mut argv = vec!["check"];
    argv.extend_from_slice(args);
    argv.extend(["--format", "prometheus", "--fail-on", "never"]);
    let r = super::run_in(&dir, &argv, &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 0, "{argv:?}: {}", r.all_output());
    parse(&r.stdout).into_iter().map(|(text, value)| (series(&text), value)).collect()
}

//! The Prometheus text exposition format, read strictly: the tests that
//! check what the `prometheus` format writes, and the alert rules' inputs
//! against it, read it the same way.

use std::collections::{HashMap, HashSet};

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

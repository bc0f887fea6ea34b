//! The Prometheus alert rules (`deploy/prometheus/`) against what the
//! `prometheus` format really writes: every series a rule reads exists, and
//! each promtool unit test's input is exactly the series a probe run writes
//! (the run named in the test's name, against the sandbox), with its counts.
//! promtool itself runs the unit tests in `.ci/run`; this keeps their input
//! honest with the toolchain alone.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::prometheus::{SCRAPE_LABELS, Series, probe_output, series};

const RULES: &str = include_str!("../../deploy/prometheus/clickup-preflight.rules.yml");
const RULE_TESTS: &str = include_str!("../../deploy/prometheus/clickup-preflight.rules.test.yml");

/// The metric names the rules' `expr` blocks read.
fn names_the_rules_read() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_expr = false;
    for line in RULES.lines() {
        let key = line.trim_start();
        if key.starts_with("expr:") {
            in_expr = true;
        } else if ["for:", "labels:", "- alert:"].iter().any(|k| key.starts_with(k)) {
            in_expr = false;
        }
        if !in_expr {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("clickup_preflight_") {
            let name: String = rest[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            rest = &rest[at + name.len()..];
            names.insert(name);
        }
    }
    names
}

fn alerts() -> Vec<String> {
    RULES.lines().filter_map(|l| l.trim().strip_prefix("- alert:")).map(|a| a.trim().to_owned()).collect()
}

/// One promtool unit test, read line by line.
#[derive(Default)]
struct UnitTest {
    name: String,
    /// Input series with the text of their first value.
    input: Vec<(Series, String)>,
    /// Alert name -> whether some evaluation expects it to fire.
    expects: Vec<(String, bool)>,
}

/// A single-quoted YAML scalar's text.
fn unquote(text: &str) -> String {
    let text = text.trim();
    text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')).map_or(text.to_owned(), |t| t.replace("''", "'"))
}

fn unit_tests() -> Vec<UnitTest> {
    let mut tests: Vec<UnitTest> = Vec::new();
    let mut pending_series = None;
    let mut alertname = String::new();
    for line in RULE_TESTS.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("- name:") {
            tests.push(UnitTest { name: unquote(name), ..UnitTest::default() });
            continue;
        }
        let Some(test) = tests.last_mut() else { continue };
        if let Some(text) = line.strip_prefix("- series:") {
            pending_series = Some(series(&unquote(text)));
        } else if let Some(values) = line.strip_prefix("values:") {
            let first = unquote(values).split(['+', ' ', 'x']).next().unwrap_or_default().to_owned();
            test.input.push((pending_series.take().expect("values follow their series"), first));
        } else if let Some(name) = line.strip_prefix("alertname:") {
            alertname = name.trim().to_owned();
        } else if let Some(expected) = line.strip_prefix("exp_alerts:") {
            test.expects.push((alertname.clone(), expected.trim() != "[]"));
        }
    }
    tests
}

/// The probe command a unit test names in brackets at the end of its name.
fn probe_command(name: &str) -> Option<Vec<&str>> {
    let inside = name.rsplit_once('(')?.1.strip_suffix(')')?;
    inside.strip_prefix("check ").map(|args| args.split_whitespace().collect())
}

#[test]
fn each_unit_test_s_input_is_what_its_probe_run_writes() {
    let read = names_the_rules_read();
    assert!(read.len() >= 7, "the rules read the probe's series: {read:?}");
    let tests = unit_tests();
    assert!(tests.len() >= 9, "{} unit tests", tests.len());
    // Each distinct probe run once, all at the same time: they wait on loopback.
    let commands: BTreeSet<Vec<&str>> = tests.iter().filter_map(|t| probe_command(&t.name)).collect();
    let runs: BTreeMap<Vec<&str>, BTreeMap<Series, f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            commands.into_iter().map(|args| scope.spawn(move || (args.clone(), probe_output(&args)))).collect();
        handles.into_iter().map(|h| h.join().expect("a probe run")).collect()
    });
    let mut written_names = BTreeSet::new();
    for test in &tests {
        let mut input: BTreeMap<Series, String> = BTreeMap::new();
        for ((name, mut labels), first) in test.input.clone() {
            if !name.starts_with("clickup_preflight_") {
                continue;
            }
            for scrape in SCRAPE_LABELS {
                assert!(labels.remove(scrape).is_some(), "{}: {name} lacks the scrape's {scrape} label", test.name);
            }
            assert!(input.insert((name, labels), first).is_none(), "{}: a series given twice", test.name);
        }
        let Some(args) = probe_command(&test.name) else {
            assert!(test.name.ends_with("(no probe output)"), "{}: name the probe run in brackets", test.name);
            assert!(input.is_empty(), "{}: no probe output, no probe series", test.name);
            continue;
        };
        let written = &runs[&args];
        written_names.extend(written.keys().map(|(name, _)| name.clone()));
        let expected: BTreeSet<&Series> = written.keys().filter(|(name, _)| read.contains(name)).collect();
        let given: BTreeSet<&Series> = input.keys().collect();
        assert_eq!(given, expected, "{}: the input must be the series the run writes that the rules read", test.name);
        for (series, first) in &input {
            // Times differ from run to run; counts and verdicts do not.
            if series.0.ends_with("_seconds") {
                continue;
            }
            let value: f64 = first.parse().unwrap_or_else(|_| panic!("{}: value {first}", test.name));
            assert_eq!(value, written[series], "{}: {series:?} starts at what the run wrote", test.name);
        }
    }
    for name in &read {
        assert!(written_names.contains(name), "the rules read {name}, which no probe run wrote");
    }
}

#[test]
fn every_alert_fires_in_a_unit_test_and_stays_silent_on_a_healthy_probe() {
    let tests = unit_tests();
    let healthy = tests.iter().find(|t| t.name.ends_with("(check --sandbox healthy)")).expect("a healthy test");
    for alert in alerts() {
        let fires = tests.iter().any(|t| t.expects.iter().any(|(a, fires)| *a == alert && *fires));
        assert!(fires, "no unit test makes {alert} fire");
        assert!(
            healthy.expects.iter().any(|(a, fires)| *a == alert && !fires),
            "{}: {alert} is not shown silent",
            healthy.name
        );
    }
    assert_eq!(alerts().len(), 9, "the seed's six alerts, the catch-all, and two for a silent probe");
}

#[test]
fn every_alert_has_a_severity_and_a_runbook() {
    for block in RULES.split("- alert:").skip(1) {
        let name = block.lines().next().unwrap_or_default().trim();
        let severity = block.lines().find_map(|l| l.trim().strip_prefix("severity:")).map(str::trim);
        assert!(matches!(severity, Some("P1" | "P2" | "P3")), "{name}: severity {severity:?}");
        assert!(block.contains("runbook:") && block.contains("summary:"), "{name}: summary and runbook");
    }
}

#[test]
fn the_readme_lists_every_alert_with_its_severity() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    for block in RULES.split("- alert:").skip(1) {
        let name = block.lines().next().unwrap_or_default().trim();
        let severity = block.lines().find_map(|l| l.trim().strip_prefix("severity:")).unwrap_or_default().trim();
        let row = readme.lines().find(|l| l.starts_with('|') && l.contains(&format!("`{name}`")));
        let row = row.unwrap_or_else(|| panic!("README's alert table has no row for {name}"));
        assert!(row.ends_with(&format!("| {severity} |")), "{name} is {severity}: {row}");
    }
}

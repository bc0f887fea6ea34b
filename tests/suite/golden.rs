//! Golden outputs: every format of `check`, plus `checklist` and `webhooks
//! list`, over a handful of sandbox scenarios, compared byte for byte with
//! the files under `tests/golden/`. Renderer tests elsewhere check fragments;
//! these catch a broken layout, a duplicated row, a reordered column or a
//! renamed metric, and make a refactor provably output-preserving.
//!
//! Only what a run cannot repeat is normalised (see [`normalise`]):
//! durations and latencies, the sandbox's port, timestamps, the seconds to
//! the rate-limit reset, and the binary's version. Everything else, table
//! padding included, is compared as printed.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --test suite golden::` and review the diff.

use crate::common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{StandaloneSandbox, run_in, scratch_dir};

const REGENERATE: &str = "UPDATE_GOLDEN=1 cargo test --test suite golden::";

/// `check`'s formats and the extension of their golden files.
const CHECK_FORMATS: [(&str, &str); 8] = [
    ("table", "txt"),
    ("json", "json"),
    ("junit", "xml"),
    ("github", "txt"),
    ("markdown", "md"),
    ("sarif", "sarif"),
    ("nagios", "txt"),
    ("prometheus", "prom"),
];

/// The check ids every `check` scenario here runs; the per-check formats
/// must still name them after normalisation.
const BASE_IDS: [&str; 6] = ["auth", "rate-limit", "latency", "workspaces", "platform", "webhooks"];

/// A planted personal token for the secrets scenario; split in source so
/// that the repository holds no token-shaped string.
const PLANTED: &str = concat!("pk", "_7777777_GOLDENPLANTED0123456789ABCDEFGHI");

/// The receiver's signing secret in the receiver scenario.
const RECEIVER_SECRET: &str = "golden-receiver-secret";

/// Attestations for the checklist: one fresh until 2038, one always stale.
const ATTESTATIONS: &str = r#"attest_max_age_days = 5000
service_account = "Sandbox Service Account"

[attest.token-rotation]
by = "ops@example.com"
on = 2025-01-01
link = "https://wiki.example.com/runbooks/clickup-token-rotation"

[attest.caching]
by = "dev@example.com"
on = 2000-01-01
link = "https://wiki.example.com/caching"
"#;

/// One run of the binary and where its normalised stdout is kept.
struct Case {
    /// `tests/golden/<scenario>/`.
    scenario: &'static str,
    /// The format name, also the file's stem.
    format: &'static str,
    ext: &'static str,
    args: Vec<String>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    /// Ids the normalised output must still contain.
    must_contain: Vec<&'static str>,
}

/// What a case produced, normalised, with the extra files it wrote.
struct Produced {
    /// `(path under tests/golden, content)`.
    files: Vec<(String, String)>,
    exit: (String, i32),
}

#[test]
fn every_format_matches_its_golden_file() {
    let fixtures = Fixtures::build();
    let cases = fixtures.cases();
    let produced = run_all(&cases);

    let mut exits: std::collections::BTreeMap<&str, String> = Default::default();
    let mut expected_files = BTreeSet::new();
    let mut failures = Vec::new();
    for (case, out) in cases.iter().zip(&produced) {
        let _ = writeln!(exits.entry(case.scenario).or_default(), "{} {}", out.exit.0, out.exit.1);
        for (path, content) in &out.files {
            guard_not_vacuous(case, path, content);
            expected_files.insert(path.clone());
            failures.extend(compare(path, content));
        }
    }
    for (scenario, text) in &exits {
        let path = format!("{scenario}/exit-codes.txt");
        expected_files.insert(path.clone());
        failures.extend(compare(&path, text));
    }
    failures.extend(orphans(&expected_files));
    assert!(failures.is_empty(), "{} golden file(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

/// What the scenarios need on disk and on the network.
struct Fixtures {
    /// A standalone sandbox playing a receiver that answers 401 to bad
    /// signatures (a WARN with rich detail); kept alive for the test. Its
    /// URL appears in a table cell, where comfy-table wraps it before the
    /// port is normalised: the layout repeats because Linux's ephemeral
    /// ports (32768-60999 by default) all have five digits.
    _receiver: StandaloneSandbox,
    receiver_dir: PathBuf,
    summaries: PathBuf,
}

impl Fixtures {
    fn build() -> Fixtures {
        let receiver = StandaloneSandbox::start_with(
            &["--receiver", "unauthorized-on-bad-signature"],
            &[("CLICKUP_WEBHOOK_SECRET", RECEIVER_SECRET)],
        );
        let url = receiver.receiver_url.clone().expect("receiver url printed");
        let receiver_dir = scratch_dir("golden-receiver");
        let probe = format!("[[webhooks.probe]]\nendpoint = \"{url}\"\nsecret_env = \"TEAM_WEBHOOK_SECRET\"\n");
        std::fs::write(receiver_dir.join("checks.toml"), probe).expect("write checks.toml");
        Fixtures { _receiver: receiver, receiver_dir, summaries: scratch_dir("golden-summaries") }
    }

    fn cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        let mut with_config = |scenario: &'static str, extra: &[&str], config: &str| {
            let mut args = vec!["check", "--sandbox"];
            args.extend_from_slice(extra);
            let dir = scratch_dir(&format!("golden-{scenario}"));
            if !config.is_empty() {
                std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
            }
            self.check_cases(&mut cases, scenario, &args, &dir, &[]);
        };
        // Against a dead API, /user and /team fail together and the breaker
        // decides which of them gets its one retry: a race, not a verdict.
        // One attempt each keeps the golden output about the verdicts.
        with_config("outage", &["outage"], "[api]\nmax_attempts = 1\n");
        let mut plain = |scenario: &'static str, extra: &[&str]| with_config(scenario, extra, "");
        plain("healthy", &["healthy"]);
        plain("rate-limited", &["rate-limited"]);
        plain("no-workspaces", &["no-workspaces"]);
        plain("webhook-suspended", &["webhook-suspended"]);
        plain("team-unavailable", &["healthy", "--fault", "status=503,route=/team"]);
        let secret = [("TEAM_WEBHOOK_SECRET", RECEIVER_SECRET)];
        self.check_cases(&mut cases, "receiver-401", &["check", "--sandbox", "healthy"], &self.receiver_dir, &secret);
        let leaked = leaked_token_repo("golden-leaked-token");
        self.check_cases(&mut cases, "leaked-token", &["check", "--sandbox", "healthy", "--repo", "."], &leaked, &[]);

        let checklist_repo = leaked_token_repo("golden-checklist");
        for (format, ext) in [("table", "txt"), ("json", "json"), ("markdown", "md")] {
            let args = ["checklist", "--sandbox", "healthy", "--repo", ".", "--format", format];
            cases.push(case("checklist", format, ext, &args, &checklist_repo, &[], vec!["token-rotation", "caching"]));
        }
        let list_dir = scratch_dir("golden-webhooks-list");
        for (format, ext) in [("table", "txt"), ("json", "json")] {
            let args = ["webhooks", "list", "--sandbox", "webhook-suspended", "--format", format];
            cases.push(case("webhooks-list", format, ext, &args, &list_dir, &[], vec!["4b67ac88", "suspended"]));
        }
        cases
    }

    /// One case per format of `check`; the github format also writes its
    /// job summary, kept as `github-summary.md`.
    fn check_cases(
        &self,
        cases: &mut Vec<Case>,
        scenario: &'static str,
        args: &[&str],
        cwd: &Path,
        env: &[(&str, &str)],
    ) {
        for (format, ext) in CHECK_FORMATS {
            let mut full = args.to_vec();
            full.extend(["--format", format]);
            let mut env = env.to_vec();
            let summary = self.summaries.join(format!("{scenario}.md")).display().to_string();
            if format == "github" {
                env.push(("GITHUB_STEP_SUMMARY", &summary));
            }
            let ids = match format {
                "table" | "json" | "junit" | "markdown" | "prometheus" => BASE_IDS.to_vec(),
                "nagios" => vec!["CLICKUP"],
                "github" => vec!["checks"],
                _ => vec!["clickup-preflight"],
            };
            cases.push(case(scenario, format, ext, &full, cwd, &env, ids));
        }
    }
}

fn case(
    scenario: &'static str,
    format: &'static str,
    ext: &'static str,
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
    must_contain: Vec<&'static str>,
) -> Case {
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    // The secrets check asks git what it would commit: no global or system
    // ignore rules of the machine running the tests may change the answer.
    let home = cwd.join(".golden-home").display().to_string();
    for (k, v) in [("GIT_CONFIG_NOSYSTEM", "1"), ("GIT_CONFIG_GLOBAL", "/dev/null"), ("XDG_CONFIG_HOME", &home)] {
        env.push((k.to_owned(), v.to_owned()));
    }
    Case {
        scenario,
        format,
        ext,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        cwd: cwd.to_path_buf(),
        env,
        must_contain,
    }
}

/// A git repository (nothing committed) holding a planted token in an
/// untracked file, a `.env` git would add, and a `checks.toml` with a
/// service account and attestations.
fn leaked_token_repo(name: &str) -> PathBuf {
    let dir = scratch_dir(name).join("repo");
    std::fs::create_dir_all(&dir).expect("mkdir repo");
    let out = Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(&dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git init: {}", String::from_utf8_lossy(&out.stderr));
    for (path, content) in [
        ("config.js", format!("// config\nconst token = \"{PLANTED}\";\n")),
        (".env", "DEBUG=1\n".to_owned()),
        ("checks.toml", ATTESTATIONS.to_owned()),
    ] {
        std::fs::write(dir.join(path), content).expect("write fixture file");
    }
    dir
}

/// Runs every case on a few threads (each run mostly waits on loopback).
fn run_all(cases: &[Case]) -> Vec<Produced> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Produced>>> = cases.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(index) else { break };
                    *results[index].lock().expect("result slot") = Some(run_case(case));
                }
            });
        }
    });
    results.into_iter().map(|r| r.into_inner().expect("result slot").expect("every case ran")).collect()
}

fn run_case(case: &Case) -> Produced {
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = run_in(&case.cwd, &args, &env, Duration::from_secs(30));
    assert!(!run.all_output().contains(PLANTED), "the planted token leaked in {}", case.args.join(" "));
    let mut files =
        vec![(format!("{}/{}.{}", case.scenario, case.format, case.ext), normalise(case.format, &run.stdout))];
    if let Some((_, summary)) = case.env.iter().find(|(k, _)| k == "GITHUB_STEP_SUMMARY") {
        let text = std::fs::read_to_string(summary).unwrap_or_default();
        files.push((format!("{}/github-summary.md", case.scenario), normalise("markdown", &text)));
    }
    Produced { files, exit: (case.format.to_owned(), run.code) }
}

// ---- comparing --------------------------------------------------------

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the golden file at `path` (or writes it when
/// regenerating); `Some(message)` when they differ or the file is missing.
fn compare(path: &str, actual: &str) -> Option<String> {
    let file = golden_dir().join(path);
    if updating() {
        std::fs::create_dir_all(file.parent().expect("golden file has a directory")).expect("mkdir golden");
        std::fs::write(&file, actual).expect("write golden file");
        return None;
    }
    let expected = match std::fs::read_to_string(&file) {
        Ok(text) if text.is_empty() => return Some(format!("tests/golden/{path}: empty; regenerate: {REGENERATE}")),
        Ok(text) => text,
        Err(e) => return Some(format!("tests/golden/{path}: cannot read ({e}); regenerate: {REGENERATE}")),
    };
    (expected != actual).then(|| diff(path, &expected, actual))
}

/// The differing lines (between the common head and the common tail) with
/// a little context, as a unified-style excerpt.
fn diff(path: &str, expected: &str, actual: &str) -> String {
    const SHOWN: usize = 8;
    let old: Vec<&str> = expected.split('\n').collect();
    let new: Vec<&str> = actual.split('\n').collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - head;
    let tail = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    let mut out = format!("--- tests/golden/{path} (expected)\n+++ actual\n@@ line {} @@\n", head + 1);
    let mut lines = |sign: char, lines: &[&str]| {
        for line in lines.iter().take(SHOWN) {
            let _ = writeln!(out, "{sign}{line}");
        }
        if lines.len() > SHOWN {
            let _ = writeln!(out, "{sign}... {} more", lines.len() - SHOWN);
        }
    };
    lines(' ', &old[head.saturating_sub(3)..head]);
    lines('-', &old[head..old.len() - tail]);
    lines('+', &new[head..new.len() - tail]);
    lines(' ', &old[old.len() - tail..][..tail.min(2)]);
    let _ = writeln!(out, "if intended: {REGENERATE}");
    out
}

/// Golden files no case produces any more: a dropped case must not leave
/// a file that is never compared.
fn orphans(expected: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(scenarios) = std::fs::read_dir(golden_dir()) else { return found };
    for scenario in scenarios.flatten() {
        for file in std::fs::read_dir(scenario.path()).into_iter().flatten().flatten() {
            let path = format!("{}/{}", scenario.file_name().to_string_lossy(), file.file_name().to_string_lossy());
            if !expected.contains(&path) {
                if updating() {
                    let _ = std::fs::remove_file(file.path());
                } else {
                    found.push(format!("tests/golden/{path}: no case produces it; regenerate: {REGENERATE}"));
                }
            }
        }
    }
    found
}

/// A run that printed nothing, or whose normalisation erased what it is
/// about, must not become a golden file that trivially matches.
fn guard_not_vacuous(case: &Case, path: &str, content: &str) {
    assert!(!content.trim().is_empty(), "{path}: `{}` printed nothing", case.args.join(" "));
    if path.ends_with("github-summary.md") {
        return;
    }
    for id in &case.must_contain {
        assert!(content.contains(id), "{path}: `{id}` is missing after normalisation:\n{content}");
    }
}

// ---- normalising ------------------------------------------------------

/// Replaces what differs between two runs of the same scenario, and only
/// that:
/// - the loopback port of a standalone sandbox (`127.0.0.1:<port>`);
/// - human durations: the run's time (`in 28ms`), latency quantiles
///   (`p50 3ms`) and receiver answer times (`HTTP 200 in 3ms`), which also
///   covers the seconds to the rate-limit reset (`resets in 60s`: 59 when
///   the run crosses a second boundary);
/// - the same as numbers: `duration_ms`, `*_ms` latencies and `reset_in_s`
///   in JSON, JUnit's `time` and `timestamp`, Nagios latency perfdata,
///   Prometheus durations, latencies and the last-run time;
/// - the binary's version (SARIF's tool version).
///
/// In tables, a cell that changed is re-padded to its width, so the
/// layout stays byte-exact.
fn normalise(format: &str, text: &str) -> String {
    match format {
        "table" => unwrap_rows(text).iter().map(|l| normalise_text(l)).collect::<Vec<_>>().join("\n"),
        "prometheus" => text.split('\n').map(normalise_prometheus_line).collect::<Vec<_>>().join("\n"),
        _ => normalise_text(text),
    }
}

/// JSON number fields that hold a time.
const JSON_TIMES: [&str; 6] = ["duration_ms", "p50_ms", "p95_ms", "max_ms", "reset_in_s", "slowest_signed_ms"];
/// Prometheus series whose value is a time.
const PROMETHEUS_TIMES: [&str; 4] = [
    "clickup_preflight_check_duration_seconds",
    "clickup_preflight_latency_seconds",
    "clickup_preflight_api_latency_seconds",
    "clickup_preflight_last_run_timestamp_seconds",
];

fn normalise_text(text: &str) -> String {
    let mut out = replace_after(text, "127.0.0.1:", digits, "<port>");
    for prefix in [" in ", "p50 ", "p95 ", "max "] {
        out = replace_after(&out, prefix, human_duration, "<dur>");
    }
    for key in JSON_TIMES {
        out = replace_after(&out, &format!("\"{key}\": "), number, "<n>");
    }
    out = replace_after(&out, " time=\"", number, "<s>");
    out = replace_after(&out, " timestamp=\"", |s| s.find('"'), "<timestamp>");
    for series in ["'latency_p50'=", "'latency_p95'="] {
        out = replace_after(&out, series, number, "<n>");
    }
    out = normalise_endpoint_times(&out);
    out.replace(&format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")), "\"version\": \"<version>\"")
}

/// JSON objects of times per endpoint (`"endpoint_p95_ms": {"/user": 3}`):
/// their values are timings; the sample counts beside them stay exact.
fn normalise_endpoint_times(text: &str) -> String {
    const TIMED: [&str; 3] = ["\"endpoint_p50_ms\": {", "\"endpoint_p95_ms\": {", "\"endpoint_max_ms\": {"];
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.split('\n') {
        if inside && line.trim_start().starts_with('}') {
            inside = false;
        }
        if inside {
            lines.push(match line.rsplit_once(": ") {
                Some((key, value)) => format!("{key}: <n>{}", if value.ends_with(',') { "," } else { "" }),
                None => line.to_owned(),
            });
        } else {
            lines.push(line.to_owned());
        }
        if TIMED.iter().any(|t| line.trim_start().starts_with(t))
            && !line.trim_end().ends_with('}')
            && !line.trim_end().ends_with("},")
        {
            inside = true;
        }
    }
    lines.join("\n")
}

fn normalise_prometheus_line(line: &str) -> String {
    let timed = PROMETHEUS_TIMES
        .iter()
        .any(|name| line.strip_prefix(name).is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' ')));
    match line.rsplit_once(' ') {
        Some((series, _)) if timed => format!("{series} <n>"),
        _ => normalise_text(line),
    }
}

/// A table's rows with their wrapped lines joined: where a long cell wraps
/// depends on the width of the timings in it, which are run-dependent. A
/// line whose first two cells are blank continues the row above; each
/// logical row is written on one line, its cells trimmed. Borders, column
/// order and every cell's text are still compared.
fn unwrap_rows(text: &str) -> Vec<String> {
    let cells_of = |line: &str| -> Vec<String> {
        let inner = line.trim_start_matches('│').trim_end_matches('│');
        inner.split('┆').map(|c| c.trim().to_owned()).collect()
    };
    let mut out: Vec<String> = Vec::new();
    let mut row: Option<Vec<String>> = None;
    let flush = |row: &mut Option<Vec<String>>, out: &mut Vec<String>| {
        if let Some(cells) = row.take() {
            out.push(format!("│ {} │", cells.join(" ┆ ")));
        }
    };
    for line in text.split('\n') {
        if !line.starts_with('│') {
            flush(&mut row, &mut out);
            out.push(collapse_border(line));
            continue;
        }
        let cells = cells_of(line);
        let continues = cells.len() > 2 && cells[0].is_empty() && cells[1].is_empty();
        match (&mut row, continues) {
            (Some(current), true) if current.len() == cells.len() => {
                for (into, more) in current.iter_mut().zip(cells) {
                    if !more.is_empty() {
                        if !into.is_empty() {
                            into.push(' ');
                        }
                        into.push_str(&more);
                    }
                }
            }
            _ => {
                flush(&mut row, &mut out);
                row = Some(cells);
            }
        }
    }
    flush(&mut row, &mut out);
    out
}

/// A border line with each run of `─` or `═` written once: column widths
/// follow the longest cell, whose timings are run-dependent.
fn collapse_border(line: &str) -> String {
    let mut out = String::new();
    for ch in line.chars() {
        if matches!(ch, '─' | '═') && out.ends_with(ch) {
            continue;
        }
        out.push(ch);
    }
    out
}

/// Replaces each token that `token` recognises right after `prefix`
/// (returning its length in bytes) with `placeholder`; an occurrence of
/// `prefix` not followed by such a token is kept.
fn replace_after(text: &str, prefix: &str, token: impl Fn(&str) -> Option<usize>, placeholder: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = at + prefix.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if let Some(len) = token(rest) {
            out.push_str(placeholder);
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

fn digits(s: &str) -> Option<usize> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then_some(n)
}

/// `12` or `0.012`.
fn number(s: &str) -> Option<usize> {
    let whole = digits(s)?;
    match s[whole..].strip_prefix('.').and_then(digits) {
        Some(fraction) => Some(whole + 1 + fraction),
        None => Some(whole),
    }
}

/// `28ms`, `1.25s`, `60s`, as `duration::human` writes them, ending at a
/// word boundary.
fn human_duration(s: &str) -> Option<usize> {
    let n = number(s)?;
    let unit = ["ms", "s"].into_iter().find(|u| s[n..].starts_with(u))?;
    let end = n + unit.len();
    let boundary = s[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    boundary.then_some(end)
}

#[test]
fn normalising_replaces_run_dependent_values_only() {
    let line = "PASS: 6 checks, 6 passed in 1.25s; p50 3ms, p95 12ms, max 12ms over 3 samples, resets in 59s";
    assert_eq!(
        normalise("github", line),
        "PASS: 6 checks, 6 passed in <dur>; p50 <dur>, p95 <dur>, max <dur> over 3 samples, resets in <dur>"
    );
    assert_eq!(normalise("github", "within 7 s, in 3 workspaces, in 5sx"), "within 7 s, in 3 workspaces, in 5sx");
    assert_eq!(normalise("json", "\"p95_ms\": 2,\n\"p95_warn_ms\": 2000"), "\"p95_ms\": <n>,\n\"p95_warn_ms\": 2000");
    assert_eq!(
        normalise("junit", r#"<x time="0.034" timestamp="2026-11-25T13:30:04">"#),
        r#"<x time="<s>" timestamp="<timestamp>">"#
    );
    assert_eq!(
        normalise("nagios", "'latency_p50'=2ms;2000;3000;0; 'workspaces'=2;;1:;0;"),
        "'latency_p50'=<n>ms;2000;3000;0; 'workspaces'=2;;1:;0;"
    );
    assert_eq!(
        normalise(
            "prometheus",
            "clickup_preflight_latency_seconds{quantile=\"0.5\"} 0.006\nclickup_preflight_ratelimit_limit 100"
        ),
        "clickup_preflight_latency_seconds{quantile=\"0.5\"} <n>\nclickup_preflight_ratelimit_limit 100"
    );
    assert_eq!(normalise("json", "http://127.0.0.1:34361/webhook"), "http://127.0.0.1:<port>/webhook");
    // A wrapped row is one logical row, its cells trimmed; borders collapse.
    let table = "┌──────┬──┐\n│ PASS   ┆ latency    ┆ p50 3ms, p95 433ms   │\n│        ┆            ┆ over 3 samples       │\n│ FAIL   ┆ auth       ┆ x                    │\n└──────┴──┘";
    assert_eq!(
        normalise("table", table),
        "┌─┬─┐\n│ PASS ┆ latency ┆ p50 <dur>, p95 <dur> over 3 samples │\n│ FAIL ┆ auth ┆ x │\n└─┴─┘"
    );
}

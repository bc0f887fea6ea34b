//! The example integrations of `examples/python`, drilled: each gets, item
//! by item, the verdict its behaviour implies (issue 13's proof). The
//! well-behaved worker passes everything the plan exercises; each naive
//! variant gets its one mistake named, and only that (and what follows from
//! it). All examples are drilled at once, in threads, so the suite waits
//! for one plan, not seven.
//!
//! Needs python3 and the `drill` command, so the tests are ignored by
//! `cargo test` and run by `.ci/run`.

use crate::common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::thread;
use std::time::Duration;

use common::{Run, run_in, scratch_dir};

/// The examples' own plan (60 s), shipped beside them so that a reader can
/// run the same drill; its comments say why each phase is as it is.
const PLAN: &str = include_str!("../../examples/python/drill-plan.toml");

/// The examples, in the columns' order of [`EXPECTED`].
const EXAMPLES: [&str; 7] = [
    "sync_worker",
    "naive_immediate_retries",
    "naive_no_jitter",
    "naive_retries_401_forever",
    "naive_polls_every_second",
    "naive_dies_when_api_down",
    "naive_slow_webhook_receiver",
];

const PASS: &str = "pass";
const WARN: &str = "warn";
const FAIL: &str = "fail";
const NONE: &str = "not-exercised";

/// Every item the drill reports, and the verdict of each example in
/// [`EXAMPLES`]' order. Why each one that is not a pass is what it is:
///
/// - `token-rotation`: this plan rotates no token (see the rotation test).
/// - `handles-401-429-500`: the immediate retrier sends the refused request
///   again before the 429's reset; the 401 retrier sends a refused request
///   more than three times in a row; the worker that dies exits in the
///   outage, before the auth fault, so it never meets a 401 (warn).
/// - `backoff-with-jitter`: immediate retries fail; an exact doubling warns
///   (no jitter); the worker that dies exits when its breaker opens, after
///   the second attempt of its only failing chain, so no chain is long
///   enough to judge.
/// - `circuit-breaker`: the worker that dies stops sending (the rate
///   collapses) but never comes back (warn). The immediate retrier still
///   passes: its breaker lets one probe through per job once a chain gives
///   up, so the rate collapses after the first burst.
/// - `graceful-degradation`: the worker that dies exits 1 in the outage,
///   and its health endpoint dies with it.
/// - `caching`: the poller reads the same unchanged list every second.
/// - `webhooks-over-polling`: the poller polls a list no webhook covers.
/// - the webhook items: the poller registers no webhook; the slow receiver
///   answers after the work (1.5 s), slower than the 1 s a burst may take,
///   though within ClickUp's 7 s.
const EXPECTED: [(&str, [&str; 7]); 14] = [
    ("token-rotation", [NONE, NONE, NONE, NONE, NONE, NONE, NONE]),
    ("handles-401-429-500", [PASS, FAIL, PASS, FAIL, PASS, WARN, PASS]),
    ("backoff-with-jitter", [PASS, FAIL, WARN, PASS, PASS, NONE, PASS]),
    ("ecode-parsed", [PASS, PASS, PASS, PASS, PASS, PASS, PASS]),
    ("circuit-breaker", [PASS, PASS, PASS, PASS, PASS, WARN, PASS]),
    ("graceful-degradation", [PASS, PASS, PASS, PASS, PASS, FAIL, PASS]),
    ("request-queuing", [PASS, PASS, PASS, PASS, PASS, PASS, PASS]),
    ("caching", [PASS, PASS, PASS, PASS, FAIL, PASS, PASS]),
    ("webhooks-over-polling", [PASS, PASS, PASS, PASS, FAIL, PASS, PASS]),
    ("structured-logging", [PASS, PASS, PASS, PASS, PASS, PASS, PASS]),
    ("webhook-fast-200", [PASS, PASS, PASS, PASS, NONE, PASS, PASS]),
    ("webhook-idempotent", [PASS, PASS, PASS, PASS, NONE, PASS, PASS]),
    ("webhook-async", [PASS, PASS, PASS, PASS, NONE, PASS, FAIL]),
    ("webhook-auto-disable", [PASS, PASS, PASS, PASS, NONE, PASS, PASS]),
];

/// The rotation plan (15 s): the webhook schedule done in the warm-up, a
/// 2 s auth fault, then the normal phase the drill turns into its token
/// rotation. The worker pauses after the auth fault's 401; its next request
/// finds the old token revoked, re-reads the token file once and switches.
const ROTATION_PLAN: &str = r#"[[phase]]
kind = "warm-up"
length = "7s"

[[phase]]
kind = "auth-fault"
length = "2s"

[[phase]]
kind = "normal"
length = "6s"
"#;

/// The well-behaved worker under a token rotation: it switches (pass) and,
/// as only 401s were played, `handles-401-429-500` warns; no outage,
/// window or retry chain was played.
const ROTATION_EXPECTED: [(&str, &str); 14] = [
    ("token-rotation", PASS),
    ("handles-401-429-500", WARN),
    ("backoff-with-jitter", NONE),
    ("ecode-parsed", PASS),
    ("circuit-breaker", NONE),
    ("graceful-degradation", NONE),
    ("request-queuing", NONE),
    ("caching", PASS),
    ("webhooks-over-polling", PASS),
    ("structured-logging", PASS),
    ("webhook-fast-200", PASS),
    ("webhook-idempotent", PASS),
    ("webhook-async", PASS),
    ("webhook-auto-disable", PASS),
];

/// The drill's own exit: 1 when an item failed, else 0 (warnings allowed).
fn expected_exit(verdicts: &[(&str, &str)]) -> i32 {
    i32::from(verdicts.iter().any(|(_, status)| *status == FAIL))
}

/// A loopback port free a moment ago, for an example's health endpoint.
/// Taken below Linux's ephemeral range (32768 and up), where whatever binds
/// port 0 meanwhile (the drills, other tests) never lands, so it is still
/// free when the example binds it.
fn free_port() -> u16 {
    let start = 20_000 + (std::process::id() as u64 * 131 + common::unique() * 97) % 12_000;
    (0..12_000)
        .map(|i| 20_000 + ((start - 20_000 + i) % 12_000) as u16)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below the ephemeral range")
}

fn script(name: &str) -> String {
    format!("{}/examples/python/{name}.py", env!("CARGO_MANIFEST_DIR"))
}

/// `drill --plan PLAN --health-url ... --format json [extra] -- python3
/// SCRIPT --health-port PORT`, in `dir`, with `env`.
fn drill(dir: &Path, plan: &Path, name: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let port = free_port().to_string();
    let health = format!("http://127.0.0.1:{port}/health");
    let plan = plan.to_string_lossy();
    let script = script(name);
    let mut args = vec!["drill", "--plan", &plan, "--health-url", &health, "--format", "json"];
    args.extend_from_slice(extra);
    args.extend(["--", "python3", &script, "--health-port", &port]);
    run_in(dir, &args, env, Duration::from_secs(120))
}

/// Each item's status word in a drill's JSON report.
fn verdicts(run: &Run) -> BTreeMap<String, String> {
    let doc = run.json();
    assert_eq!(doc["kind"], "drill", "{doc}");
    let items = doc["items"].as_array().unwrap_or_else(|| panic!("no items in {doc}"));
    items
        .iter()
        .map(|item| {
            let id = item["id"].as_str().unwrap_or_else(|| panic!("an item without an id: {item}"));
            let status = item["status"].as_str().unwrap_or_else(|| panic!("{id} without a status: {item}"));
            (id.to_owned(), status.to_owned())
        })
        .collect()
}

/// What differs from `expected` in one drill, with the drill's own words
/// for each differing item.
fn mismatches(name: &str, run: &Run, expected: &[(&str, &str)]) -> Vec<String> {
    let got = verdicts(run);
    let doc = run.json();
    let mut out = Vec::new();
    for (id, want) in expected {
        let have = got.get(*id).map_or("(missing)", String::as_str);
        if have != *want {
            let item = doc["items"].as_array().and_then(|items| items.iter().find(|i| i["id"] == *id)).cloned();
            let said = item.map(|i| format!("{} {}", i["summary"], i["evidence"])).unwrap_or_default();
            out.push(format!("{name}: {id} is {have}, expected {want}: {said}"));
        }
    }
    let reported: Vec<&String> = got.keys().filter(|id| !expected.iter().any(|(e, _)| e == id)).collect();
    if !reported.is_empty() {
        out.push(format!("{name}: items this test does not expect: {reported:?}"));
    }
    let exit = expected_exit(expected);
    if run.code != exit {
        out.push(format!("{name}: the drill exited {}, expected {exit}; stderr: {}", run.code, run.stderr));
    }
    out
}

#[test]
#[ignore = "needs python3 and the drill command: run by .ci/run"]
fn every_example_gets_the_verdicts_its_behaviour_implies() {
    let dir = scratch_dir("drill-examples");
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, PLAN).expect("write the plan");
    let rotation_plan = dir.join("rotation.toml");
    std::fs::write(&rotation_plan, ROTATION_PLAN).expect("write the rotation plan");
    let token_file = dir.join("rotated-token");
    let token_file = token_file.to_string_lossy().into_owned();

    let drills: Vec<_> = EXAMPLES
        .iter()
        .map(|name| {
            let (dir, plan) = (dir.clone(), plan.clone());
            thread::spawn(move || drill(&dir, &plan, name, &[], &[]))
        })
        .collect();
    let rotation = {
        let (dir, plan, file) = (dir.clone(), rotation_plan.clone(), token_file.clone());
        thread::spawn(move || {
            drill(&dir, &plan, "sync_worker", &["--rotate-token-file", &file], &[("CLICKUP_API_TOKEN_FILE", &file)])
        })
    };

    let mut wrong = Vec::new();
    for (column, (name, handle)) in EXAMPLES.iter().zip(drills).enumerate() {
        let run = handle.join().expect("a drill thread");
        let expected: Vec<(&str, &str)> = EXPECTED.iter().map(|(id, row)| (*id, row[column])).collect();
        wrong.extend(mismatches(name, &run, &expected));
    }
    let run = rotation.join().expect("the rotation drill thread");
    wrong.extend(mismatches("sync_worker (token rotated)", &run, &ROTATION_EXPECTED));
    assert!(wrong.is_empty(), "{} verdicts differ:\n{}", wrong.len(), wrong.join("\n"));
}

/// The README's drill commands for the examples: the arguments after
/// `clickup-preflight`, the example drilled, and the comment after `#`.
fn readme_commands() -> Vec<(Vec<String>, String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    readme
        .lines()
        .filter(|l| l.starts_with("clickup-preflight drill --plan examples/python/"))
        .map(|line| {
            let (command, comment) = line.split_once(" # ").unwrap_or_else(|| panic!("no comment: {line}"));
            let args: Vec<String> = command.split_whitespace().skip(1).map(str::to_owned).collect();
            let script = args.iter().find_map(|a| a.strip_prefix("examples/python/")?.strip_suffix(".py"));
            let script = script.unwrap_or_else(|| panic!("no example in {line}")).to_owned();
            (args, script, comment.trim().to_owned())
        })
        .collect()
}

/// The item statuses of a drill's table output, as the JSON spells them.
fn table_verdicts(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> =
                line.split('┆').map(|c| c.trim_matches(|ch: char| ch == '│' || ch.is_whitespace())).collect();
            let [status, id, _] = cells[..] else { return None };
            Some((id.to_owned(), status.to_ascii_lowercase().replace(' ', "-")))
        })
        .filter(|(id, _)| id != "Item")
        .collect()
}

#[test]
#[ignore = "needs python3 and the drill command: run by .ci/run"]
fn the_readme_drill_commands_end_as_their_comments_say() {
    let commands = readme_commands();
    assert_eq!(commands.len(), 2, "the README drills the well-behaved worker and one naive variant");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs: Vec<_> = commands
        .into_iter()
        .map(|(args, script, comment)| {
            thread::spawn(move || {
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                (run_in(root, &argv, &[], Duration::from_secs(120)), script, comment)
            })
        })
        .collect();
    for handle in runs {
        let (run, script, comment) = handle.join().expect("a drill thread");
        let column = EXAMPLES.iter().position(|e| *e == script).unwrap_or_else(|| panic!("{script} is no example"));
        let expected: BTreeMap<String, String> =
            EXPECTED.iter().map(|(id, row)| ((*id).to_owned(), row[column].to_owned())).collect();
        assert_eq!(table_verdicts(&run.stdout), expected, "{script}:\n{}", run.stdout);
        let exit = expected_exit(&EXPECTED.iter().map(|(id, row)| (*id, row[column])).collect::<Vec<_>>());
        assert_eq!(run.code, exit, "{script}: {}", run.stderr);
        assert!(comment.starts_with(&format!("exit {exit}:")), "{script}: the README says `{comment}`");
        // The comment names the items that fail, or when none does, those not exercised.
        let named = if exit == 1 { FAIL } else { NONE };
        for (id, status) in &expected {
            assert_eq!(comment.contains(id.as_str()), status == named, "{script}: `{comment}` and {id}");
        }
    }
}

#[test]
fn the_expected_table_names_every_item_once_and_every_example_is_shipped() {
    // Runs without python3: the table the ignored test asserts is itself
    // checked, so a typo cannot turn an assertion into a silent pass.
    let ids: Vec<&str> = EXPECTED.iter().map(|(id, _)| *id).collect();
    let rotation_ids: Vec<&str> = ROTATION_EXPECTED.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, rotation_ids);
    for id in &ids {
        assert!(clickup_preflight::model::checklist_items::item_by_id(id).is_some(), "{id} is no checklist item");
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    let statuses = [PASS, WARN, FAIL, NONE];
    for (id, row) in &EXPECTED {
        assert!(row.iter().all(|s| statuses.contains(s)), "{id}: {row:?}");
    }
    for name in EXAMPLES {
        assert!(Path::new(&script(name)).is_file(), "examples/python/{name}.py is missing");
    }
    for (text, seconds) in [(PLAN, 60), (ROTATION_PLAN, 15)] {
        let plan = clickup_preflight::drill::plan::parse(text, Path::new("plan.toml")).expect("a valid plan");
        assert_eq!(plan.total(), Duration::from_secs(seconds));
    }
    // The well-behaved worker passes everything the main plan exercises;
    // each naive variant fails or warns on something.
    for (column, name) in EXAMPLES.iter().enumerate() {
        let verdicts: Vec<&str> = EXPECTED.iter().map(|(_, row)| row[column]).collect();
        let clean = verdicts.iter().all(|s| *s == PASS || *s == NONE);
        assert_eq!(clean, *name == "sync_worker", "{name}: {verdicts:?}");
    }
}

#[test]
fn the_examples_readme_shows_the_verdicts_this_test_asserts() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/README.md")).expect("README");
    for (id, row) in &EXPECTED {
        let line = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("examples/README.md has no row for {id}"));
        let cells: Vec<&str> = line.split('|').map(|c| c.trim().trim_matches('*')).filter(|c| !c.is_empty()).collect();
        assert_eq!(cells[1..], row[..], "examples/README.md's row for {id}");
    }
}

//! The GitHub Action's shell side (`action/run.sh`), run as the runner runs
//! it: inputs as `INPUT_*` variables, fake `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`, `GITHUB_ENV` and `GITHUB_PATH` files, against the
//! sandbox. `check` uses the binary under test (`CLICKUP_PREFLIGHT_BIN`);
//! `install` fetches a release packed here by `.ci/package.sh` from a
//! `file://` URL, so no test needs the network.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{FakeServer, Reply, TOKEN, USER_OK, rate_headers, scratch_dir};

const RUN_SH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/action/run.sh");
const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/package.sh");
const BINARY: &str = env!("CARGO_BIN_EXE_clickup-preflight");
const ACTION_YML: &str = include_str!("../../action.yml");

/// What one `run.sh` step left behind.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    dir: PathBuf,
}

/// Runs `run.sh SUBCOMMAND` in a fresh directory with the runner's files
/// and `env`; nothing leaks in from the machine running the tests.
fn step(name: &str, subcommand: &str, env: &[(&str, &str)]) -> Step {
    step_in(&scratch_dir(&format!("action-{name}")), subcommand, env)
}

/// As [`step`], in `dir` (the job's working directory).
fn step_in(dir: &Path, subcommand: &str, env: &[(&str, &str)]) -> Step {
    let dir = dir.to_owned();
    let mut cmd = Command::new("bash");
    cmd.arg(RUN_SH).arg(subcommand).current_dir(&dir);
    for (key, _) in std::env::vars() {
        let runner = ["INPUT_", "GITHUB_", "RUNNER_", "ACTION_", "CLICKUP_", "GH_"];
        if runner.iter().any(|p| key.starts_with(p)) || key.ends_with("_proxy") || key.ends_with("_PROXY") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (file, var) in [("output", "GITHUB_OUTPUT"), ("summary.md", "GITHUB_STEP_SUMMARY")] {
        cmd.env(var, dir.join(file));
    }
    cmd.env("GITHUB_ENV", dir.join("env")).env("GITHUB_PATH", dir.join("path")).env("RUNNER_TEMP", dir.join("tmp"));
    std::fs::create_dir_all(dir.join("tmp")).expect("mkdir");
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("bash runs action/run.sh");
    let outputs = std::fs::read_to_string(dir.join("output"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    Step {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs,
        summary: std::fs::read_to_string(dir.join("summary.md")).unwrap_or_default(),
        dir,
    }
}

/// `run.sh check` with the binary under test and these inputs.
fn check(name: &str, inputs: &[(&str, &str)]) -> Step {
    let mut env = vec![("CLICKUP_PREFLIGHT_BIN", BINARY)];
    env.extend_from_slice(inputs);
    step(name, "check", &env)
}

impl Step {
    fn output(&self, key: &str) -> &str {
        self.outputs.get(key).map_or("<unset>", String::as_str)
    }

    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

#[test]
fn every_input_of_action_yml_reaches_run_sh_and_every_output_is_written() {
    let script = std::fs::read_to_string(RUN_SH).expect("action/run.sh");
    let inputs_block = ACTION_YML.split("\ninputs:\n").nth(1).and_then(|r| r.split("\noutputs:\n").next());
    let inputs: Vec<&str> = inputs_block
        .expect("an inputs block")
        .lines()
        .filter_map(|l| l.strip_prefix("  ").and_then(|l| l.strip_suffix(':')))
        .filter(|l| !l.starts_with(' '))
        .collect();
    assert_eq!(inputs, ["version", "args", "fail-on", "config", "token", "build-from-source"]);
    for input in inputs {
        let variable = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(
            ACTION_YML.contains(&format!("{variable}: ${{{{ inputs.{input} }}}}")),
            "action.yml passes {input} as {variable}"
        );
        assert!(script.contains(&format!("${{{variable}")), "run.sh reads {variable}");
    }
    for output in ["status", "exit-code"] {
        assert!(ACTION_YML.contains(&format!("value: ${{{{ steps.check.outputs.{output} }}}}")), "{output}");
        assert!(script.contains(&format!("output {output} ")), "run.sh writes {output}");
    }
}

#[test]
fn a_passing_run_reports_pass_prints_the_table_and_writes_the_summary() {
    let s = check("pass", &[("INPUT_ARGS", "--sandbox healthy")]);
    assert_eq!(s.code, 0, "{}", s.all());
    assert_eq!((s.output("status"), s.output("exit-code")), ("pass", "0"));
    assert!(s.stdout.contains("│ PASS   ┆ auth"), "the table is in the log:\n{}", s.stdout);
    assert!(s.summary.starts_with("## ClickUp preflight: ✅ PASS"), "{}", s.summary);
    assert_eq!(s.summary.matches("## ClickUp preflight").count(), 1, "the summary is written once");
}

#[test]
fn a_failing_run_fails_the_step_with_its_status_and_summary() {
    let s = check("fail", &[("INPUT_ARGS", "--sandbox outage")]);
    assert_eq!(s.code, 1, "{}", s.all());
    assert_eq!((s.output("status"), s.output("exit-code")), ("fail", "1"));
    assert!(s.summary.starts_with("## ClickUp preflight: ❌ FAIL"), "{}", s.summary);
    assert!(s.summary.contains("API unreachable"), "{}", s.summary);
}

#[test]
fn fail_on_decides_whether_a_warning_or_a_failure_fails_the_step() {
    let warn_passes = check("warn-fail", &[("INPUT_ARGS", "--sandbox rate-limited")]);
    assert_eq!((warn_passes.code, warn_passes.output("status")), (0, "warn"), "{}", warn_passes.all());
    let warn_fails = check("warn-warn", &[("INPUT_ARGS", "--sandbox rate-limited"), ("INPUT_FAIL_ON", "warn")]);
    assert_eq!((warn_fails.code, warn_fails.output("exit-code")), (1, "1"), "{}", warn_fails.all());
    let never = check("fail-never", &[("INPUT_ARGS", "--sandbox outage"), ("INPUT_FAIL_ON", "never")]);
    assert_eq!((never.code, never.output("status"), never.output("exit-code")), (0, "fail", "0"), "{}", never.all());
    assert!(never.summary.contains("❌ FAIL"), "reported even when it does not fail the step");
}

#[test]
fn a_run_that_cannot_start_fails_the_step_as_error_whatever_fail_on_says() {
    let dir_config = check(
        "no-config",
        &[("INPUT_ARGS", "--sandbox healthy"), ("INPUT_CONFIG", "missing.toml"), ("INPUT_FAIL_ON", "never")],
    );
    assert_eq!(dir_config.code, 2, "{}", dir_config.all());
    assert_eq!((dir_config.output("status"), dir_config.output("exit-code")), ("error", "2"));
    assert!(dir_config.stderr.contains("missing.toml"), "{}", dir_config.stderr);
    assert!(dir_config.summary.contains("could not start"), "{}", dir_config.summary);
    let bad_gate = check("bad-fail-on", &[("INPUT_ARGS", "--sandbox healthy"), ("INPUT_FAIL_ON", "sometimes")]);
    assert_eq!((bad_gate.code, bad_gate.output("status")), (2, "error"), "{}", bad_gate.all());
}

#[test]
fn the_config_input_is_the_run_s_checks_toml() {
    let dir = scratch_dir("action-config-file");
    let config = dir.join("lenient.toml");
    // rate-limited leaves 3 of 100 requests, which warns under the default 10%.
    std::fs::write(&config, "[rate_limit]\nwarn_below_percent = 1\n").expect("write config");
    let args = ("INPUT_ARGS", "--sandbox rate-limited --only rate-limit");
    let lenient = check("config", &[args, ("INPUT_CONFIG", config.to_str().expect("utf-8"))]);
    assert_eq!((lenient.code, lenient.output("status")), (0, "pass"), "{}", lenient.all());
    let default = check("no-config-given", &[args]);
    assert_eq!(default.output("status"), "warn", "{}", default.all());
}

#[test]
fn the_token_input_reaches_the_binary_and_is_never_printed() {
    let server = FakeServer::start(|seen| match seen.path.as_str() {
        "/api/v2/user" => Reply::Full(200, rate_headers(), USER_OK.to_owned()),
        _ => Reply::Full(404, vec![], String::new()),
    });
    let api = format!("--api-url {} --only auth -vv", server.url("/api/v2"));
    let given = check("token", &[("INPUT_ARGS", &api), ("INPUT_TOKEN", TOKEN)]);
    assert_eq!((given.code, given.output("status")), (0, "pass"), "{}", given.all());
    let sent: Vec<String> = server.requests().iter().filter_map(|r| r.headers.get("authorization").cloned()).collect();
    assert_eq!(sent, [TOKEN], "the token input is what the binary sends");
    for text in
        [given.all(), given.summary.clone(), std::fs::read_to_string(given.dir.join("output")).unwrap_or_default()]
    {
        assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
    }
    // An empty token input keeps the CLICKUP_API_TOKEN the job sets.
    let from_job = check("token-from-job", &[("INPUT_ARGS", &api), ("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(from_job.output("status"), "pass", "{}", from_job.all());
    let none = check("no-token", &[("INPUT_ARGS", &api)]);
    assert_eq!((none.code, none.output("status")), (2, "error"), "{}", none.all());
}

// ---- install: the release archive for the runner, checksum verified ----------

/// A release directory as GitHub serves it (`TAG/ARCHIVE` and its `.sha256`),
/// packed by `.ci/package.sh` for `target`; its "binary" is a two-line
/// script that runs the binary under test. Returns the `file://` base URL.
fn release(name: &str, tag: &str, target: &str) -> (String, PathBuf) {
    let dir = scratch_dir(&format!("action-release-{name}"));
    let stand_in = dir.join("clickup-preflight");
    std::fs::write(&stand_in, format!("#!/bin/sh\nexec '{BINARY}' \"$@\"\n")).expect("write stand-in");
    let out = Command::new("bash")
        .arg(PACKAGE)
        .args([tag, target, stand_in.to_str().expect("utf-8"), dir.join("releases").join(tag).to_str().expect("utf-8")])
        .output()
        .expect("bash runs .ci/package.sh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let archive = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (format!("file://{}", dir.join("releases").display()), archive)
}

fn install(name: &str, releases: &str, env: &[(&str, &str)]) -> Step {
    let mut all = vec![("CLICKUP_PREFLIGHT_RELEASES", releases), ("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64")];
    all.extend_from_slice(env);
    step(name, "install", &all)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_default()
}

#[test]
fn install_fetches_the_runner_s_archive_verifies_it_and_the_check_step_runs_it() {
    let (releases, _) = release("ok", "v0.1.0", "x86_64-unknown-linux-musl");
    let s = install("install-ok", &releases, &[("ACTION_REF", "v0.1.0")]);
    assert_eq!(s.code, 0, "{}", s.all());
    let bin = s.stdout.trim().to_owned();
    let expected = s.dir.join("tmp/clickup-preflight-install/clickup-preflight-v0.1.0-x86_64-unknown-linux-musl");
    assert_eq!(bin, expected.join("clickup-preflight").display().to_string());
    assert_eq!(read(&s.dir, "env"), format!("CLICKUP_PREFLIGHT_BIN={bin}\n"), "the check step finds it");
    assert_eq!(read(&s.dir, "path"), format!("{}\n", expected.display()), "later steps find it on PATH");
    assert!(s.stderr.contains("clickup-preflight 0.1.0"), "its --version ran: {}", s.stderr);

    let checked = check("installed", &[("CLICKUP_PREFLIGHT_BIN", &bin), ("INPUT_ARGS", "--sandbox healthy")]);
    assert_eq!((checked.code, checked.output("status")), (0, "pass"), "{}", checked.all());
}

#[test]
fn install_takes_the_version_input_with_or_without_its_v() {
    let (releases, _) = release("version", "v0.1.0", "aarch64-apple-darwin");
    for version in ["v0.1.0", "0.1.0"] {
        let env =
            [("RUNNER_OS", "macOS"), ("RUNNER_ARCH", "ARM64"), ("INPUT_VERSION", version), ("ACTION_REF", "main")];
        let s = install(&format!("version-{version}"), &releases, &env);
        assert_eq!(s.code, 0, "{version}: {}", s.all());
        assert!(s.stdout.trim().ends_with("clickup-preflight-v0.1.0-aarch64-apple-darwin/clickup-preflight"));
    }
    let bad = install("version-bad", &releases, &[("INPUT_VERSION", "latest")]);
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("version: expected a release tag such as v0.1.0, got 'latest'"), "{}", bad.stderr);
}

#[test]
fn an_archive_that_does_not_match_its_checksum_is_not_installed() {
    let (releases, archive) = release("tampered", "v0.1.0", "x86_64-unknown-linux-musl");
    let mut bytes = std::fs::read(&archive).expect("archive");
    bytes.push(0);
    std::fs::write(&archive, bytes).expect("tamper");
    let s = install("install-tampered", &releases, &[("INPUT_VERSION", "v0.1.0")]);
    assert_eq!(s.code, 2, "{}", s.all());
    assert!(s.stderr.contains("does not match its published SHA-256"), "{}", s.stderr);
    assert!(s.stderr.contains("::error"), "an annotation says why: {}", s.stderr);
    assert!(read(&s.dir, "env").is_empty() && read(&s.dir, "path").is_empty(), "nothing installed");
    assert!(!s.dir.join("tmp/clickup-preflight-install").join(archive.file_name().expect("name")).exists());
}

#[test]
fn install_fails_clearly_without_a_release_for_the_runner_or_at_the_url() {
    let (releases, _) = release("missing", "v0.1.0", "x86_64-unknown-linux-musl");
    let arm32 = install("install-arm32", &releases, &[("INPUT_VERSION", "v0.1.0"), ("RUNNER_ARCH", "ARM")]);
    assert_eq!(arm32.code, 2, "{}", arm32.all());
    assert!(arm32.stderr.contains("no release binary for Linux/ARM: set build-from-source: true"), "{}", arm32.stderr);
    let absent = install("install-absent", &releases, &[("INPUT_VERSION", "v9.9.9")]);
    assert_eq!(absent.code, 2, "{}", absent.all());
    assert!(absent.stderr.contains("cannot download") && absent.stderr.contains("v9.9.9"), "{}", absent.stderr);
}

// ---- hostile inputs -------------------------------------------------------------

#[test]
fn the_token_is_not_traced_when_the_job_turns_on_bash_xtrace() {
    // SHELLOPTS in the job's environment turns xtrace on in every bash the
    // step starts, run.sh included: its trace would print the token input.
    let s = check(
        "xtrace",
        &[("INPUT_ARGS", "--sandbox healthy --only auth"), ("INPUT_TOKEN", TOKEN), ("SHELLOPTS", "xtrace")],
    );
    assert_eq!((s.code, s.output("status")), (0, "pass"), "{}", s.all());
    assert!(!s.all().contains(TOKEN), "the token was traced:\n{}", s.all());
}

#[test]
fn args_written_over_several_lines_are_all_passed() {
    // `args: |` in a workflow gives one argument or two per line; none is dropped.
    let s = check("multi-line-args", &[("INPUT_ARGS", "--sandbox rate-limited\n--only auth\n  --timeout 5s\n")]);
    assert_eq!((s.code, s.output("status")), (0, "pass"), "only auth ran, not the warning rate-limit: {}", s.all());
    let quoted =
        check("quoted-args", &[("INPUT_ARGS", "--sandbox healthy --only auth $(touch pwned) `touch pwned2` *")]);
    assert_eq!(quoted.code, 2, "taken as words, refused by check: {}", quoted.all());
    assert!(!quoted.dir.join("pwned").exists() && !quoted.dir.join("pwned2").exists(), "nothing was run");
    assert_eq!(quoted.outputs.len(), 2, "{:?}", quoted.outputs);
}

#[test]
fn a_config_path_that_starts_with_a_dash_is_a_path() {
    let dir = scratch_dir("action-dash-config");
    std::fs::write(dir.join("-lenient.toml"), "[rate_limit]\nwarn_below_percent = 1\n").expect("write config");
    let inputs = [
        ("CLICKUP_PREFLIGHT_BIN", BINARY),
        ("INPUT_ARGS", "--sandbox rate-limited --only rate-limit"),
        ("INPUT_CONFIG", "-lenient.toml"),
    ];
    let s = step_in(&dir, "check", &inputs);
    assert_eq!((s.code, s.output("status")), (0, "pass"), "{}", s.all());
}

#[test]
fn an_annotation_with_a_line_break_stays_one_workflow_command() {
    let version = "v0.1.0\n::add-mask::everything\n::set-output name=status::pass";
    let s = install("install-newline", "file:///nowhere", &[("INPUT_VERSION", version)]);
    assert_eq!(s.code, 2, "{}", s.all());
    let commands: Vec<&str> = s.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 1, "one ::error, nothing injected:\n{}", s.stderr);
    assert!(commands[0].starts_with("::error title=clickup-preflight::version:"), "{}", s.stderr);
    assert!(commands[0].contains("%0A::add-mask::everything"), "the line break is escaped: {}", s.stderr);
}

#[test]
fn a_version_input_that_is_not_a_version_is_refused_before_any_download() {
    let (releases, _) = release("odd-version", "v0.1.0", "x86_64-unknown-linux-musl");
    for version in ["v0.1.0/../../v0.1.0", "v0.1.0 ", "0.1", "v1.2.3.4", "v1.2.3-", "v1.2.3-rc.1;x"] {
        let s = install("odd-version", &releases, &[("INPUT_VERSION", version)]);
        assert_eq!(s.code, 2, "{version:?}: {}", s.all());
        assert!(
            s.stderr.contains("::error title=clickup-preflight::version: expected a release tag such as v0.1.0"),
            "{version:?}: {}",
            s.stderr
        );
        assert!(!s.stderr.contains("downloading"), "{version:?}: nothing fetched: {}", s.stderr);
    }
}

#[test]
fn text_from_the_server_cannot_add_or_change_an_output() {
    // The server's message lands in the report the outputs are read from.
    let injected = r#"denied\n  \"status\": \"pass\",\nstatus=pass\nexit-code=0\n"#;
    let server = FakeServer::start(move |_| {
        Reply::Full(401, rate_headers(), format!(r#"{{"err":"{injected}","ECODE":"OAUTH_025"}}"#))
    });
    let api = format!("--api-url {} --only auth", server.url("/api/v2"));
    let s = check("injected", &[("INPUT_ARGS", &api), ("INPUT_TOKEN", TOKEN)]);
    assert_eq!(s.code, 1, "{}", s.all());
    assert!(s.summary.contains("denied"), "the server's text is in the report: {}", s.summary);
    let written = std::fs::read_to_string(s.dir.join("output")).expect("GITHUB_OUTPUT");
    assert_eq!(written, "status=fail\nexit-code=1\n");
}

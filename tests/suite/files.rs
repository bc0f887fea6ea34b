//! Files and processes: where `--output` writes (symlinks, FIFOs, devices,
//! stdout), what is refused before any request, and the exit codes of the
//! runs that stop early.

use crate::common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{FakeServer, Reply, Run, TOKEN, run_in, scratch_dir};

const LIMIT: Duration = Duration::from_secs(30);

/// A healthy sandbox run of one check with `--output SPEC`, in `dir`.
fn with_output(dir: &Path, spec: &str) -> Run {
    run_in(dir, &["check", "--sandbox", "healthy", "--only", "auth", "--output", spec], &[], LIMIT)
}

fn is_char_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[test]
fn a_symlink_is_followed_its_target_replaced_and_the_link_kept() {
    let dir = scratch_dir("out-symlink");
    std::fs::create_dir_all(dir.join("real")).expect("mkdir");
    std::fs::write(dir.join("real/clickup.prom"), "old\n").expect("seed");
    std::os::unix::fs::symlink("real/clickup.prom", dir.join("clickup.prom")).expect("symlink");
    let r = with_output(&dir, "prometheus=clickup.prom");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(std::fs::symlink_metadata(dir.join("clickup.prom")).expect("link").file_type().is_symlink());
    let written = std::fs::read_to_string(dir.join("real/clickup.prom")).expect("target");
    assert!(written.contains("clickup_preflight_check_status{check=\"auth\"} 0"), "{written}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("real")).expect("list").flatten().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left next to the target: {leftovers:?}");

    // A link whose target does not exist yet: the target is created.
    std::os::unix::fs::symlink("real/new.json", dir.join("new.json")).expect("symlink");
    let r = with_output(&dir, "json=new.json");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(std::fs::symlink_metadata(dir.join("new.json")).expect("link").file_type().is_symlink());
    assert!(std::fs::read_to_string(dir.join("real/new.json")).expect("target").contains("\"schema_version\""));
}

#[test]
fn a_fifo_reader_receives_the_report_and_stdout_paths_write_to_stdout() {
    let dir = scratch_dir("out-fifo");
    let fifo = dir.join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let (sender, received) = std::sync::mpsc::channel();
    let reader = fifo.clone();
    std::thread::spawn(move || sender.send(std::fs::read_to_string(reader).expect("read the FIFO")));
    let r = with_output(&dir, "json=report.fifo");
    assert_eq!(r.code, 0, "{}", r.all_output());
    // A reader still blocked in open() after the run means nothing was written.
    let received = received.recv_timeout(Duration::from_secs(5)).expect("the FIFO's reader got the report");
    assert!(received.contains("\"schema_version\": 1"), "the reader got: {received:?}");
    assert!(std::fs::symlink_metadata(&fifo).expect("fifo").file_type().is_fifo(), "still a FIFO");

    // stdout is a pipe here too: `-` and /dev/stdout put the report on it
    // instead of the table, and leave /dev/stdout alone.
    for target in ["-", "/dev/stdout"] {
        let r = with_output(&dir, &format!("json={target}"));
        assert_eq!(r.code, 0, "{target}: {}", r.all_output());
        assert_eq!(r.json()["checks"][0]["id"], "auth", "{target}: stdout is the JSON report");
    }
    assert!(std::fs::symlink_metadata("/dev/stdout").expect("/dev/stdout").file_type().is_symlink());
}

#[test]
fn a_fifo_nobody_reads_fails_the_write_at_the_deadline_instead_of_hanging() {
    let dir = scratch_dir("out-fifo-unread");
    let fifo = dir.join("unread.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs").success());
    let started = std::time::Instant::now();
    let args =
        ["check", "--sandbox", "healthy", "--only", "auth", "--deadline", "500ms", "--output", "json=unread.fifo"];
    let r = run_in(&dir, &args, &[], LIMIT);
    assert!(started.elapsed() < Duration::from_secs(5), "bounded by the deadline: {:?}", started.elapsed());
    assert_eq!(r.code, 2, "a report that could not be written: {}", r.all_output());
    assert!(r.stderr.contains("unread.fifo") && r.stderr.contains("no reader"), "{}", r.stderr);
    assert!(std::fs::symlink_metadata(&fifo).expect("fifo").file_type().is_fifo(), "still a FIFO");
}

/// A character device of our own (the same device as /dev/null) where we
/// can make one, so that a regression clobbers a scratch node first.
fn scratch_null(dir: &Path) -> PathBuf {
    let node = dir.join("null");
    let made = Command::new("mknod").arg(&node).args(["c", "1", "3"]).status();
    if made.is_ok_and(|s| s.success()) { node } else { PathBuf::from("/dev/null") }
}

#[test]
fn character_devices_are_written_in_place_and_stay_devices() {
    let dir = scratch_dir("out-device");
    let node = scratch_null(&dir);
    let r = with_output(&dir, &format!("json={}", node.display()));
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(is_char_device(&node), "{} is still a character device", node.display());

    let r = with_output(&dir, "json=/dev/null");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(is_char_device(Path::new("/dev/null")));

    // /dev/full refuses the write: exit 2 naming it, and it stays a device.
    let r = with_output(&dir, "json=/dev/full");
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("/dev/full"), "{}", r.stderr);
    assert!(is_char_device(Path::new("/dev/full")));
}

#[test]
fn bad_output_paths_are_refused_before_any_request() {
    let api = FakeServer::start(|_| Reply::json(common::USER_OK));
    let dir = scratch_dir("out-refused");
    std::fs::create_dir_all(dir.join("a-directory")).expect("mkdir");
    std::fs::write(dir.join("a-file"), "x").expect("write");
    let api_url = api.url("/api/v2");
    let cases = [
        ("missing/report.xml", "does not exist"),
        ("a-directory", "is a directory"),
        ("a-file/report.xml", "is not a directory"),
        ("/proc/clickup-preflight.prom", "cannot create"),
    ];
    for (path, reason) in cases {
        for format in ["table", "json", "nagios"] {
            let spec = format!("junit={path}");
            let args =
                ["check", "--api-url", &api_url, "--only", "auth", "--format", format, "--output", spec.as_str()];
            let r = run_in(&dir, &args, &[("CLICKUP_API_TOKEN", TOKEN)], LIMIT);
            let said = if format == "nagios" { &r.stdout } else { &r.stderr };
            assert_eq!(said.lines().count(), 1, "{path} ({format}): one line: {}", r.all_output());
            assert!(said.contains(path) && said.contains(reason), "{path} ({format}): {}", r.all_output());
            if format == "nagios" {
                assert_eq!(r.code, 3, "{path}: UNKNOWN");
                assert!(r.stdout.starts_with("CLICKUP UNKNOWN - "), "{}", r.stdout);
            } else {
                assert_eq!(r.code, 2, "{path} ({format}): {}", r.all_output());
                assert!(r.stdout.is_empty(), "{}", r.stdout);
            }
        }
    }
    assert!(api.requests().is_empty(), "requests were sent: {:?}", api.requests());
    assert!(!dir.join("a-directory").read_dir().expect("list").any(|_| true), "nothing written into the directory");
}

#[test]
fn two_reports_cannot_share_stdout() {
    let dir = scratch_dir("out-two-stdout");
    let r =
        run_in(&dir, &["check", "--sandbox", "healthy", "--format", "json", "--output", "prometheus=-"], &[], LIMIT);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("stdout"), "{}", r.stderr);
    let r = run_in(&dir, &["check", "--sandbox", "healthy", "--output", "json=-", "--output", "junit=-"], &[], LIMIT);
    assert_eq!(r.code, 2, "{}", r.all_output());
}

/// Two reports bound for one file (however the path is spelled) would
/// leave only the last: refused before any request, nothing written.
#[test]
fn two_reports_cannot_share_a_file() {
    let dir = scratch_dir("out-two-file");
    let r = run_in(&dir, &["check", "--sandbox", "healthy", "--output", "json=r", "--output", "junit=./r"], &[], LIMIT);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("junit=./r") || r.stderr.contains("./r"), "{}", r.stderr);
    assert!(r.stderr.contains("the json report goes to the same file"), "{}", r.stderr);
    assert!(!dir.join("r").exists(), "nothing written");
    let r = run_in(&dir, &["check", "--sandbox", "healthy", "--output", "json=r", "--output", "junit=s"], &[], LIMIT);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(dir.join("r").exists() && dir.join("s").exists());
}

// ---- Nagios: one status line, UNKNOWN for anything that stops the run --------

/// Asserts the one UNKNOWN status line of a plugin that could not run.
fn assert_unknown(r: &Run, words: &str) {
    assert_eq!(r.code, 3, "UNKNOWN: {}", r.all_output());
    assert_eq!(r.stdout.lines().count(), 1, "one status line: {}", r.stdout);
    assert!(r.stdout.starts_with("CLICKUP UNKNOWN - "), "{}", r.stdout);
    assert!(r.stdout.contains(words), "{}", r.stdout);
    assert!(!r.stdout.contains(" | "), "no perfdata separator in the reason: {}", r.stdout);
}

#[test]
fn nagios_usage_errors_are_unknown_with_one_line() {
    let dir = scratch_dir("nagios-usage");
    let cases: [&[&str]; 5] = [
        &["check", "--format", "nagios", "--no-such-flag"],
        &["check", "--no-such-flag", "--format", "nagios"],
        &["check", "--format=nagios", "--timeout", "soon"],
        &["-q", "check", "--format", "nagios", "--only", "nope"],
        &["check", "--format", "nagios", "--sandbox", "healthy", "--api-url", "http://127.0.0.1:9"],
    ];
    for args in cases {
        let r = run_in(&dir, args, &[], LIMIT);
        assert_unknown(&r, "");
        assert!(r.stdout.len() < 400, "{args:?}: a short line: {}", r.stdout);
    }
    let r = run_in(&dir, &["check", "--format", "nagios", "--timeout", "soon"], &[], LIMIT);
    assert_unknown(&r, "soon");
    // Other formats keep exit 2, and help is still help.
    let r = run_in(&dir, &["check", "--format", "json", "--no-such-flag"], &[], LIMIT);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stdout.is_empty());
    let r = run_in(&dir, &["check", "--format", "nagios", "--help"], &[], LIMIT);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stdout.contains("Usage:"), "{}", r.stdout);
}

#[test]
fn nagios_prints_no_second_line_when_an_output_cannot_be_written() {
    let dir = scratch_dir("nagios-output");
    let args = ["check", "--sandbox", "healthy", "--only", "auth", "--format", "nagios", "--output", "json=/dev/full"];
    let r = run_in(&dir, &args, &[], LIMIT);
    assert_unknown(&r, "/dev/full");
    let r = run_in(&dir, &args[..args.len() - 2], &[], LIMIT);
    assert_eq!(r.code, 0, "the same run without the output is OK: {}", r.stdout);
    assert!(r.stdout.starts_with("CLICKUP OK - "), "{}", r.stdout);
}

// ---- token_command: bounded by the deadline, killed with its children ----------

/// Processes whose command line contains `marker`, other than this test.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let line = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if line.contains(marker) && !line.contains("--test-threads") && !line.contains("files-") {
            found.push(format!("{}: {line}", entry.file_name().to_string_lossy()));
        }
    }
    found
}

fn with_token_command(name: &str, command: &str, extra: &[&str]) -> Run {
    let dir = scratch_dir(name);
    std::fs::write(dir.join("checks.toml"), format!("token_command = \"{command}\"\n")).expect("write config");
    let mut args = vec!["check", "--sandbox", "healthy", "--only", "auth", "--format", "json"];
    args.extend_from_slice(extra);
    run_in(&dir, &args, &[], Duration::from_secs(10))
}

#[test]
fn a_hung_token_command_is_stopped_at_the_deadline_with_its_children() {
    // `sleep` runs as a child of the shell (`&&` follows it), so killing the
    // shell alone would leave it behind.
    let marker = "29.4321";
    let r = with_token_command("token-hang", &format!("sleep {marker} && printf %s {TOKEN}"), &["--deadline", "500ms"]);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.elapsed < Duration::from_millis(2000), "the run took {:?} with a 500ms deadline", r.elapsed);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("`sleep` did not finish within the 500ms deadline"), "{}", r.stderr);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(processes_with(marker), Vec::<String>::new(), "the command's processes survived the run");
}

#[test]
fn token_command_failures_name_the_program() {
    let missing = with_token_command("token-127", "FOO=bar no-such-secrets-cli read clickup", &[]);
    assert_eq!(missing.code, 2, "{}", missing.all_output());
    assert!(missing.stderr.contains("`no-such-secrets-cli` not found (exit code 127)"), "{}", missing.stderr);
    assert!(!missing.stderr.contains("bar"), "variable assignments are not the program: {}", missing.stderr);
    let failing = with_token_command("token-3", "false", &[]);
    assert!(failing.stderr.contains("`false` failed with exit code 1"), "{}", failing.stderr);
    let working = with_token_command("token-ok", &format!("printf %s {TOKEN}"), &["--deadline", "5s"]);
    assert_eq!(working.code, 0, "{}", working.all_output());
    assert!(!working.all_output().contains(TOKEN));
}

// ---- a token in quotes or as NAME=value is recognised, never regenerated ----------

const REGENERATE: &str = "generate a new token";

/// The token must not leak, not even the distinctive half.
fn assert_token_unseen(r: &Run) {
    assert!(!r.all_output().contains("TESTTOKENABCDEFGHIJ"), "the token leaked:\n{}", r.all_output());
}

#[test]
fn a_quoted_or_assigned_token_is_a_usage_error_before_any_request() {
    let api = FakeServer::start(|_| Reply::Full(401, vec![], r#"{"err":"Token invalid","ECODE":"OAUTH_025"}"#.into()));
    let dir = scratch_dir("token-shapes");
    let api_url = api.url("/api/v2");
    let base = ["check", "--api-url", api_url.as_str(), "--only", "auth", "--format", "json"];
    let quoted = [format!("\"{TOKEN}\""), format!("'{TOKEN}'\n")];
    let assigned = [
        format!("CLICKUP_API_TOKEN={TOKEN}\n"),
        format!("export CLICKUP_API_TOKEN=\"{TOKEN}\"\n"),
        format!("DEBUG=1\nCLICKUP_API_TOKEN={TOKEN}\n"),
    ];
    let cases = quoted.iter().map(|v| (v, "quotes")).chain(assigned.iter().map(|v| (v, "NAME=value")));
    for (value, words) in cases {
        let from_env = run_in(&dir, &base, &[("CLICKUP_API_TOKEN", value.as_str())], LIMIT);
        std::fs::write(dir.join("token"), value).expect("write token file");
        let mut args = base.to_vec();
        args.extend(["--token-file", "token"]);
        let from_file = run_in(&dir, &args, &[], LIMIT);
        for r in [from_env, from_file] {
            assert_eq!(r.code, 2, "{value:?}: {}", r.all_output());
            assert_eq!(r.stderr.lines().count(), 1, "{value:?}: one line: {}", r.stderr);
            assert!(r.stderr.contains(words), "{value:?}: {}", r.stderr);
            assert!(!r.stderr.contains(REGENERATE) && !r.stderr.contains("regenerat"), "{}", r.stderr);
            assert_token_unseen(&r);
        }
    }
    assert!(api.requests().is_empty(), "the malformed token was sent: {:?}", api.requests().len());
    let r = with_token_command("token-cmd-assigned", &format!("printf 'TOKEN=%s' {TOKEN}"), &[]);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("token_command") && r.stderr.contains("NAME=value"), "{}", r.stderr);
    assert_token_unseen(&r);
}

#[test]
fn the_regenerate_hint_needs_an_ecode_that_says_the_token_is_invalid() {
    for (ecode, regenerate) in [
        ("OAUTH_025", true),
        ("OAUTH_019", true),
        ("OAUTH_021", true),
        ("OAUTH_077", true),
        ("OAUTH_018", true),
        ("OAUTH_027", false),
        ("OAUTH_017", false),
        ("", false),
    ] {
        let body = if ecode.is_empty() { r#"{"err":"no"}"#.to_owned() } else { format!(r#"{{"ECODE":"{ecode}"}}"#) };
        let api = FakeServer::start(move |seen| match seen.path.as_str() {
            "/status" => Reply::json(common::STATUS_OK),
            _ => Reply::Full(401, vec![], body.clone()),
        });
        let r = common::check_against(&api, &["--only", "auth"]);
        assert_eq!(r.status_of("auth"), "fail", "{ecode}: {}", r.stdout);
        let hint = r.check("auth")["hint"].as_str().unwrap_or_default().to_owned();
        assert_eq!(hint.contains(REGENERATE), regenerate, "{ecode}: {hint}");
        assert!(!hint.is_empty(), "{ecode}: every refusal has a hint");
    }
}

// ---- -q: silent when nothing needs attention -----------------------------------

#[test]
fn quiet_prints_nothing_when_nothing_needs_attention_and_still_prints_failures() {
    let dir = scratch_dir("quiet");
    for args in [
        &["check", "-q", "--sandbox", "healthy"][..],
        &["check", "-q", "--sandbox", "healthy", "--only", "webhook-endpoint"],
        &["check", "-q", "--sandbox", "healthy", "--output", "prometheus=probe.prom"],
    ] {
        let r = run_in(&dir, args, &[], LIMIT);
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""), "{args:?}: cron mails nothing");
    }
    let prom = std::fs::read_to_string(dir.join("probe.prom")).expect("the file is still written");
    assert!(prom.contains("clickup_preflight_check_status{check=\"auth\"} 0"), "{prom}");

    let warned = run_in(&dir, &["check", "-q", "--sandbox", "webhook-failing"], &[], LIMIT);
    assert_eq!(warned.code, 0);
    assert!(warned.stdout.contains("WARN") && warned.stdout.contains("webhooks"), "{}", warned.stdout);
    assert!(!warned.stdout.contains("PASS "), "passing rows are left out: {}", warned.stdout);
    let failed = run_in(&dir, &["check", "-q", "--sandbox", "outage"], &[], LIMIT);
    assert_eq!(failed.code, 1);
    assert!(failed.stdout.contains("FAIL") && failed.stdout.contains("API unreachable"), "{}", failed.stdout);
}

// ---- webhooks reactivate: declined, not found and refused differ ----------------

const HOOK: &str = "4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01";

/// A fake ClickUp with two workspaces: the first lists `HOOK` (suspended),
/// the second answers its listing with `second`; `PUT /webhook/HOOK` gets
/// `put`.
fn fake_clickup(second: u16, put: u16) -> FakeServer {
    FakeServer::start(move |seen| {
        let json = |status: u16, body: &str| Reply::Full(status, common::rate_headers(), body.to_owned());
        match seen.path.as_str() {
            "/api/v2/team" => json(200, r#"{"teams":[{"id":"1","name":"A"},{"id":"2","name":"B"}]}"#),
            "/api/v2/team/1/webhook" => json(
                200,
                &format!(
                    r#"{{"webhooks":[{{"id":"{HOOK}","team_id":1,"endpoint":"https://h.example/x","events":["taskCreated"],"health":{{"status":"suspended","fail_count":100}}}}]}}"#
                ),
            ),
            "/api/v2/team/2/webhook" if second == 200 => json(200, r#"{"webhooks":[]}"#),
            "/api/v2/team/2/webhook" => json(second, r#"{"err":"Team not authorized","ECODE":"OAUTH_027"}"#),
            _ => json(put, r#"{"err":"Webhook cannot be updated","ECODE":"WH_001"}"#),
        }
    })
}

fn reactivate(api: &FakeServer, id: &str) -> Run {
    let url = api.url("/api/v2");
    run_in(
        &scratch_dir("reactivate"),
        &["webhooks", "reactivate", id, "--yes", "--api-url", &url],
        &[("CLICKUP_API_TOKEN", TOKEN)],
        LIMIT,
    )
}

#[test]
fn reactivate_exit_codes_tell_not_found_from_refused() {
    let api = fake_clickup(200, 400);
    let not_found = reactivate(&api, "00000000-dead-beef");
    assert_eq!(not_found.code, 4, "not found: {}", not_found.all_output());
    let refused = reactivate(&api, HOOK);
    assert_eq!(refused.code, 1, "ClickUp refused: {}", refused.all_output());
    assert!(refused.stderr.contains("reactivation failed"), "{}", refused.stderr);
    assert!(api.requests().iter().any(|s| s.path == format!("/api/v2/webhook/{HOOK}")), "the PUT was sent");

    // Not found while a workspace could not be listed is not "not found".
    let partial = reactivate(&fake_clickup(401, 400), "00000000-dead-beef");
    assert_eq!(partial.code, 1, "{}", partial.all_output());
    assert!(partial.stderr.contains("some could not be listed"), "{}", partial.stderr);
}

#[test]
fn reactivate_declined_on_the_terminal_is_its_own_exit_code() {
    let api = fake_clickup(200, 200);
    let bin = env!("CARGO_BIN_EXE_clickup-preflight");
    let line = format!("{bin} webhooks reactivate {HOOK} --api-url {}", api.url("/api/v2"));
    let mut script = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(scratch_dir("declined"))
        .env("CLICKUP_API_TOKEN", TOKEN)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs");
    {
        use std::io::Write;
        let mut stdin = script.stdin.take().expect("stdin");
        stdin.write_all(b"n\n").expect("answer no");
    }
    let out = script.wait_with_output().expect("script ends");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "declined: {said}");
    assert!(said.contains("[y/N]") && said.contains("not changed"), "{said}");
    assert!(!api.requests().iter().any(|s| s.path.contains("/webhook/")), "no PUT after a no");
}

/// Every file the user names for reading, given a FIFO nobody writes to and
/// a device that never ends: each is one line naming the file, exit 2, at
/// once (before: the open waited for a writer, or the read for the end of
/// /dev/zero until memory ran out).
#[test]
fn named_input_files_that_are_not_regular_files_are_refused_at_once() {
    let dir = scratch_dir("input-kinds");
    let fifo = dir.join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo").success());
    let fifo = fifo.to_string_lossy().into_owned();
    let limit = Duration::from_secs(10);
    for named in [fifo.as_str(), "/dev/zero"] {
        let runs: [&[&str]; 6] = [
            &["check", "--sandbox", "healthy", "--config", named],
            &["check", "--only", "auth", "--token-file", named],
            &["drill", "--plan", named, "--", "true"],
            &["sandbox", "--world", "--plan", named],
            &["sandbox", "--faults", named],
            &["checklist", "--drill", named],
        ];
        for args in runs {
            let r = run_in(&dir, args, &[], limit);
            assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
            assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
            let lines: Vec<&str> = r.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{args:?}: {}", r.stderr);
            assert!(lines[0].contains(named), "{args:?} does not name the file: {}", r.stderr);
            assert!(lines[0].contains("not a regular file") || lines[0].contains("expected a file"), "{}", r.stderr);
        }
    }
}

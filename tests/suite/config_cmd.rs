//! `config`: every value in effect with its source (flag, env,
//! checks.toml:LINE, default), validated like `check`, the token shown by
//! its source only.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::json_schema::assert_valid;
use common::{Run, TOKEN, run_in, scratch_dir};
use serde_json::Value;

fn config_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut argv = vec!["config"];
    argv.extend_from_slice(args);
    run_in(dir, &argv, env, Duration::from_secs(30))
}

/// `(value, source)` of one setting in the JSON output.
fn setting(run: &Run, key: &str) -> (Value, String) {
    let doc = run.json();
    let entry = &doc["settings"][key];
    assert!(entry.is_object(), "no setting {key} in {doc}");
    (entry["value"].clone(), entry["source"].as_str().expect("source").to_owned())
}

const FILE: &str = "# a comment\nplan = \"business\"\nlatency = { samples = 2 }\n\n[api]\nurl = \"https://file.example/api/v2\"\ntimeout = \"3s\"\n\n[checks.webhooks]\ngate = \"warn\"\n";

#[test]
fn each_value_shows_the_layer_it_comes_from_with_the_files_line() {
    let dir = scratch_dir("config-sources");
    std::fs::write(dir.join("checks.toml"), FILE).expect("write");
    let env = [("CLICKUP_API_URL", "https://env.example/api/v2"), ("CLICKUP_STATUS_URL", "https://status.example/x")];
    let r = config_in(&dir, &["--timeout", "4s", "--status-url", "https://flag.example/s", "--format", "json"], &env);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(setting(&r, "api.timeout"), (Value::from("4s"), "flag --timeout".into()), "a flag beats the file");
    assert_eq!(setting(&r, "api.status_url"), (Value::from("https://flag.example/s"), "flag --status-url".into()));
    assert_eq!(setting(&r, "api.url"), (Value::from("https://env.example/api/v2"), "env CLICKUP_API_URL".into()));
    assert_eq!(setting(&r, "plan"), (Value::from("business"), "checks.toml:2".into()));
    assert_eq!(setting(&r, "latency.samples"), (Value::from(2), "checks.toml:3".into()), "an inline table's line");
    assert_eq!(setting(&r, "checks.webhooks.gate"), (Value::from("warn"), "checks.toml:10".into()));
    assert_eq!(setting(&r, "latency.warn_above"), (Value::from("2s"), "default".into()));
    assert_eq!(setting(&r, "service_account"), (Value::Null, "default".into()));
    assert_eq!(setting(&r, "config"), (Value::from("checks.toml"), "default".into()));
    assert_eq!(setting(&r, "token").1, "default", "no token anywhere");
    assert!(setting(&r, "workspaces").0.is_array(), "texts, numbers, lists and null all appear");
    assert_valid("config.schema.json", &r.json(), "config with a file, a flag and the environment");

    // Without the flag and the variable, the file's values and lines show.
    let r = config_in(&dir, &["--format", "json"], &[]);
    assert_eq!(setting(&r, "api.timeout"), (Value::from("3s"), "checks.toml:7".into()));
    assert_eq!(setting(&r, "api.url"), (Value::from("https://file.example/api/v2"), "checks.toml:6".into()));
    assert_eq!(setting(&r, "api.deadline"), (Value::from("30s"), "default".into()));

    // The table says the same, one line per setting.
    let table = config_in(&dir, &["--config", "checks.toml"], &env);
    assert!(
        table.stdout.lines().any(|l| l.starts_with("config ") && l.ends_with("= checks.toml (flag --config)")),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("api.url ") && l.ends_with("= https://env.example/api/v2 (env CLICKUP_API_URL)")),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.lines().any(|l| l.starts_with("plan ") && l.ends_with("= business (checks.toml:2)")),
        "{}",
        table.stdout
    );
}

#[test]
fn a_bad_file_is_the_same_one_line_error_as_for_check() {
    let dir = scratch_dir("config-bad");
    std::fs::write(dir.join("checks.toml"), "[latency]\nsampels = 3\n").expect("write");
    let r = config_in(&dir, &[], &[]);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.starts_with("error: checks.toml:2: ") && r.stderr.lines().count() == 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(config_in(&dir, &["--format", "junit", "--config", "/dev/null"], &[]).code, 2, "table or json only");
}

/// A second token-shaped value, in a token file.
const FILE_TOKEN: &str = concat!("pk", "_5151515_FILETOKENZYXWVUTSRQPONMLKJIHGF");
/// A third, inside `token_command`.
const COMMAND_TOKEN: &str = concat!("pk", "_6161616_COMMANDTOKENQWERTYUIOPASDFGHJ");

/// No 8 characters in a row of the secret part appear in `text`.
fn assert_no_window_of(secret: &str, text: &str) {
    let part = &secret[secret.len() - 32..];
    for window in part.as_bytes().windows(8) {
        let window = std::str::from_utf8(window).expect("ascii");
        assert!(!text.contains(window), "`{window}` of a token is in the output:\n{text}");
    }
}

#[test]
fn the_token_is_shown_by_its_source_only() {
    let dir = scratch_dir("config-token");
    let command = format!("token_command = \"vault read -field=token secret/{COMMAND_TOKEN}\"\n");
    std::fs::write(dir.join("checks.toml"), &command).expect("write");
    std::fs::write(dir.join("token.txt"), format!("{FILE_TOKEN}\n")).expect("write");
    for format in ["table", "json"] {
        let from_env = config_in(&dir, &["--format", format], &[("CLICKUP_API_TOKEN", TOKEN)]);
        assert_eq!(from_env.code, 0, "{}", from_env.all_output());
        let from_file =
            config_in(&dir, &["--format", format, "--token-file", "token.txt"], &[("CLICKUP_API_TOKEN", TOKEN)]);
        let from_command = config_in(&dir, &["--format", format], &[]);
        for run in [&from_env, &from_file, &from_command] {
            for secret in [TOKEN, FILE_TOKEN, COMMAND_TOKEN] {
                assert_no_window_of(secret, &run.all_output());
            }
        }
        if format == "json" {
            assert_eq!(setting(&from_env, "token"), (Value::from("********"), "env CLICKUP_API_TOKEN".into()));
            assert_eq!(setting(&from_file, "token"), (Value::from("********"), "flag --token-file".into()));
            let (value, source) = setting(&from_command, "token");
            assert!(value.as_str().is_some_and(|v| v.contains("token_command")), "{value}");
            assert_eq!(source, "checks.toml:1");
        } else {
            assert!(
                from_env
                    .stdout
                    .lines()
                    .any(|l| l.starts_with("token ") && l.ends_with("= ******** (env CLICKUP_API_TOKEN)")),
                "{}",
                from_env.stdout
            );
        }
    }
}

#[test]
fn a_token_that_cannot_be_used_says_why_without_showing_it() {
    let dir = scratch_dir("config-bad-token");
    std::fs::write(dir.join("token.txt"), format!("CLICKUP_API_TOKEN={TOKEN}\n")).expect("write");
    let r = config_in(&dir, &["--format", "json", "--token-file", "token.txt"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let (value, source) = setting(&r, "token");
    assert!(value.as_str().is_some_and(|v| v.starts_with("unusable: ") && v.contains("NAME=value")), "{value}");
    assert_eq!(source, "flag --token-file");
    assert_no_window_of(TOKEN, &r.all_output());
}

#[test]
fn the_sandbox_stands_in_for_the_api_the_status_page_and_the_token() {
    let r = common::run(&["config", "--sandbox", "healthy", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(setting(&r, "api.url").1, "flag --sandbox");
    assert_eq!(setting(&r, "api.status_url").1, "flag --sandbox");
    assert_eq!(setting(&r, "token").1, "flag --sandbox");
    assert_valid("config.schema.json", &r.json(), "config against the sandbox");
}

/// A config path with a line break and a terminal escape in it, as a
/// variable or a flag can name one.
const ODD_PATH: &str = "odd\n\u{1b}[31mname.toml";

#[test]
fn a_config_path_with_control_characters_is_shown_escaped_on_its_one_line() {
    let dir = scratch_dir("config-odd-path");
    std::fs::write(dir.join(ODD_PATH), "plan = \"business\"\n").expect("write");
    let env = [("CLICKUP_PREFLIGHT_CONFIG", ODD_PATH)];
    let table = config_in(&dir, &[], &env);
    assert_eq!(table.code, 0, "{}", table.all_output());
    let entries = config_in(&dir, &["--format", "json"], &env).json()["settings"].as_object().expect("settings").len();
    assert_eq!(table.stdout.lines().count(), entries, "one line per setting:\n{}", table.stdout);
    assert!(!table.stdout.contains('\u{1b}'), "{}", table.stdout);
    assert!(
        table.stdout.lines().any(|l| l.starts_with("plan ") && l.ends_with("= business (odd␤␛name.toml:1)")),
        "{}",
        table.stdout
    );
    let (_, source) = setting(&config_in(&dir, &["--format", "json"], &env), "plan");
    assert_eq!(source, "odd␤␛name.toml:1");
    // A start error naming the path stays one line, for config as for check.
    std::fs::write(dir.join(ODD_PATH), "plan = \"nope\"\n").expect("write");
    for args in [&["config"][..], &["check", "--sandbox", "healthy"][..]] {
        let bad = run_in(&dir, args, &env, Duration::from_secs(30));
        assert_eq!(bad.code, 2, "{}", bad.all_output());
        assert_eq!(bad.stderr.lines().count(), 1, "one line: {}", bad.stderr);
        assert!(
            bad.stderr.starts_with("error: odd␤␛name.toml:1: ") && !bad.stderr.contains('\u{1b}'),
            "{}",
            bad.stderr
        );
    }
}

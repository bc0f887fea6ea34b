//! `init`: a starter `checks.toml` that `check` then passes with, written
//! only where no file is, and safe whatever text the account holds.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::json_schema::{toml_to_json, validate};
use common::{FakeServer, Reply, Run, TOKEN, run_in, scratch_dir};

fn init_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut argv = vec!["init"];
    argv.extend_from_slice(args);
    run_in(dir, &argv, env, Duration::from_secs(30))
}

fn check_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut argv = vec!["check", "--format", "json"];
    argv.extend_from_slice(args);
    run_in(dir, &argv, env, Duration::from_secs(30))
}

/// The file validates against the config schema and starts with its line.
fn assert_schema_valid(text: &str) {
    assert!(text.starts_with("#:schema ./schema/checks.toml.schema.json\n"), "{text}");
    let schema_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/checks.toml.schema.json"))
        .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let errors = validate(&schema, &toml_to_json(&toml::from_str(text).expect("TOML")));
    assert!(errors.is_empty(), "the init output breaks the schema:\n{}\n{text}", errors.join("\n"));
}

#[test]
fn in_an_empty_directory_init_writes_a_file_that_check_then_passes_with() {
    let dir = scratch_dir("init-sandbox");
    let r = init_in(&dir, &["--sandbox", "healthy"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stderr.contains("wrote checks.toml: 2 workspaces, 2 expected webhooks"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "init reports on stderr: {}", r.stdout);
    let text = std::fs::read_to_string(dir.join("checks.toml")).expect("written");
    assert_schema_valid(&text);
    assert!(text.contains("workspaces = [\"9012345\", \"9012346\"]"), "{text}");

    let pass = check_in(&dir, &["--sandbox", "healthy", "--config", "checks.toml"], &[]);
    assert_eq!(pass.code, 0, "{}", pass.all_output());
    assert!(pass.summary_of("webhooks").contains("all 2 expected registrations present"), "{}", pass.stdout);
    // The expectations guard: against an account whose webhooks are gone,
    // the same file fails on each expected one by its own code.
    let gone = check_in(&dir, &["--sandbox", "no-workspaces", "--config", "checks.toml"], &[]);
    assert_eq!(gone.code, 1, "{}", gone.all_output());
    let codes = gone.check("webhooks")["findings"].to_string();
    assert_eq!(codes.matches("expected-webhook-missing").count(), 2, "{codes}");
}

#[test]
fn an_unhealthy_webhook_is_written_commented_out_with_its_reason() {
    let dir = scratch_dir("init-suspended");
    let r = init_in(&dir, &["--sandbox", "webhook-suspended", "--config", "suspended.toml"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stderr.contains("1 expected webhooks; 1 not healthy now"), "{}", r.stderr);
    let text = std::fs::read_to_string(dir.join("suspended.toml")).expect("written at --config");
    assert_schema_valid(&text);
    assert!(text.contains("is suspended (fail_count 100)"), "{text}");
    assert!(text.contains("# endpoint = \"https://hooks.acme.example/clickup/tasks\""), "{text}");
    assert!(!text.contains("\nendpoint = \"https://hooks.acme.example/clickup/tasks\""), "{text}");
    let expected: toml::Table = toml::from_str(&text).expect("TOML");
    assert_eq!(expected["webhooks"]["expect"].as_array().map(Vec::len), Some(1));
}

#[test]
fn an_existing_file_is_never_touched_and_init_exits_2() {
    let dir = scratch_dir("init-exists");
    let original = b"# mine\nplan = \"business\"\n\xef\xbb\xbf".to_vec();
    std::fs::write(dir.join("checks.toml"), &original).expect("write");
    for args in [&["--sandbox", "healthy"][..], &[][..]] {
        let r = init_in(&dir, args, &[]);
        assert_eq!(r.code, 2, "{}", r.all_output());
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
        assert!(
            r.stderr.contains("checks.toml: already exists") && r.stderr.contains("nothing written"),
            "{}",
            r.stderr
        );
        assert_eq!(std::fs::read(dir.join("checks.toml")).expect("still there"), original, "byte-identical");
    }
    // A dangling link counts as a file: writing through it would create its target.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("nowhere.toml"), dir.join("link.toml")).expect("symlink");
        let r = init_in(&dir, &["--config", "link.toml"], &[]);
        assert_eq!(r.code, 2, "{}", r.all_output());
        assert!(!dir.join("nowhere.toml").exists(), "nothing written through the link");
    }
    let r = init_in(&dir, &["--sandbox", "healthy", "--config", "no/such/dir/checks.toml"], &[]);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("its directory does not exist") && !r.stderr.contains("API requests"), "{}", r.stderr);
    // The environment's config path is where `check` reads, so init writes there.
    let r = init_in(&dir, &[], &[("CLICKUP_PREFLIGHT_CONFIG", "from-env.toml")]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(dir.join("from-env.toml").is_file());
}

#[test]
fn without_a_token_init_writes_the_shipped_starter() {
    let dir = scratch_dir("init-no-token");
    let r = init_in(&dir, &[], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stderr.contains("CLICKUP_API_TOKEN"), "says how to fill it: {}", r.stderr);
    let written = std::fs::read_to_string(dir.join("checks.toml")).expect("written");
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/checks.toml")).expect("shipped");
    assert_eq!(written, shipped);
}

#[test]
fn when_the_account_cannot_be_read_nothing_is_written() {
    let dir = scratch_dir("init-unauthorized");
    let r = init_in(&dir, &["--sandbox", "unauthorized"], &[]);
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert!(r.stderr.contains("nothing written"), "{}", r.stderr);
    assert!(!dir.join("checks.toml").exists());
    let r = init_in(&dir, &["--sandbox", "healthy", "--fault", "status=503,route=/team/9012346/webhook"], &[]);
    assert_eq!(r.code, 1, "a workspace left unlisted would leave its webhooks unguarded: {}", r.all_output());
    assert!(r.stderr.contains("workspace 9012346"), "{}", r.stderr);
    assert!(!dir.join("checks.toml").exists());
}

/// An endpoint that would end the string, start new tables and redefine
/// `[api]` if it were pasted between quotes; and the token in a path.
const HOSTILE_ENDPOINT: &str =
    "https://hooks.example/a\\\"b'c\\\\d\\n]]\\n[api]\\nurl = \\\"http://evil.example\\\"\\n# ]] ''' \\\"\\\"\\\"";

fn hostile_account() -> FakeServer {
    FakeServer::start(|seen| {
        let body = match seen.path.as_str() {
            "/api/v2/team" => r#"{"teams":[{"id":"9012345","name":"A"}]}"#.to_owned(),
            "/api/v2/team/9012345/webhook" => format!(
                r#"{{"webhooks":[{{"id":"w1","team_id":9012345,"endpoint":"{HOSTILE_ENDPOINT}","events":["taskCreated"],"list_id":"901","health":{{"status":"active","fail_count":0}}}},
                {{"id":"w2","team_id":9012345,"endpoint":"https://hooks.example/{}","events":["taskUpdated"],"health":{{"status":"active","fail_count":0}}}}]}}"#,
                seen.headers.get("authorization").cloned().unwrap_or_default()
            ),
            "/status" => common::STATUS_OK.to_owned(),
            _ => common::USER_OK.to_owned(),
        };
        Reply::Full(200, common::rate_headers(), body)
    })
}

#[test]
fn hostile_text_from_the_account_round_trips_as_toml_strings_and_the_token_stays_out() {
    let server = hostile_account();
    let dir = scratch_dir("init-hostile");
    let api = server.url("/api/v2");
    let token = [("CLICKUP_API_TOKEN", TOKEN)];
    let r = init_in(&dir, &["--api-url", &api], &token);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let text = std::fs::read_to_string(dir.join("checks.toml")).expect("written");
    assert_schema_valid(&text);
    let parsed: toml::Table = toml::from_str(&text).expect("TOML");
    let expect = parsed["webhooks"]["expect"].as_array().expect("expectations");
    assert_eq!(expect.len(), 2, "exactly the two webhooks, no injected table:\n{text}");
    assert_eq!(parsed["api"]["url"].as_str(), Some("https://api.clickup.com/api/v2"), "[api] untouched");
    let endpoint = expect[0]["endpoint"].as_str().expect("endpoint");
    assert!(endpoint.contains("a\"b'c\\d") && endpoint.contains("]]") && endpoint.contains("[api]"), "{endpoint}");
    let secret = &TOKEN[TOKEN.len() - 32..];
    for window in secret.as_bytes().windows(8) {
        let window = std::str::from_utf8(window).expect("ascii");
        assert!(!text.contains(window), "`{window}` of the token is in the file:\n{text}");
    }

    let status = server.url("/status");
    let check = check_in(
        &dir,
        &["--api-url", &api, "--status-url", &status, "--config", "checks.toml", "--only", "workspaces,webhooks"],
        &token,
    );
    assert_eq!(check.code, 0, "{}", check.all_output());
    assert!(check.summary_of("webhooks").contains("all 2 expected registrations present"), "{}", check.stdout);
}

#[test]
fn a_target_path_with_control_characters_is_quoted_on_one_line() {
    let dir = scratch_dir("init-odd-path");
    let odd = "odd\n\u{1b}[2Jname.toml";
    let wrote = init_in(&dir, &["--config", odd], &[]);
    assert_eq!(wrote.code, 0, "{}", wrote.all_output());
    assert!(dir.join(odd).is_file(), "written where it was asked");
    let refused = init_in(&dir, &["--config", odd], &[]);
    assert_eq!(refused.code, 2, "{}", refused.all_output());
    for run in [&wrote, &refused] {
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
        assert!(run.stderr.contains("odd␤␛name.toml") && !run.stderr.contains('\u{1b}'), "{}", run.stderr);
    }
}

//! Secret hygiene, token provenance, install-hook and the checklist,
//! against temporary git repositories built here. The planted token must
//! never appear in any output.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Run, TOKEN, run_in, scratch_dir};

/// A second token shape, planted in repositories; split in source.
const PLANTED: &str = concat!("pk", "_7654321_PLANTEDTOKEN0123456789ABCDEFGHIJ");
const OAUTH_SECRET: &str = concat!("9fK2mQ7xR4tZ8", "wB1nV6cL3pD5");

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A fresh repository with `files` written, committed when `commit`.
fn repo(name: &str, files: &[(&str, &str)], commit: bool) -> PathBuf {
    let dir = scratch_dir(name).join("repo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    git(&dir, &["init", "-q"]);
    for (path, content) in files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(file, content).expect("write");
    }
    if commit {
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "init"]);
    }
    dir
}

fn secrets(dir: &Path, env: &[(&str, &str)]) -> Run {
    let r = run_in(
        dir,
        &["check", "--only", "secrets", "--repo", ".", "--format", "json", "-vv"],
        env,
        Duration::from_secs(30),
    );
    for secret in [PLANTED, OAUTH_SECRET, TOKEN] {
        assert!(!r.all_output().contains(secret), "a secret value was printed:\n{}", r.all_output());
    }
    r
}

const GUARD: (&str, &str) = (
    ".pre-commit-config.yaml",
    "repos:\n  - repo: https://github.com/gitleaks/gitleaks\n    hooks: [{id: gitleaks}]\n",
);

#[test]
fn a_committed_token_fails_p1_with_file_line_and_prefix() {
    let dir =
        repo("committed", &[("src/config.js", &format!("// config\nconst token = \"{PLANTED}\";\n")), GUARD], true);
    let r = secrets(&dir, &[]);
    assert_eq!(r.code, 1);
    let check = r.check("secrets");
    assert_eq!((check["status"].as_str(), check["severity"].as_str()), (Some("fail"), Some("P1")));
    let summary = r.summary_of("secrets");
    assert!(summary.starts_with("ClickUp personal token in src/config.js:2 (pk_765…, fingerprint "), "{summary}");
    let sarif =
        run_in(&dir, &["check", "--only", "secrets", "--repo", ".", "--format", "sarif"], &[], Duration::from_secs(30))
            .json();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/config.js");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn the_deployed_token_is_recognised_by_fingerprint() {
    let dir = repo("deployed", &[("app.py", &format!("CLICKUP = '{TOKEN}'\n")), GUARD], true);
    let r = secrets(&dir, &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert!(r.summary_of("secrets").ends_with("it is the deployed token"), "{}", r.summary_of("secrets"));
}

#[test]
fn a_token_only_in_an_ignored_file_passes() {
    let dir = repo(
        "ignored",
        &[
            (".gitignore", ".env\nlocal/\n"),
            (".env", &format!("CLICKUP_API_TOKEN={PLANTED}\n")),
            ("local/notes.txt", PLANTED),
            GUARD,
        ],
        true,
    );
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "pass", "{}", r.stdout);
    assert_eq!(r.code, 0);
}

#[test]
fn an_unignored_env_file_fails_naming_it() {
    let dir = repo("env", &[(".env", "DEBUG=1\n"), (".env.example", "CLICKUP_API_TOKEN=\n"), GUARD], false);
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "fail");
    assert_eq!(r.summary_of("secrets"), ".env is not ignored by git and would be committed");
}

#[test]
fn an_oauth_secret_in_a_client_bundle_fails_even_when_ignored() {
    let bundle = format!("var a=1;\nwindow.cfg={{clickupClientSecret: \"{OAUTH_SECRET}\"}};\n");
    let dir = repo("bundle", &[(".gitignore", "dist/\n"), ("dist/app.js", &bundle), GUARD], true);
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "fail");
    assert!(r.summary_of("secrets").contains("in client bundle dist/app.js:2"), "{}", r.summary_of("secrets"));
}

#[test]
fn no_guard_warns_and_install_hook_adds_one_that_blocks_commits() {
    let dir = repo("hook", &[("README.md", "hello\n")], true);
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "warn");

    let installed = run_in(&dir, &["install-hook", "--repo", "."], &[], Duration::from_secs(30));
    assert_eq!(installed.code, 0, "{}", installed.all_output());
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "pass", "the hook counts as a guard");
    let again = run_in(&dir, &["install-hook", "--repo", "."], &[], Duration::from_secs(30));
    assert_eq!(again.code, 2, "an existing hook is not replaced without --force");

    // A clean commit goes through; one adding a token is blocked.
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    git(&dir, &["add", "ok.txt"]);
    git(&dir, &["commit", "-q", "-m", "clean"]);
    std::fs::write(dir.join("leak.txt"), format!("token {PLANTED}\n")).expect("write");
    git(&dir, &["add", "leak.txt"]);
    let blocked = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "leak"])
        .output()
        .expect("git commit");
    assert!(!blocked.status.success(), "the hook blocks the commit");
    let said = format!("{}{}", String::from_utf8_lossy(&blocked.stdout), String::from_utf8_lossy(&blocked.stderr));
    assert!(said.contains("leak.txt:1"), "{said}");
    assert!(!said.contains(PLANTED), "the hook does not print the token");
}

#[test]
fn outside_a_repository_secrets_is_skip() {
    let dir = scratch_dir("not-a-repo");
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "skip");
}

// ---- token ------------------------------------------------------------------

fn token_check(dir: &Path, config: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    std::fs::write(dir.join("checks.toml"), config).expect("write config");
    let mut args = vec!["check", "--sandbox", "healthy", "--only", "token", "--repo", ".", "--format", "json"];
    args.extend_from_slice(extra);
    run_in(dir, &args, env, Duration::from_secs(30))
}

#[test]
fn the_token_owner_must_be_the_service_account() {
    let dir = scratch_dir("owner");
    let ok = token_check(&dir, "service_account = \"sandbox@example.com\"\n", &[], &[]);
    assert_eq!(ok.status_of("token"), "pass", "{}", ok.stdout);
    let wrong = token_check(&dir, "service_account = \"ops@example.com\"\n", &[], &[]);
    assert_eq!(wrong.status_of("token"), "fail");
    assert_eq!(
        wrong.summary_of("token"),
        "the token belongs to Sandbox Service Account, not the service account ops@example.com"
    );
    assert!(!wrong.stdout.contains("sandbox@example.com"), "the user's email is not printed");
    let unset = token_check(&dir, "", &[], &[]);
    assert_eq!(unset.status_of("token"), "warn", "a personal token without service_account");
}

#[test]
fn token_command_supplies_the_token_and_a_dot_env_file_warns() {
    let dir = repo("token-source", &[(".gitignore", ".env\n")], true);
    let command = format!("token_command = \"printf %s {TOKEN}\"\nservice_account = \"1000001\"\n");
    let r = token_check(&dir, &command, &[], &[]);
    assert_eq!(r.status_of("token"), "pass", "{}", r.stdout);
    assert!(r.summary_of("token").contains("token_command"), "{}", r.summary_of("token"));
    assert!(!r.all_output().contains(TOKEN));

    std::fs::write(dir.join(".env"), format!("{TOKEN}\n")).expect("write .env");
    let r = token_check(&dir, "service_account = \"1000001\"\n", &[], &["--token-file", ".env"]);
    assert_eq!(r.status_of("token"), "warn");
    assert!(r.summary_of("token").contains(".env file inside the repository"), "{}", r.summary_of("token"));

    let failing = token_check(&dir, "token_command = \"echo oops >&2; exit 3\"\nservice_account = \"1\"\n", &[], &[]);
    assert_eq!(failing.code, 2);
    assert!(
        failing.stderr.starts_with("error: token_command in checks.toml: it failed with exit code 3"),
        "{}",
        failing.stderr
    );
    assert!(!failing.stderr.contains("oops"), "the command's stderr is not repeated");
}

// ---- checklist ------------------------------------------------------------------

#[test]
fn checklist_settles_every_item_and_gates_on_open_items() {
    let dir = repo("checklist", &[(".gitignore", ".env\n"), GUARD], true);
    let attest = |item: &str, on: &str| {
        format!("[attest.{item}]\nby = \"ops@example.com\"\non = {on}\nlink = \"https://wiki.example/{item}\"\n")
    };
    let today = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let recent = {
        // A date 10 days ago, from the run's clock, formatted by the shell's date.
        let out = Command::new("date")
            .args(["-u", "-d", &format!("@{}", today - 10 * 86_400), "+%Y-%m-%d"])
            .output()
            .expect("date");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let config = format!(
        "service_account = \"1000001\"\n{}{}",
        attest("token-rotation", &recent),
        attest("caching", "2020-01-01")
    );
    std::fs::write(dir.join("checks.toml"), config).expect("write config");
    let r = run_in(
        &dir,
        &["checklist", "--sandbox", "healthy", "--repo", ".", "--format", "json"],
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(r.code, 1, "items are still OPEN");
    let doc = r.json();
    let items = doc["items"].as_array().expect("items");
    assert_eq!(items.len(), 25);
    let item = |id: &str| items.iter().find(|i| i["id"] == id).cloned().unwrap_or_else(|| panic!("{id}"));
    assert_eq!(item("health-check")["state"], "verified");
    assert_eq!(item("health-check")["verdict"], "pass");
    assert_eq!(item("env-ignored-and-hook")["check"], "secrets");
    assert_eq!(item("service-account")["verdict"], "pass");
    assert_eq!(item("token-rotation")["state"], "attested");
    assert_eq!(item("token-rotation")["attested"]["stale"], false);
    assert_eq!(item("caching")["attested"]["stale"], true);
    assert_eq!(item("circuit-breaker")["state"], "open");
    assert_eq!(doc["totals"]["attested"], 2);

    let table = run_in(&dir, &["checklist", "--sandbox", "healthy", "--repo", "."], &[], Duration::from_secs(30));
    assert!(
        table.stdout.contains("ATTESTED (stale)")
            && table.stdout.contains("VERIFIED (PASS)")
            && table.stdout.contains("OPEN"),
        "{}",
        table.stdout
    );
    let md = run_in(
        &dir,
        &["checklist", "--sandbox", "healthy", "--repo", ".", "--format", "markdown"],
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(md.stdout.matches("- [").count(), 25, "{}", md.stdout);
}

#[test]
fn checklist_attestations_must_name_real_items() {
    let dir = scratch_dir("bad-attest");
    std::fs::write(dir.join("checks.toml"), "[attest.token-rotaton]\nby = \"x\"\non = 2026-01-01\n").expect("write");
    let r = run_in(&dir, &["checklist", "--sandbox", "healthy"], &[], Duration::from_secs(30));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: checks.toml:1: `[attest.token-rotaton]`: `token-rotaton` is not a checklist item"),
        "{}",
        r.stderr
    );
}

#[test]
fn checklist_without_a_token_runs_what_needs_none() {
    let dir = repo("offline", &[(".gitignore", ".env\n"), GUARD], true);
    let r = run_in(&dir, &["checklist", "--repo", ".", "--format", "json"], &[], Duration::from_secs(30));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no ClickUp token"), "{}", r.stderr);
    let doc = r.json();
    let items = doc["items"].as_array().expect("items");
    let state = |id: &str| items.iter().find(|i| i["id"] == id).map(|i| i["state"].clone());
    assert_eq!(state("env-ignored-and-hook"), Some("verified".into()), "secrets needs no token");
    assert_eq!(state("health-check"), Some("open".into()));
}

// ---- secrets: a scan that cannot run is never a pass or a skip ----------------

/// A directory holding only a `git` that fails like a broken repository, to
/// put first on PATH.
fn failing_git(name: &str) -> PathBuf {
    let bin = scratch_dir(&format!("{name}-bin")).join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let git = bin.join("git");
    std::fs::write(&git, "#!/bin/sh\necho 'fatal: index file corrupt' >&2\nexit 128\n").expect("write fake git");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

#[test]
fn git_missing_is_an_error_not_a_skip() {
    let dir = repo("no-git", &[("README.md", "hello\n"), GUARD], true);
    let empty = scratch_dir("no-git-path");
    let r = secrets(&dir, &[("PATH", empty.to_str().expect("utf-8 path"))]);
    assert_eq!((r.code, r.status_of("secrets").as_str()), (1, "error"), "{}", r.all_output());
    assert!(r.summary_of("secrets").contains("cannot run git"), "{}", r.summary_of("secrets"));
}

#[test]
fn git_failing_is_an_error_with_the_reason() {
    let dir = repo("git-fails", &[("README.md", "hello\n"), GUARD], true);
    let r = secrets(&dir, &[("PATH", failing_git("git-fails").to_str().expect("utf-8 path"))]);
    assert_eq!((r.code, r.status_of("secrets").as_str()), (1, "error"), "{}", r.all_output());
    assert!(r.summary_of("secrets").contains("index file corrupt"), "{}", r.summary_of("secrets"));
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "pass", "the same repository with a working git passes");
}

#[test]
fn the_pre_commit_scan_exits_non_zero_with_the_reason_when_git_fails() {
    // The command install-hook's script runs, in the hook's own environment
    // (the repository root as working directory), with a git that fails.
    let dir = repo("hook-git-fails", &[("README.md", "hello\n")], true);
    let hook_args = ["check", "--only", "secrets", "--staged", "--repo", ".", "-q", "--no-color"];
    let working = run_in(&dir, &hook_args, &[], Duration::from_secs(30));
    assert_eq!(working.code, 0, "nothing staged passes: {}", working.all_output());
    let path = failing_git("hook-git-fails");
    let broken = run_in(&dir, &hook_args, &[("PATH", path.to_str().expect("utf-8 path"))], Duration::from_secs(30));
    assert_ne!(broken.code, 0, "a broken scan must block the commit: {}", broken.all_output());
    assert!(broken.all_output().contains("index file corrupt"), "the reason is shown: {}", broken.all_output());
}

#[test]
fn a_repo_path_that_is_missing_or_not_a_directory_is_a_usage_error() {
    let dir = scratch_dir("repo-flag");
    std::fs::write(dir.join("file.txt"), "x").expect("write");
    for (path, problem) in [("nowhere", "does not exist"), ("file.txt", "is not a directory")] {
        let r = run_in(&dir, &["check", "--only", "secrets", "--repo", path], &[], Duration::from_secs(30));
        assert_eq!(r.code, 2, "{}", r.all_output());
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
        assert!(r.stderr.contains(&format!("--repo: {path} {problem}")), "{}", r.stderr);
    }
}
